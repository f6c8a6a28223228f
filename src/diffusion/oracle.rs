//! An exact oracle for Gaussian-mixture data: q(x_0) = Σ_k π_k N(m_k, diag(S_k)) pushed through the
//! forward kernel stays a mixture, q(x_t) = Σ_k π_k N(√ᾱ_t m_k, diag(ᾱ_t S_k + (1 − ᾱ_t))), so its
//! density, score, E[x_0 | x_t] and E[ε | x_t] are all closed forms. This is what shows Tweedie's
//! formula (1.121–1.125) and ∇log q(x_t) = −E[ε|x_t]/√(1 − ᾱ_t) (1.143) hold exactly.
//!
//! Functions take ᾱ = ᾱ_t directly; ᾱ = 1 is the data itself (t = 0).

use crate::numerics::error::{check_finite, InputError, Interval, Result, Rule};
use crate::numerics::rng::Rng;
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::sde::{Marginal, Query};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A d-dimensional mixture of K diagonal Gaussians. Weights are normalised to sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    pub dim: usize,
    pub weights: Vec<f64>,
    /// K rows of d means
    pub means: Vec<Vec<f64>>,
    /// K rows of d variances (diagonal covariances)
    pub variances: Vec<Vec<f64>>,
}

pub use crate::numerics::montecarlo::Estimate;

impl GaussianMixture {
    pub fn new(weights: Vec<f64>, means: Vec<Vec<f64>>, variances: Vec<Vec<f64>>) -> Result<Self> {
        let k = weights.len();
        crate::numerics::error::check_nonempty("weights", k)?;
        if means.len() != k || variances.len() != k {
            let (field, len) = if means.len() != k { ("means", means.len()) } else { ("variances", variances.len()) };
            return Err(InputError::length(field, len, format!("K = {k} rows (one per weight)")));
        }
        let dim = means[0].len();
        crate::numerics::error::check_nonempty("means[0]", dim)?;
        for (i, w) in weights.iter().enumerate() {
            if !(w.is_finite() && *w > 0.0) {
                return Err(InputError::at(&format!("weights[{i}]"), Rule::Positive, *w));
            }
        }
        for c in 0..k {
            if means[c].len() != dim || variances[c].len() != dim {
                let (field, len) = if means[c].len() != dim { (format!("means[{c}]"), means[c].len()) } else { (format!("variances[{c}]"), variances[c].len()) };
                return Err(InputError::length(&field, len, format!("dimension {dim} (as many as means[0])")));
            }
            check_finite(&format!("means[{c}]"), &means[c])?;
            if let Some((i, v)) = variances[c].iter().enumerate().find(|(_, v)| !(v.is_finite() && **v > 0.0)) {
                return Err(InputError::at(&format!("variances[{c}][{i}]"), Rule::Positive, *v));
            }
        }
        let total: f64 = weights.iter().sum();
        Ok(Self { dim, weights: weights.iter().map(|w| w / total).collect(), means, variances })
    }

    pub fn components(&self) -> usize {
        self.weights.len()
    }

    /// Check a point's length and values, and ᾱ ∈ (0, 1].
    pub fn check_point(&self, x: &[f64], alpha_bar: f64) -> Result<()> {
        if x.len() != self.dim {
            return Err(InputError::length("x", x.len(), format!("dimension {} (the mixture's)", self.dim)));
        }
        check_finite("x", x)?;
        if !(alpha_bar > 0.0 && alpha_bar <= 1.0) {
            return Err(InputError::range("alphaBar", alpha_bar, Interval::open_closed(0.0, 1.0)));
        }
        Ok(())
    }

    /// Component k of q(x_t): mean √ᾱ m_k and diagonal variance ᾱ S_k + (1 − ᾱ) (1.73 applied to each component).
    fn component_at(&self, k: usize, alpha_bar: f64) -> (Vec<f64>, Vec<f64>) {
        let a = alpha_bar.sqrt();
        let mean = self.means[k].iter().map(|m| a * m).collect();
        let var = self.variances[k].iter().map(|s| alpha_bar * s + (1.0 - alpha_bar)).collect();
        (mean, var)
    }

    /// log π_k + log N(x; component k of q(x_t)), for every k.
    fn log_joint(&self, x: &[f64], alpha_bar: f64) -> Vec<f64> {
        (0..self.components())
            .map(|k| {
                let (mean, var) = self.component_at(k, alpha_bar);
                self.weights[k].ln()
                    + (0..self.dim)
                        .map(|i| {
                            let d = x[i] - mean[i];
                            -0.5 * (LN_2PI + var[i].ln() + d * d / var[i])
                        })
                        .sum::<f64>()
            })
            .collect()
    }

    /// log q(x_t) at x (log-sum-exp over components), nats.
    pub fn log_density(&self, x: &[f64], alpha_bar: f64) -> f64 {
        log_sum_exp(&self.log_joint(x, alpha_bar))
    }

    /// q(x_t) at x.
    pub fn density(&self, x: &[f64], alpha_bar: f64) -> f64 {
        self.log_density(x, alpha_bar).exp()
    }

    /// Posterior component probabilities r_k(x) = π_k N_k(x) / q(x_t).
    pub fn responsibilities(&self, x: &[f64], alpha_bar: f64) -> Vec<f64> {
        let lj = self.log_joint(x, alpha_bar);
        let lse = log_sum_exp(&lj);
        lj.iter().map(|l| (l - lse).exp()).collect()
    }

    /// The exact score ∇_x log q(x_t) = Σ_k r_k(x) · (−(x − √ᾱ m_k) / (ᾱ S_k + 1 − ᾱ)).
    pub fn score(&self, x: &[f64], alpha_bar: f64) -> Vec<f64> {
        self.mix(x, alpha_bar, |_, d, var, _| -d / var)
    }

    /// The exact E[x_0 | x_t] = Σ_k r_k(x) · (m_k + √ᾱ S_k (x − √ᾱ m_k) / (ᾱ S_k + 1 − ᾱ)),
    /// the Gaussian posterior mean of each component, computed without the score.
    /// What a perfect network of kind `param` predicts at x_t: E[x_0|x_t], E[ε|x_t] or the score
    /// ∇log q(x_t) (Tweedie, (1.125) and (1.143)), for n points (row-major).
    pub fn predict(&self, param: Prediction, points: &[f64], alpha_bar: f64) -> Vec<f64> {
        points
            .chunks(self.dim)
            .flat_map(|x| match param {
                Prediction::X0 => self.posterior_mean_x0(x, alpha_bar),
                Prediction::Eps => self.posterior_mean_eps(x, alpha_bar),
                Prediction::Score => self.score(x, alpha_bar),
            })
            .collect()
    }

    pub fn posterior_mean_x0(&self, x: &[f64], alpha_bar: f64) -> Vec<f64> {
        let a = alpha_bar.sqrt();
        self.mix(x, alpha_bar, |m, d, var, s| m + a * s * d / var)
    }

    /// The exact E[ε | x_t] = (x_t − √ᾱ E[x_0 | x_t]) / √(1 − ᾱ), ᾱ < 1: from the posterior mean of x_0
    /// (x_t = √ᾱ x_0 + √(1 − ᾱ) ε, averaged given x_t), not from the score's sum, so that comparing
    /// −E[ε|x_t]/√(1 − ᾱ) with ∇log q(x_t) (1.143) tests something.
    pub fn posterior_mean_eps(&self, x: &[f64], alpha_bar: f64) -> Vec<f64> {
        let (a, b) = (alpha_bar.sqrt(), (1.0 - alpha_bar).sqrt());
        x.iter().zip(self.posterior_mean_x0(x, alpha_bar)).map(|(x, m)| (x - a * m) / b).collect()
    }

    /// The exact noise-conditional score of NCSN, ∇ log q_σ(x̃) with q_σ = q(x_0) ∗ N(0, σ²I)
    /// (2.16–2.17). Variance-exploding noise is variance-preserving noise rescaled:
    /// x̃ = x_0 + σε ⇔ x̃/√(1+σ²) = √ᾱ x_0 + √(1−ᾱ) ε with ᾱ = 1/(1+σ²), so
    /// ∇ log q_σ(x̃) = c · ∇ log q(x_t)|_{x_t = c x̃}, c = √ᾱ. σ = 0 is the data's own score.
    pub fn score_sigma(&self, x: &[f64], sigma: f64) -> Vec<f64> {
        let alpha_bar = 1.0 / (1.0 + sigma * sigma);
        let c = alpha_bar.sqrt();
        let xt: Vec<f64> = x.iter().map(|v| c * v).collect();
        self.score(&xt, alpha_bar).into_iter().map(|v| c * v).collect()
    }

    /// The component each point most probably came from (argmax of the responsibilities at t = 0).
    pub fn mode_of(&self, x: &[f64]) -> usize {
        let lj = self.log_joint(x, 1.0);
        lj.iter().enumerate().fold((0, f64::NEG_INFINITY), |best, (k, l)| if *l > best.1 { (k, *l) } else { best }).0
    }

    /// Σ_k r_k f(m_k, x − √ᾱ m_k, ᾱ S_k + 1 − ᾱ, S_k), coordinate by coordinate.
    fn mix(&self, x: &[f64], alpha_bar: f64, f: impl Fn(f64, f64, f64, f64) -> f64) -> Vec<f64> {
        let r = self.responsibilities(x, alpha_bar);
        let a = alpha_bar.sqrt();
        let mut out = vec![0.0; self.dim];
        for (k, rk) in r.iter().enumerate() {
            for i in 0..self.dim {
                let (m, s) = (self.means[k][i], self.variances[k][i]);
                let var = alpha_bar * s + (1.0 - alpha_bar);
                out[i] += rk * f(m, x[i] - a * m, var, s);
            }
        }
        out
    }

    /// n draws of x_0 (row-major n × d) from the seeded generator: for each point, one categorical
    /// draw for the component, then d standard normals.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<f64> {
        let cumulative: Vec<f64> = self.weights.iter().scan(0.0, |acc, w| { *acc += w; Some(*acc) }).collect();
        let mut out = Vec::with_capacity(n * self.dim);
        for _ in 0..n {
            let k = rng.categorical(&cumulative);
            for i in 0..self.dim {
                out.push(self.means[k][i] + self.variances[k][i].sqrt() * rng.normal());
            }
        }
        out
    }

    /// The data's differential entropy H = −E[log q(x_0)] in nats, by Monte Carlo over n seeded
    /// draws, with its standard error.
    pub fn entropy(&self, n: usize, seed: u64) -> Result<Estimate> {
        if n < 2 {
            return Err(InputError::integer("samples", n as f64, 2, 10_000_000));
        }
        let mut rng = Rng::new(seed);
        let xs = self.sample(n, &mut rng);
        let neg_log_q: Vec<f64> = xs.chunks(self.dim).map(|x| -self.log_density(x, 1.0)).collect();
        Ok(Estimate::of(&neg_log_q))
    }
}

/// The mixture at a general marginal N(m·x_0, s²·I) of an SDE (`sde::Marginal`): component k of
/// q_t is N(m μ_k, m² Σ_k + s² I), precomputed once for many points.
struct MarginalComponents {
    log_weights: Vec<f64>,
    /// K rows of d means m μ_k
    means: Vec<Vec<f64>>,
    /// K rows of d inverse variances 1/(m² Σ_k + s²)
    inv_vars: Vec<Vec<f64>>,
    /// log of each component's normaliser −½ Σ_j (ln 2π + ln v_kj)
    log_norms: Vec<f64>,
}

impl MarginalComponents {
    fn new(g: &GaussianMixture, m: Marginal) -> Self {
        let (a, s2) = (m.mean_scale, m.std * m.std);
        let means: Vec<Vec<f64>> = g.means.iter().map(|mu| mu.iter().map(|v| a * v).collect()).collect();
        let vars: Vec<Vec<f64>> = g.variances.iter().map(|sk| sk.iter().map(|v| a * a * v + s2).collect()).collect();
        let log_norms = vars.iter().map(|v| v.iter().map(|v| -0.5 * (LN_2PI + v.ln())).sum()).collect();
        let inv_vars = vars.iter().map(|v| v.iter().map(|v| 1.0 / v).collect()).collect();
        Self { log_weights: g.weights.iter().map(|w| w.ln()).collect(), means, inv_vars, log_norms }
    }

    /// log π_k + log N_k(x), for every k, into `out`.
    fn log_joint_into(&self, x: &[f64], out: &mut Vec<f64>) {
        out.clear();
        for k in 0..self.means.len() {
            let q: f64 = x.iter().zip(&self.means[k]).zip(&self.inv_vars[k]).map(|((x, m), iv)| (x - m) * (x - m) * iv).sum();
            out.push(self.log_weights[k] + self.log_norms[k] - 0.5 * q);
        }
    }

    fn log_joint(&self, x: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.means.len());
        self.log_joint_into(x, &mut out);
        out
    }

    /// The score Σ_k r_k s_k into `score` and the trace of the Hessian of log q_t:
    /// ∇² log q = Σ_k r_k (−diag(1/v_k) + s_k s_kᵀ) − (Σ_k r_k s_k)(Σ_k r_k s_k)ᵀ with
    /// s_k = −(x − m μ_k)/v_k, so tr = Σ_k r_k Σ_j (s_kj² − 1/v_kj) − ‖score‖².
    /// `w` is scratch space for the K weights.
    fn score_and_laplacian_into(&self, x: &[f64], w: &mut Vec<f64>, score: &mut [f64]) -> f64 {
        self.log_joint_into(x, w);
        let top = w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut total = 0.0;
        for l in w.iter_mut() {
            *l = (*l - top).exp();
            total += *l;
        }
        score.iter_mut().for_each(|s| *s = 0.0);
        let mut second = 0.0;
        for (k, wk) in w.iter().enumerate() {
            let r = wk / total;
            if r == 0.0 {
                continue;
            }
            for j in 0..x.len() {
                let iv = self.inv_vars[k][j];
                let sk = -(x[j] - self.means[k][j]) * iv;
                score[j] += r * sk;
                second += r * (sk * sk - iv);
            }
        }
        second - score.iter().map(|s| s * s).sum::<f64>()
    }

    fn score_and_laplacian(&self, x: &[f64]) -> (Vec<f64>, f64) {
        let mut score = vec![0.0; x.len()];
        let lap = self.score_and_laplacian_into(x, &mut Vec::with_capacity(self.means.len()), &mut score);
        (score, lap)
    }
}

impl GaussianMixture {
    /// log q_t(x) at a general marginal N(m x_0, s² I), nats.
    pub fn log_density_at(&self, x: &[f64], m: Marginal) -> f64 {
        log_sum_exp(&MarginalComponents::new(self, m).log_joint(x))
    }

    /// The exact score ∇ log q_t(x) at a general marginal: Σ_k r_k(x) · (−(x − m μ_k)/(m² Σ_k + s²)).
    pub fn score_at(&self, x: &[f64], m: Marginal) -> Vec<f64> {
        MarginalComponents::new(self, m).score_and_laplacian(x).0
    }

    /// The exact E[x_0 | x_t] at a general marginal N(m x_0, s² I), from each component's Gaussian
    /// posterior mean μ_k + m Σ_k (x − m μ_k)/(m² Σ_k + s²) weighted by its responsibility: not from
    /// the score's sum, so the flow-matching derivation's identities between the two test something.
    pub fn posterior_mean_x0_at(&self, x: &[f64], m: Marginal) -> Vec<f64> {
        let c = MarginalComponents::new(self, m);
        let lj = c.log_joint(x);
        let lse = log_sum_exp(&lj);
        let mut out = vec![0.0; self.dim];
        for (k, l) in lj.iter().enumerate() {
            let r = (l - lse).exp();
            for j in 0..self.dim {
                let mu = self.means[k][j];
                out[j] += r * (mu + m.mean_scale * self.variances[k][j] * (x[j] - m.mean_scale * mu) * c.inv_vars[k][j]);
            }
        }
        out
    }

    /// The exact ε̂ = E[ε | x_t] = −s ∇log q_t(x) (x_t = m x_0 + s ε averaged given x_t, as in
    /// (1.143)) and its divergence div ε̂ = −s tr ∇² log q_t(x), exactly (the covariances are
    /// diagonal, so the Hessian's trace is a sum over coordinates).
    pub fn eps_and_divergence(&self, x: &[f64], m: Marginal) -> (Vec<f64>, f64) {
        let (score, lap) = MarginalComponents::new(self, m).score_and_laplacian(x);
        (score.iter().map(|v| -m.std * v).collect(), -m.std * lap)
    }

    /// The exact oracle's answer to a sampler's or the likelihood solver's query: ε̂ for every
    /// point (n × dim) and, when asked, div ε̂ (n values; empty otherwise).
    pub fn answer(&self, q: &Query) -> (Vec<f64>, Vec<f64>) {
        let c = MarginalComponents::new(self, q.marginal);
        let n = q.points();
        let s = q.marginal.std;
        let mut eps = vec![0.0; n * q.dim];
        let mut div = Vec::with_capacity(if q.divergence { n } else { 0 });
        let mut w = Vec::with_capacity(self.components());
        for (x, e) in q.x.chunks(q.dim).zip(eps.chunks_mut(q.dim)) {
            let lap = c.score_and_laplacian_into(x, &mut w, e);
            e.iter_mut().for_each(|v| *v *= -s);
            if q.divergence {
                div.push(-s * lap);
            }
        }
        (eps, div)
    }
}

/// log Σ exp(v), stable.
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::parameterization::{predict_x0_from_score, score_from_eps};
    use crate::diffusion::schedule::NoiseSchedule;

    #[test]
    fn the_noise_conditional_score_is_the_score_of_the_widened_mixture() {
        let m = mixture();
        for sigma in [0.0, 0.05, 0.7, 4.0] {
            let wide = GaussianMixture::new(
                m.weights.clone(),
                m.means.clone(),
                m.variances.iter().map(|v| v.iter().map(|s| s + sigma * sigma).collect()).collect(),
            )
            .unwrap();
            for x in [[0.3, -0.8], [2.5, 1.0]] {
                let (a, b) = (m.score_sigma(&x, sigma), wide.score(&x, 1.0));
                for i in 0..2 {
                    assert!((a[i] - b[i]).abs() < 1e-10 * (1.0 + b[i].abs()), "σ = {sigma}: {a:?} vs {b:?}");
                }
            }
        }
    }

    fn mixture() -> GaussianMixture {
        GaussianMixture::new(
            vec![0.2, 0.5, 0.3],
            vec![vec![-2.0, 0.5], vec![1.0, 1.0], vec![0.5, -1.5]],
            vec![vec![0.1, 0.3], vec![0.05, 0.05], vec![0.4, 0.2]],
        )
        .unwrap()
    }

    #[test]
    fn tweedie_and_1_143_hold_exactly() {
        let g = mixture();
        let s = NoiseSchedule::ddpm_default();
        let mut rng = Rng::new(4);
        for t in [1, 10, 100, 400, 999] {
            let ab = s.alpha_bar(t);
            for _ in 0..5 {
                let x: Vec<f64> = rng.normals(2).iter().map(|v| 1.5 * v).collect();
                let score = g.score(&x, ab);
                let x0_tweedie = predict_x0_from_score(&s, &x, t, &score); // (1.125)
                let x0_direct = g.posterior_mean_x0(&x, ab);
                for i in 0..2 {
                    assert!((x0_tweedie[i] - x0_direct[i]).abs() < 1e-9 * (1.0 + x0_direct[i].abs()), "t={t}");
                }
                let score_from_e = score_from_eps(&s, t, &g.posterior_mean_eps(&x, ab)); // (1.143)
                for i in 0..2 {
                    assert!((score_from_e[i] - score[i]).abs() < 1e-9 * (1.0 + score[i].abs()), "t={t}");
                }
            }
        }
    }

    #[test]
    fn score_is_the_gradient_of_the_log_density() {
        let g = mixture();
        for ab in [1.0, 0.9, 0.3, 0.01] {
            for x in [[0.1, 0.2], [-1.7, 0.4], [0.6, -1.2]] {
                let sc = g.score(&x, ab);
                for i in 0..2 {
                    let h = 1e-5;
                    let (mut p, mut m) = (x, x);
                    p[i] += h;
                    m[i] -= h;
                    let fd = (g.log_density(&p, ab) - g.log_density(&m, ab)) / (2.0 * h);
                    assert!((fd - sc[i]).abs() < 1e-6 * (1.0 + sc[i].abs()), "ᾱ={ab} x={x:?}: fd {fd} vs {}", sc[i]);
                }
            }
        }
    }

    #[test]
    fn density_integrates_to_one_and_pushes_forward() {
        let g = GaussianMixture::new(vec![1.0, 3.0], vec![vec![-1.0], vec![2.0]], vec![vec![0.2], vec![0.5]]).unwrap();
        assert!((g.weights[1] - 0.75).abs() < 1e-15);
        for ab in [1.0, 0.5, 0.01] {
            let h = 1e-3;
            let total: f64 = (-20_000..20_000).map(|i| g.density(&[i as f64 * h], ab) * h).sum();
            assert!((total - 1.0).abs() < 1e-9, "ᾱ={ab}: ∫q = {total}");
        }
    }

    #[test]
    fn entropy_of_one_gaussian_matches_closed_form() {
        let g = GaussianMixture::new(vec![1.0], vec![vec![0.0, 1.0]], vec![vec![0.5, 2.0]]).unwrap();
        let want = 0.5 * ((2.0 * std::f64::consts::PI * std::f64::consts::E).ln() * 2.0 + (0.5f64 * 2.0).ln());
        let e = g.entropy(50_000, 1).unwrap();
        assert!((e.mean - want).abs() < 4.0 * e.std_error, "{} ± {} vs {want}", e.mean, e.std_error);
        assert!(e.std_error > 0.0 && e.std_error < 0.01);
    }

    #[test]
    fn eps_and_its_divergence_at_a_general_marginal_are_exact() {
        use crate::diffusion::sde::{Marginal, Sde};
        let g = mixture();
        let marginals = [Sde::vp_default().marginal(0.3), Sde::ve_default().marginal(0.2), Sde::sub_vp_default().marginal(0.05), Marginal { mean_scale: 0.8, std: 0.3 }];
        for m in marginals {
            for x in [[0.1, 0.2], [-1.7, 0.4], [0.6, -1.2], [2.0, 2.0]] {
                let (eps, div) = g.eps_and_divergence(&x, m);
                // ε̂ = −s·score, and the score is the gradient of log q_t (central differences)
                let h = 1e-5;
                let score = g.score_at(&x, m);
                let mut fd_div = 0.0;
                for j in 0..2 {
                    let (mut p, mut q) = (x, x);
                    p[j] += h;
                    q[j] -= h;
                    let fd = (g.log_density_at(&p, m) - g.log_density_at(&q, m)) / (2.0 * h);
                    assert!((fd - score[j]).abs() < 1e-6 * (1.0 + fd.abs()), "{m:?} {x:?}: {fd} vs {}", score[j]);
                    assert!((eps[j] + m.std * score[j]).abs() < 1e-14);
                    // div ε̂ by central differences of ε̂ itself
                    fd_div += (g.eps_and_divergence(&p, m).0[j] - g.eps_and_divergence(&q, m).0[j]) / (2.0 * h);
                }
                assert!((fd_div - div).abs() < 1e-5 * (1.0 + div.abs()), "{m:?} {x:?}: fd {fd_div} vs {div}");
            }
        }
        // at a VP marginal the score is the ᾱ-form's, and ε̂ the posterior mean of ε (1.143)
        let ab = 0.37;
        let m = Marginal::from_alpha_bar(ab);
        let x = [0.4, -0.9];
        let (eps, _) = g.eps_and_divergence(&x, m);
        let want = g.posterior_mean_eps(&x, ab);
        assert!((eps[0] - want[0]).abs() < 1e-12 && (eps[1] - want[1]).abs() < 1e-12);
        // a wrong divergence (the Hessian's trace without the −‖score‖² term) fails the check
        let c = MarginalComponents::new(&g, m);
        let (score, lap) = c.score_and_laplacian(&x);
        let wrong = -m.std * (lap + score.iter().map(|s| s * s).sum::<f64>());
        let (_, div) = g.eps_and_divergence(&x, m);
        assert!((wrong - div).abs() > 1e-3);
    }

    #[test]
    fn rejects_bad_mixtures() {
        assert!(GaussianMixture::new(vec![1.0, -1.0], vec![vec![0.0]; 2], vec![vec![1.0]; 2]).unwrap_err().message.contains("> 0"));
        assert!(GaussianMixture::new(vec![1.0], vec![vec![0.0, 1.0]], vec![vec![1.0]]).unwrap_err().message.contains("lengths must match"));
        assert!(GaussianMixture::new(vec![1.0], vec![vec![0.0]], vec![vec![0.0]]).unwrap_err().message.contains("variance"));
        let g = mixture();
        assert!(g.check_point(&[0.0], 0.5).unwrap_err().message.contains("dimension 2"));
        assert!(g.check_point(&[0.0, 0.0], 0.0).unwrap_err().message.contains("(0, 1]"));
    }
}
