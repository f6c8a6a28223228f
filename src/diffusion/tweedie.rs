//! Tweedie's formula in one dimension (seed 002, 1.120–1.121), by quadrature, for a prior p(θ) the
//! reader picks and an observation x | θ ~ N(θ, σ²):
//!
//!   E[θ | x] = ∫ θ p(θ|x) dθ (1.120)   and   E[θ | x] = x + σ² d/dx log p(x) (1.121),
//!
//! where p(x) = ∫ p(θ) N(x; θ, σ²) dθ. Both sides are computed independently: the left as a ratio
//! of two integrals, the right by differentiating the integral log p(x) numerically (a five-point
//! stencil). Gauss–Legendre panels a fraction of σ wide, split at the prior's kinks and edges,
//! make the quadrature accurate to ~1e−12; the integrands are summed in log space so far-out x do
//! not underflow. For the Gaussian and mixture priors the closed form is reported as well.

use crate::numerics::error::{check_finite, check_positive, short_number, InputError, Result, Rule};
use crate::numerics::gaussian::log_normal;
use crate::diffusion::oracle::log_sum_exp;

/// The most x values one call accepts.
pub const MAX_POINTS: usize = 4001;
const MAX_PANELS: usize = 200_000;

/// A prior p(θ) on the real line.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    Gaussian { mean: f64, variance: f64 },
    /// Σ_k w_k N(θ; m_k, v_k), weights normalised
    Mixture { weights: Vec<f64>, means: Vec<f64>, variances: Vec<f64> },
    /// flat on [lo, hi]
    Uniform { lo: f64, hi: f64 },
    /// e^{−|θ − loc|/scale} / (2 scale)
    Laplace { loc: f64, scale: f64 },
}

impl Prior {
    pub const NAMES: [&'static str; 4] = ["gaussian", "mixture", "uniform", "laplace"];

    /// Validate and normalise.
    pub fn checked(self) -> Result<Prior> {
        match self {
            Prior::Gaussian { mean, variance } => {
                check_finite("prior.mean", &[mean])?;
                check_positive("prior.variance", variance)?;
                Ok(Prior::Gaussian { mean, variance })
            }
            Prior::Mixture { weights, means, variances } => {
                crate::numerics::error::check_nonempty("prior.weights", weights.len())?;
                crate::numerics::error::check_same_len("prior.means", means.len(), "prior.weights", weights.len())?;
                crate::numerics::error::check_same_len("prior.variances", variances.len(), "prior.weights", weights.len())?;
                check_finite("prior.means", &means)?;
                for (i, w) in weights.iter().enumerate() {
                    check_positive(&format!("prior.weights[{i}]"), *w)?;
                }
                for (i, v) in variances.iter().enumerate() {
                    check_positive(&format!("prior.variances[{i}]"), *v)?;
                }
                let total: f64 = weights.iter().sum();
                Ok(Prior::Mixture { weights: weights.iter().map(|w| w / total).collect(), means, variances })
            }
            Prior::Uniform { lo, hi } => {
                check_finite("prior.lo", &[lo])?;
                check_finite("prior.hi", &[hi])?;
                if hi <= lo {
                    return Err(InputError::at("prior.lo", Rule::LessThan { other: "prior.hi".into(), other_value: short_number(hi) }, lo));
                }
                Ok(Prior::Uniform { lo, hi })
            }
            Prior::Laplace { loc, scale } => {
                check_finite("prior.loc", &[loc])?;
                check_positive("prior.scale", scale)?;
                Ok(Prior::Laplace { loc, scale })
            }
        }
    }

    /// log p(θ) (−∞ outside the support).
    pub fn log_density(&self, th: f64) -> f64 {
        match self {
            Prior::Gaussian { mean, variance } => log_normal(th, *mean, *variance),
            Prior::Mixture { weights, means, variances } => {
                let v: Vec<f64> = (0..weights.len()).map(|k| weights[k].ln() + log_normal(th, means[k], variances[k])).collect();
                log_sum_exp(&v)
            }
            Prior::Uniform { lo, hi } => {
                if th >= *lo && th <= *hi {
                    -(hi - lo).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Prior::Laplace { loc, scale } => -(th - loc).abs() / scale - (2.0 * scale).ln(),
        }
    }

    /// Where the prior has all but ~e^{−100} of its mass, its kinks, and its narrowest scale.
    fn layout(&self) -> (f64, f64, Vec<f64>, f64) {
        const Z: f64 = 15.0;
        match self {
            Prior::Gaussian { mean, variance } => {
                let s = variance.sqrt();
                (mean - Z * s, mean + Z * s, vec![], s)
            }
            Prior::Mixture { means, variances, .. } => {
                let lo = means.iter().zip(variances).map(|(m, v)| m - Z * v.sqrt()).fold(f64::INFINITY, f64::min);
                let hi = means.iter().zip(variances).map(|(m, v)| m + Z * v.sqrt()).fold(f64::NEG_INFINITY, f64::max);
                (lo, hi, vec![], variances.iter().map(|v| v.sqrt()).fold(f64::INFINITY, f64::min))
            }
            Prior::Uniform { lo, hi } => (*lo, *hi, vec![], hi - lo),
            Prior::Laplace { loc, scale } => (loc - 100.0 * scale, loc + 100.0 * scale, vec![*loc], *scale),
        }
    }

    /// A hard support (the integrand is zero outside it).
    fn support(&self) -> (f64, f64) {
        match self {
            Prior::Uniform { lo, hi } => (*lo, *hi),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// The closed-form E[θ | x] where there is one.
    pub fn exact_posterior_mean(&self, x: f64, sigma: f64) -> Option<f64> {
        let s2 = sigma * sigma;
        match self {
            Prior::Gaussian { mean, variance } => Some((variance * x + s2 * mean) / (variance + s2)),
            Prior::Mixture { weights, means, variances } => {
                let logr: Vec<f64> = (0..weights.len()).map(|k| weights[k].ln() + log_normal(x, means[k], variances[k] + s2)).collect();
                let z = log_sum_exp(&logr);
                Some((0..weights.len()).map(|k| (logr[k] - z).exp() * (variances[k] * x + s2 * means[k]) / (variances[k] + s2)).sum())
            }
            _ => None,
        }
    }
}

/// Both sides of Tweedie's formula at one x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TweediePoint {
    pub x: f64,
    /// log p(x) by quadrature, nats
    pub log_marginal: f64,
    /// d/dx log p(x), by a five-point stencil on the quadrature
    pub score: f64,
    /// ∫ θ p(θ|x) dθ by quadrature (1.120)
    pub posterior_mean: f64,
    /// x + σ² d/dx log p(x) (1.121)
    pub tweedie: f64,
    /// tweedie − posterior_mean
    pub residual: f64,
    /// the closed form, for the Gaussian and mixture priors
    pub exact: Option<f64>,
}

/// 10-point Gauss–Legendre nodes and weights on [−1, 1].
const GL_X: [f64; 5] = [0.148_874_338_981_631_2, 0.433_395_394_129_247_2, 0.679_409_568_299_024_4, 0.865_063_366_688_984_5, 0.973_906_528_517_171_7];
const GL_W: [f64; 5] = [0.295_524_224_714_752_9, 0.269_266_719_309_996_4, 0.219_086_362_515_982, 0.149_451_349_150_580_6, 0.066_671_344_308_688_1];

/// Quadrature nodes (θ, weight) covering [lo, hi] in panels at most `width` wide, split at `cuts`.
fn nodes(lo: f64, hi: f64, cuts: &[f64], width: f64) -> Result<Vec<(f64, f64)>> {
    let mut edges = vec![lo];
    edges.extend(cuts.iter().copied().filter(|c| *c > lo && *c < hi));
    edges.push(hi);
    let panels: f64 = edges.windows(2).map(|w| ((w[1] - w[0]) / width).ceil()).sum();
    if panels > MAX_PANELS as f64 {
        return Err(InputError::new("sigma", Rule::TooMuchWork { max: format!("{MAX_PANELS} quadrature panels: take a larger σ or a narrower range of x") }, None));
    }
    let mut out = Vec::with_capacity(panels as usize * 10);
    for w in edges.windows(2) {
        let m = ((w[1] - w[0]) / width).ceil().max(1.0) as usize;
        let h = (w[1] - w[0]) / m as f64;
        for p in 0..m {
            let c = w[0] + (p as f64 + 0.5) * h;
            for (x, wt) in GL_X.iter().zip(&GL_W) {
                out.push((c - 0.5 * h * x, 0.5 * h * wt));
                out.push((c + 0.5 * h * x, 0.5 * h * wt));
            }
        }
    }
    Ok(out)
}

/// log ∫ p(θ) N(x; θ, σ²) dθ and the posterior mean, on fixed nodes.
fn integrate(prior: &Prior, nodes: &[(f64, f64)], x: f64, s2: f64) -> (f64, f64) {
    let logs: Vec<f64> = nodes.iter().map(|(th, w)| w.ln() + prior.log_density(*th) + log_normal(x, *th, s2)).collect();
    let m = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let (mut z, mut t) = (0.0, 0.0);
    for ((th, _), l) in nodes.iter().zip(&logs) {
        let e = (l - m).exp();
        z += e;
        t += th * e;
    }
    (m + z.ln(), t / z)
}

/// Tweedie's formula (1.121) against the quadrature posterior mean (1.120) at every x.
pub fn tweedie_1d(prior: &Prior, sigma: f64, xs: &[f64]) -> Result<Vec<TweediePoint>> {
    let prior = prior.clone().checked()?;
    check_positive("sigma", sigma)?;
    check_finite("x", xs)?;
    if xs.is_empty() || xs.len() > MAX_POINTS {
        return Err(InputError::length("x", xs.len(), format!("1 to {MAX_POINTS}")));
    }
    let s2 = sigma * sigma;
    let (plo, phi, cuts, scale) = prior.layout();
    let (slo, shi) = prior.support();
    let xmin = xs.iter().cloned().fold(f64::INFINITY, f64::min);
    let xmax = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    // the likelihood's reach, widened for the stencil; clipped to the hard support
    let lo = plo.min(xmin - 15.0 * sigma).max(slo);
    let hi = phi.max(xmax + 15.0 * sigma).min(shi);
    let coarse_width = 0.25 * sigma.min(scale);
    let coarse = nodes(lo, hi, &cuts, coarse_width)?;
    let h = 1e-3 * sigma;
    xs.iter()
        .map(|&x| {
            // where the integrand is within e^{−80} of its peak, found on the coarse nodes; then
            // panels narrow enough that the likelihood changes by at most e^{±2} across one
            let l: Vec<f64> = coarse.iter().map(|(th, _)| prior.log_density(*th) + log_normal(x, *th, s2)).collect();
            let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let live = |i: &usize| l[*i] > m - 80.0;
            let first = (0..l.len()).find(live).unwrap_or(0);
            let last = (0..l.len()).rev().find(live).unwrap_or(l.len() - 1);
            let a = (coarse[first].0 - coarse_width).max(lo);
            let b = (coarse[last].0 + coarse_width).min(hi);
            let reach = (x - a).abs().max((x - b).abs()).max(1e-300);
            let fine = nodes(a, b, &cuts, 0.25 * sigma.min(scale).min(8.0 * s2 / reach))?;
            let (log_p, mean) = integrate(&prior, &fine, x, s2);
            let f = |dx: f64| integrate(&prior, &fine, x + dx, s2).0;
            let score = (-f(2.0 * h) + 8.0 * f(h) - 8.0 * f(-h) + f(-2.0 * h)) / (12.0 * h);
            let tweedie = x + s2 * score;
            Ok(TweediePoint { x, log_marginal: log_p, score, posterior_mean: mean, tweedie, residual: tweedie - mean, exact: prior.exact_posterior_mean(x, sigma) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xs() -> Vec<f64> {
        (0..41).map(|i| -4.0 + 0.2 * i as f64).collect()
    }

    #[test]
    fn tweedie_matches_the_posterior_mean_for_every_prior() {
        let priors = [
            Prior::Gaussian { mean: 0.5, variance: 2.0 },
            Prior::Mixture { weights: vec![1.0, 3.0], means: vec![-2.0, 1.5], variances: vec![0.1, 0.4] },
            Prior::Uniform { lo: -1.0, hi: 2.0 },
            Prior::Laplace { loc: 0.3, scale: 0.7 },
        ];
        for prior in &priors {
            for sigma in [0.1, 0.5, 2.0] {
                for p in tweedie_1d(prior, sigma, &xs()).unwrap() {
                    assert!(p.residual.abs() < 1e-7 * (1.0 + p.x.abs()), "{prior:?} σ = {sigma}: {p:?}");
                    if let Some(e) = p.exact {
                        assert!((e - p.posterior_mean).abs() < 1e-10, "{prior:?} σ = {sigma}: {p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_marginal_of_a_gaussian_prior_is_the_widened_gaussian() {
        let p = tweedie_1d(&Prior::Gaussian { mean: 0.5, variance: 2.0 }, 0.5, &[1.7]).unwrap()[0];
        assert!((p.log_marginal - log_normal(1.7, 0.5, 2.25)).abs() < 1e-12);
    }

    #[test]
    fn far_out_observations_do_not_underflow() {
        // x far outside a uniform prior: the posterior piles up at the edge, E[θ|x] → hi
        let p = tweedie_1d(&Prior::Uniform { lo: 0.0, hi: 1.0 }, 0.2, &[30.0]).unwrap()[0];
        assert!(p.posterior_mean.is_finite() && (p.posterior_mean - 1.0).abs() < 0.05 && p.posterior_mean < 1.0, "{p:?}");
        assert!(p.residual.abs() < 1e-6, "{p:?}");
    }

    #[test]
    fn bad_input_is_rejected() {
        let g = Prior::Gaussian { mean: 0.0, variance: 1.0 };
        assert!(tweedie_1d(&g, 0.0, &[0.0]).unwrap_err().message.contains("sigma = 0"));
        assert!(tweedie_1d(&g, 1.0, &[]).unwrap_err().message.contains("x has 0 values"));
        assert!(tweedie_1d(&g, 1.0, &[f64::NAN]).unwrap_err().message.contains("not a finite number"));
        assert!(tweedie_1d(&Prior::Uniform { lo: 1.0, hi: 1.0 }, 1.0, &[0.0]).unwrap_err().message.contains("prior.lo = 1 must be smaller than prior.hi = 1"));
        assert!(tweedie_1d(&g, 1e-7, &[0.0, 1e3]).unwrap_err().message.contains("sigma asks for too much work")); // σ is too small for this range
        let m = Prior::Mixture { weights: vec![1.0], means: vec![0.0, 1.0], variances: vec![1.0] };
        assert!(tweedie_1d(&m, 1.0, &[0.0]).unwrap_err().message.contains("prior.means has 2 values"));
    }
}
