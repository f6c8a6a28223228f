//! Score matching (seed 003), checked on a distribution whose density we know: the Gaussian
//! mixture p of a data set, and a parametric score model s_θ(x) = −(x − μ)/v, the score of
//! N(μ, v I), with θ = (μ, v) and Jacobian ∇_x s_θ = −I/v.
//!
//! - Energy-based models (2.12–2.13): p(x) = e^{−f(x)} / C has the score −∇f(x) whatever C is.
//! - Explicit score matching (2.14): L(θ) = E_p ‖∇log p(x) − s_θ(x)‖².
//! - Implicit score matching (2.15): J(θ) = E_p[½‖s_θ(x)‖² + tr ∇_x s_θ(x)]. Integration by parts
//!   makes L(θ) − 2 J(θ) = E_p ‖∇log p(x)‖², a constant in θ (the seed prints ‖½ s_θ‖² in the
//!   last line of (2.15); the line above it, ½‖s_θ‖², is the right one).
//! - Denoising score matching (2.24): ℓ(θ; σ) = ½ E_{p(x)} E_{x̃ ~ N(x, σ²I)} ‖s_θ(x̃) + (x̃ − x)/σ²‖²
//!   against explicit matching on the noised density q_σ (2.18):
//!   ½ E_{q_σ} ‖s_θ(x̃) − ∇log q_σ(x̃)‖². Their difference is ½(D/σ² − E_{q_σ}‖∇log q_σ‖²),
//!   again a constant.
//!
//! Every θ is scored on the same seeded draws (common random numbers), so the curves are smooth in
//! θ and their differences are constant up to a Monte Carlo residual whose standard error is
//! reported: the same minimiser, the same gradients.

use crate::numerics::error::{check_finite, check_positive, check_same_len, InputError, Result};
use crate::numerics::montecarlo::Estimate;
use crate::diffusion::oracle::GaussianMixture;
use crate::numerics::rng::Rng;

/// The largest sample count accepted.
pub const MAX_SAMPLES: usize = 2_000_000;

/// s_θ(x) = −(x − μ)/v: the score of N(μ, v I).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianScore {
    pub mean: Vec<f64>,
    /// v > 0
    pub variance: f64,
}

impl GaussianScore {
    fn score(&self, x: &[f64]) -> Vec<f64> {
        x.iter().zip(&self.mean).map(|(x, m)| -(x - m) / self.variance).collect()
    }

    /// tr ∇_x s_θ(x) = −D / v.
    fn trace_jacobian(&self) -> f64 {
        -(self.mean.len() as f64) / self.variance
    }
}

/// The losses at one θ, each a Monte Carlo estimate over the shared draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Losses {
    /// L(θ) = E_p‖∇log p − s_θ‖² (2.14)
    pub explicit: Estimate,
    /// J(θ) = E_p[½‖s_θ‖² + tr ∇s_θ] (2.15)
    pub implicit: Estimate,
    /// L − 2J − E_p‖∇log p‖², per draw: mean 0 within its error if (2.14) ≡ 2·(2.15) + const
    pub implicit_residual: Estimate,
    /// ½ E_{q_σ}‖s_θ − ∇log q_σ‖² (2.18)
    pub noisy_explicit: Estimate,
    /// ℓ(θ; σ) (2.24)
    pub denoising: Estimate,
    /// ℓ − (2.18) − ½(‖ε‖²/σ² − ‖∇log q_σ‖²), per draw: mean 0 within its error
    pub denoising_residual: Estimate,
}

/// The curves over θ and their constant offsets.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMatching {
    pub losses: Vec<Losses>,
    /// E_p‖∇log p‖² (the Fisher divergence of p from a flat score): L − 2J
    pub implicit_constant: Estimate,
    /// ½(D/σ² − E_{q_σ}‖∇log q_σ‖²): ℓ − (2.18)
    pub denoising_constant: Estimate,
    /// max − min over θ of the measured L − 2J, and of ℓ − (2.18)
    pub implicit_spread: f64,
    pub denoising_spread: f64,
    /// index of the θ minimising each curve
    pub argmin_explicit: usize,
    pub argmin_implicit: usize,
    pub argmin_noisy_explicit: usize,
    pub argmin_denoising: usize,
    pub sigma: f64,
}

fn sq(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

fn argmin(v: impl Iterator<Item = f64>) -> usize {
    v.enumerate().min_by(|a, b| a.1.total_cmp(&b.1)).map(|(i, _)| i).unwrap_or(0)
}

fn spread(v: impl Iterator<Item = f64> + Clone) -> f64 {
    v.clone().fold(f64::NEG_INFINITY, f64::max) - v.fold(f64::INFINITY, f64::min)
}

/// Score every θ on n seeded draws x ~ p (the mixture at t = 0) and x̃ = x + σε.
pub fn score_matching(p: &GaussianMixture, thetas: &[GaussianScore], sigma: f64, n: usize, seed: u64) -> Result<ScoreMatching> {
    crate::numerics::error::check_nonempty("thetas", thetas.len())?;
    for (i, th) in thetas.iter().enumerate() {
        check_same_len(&format!("thetas[{i}].mean"), th.mean.len(), "the data dimension", p.dim)?;
        check_finite(&format!("thetas[{i}].mean"), &th.mean)?;
        check_positive(&format!("thetas[{i}].variance"), th.variance)?;
    }
    check_positive("sigma", sigma)?;
    if !(2..=MAX_SAMPLES).contains(&n) {
        return Err(InputError::integer("samples", n as f64, 2, MAX_SAMPLES as u64));
    }
    // each (θ, sample) pair costs the five objectives' terms (~2 µs here): 5000 θ × 20000 samples
    // took six minutes before this budget
    let per_pair = 2000.0 + 20.0 * (p.components() * p.dim) as f64;
    crate::numerics::budget::check_work("samples", n as f64, n as f64 * thetas.len() as f64 * per_pair, "samples × thetas × (2000 + 20 × components × dim)")?;
    let d = p.dim;
    let mut rng = Rng::new(seed);
    let xs = p.sample(n, &mut rng);
    let eps = rng.normals(n * d);
    let noisy: Vec<f64> = xs.iter().zip(&eps).map(|(x, e)| x + sigma * e).collect(); // (2.17)
    let score_p: Vec<Vec<f64>> = xs.chunks(d).map(|x| p.score(x, 1.0)).collect();
    let score_q: Vec<Vec<f64>> = noisy.chunks(d).map(|x| p.score_sigma(x, sigma)).collect();
    let fisher: Vec<f64> = score_p.iter().map(|g| sq(g)).collect();
    let offset: Vec<f64> = (0..n).map(|i| 0.5 * (sq(&eps[i * d..(i + 1) * d]) / (sigma * sigma) - sq(&score_q[i]))).collect();

    let losses: Vec<Losses> = thetas
        .iter()
        .map(|th| {
            let tr = th.trace_jacobian();
            let (mut ex, mut im, mut ir, mut ne, mut dn, mut dr) = (vec![], vec![], vec![], vec![], vec![], vec![]);
            for i in 0..n {
                let (x, xt, e) = (&xs[i * d..(i + 1) * d], &noisy[i * d..(i + 1) * d], &eps[i * d..(i + 1) * d]);
                let s = th.score(x);
                let explicit: f64 = s.iter().zip(&score_p[i]).map(|(a, b)| (b - a) * (b - a)).sum();
                let implicit = 0.5 * sq(&s) + tr;
                ex.push(explicit);
                im.push(implicit);
                ir.push(explicit - 2.0 * implicit - fisher[i]);
                let st = th.score(xt);
                let n_ex = 0.5 * st.iter().zip(&score_q[i]).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
                let dsm = 0.5 * st.iter().zip(e).map(|(a, e)| (a + e / sigma) * (a + e / sigma)).sum::<f64>(); // (x̃ − x)/σ² = ε/σ
                ne.push(n_ex);
                dn.push(dsm);
                dr.push(dsm - n_ex - offset[i]);
            }
            Losses {
                explicit: Estimate::of(&ex),
                implicit: Estimate::of(&im),
                implicit_residual: Estimate::of(&ir),
                noisy_explicit: Estimate::of(&ne),
                denoising: Estimate::of(&dn),
                denoising_residual: Estimate::of(&dr),
            }
        })
        .collect();
    Ok(ScoreMatching {
        implicit_constant: Estimate::of(&fisher),
        denoising_constant: Estimate::of(&offset),
        implicit_spread: spread(losses.iter().map(|l| l.explicit.mean - 2.0 * l.implicit.mean)),
        denoising_spread: spread(losses.iter().map(|l| l.denoising.mean - l.noisy_explicit.mean)),
        argmin_explicit: argmin(losses.iter().map(|l| l.explicit.mean)),
        argmin_implicit: argmin(losses.iter().map(|l| l.implicit.mean)),
        argmin_noisy_explicit: argmin(losses.iter().map(|l| l.noisy_explicit.mean)),
        argmin_denoising: argmin(losses.iter().map(|l| l.denoising.mean)),
        losses,
        sigma,
    })
}

/// The energy view (2.12–2.13) at one point, for one normalising constant C.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyScore {
    /// log C
    pub log_normalizer: f64,
    /// log p(x) = −f(x) − log C
    pub log_density: f64,
    /// ∇_x log p(x) by central differences of log p
    pub score: Vec<f64>,
}

/// The energy view at one point: the rows (one per log C), the analytic score, and the normaliser
/// of e^{−f} found by quadrature.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyView {
    pub rows: Vec<EnergyScore>,
    /// the mixture's analytic score ∇log p(x) (its own sum, not a difference of log p)
    pub exact_score: Vec<f64>,
    /// log Z = log ∫ e^{−f(x)} dx by 2-D Simpson quadrature
    pub log_z: f64,
    /// −f(x) − log Z: the energy normalised by the quadrature's Z
    pub log_density: f64,
    /// the mixture's own log-density, normalised in closed form
    pub exact_log_density: f64,
}

/// The energy f(x) = −log Σ_k π_k exp(−½ Σ_i (x_i − m_ki)²/S_ki): the mixture without its Gaussian
/// normalisers, so e^{−f} integrates to an unknown constant Z (2.12).
pub fn unnormalised_energy(p: &GaussianMixture, y: &[f64]) -> f64 {
    let terms: Vec<f64> = (0..p.components()).map(|k| p.weights[k].ln() - 0.5 * y.iter().enumerate().map(|(i, v)| (v - p.means[k][i]).powi(2) / p.variances[k][i]).sum::<f64>()).collect();
    -crate::diffusion::oracle::log_sum_exp(&terms)
}

/// log ∫ e^{−f} over the plane by nested Simpson quadrature (2-D mixtures), on a box 10 standard
/// deviations past every mean, with a step of a tenth of the narrowest standard deviation.
pub fn log_normalizer_by_quadrature(p: &GaussianMixture, f: impl Fn(&[f64]) -> f64) -> f64 {
    let sd = p.variances.iter().flatten().cloned().fold(f64::INFINITY, f64::min).sqrt();
    let wide = p.variances.iter().flatten().cloned().fold(0.0, f64::max).sqrt();
    let box_of = |i: usize| {
        let lo = p.means.iter().map(|m| m[i]).fold(f64::INFINITY, f64::min) - 10.0 * wide;
        let hi = p.means.iter().map(|m| m[i]).fold(f64::NEG_INFINITY, f64::max) + 10.0 * wide;
        (lo, hi, (((hi - lo) / (sd / 10.0)).ceil() as usize).clamp(100, 2000))
    };
    let ((x_lo, x_hi, nx), (y_lo, y_hi, ny)) = (box_of(0), box_of(1));
    let inner = |x: f64| crate::numerics::quadrature::log_integral_moments(|y| -f(&[x, y]), y_lo, y_hi, ny).0;
    crate::numerics::quadrature::log_integral_moments(inner, x_lo, x_hi, nx).0
}

/// Take the energy f of the mixture without its normalisers, and for each log C the model
/// p_C(x) = e^{−f(x)}/C: its log-density moves with C, its score (by central differences, step
/// `h`) does not (2.13). The true normaliser Z comes from quadrature, so e^{−f}/Z can be compared
/// with the mixture's own density: the energy is the right one, and its score is the mixture's.
pub fn energy_scores(p: &GaussianMixture, x: &[f64], log_normalizers: &[f64], h: f64) -> Result<EnergyView> {
    check_same_len("x", x.len(), "the data dimension", p.dim)?;
    check_same_len("x", x.len(), "the plane of the quadrature", 2)?;
    check_finite("x", x)?;
    check_finite("logNormalizers", log_normalizers)?;
    crate::numerics::error::check_nonempty("logNormalizers", log_normalizers.len())?;
    check_positive("h", h)?;
    // a central difference needs a step far above rounding and below the data's scale
    crate::numerics::error::check_range("h", h, crate::numerics::error::Interval::closed(1e-8, 1.0))?;
    crate::numerics::budget::check_work("logNormalizers", log_normalizers.len() as f64, log_normalizers.len() as f64 * x.len() as f64 * p.components() as f64 * 40.0, "logNormalizers × dim × components × 40")?;
    let energy = |y: &[f64]| unnormalised_energy(p, y);
    let rows = log_normalizers
        .iter()
        .map(|&log_c| {
            let log_p = |y: &[f64]| -energy(y) - log_c;
            let score = (0..x.len())
                .map(|i| {
                    let (mut a, mut b) = (x.to_vec(), x.to_vec());
                    a[i] += h;
                    b[i] -= h;
                    (log_p(&a) - log_p(&b)) / (2.0 * h)
                })
                .collect();
            EnergyScore { log_normalizer: log_c, log_density: log_p(x), score }
        })
        .collect();
    let log_z = log_normalizer_by_quadrature(p, energy);
    Ok(EnergyView { rows, exact_score: p.score(x, 1.0), log_z, log_density: -energy(x) - log_z, exact_log_density: p.log_density(x, 1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> GaussianMixture {
        crate::data::toy::Dataset::ring8_default().mixture().unwrap()
    }

    fn thetas() -> Vec<GaussianScore> {
        (0..13).map(|i| GaussianScore { mean: vec![-1.5 + 0.25 * i as f64, 0.2], variance: 0.5 + 0.25 * i as f64 }).collect()
    }

    #[test]
    fn the_three_losses_differ_by_constants_independent_of_theta() {
        let r = score_matching(&ring(), &thetas(), 0.3, 20_000, 11).unwrap();
        for (i, l) in r.losses.iter().enumerate() {
            assert!(l.implicit_residual.z_score(0.0) < 4.5, "θ {i}: {:?}", l.implicit_residual);
            assert!(l.denoising_residual.z_score(0.0) < 4.5, "θ {i}: {:?}", l.denoising_residual);
        }
        // the constant of (2.24) − (2.18) is ½(D/σ² − E‖∇log q_σ‖²), which is > 0
        assert!(r.denoising_constant.mean > 0.0);
        // the spreads are small against the curves' own range
        let range = spread(r.losses.iter().map(|l| l.explicit.mean));
        assert!(r.implicit_spread < 0.05 * range, "{} vs {range}", r.implicit_spread);
        assert_eq!(r.argmin_explicit, r.argmin_implicit);
        assert_eq!(r.argmin_noisy_explicit, r.argmin_denoising);
        assert_eq!(r, score_matching(&ring(), &thetas(), 0.3, 20_000, 11).unwrap());
    }

    #[test]
    fn the_score_does_not_depend_on_the_normalising_constant() {
        let x = [1.3, -0.4];
        let v = energy_scores(&ring(), &x, &[0.0, 5.0, -20.0], 1e-5).unwrap();
        let (rows, exact) = (&v.rows, &v.exact_score);
        assert!((rows[1].log_density - rows[0].log_density + 5.0).abs() < 1e-12);
        // the quadrature's Z normalises e^{−f} into the mixture itself
        assert!((v.log_density - v.exact_log_density).abs() < 1e-6, "{v:?}");
        for r in rows {
            for i in 0..2 {
                assert!((r.score[i] - exact[i]).abs() < 1e-5 * (1.0 + exact[i].abs()), "{r:?} vs {exact:?}");
            }
        }
    }

    #[test]
    fn the_energy_check_can_fail_a_wrong_energy_is_not_normalised_into_the_mixture() {
        // an energy with one mode's variance halved: its quadrature-normalised density is not the mixture's
        let p = ring();
        let mut q = p.clone();
        q.variances[0] = vec![0.02, 0.02];
        let x = [2.0, 0.05];
        let log_z = log_normalizer_by_quadrature(&p, |y| unnormalised_energy(&q, y));
        assert!((-unnormalised_energy(&q, &x) - log_z - p.log_density(&x, 1.0)).abs() > 1e-2, "far beyond the check's 1e-5");
    }

    #[test]
    fn bad_input_is_rejected() {
        let p = ring();
        let bad = [GaussianScore { mean: vec![0.0], variance: 1.0 }];
        assert!(score_matching(&p, &bad, 0.1, 100, 0).unwrap_err().message.contains("thetas[0].mean has 1 value "));
        let bad = [GaussianScore { mean: vec![0.0, 0.0], variance: -1.0 }];
        assert!(score_matching(&p, &bad, 0.1, 100, 0).unwrap_err().message.contains("thetas[0].variance = -1"));
        assert!(score_matching(&p, &thetas(), 0.0, 100, 0).unwrap_err().message.contains("sigma = 0"));
        assert!(score_matching(&p, &[], 0.1, 100, 0).unwrap_err().message.contains("thetas is empty"));
        assert!(energy_scores(&p, &[0.0], &[0.0], 1e-5).unwrap_err().message.contains("x has 1 value "));
    }
}
