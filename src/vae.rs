//! A variational autoencoder small enough to solve exactly (seed 002, 1.1–1.25): the
//! linear-Gaussian latent-variable model
//!
//!   p(z) = N(0, I_K) (1.22),   p_θ(x | z) = N(W z + b, s² I_D),
//!
//! whose evidence p(x) = N(x; b, W Wᵀ + s² I) (1.1) and true posterior p(z | x) (1.2) are Gaussians
//! in closed form. That makes every quantity of the ELBO derivation computable both exactly and by
//! Monte Carlo, for any encoder q_φ(z | x) = N(μ, diag σ²) (1.21) the reader picks:
//!
//! - log p(x) = ELBO + KL(q_φ(z|x) ‖ p(z|x)) (1.15), whatever q is;
//! - ELBO = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ p(z)) (1.20): reconstruction − prior matching;
//! - the Gaussian KL (1.23) against its Monte Carlo estimate;
//! - the gradient of the reconstruction term in μ and σ through z = μ + σ ⊙ ε (1.25) against the
//!   score-function estimator f(z) ∇_φ log q_φ(z), with their measured variances.
//!
//! Units: nats. Matrices are row-major; W is D × K.

use crate::numerics::error::{check_finite, check_same_len, InputError, Result, Rule};
use crate::numerics::gaussian::{log_normal, normal_kl};
use crate::numerics::montecarlo::Estimate;
use crate::numerics::rng::Rng;

const LN_2PI: f64 = 1.837_877_066_409_345_5;
/// The largest latent or observed dimension accepted (the algebra here is dense and small).
pub const MAX_DIM: usize = 16;
/// The largest Monte Carlo sample count accepted.
pub const MAX_SAMPLES: usize = 1_000_000;

/// The generative model p(z) p_θ(x|z).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearGaussian {
    /// K, the latent dimension
    pub latent: usize,
    /// D, the observed dimension
    pub dim: usize,
    /// W, D × K row-major
    pub weights: Vec<f64>,
    /// b, length D
    pub bias: Vec<f64>,
    /// s², the decoder's noise variance
    pub noise_var: f64,
}

/// The encoder q_φ(z | x) = N(μ, diag σ²) (1.21): any one the reader chooses.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoder {
    pub mean: Vec<f64>,
    /// σ, the standard deviations (> 0)
    pub std: Vec<f64>,
}

/// The exact decomposition of log p(x) for one x and one encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElboSplit {
    /// log p(x), from N(x; b, WWᵀ + s²I)
    pub log_evidence: f64,
    /// E_q[log p(x, z) − log q(z|x)] (1.16), as written: E_q[log p(x|z)] + E_q[log p(z)] + H(q), with
    /// the Gaussian cross-entropy and entropy (not through the KL of (1.23)); (1.20) says it equals
    /// reconstruction − prior_kl, and [`ElboSplit::split_residual`] checks that
    pub elbo: f64,
    /// E_q[log p_θ(x|z)], the reconstruction term of (1.20)
    pub reconstruction: f64,
    /// KL(q_φ(z|x) ‖ p(z)) by the Gaussian formula (1.23), the prior-matching term
    pub prior_kl: f64,
    /// KL(q_φ(z|x) ‖ p(z|x)), the gap of (1.15)
    pub posterior_kl: f64,
    /// log p(x) − (ELBO + KL(q ‖ p(z|x))): zero up to rounding if (1.15) holds
    pub identity_residual: f64,
}

impl ElboSplit {
    /// reconstruction − KL(q ‖ p(z)) − ELBO: zero up to rounding if (1.20) holds (the KL by (1.23),
    /// the ELBO from the cross-entropy and the entropy: two formulas, one claim).
    pub fn split_residual(&self) -> f64 {
        self.reconstruction - self.prior_kl - self.elbo
    }
}

/// Monte Carlo estimates of the same quantities from n draws z = μ + σ ⊙ ε (1.25).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElboMonteCarlo {
    /// mean of log p(x, z) − log q(z|x) (1.16)
    pub elbo: Estimate,
    /// mean of log p_θ(x|z) (1.24)
    pub reconstruction: Estimate,
    /// mean of log q(z|x) − log p(z), against (1.23)
    pub prior_kl: Estimate,
    /// mean of log q(z|x) − log p(z|x)
    pub posterior_kl: Estimate,
    /// mean of log p(x, z) − log p(z|x): Bayes' rule (1.2) makes every draw equal log p(x)
    pub log_evidence: Estimate,
}

/// Gradients of the reconstruction term E_q[log p_θ(x|z)] in φ = (μ_1..μ_K, σ_1..σ_K).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientEstimates {
    /// "mu_1", …, "mu_K", "sigma_1", …, "sigma_K"
    pub names: Vec<String>,
    /// the exact gradient
    pub exact: Vec<f64>,
    /// per-draw ∇_z log p_θ(x|z) · ∂z/∂φ with z = μ + σ ⊙ ε (1.25)
    pub reparameterized: Vec<Estimate>,
    /// per-draw log p_θ(x|z) · ∇_φ log q_φ(z|x) (the score-function / REINFORCE estimator)
    pub score_function: Vec<Estimate>,
}

impl LinearGaussian {
    pub fn new(latent: usize, dim: usize, weights: Vec<f64>, bias: Vec<f64>, noise_var: f64) -> Result<Self> {
        for (name, v) in [("latent", latent), ("dim", dim)] {
            if v == 0 || v > MAX_DIM {
                return Err(InputError::integer(name, v as f64, 1, MAX_DIM as u64));
            }
        }
        if weights.len() != dim * latent {
            return Err(InputError::length("weights", weights.len(), format!("D × K = {dim} × {latent} = {}", dim * latent)));
        }
        check_finite("weights", &weights)?;
        check_same_len("bias", bias.len(), "the observed dimension D", dim)?;
        check_finite("bias", &bias)?;
        // the Monte Carlo variances go as 1/s⁴: keep s² where they stay finite
        crate::numerics::error::check_range("noiseVariance", noise_var, crate::numerics::error::Interval::closed(1e-12, 1e12))?;
        Ok(Self { latent, dim, weights, bias, noise_var })
    }

    fn w(&self, i: usize, j: usize) -> f64 {
        self.weights[i * self.latent + j]
    }

    fn check_x(&self, x: &[f64]) -> Result<()> {
        check_same_len("x", x.len(), "the observed dimension D", self.dim)?;
        check_finite("x", x)
    }

    /// The posterior precision P = I + WᵀW / s² (K × K): p(z|x) = N(P⁻¹Wᵀ(x − b)/s², P⁻¹).
    fn posterior_precision(&self) -> Vec<f64> {
        let k = self.latent;
        let mut p = vec![0.0; k * k];
        for a in 0..k {
            for c in 0..k {
                let wtw: f64 = (0..self.dim).map(|i| self.w(i, a) * self.w(i, c)).sum();
                p[a * k + c] = wtw / self.noise_var + if a == c { 1.0 } else { 0.0 };
            }
        }
        p
    }

    /// log p(x) = log N(x; b, WWᵀ + s²I) in nats: the evidence (1.1), exact.
    pub fn log_evidence(&self, x: &[f64]) -> Result<f64> {
        self.check_x(x)?;
        let d = self.dim;
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                c[i * d + j] = (0..self.latent).map(|a| self.w(i, a) * self.w(j, a)).sum::<f64>() + if i == j { self.noise_var } else { 0.0 };
            }
        }
        let chol = Cholesky::new(&c, d);
        let r: Vec<f64> = x.iter().zip(&self.bias).map(|(x, b)| x - b).collect();
        Ok(-0.5 * (d as f64 * LN_2PI + chol.log_det() + chol.quad(&r)))
    }

    /// The true posterior p(z | x) = N(m, S) (1.2): (m, S as K × K row-major).
    pub fn true_posterior(&self, x: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        self.check_x(x)?;
        let k = self.latent;
        let (_, chol, m) = self.posterior_parts(x);
        let mut s = vec![0.0; k * k];
        for c in 0..k {
            let e: Vec<f64> = (0..k).map(|a| if a == c { 1.0 } else { 0.0 }).collect();
            for (a, v) in chol.solve(&e).into_iter().enumerate() {
                s[a * k + c] = v;
            }
        }
        Ok((m, s))
    }

    /// The diagonal encoder closest to the true posterior in KL(q ‖ p(z|x)): mean m and
    /// σ_j² = 1 / P_jj. It equals p(z|x) only when P is diagonal.
    pub fn best_diagonal_encoder(&self, x: &[f64]) -> Result<Encoder> {
        self.check_x(x)?;
        let (p, _, mean) = self.posterior_parts(x);
        Ok(Encoder { mean, std: (0..self.latent).map(|j| (1.0 / p[j * self.latent + j]).sqrt()).collect() })
    }

    /// The posterior precision P, its Cholesky factor and the posterior mean m = P⁻¹Wᵀ(x − b)/s².
    fn posterior_parts(&self, x: &[f64]) -> (Vec<f64>, Cholesky, Vec<f64>) {
        let p = self.posterior_precision();
        let chol = Cholesky::new(&p, self.latent);
        let m = chol.solve(&self.scaled_projection(x));
        (p, chol, m)
    }

    /// Wᵀ(x − b) / s².
    fn scaled_projection(&self, x: &[f64]) -> Vec<f64> {
        (0..self.latent).map(|a| (0..self.dim).map(|i| self.w(i, a) * (x[i] - self.bias[i])).sum::<f64>() / self.noise_var).collect()
    }

    /// log p_θ(x | z) in nats.
    pub fn log_likelihood(&self, x: &[f64], z: &[f64]) -> f64 {
        (0..self.dim).map(|i| log_normal(x[i], self.decode_mean(z, i), self.noise_var)).sum()
    }

    fn decode_mean(&self, z: &[f64], i: usize) -> f64 {
        self.bias[i] + (0..self.latent).map(|a| self.w(i, a) * z[a]).sum::<f64>()
    }

    /// ∇_z log p_θ(x | z) = Wᵀ(x − Wz − b) / s².
    fn likelihood_gradient(&self, x: &[f64], z: &[f64]) -> Vec<f64> {
        let r: Vec<f64> = (0..self.dim).map(|i| x[i] - self.decode_mean(z, i)).collect();
        (0..self.latent).map(|a| (0..self.dim).map(|i| self.w(i, a) * r[i]).sum::<f64>() / self.noise_var).collect()
    }

    fn check_encoder(&self, q: &Encoder) -> Result<()> {
        check_same_len("encoder mean", q.mean.len(), "the latent dimension K", self.latent)?;
        check_same_len("encoder std", q.std.len(), "the latent dimension K", self.latent)?;
        check_finite("encoder mean", &q.mean)?;
        if let Some((j, s)) = q.std.iter().enumerate().find(|(_, s)| !(s.is_finite() && **s > 0.0)) {
            return Err(InputError::at(&format!("encoder.std[{j}]"), Rule::Positive, *s));
        }
        Ok(())
    }
}

/// log p(x) = ELBO + KL(q ‖ p(z|x)) (1.15) with the ELBO split as (1.20), all exact.
pub fn elbo_split(model: &LinearGaussian, x: &[f64], q: &Encoder) -> Result<ElboSplit> {
    model.check_x(x)?;
    model.check_encoder(q)?;
    let (d, k, s2) = (model.dim, model.latent, model.noise_var);
    // E_q‖x − Wz − b‖² = ‖x − Wμ − b‖² + Σ_j σ_j² Σ_i W_ij²
    let resid: f64 = (0..d).map(|i| (x[i] - model.decode_mean(&q.mean, i)).powi(2)).sum();
    let spread: f64 = (0..k).map(|j| q.std[j] * q.std[j] * (0..d).map(|i| model.w(i, j).powi(2)).sum::<f64>()).sum();
    let reconstruction = -0.5 * d as f64 * (LN_2PI + s2.ln()) - (resid + spread) / (2.0 * s2);
    let prior_kl: f64 = (0..k).map(|j| normal_kl(q.mean[j], q.std[j] * q.std[j], 0.0, 1.0)).sum(); // (1.23)
    // KL(N(μ, Σ_q) ‖ N(m, P⁻¹)) = ½[tr(P Σ_q) + (m − μ)ᵀ P (m − μ) − K − ln|Σ_q| − ln|P|]
    let (p, chol, m) = model.posterior_parts(x);
    let dm: Vec<f64> = (0..k).map(|j| m[j] - q.mean[j]).collect();
    let tr: f64 = (0..k).map(|j| p[j * k + j] * q.std[j] * q.std[j]).sum();
    let quad: f64 = (0..k).map(|a| (0..k).map(|c| dm[a] * p[a * k + c] * dm[c]).sum::<f64>()).sum();
    let ln_det_q: f64 = q.std.iter().map(|s| 2.0 * s.ln()).sum();
    let posterior_kl = 0.5 * (tr + quad - k as f64 - ln_det_q - chol.log_det());
    let log_evidence = model.log_evidence(x)?;
    // E_q[log N(z; 0, I)] = −½ Σ (ln 2π + μ² + σ²); H(q) = ½ Σ (ln 2π + 1 + ln σ²)
    let cross: f64 = (0..k).map(|j| -0.5 * (LN_2PI + q.mean[j].powi(2) + q.std[j].powi(2))).sum();
    let entropy: f64 = (0..k).map(|j| 0.5 * (LN_2PI + 1.0 + (q.std[j] * q.std[j]).ln())).sum();
    let elbo = reconstruction + cross + entropy;
    Ok(ElboSplit { log_evidence, elbo, reconstruction, prior_kl, posterior_kl, identity_residual: log_evidence - (elbo + posterior_kl) })
}

fn check_samples(n: usize) -> Result<()> {
    if (2..=MAX_SAMPLES).contains(&n) {
        Ok(())
    } else {
        Err(InputError::integer("samples", n as f64, 2, MAX_SAMPLES as u64))
    }
}

/// Draw z = μ + σ ⊙ ε (1.25); returns (z, ε).
fn draw(q: &Encoder, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let eps = rng.normals(q.mean.len());
    let z = q.mean.iter().zip(&q.std).zip(&eps).map(|((m, s), e)| m + s * e).collect();
    (z, eps)
}

/// The Monte Carlo side of [`elbo_split`]: n seeded draws from q.
pub fn elbo_monte_carlo(model: &LinearGaussian, x: &[f64], q: &Encoder, n: usize, seed: u64) -> Result<ElboMonteCarlo> {
    model.check_x(x)?;
    model.check_encoder(q)?;
    check_samples(n)?;
    let k = model.latent;
    let (p, chol, m) = model.posterior_parts(x);
    let mut rng = Rng::new(seed);
    let (mut elbo, mut rec, mut pkl, mut qkl, mut ev) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let (z, _) = draw(q, &mut rng);
        let log_lik = model.log_likelihood(x, &z);
        let log_prior: f64 = z.iter().map(|v| log_normal(*v, 0.0, 1.0)).sum();
        let log_q: f64 = (0..k).map(|j| log_normal(z[j], q.mean[j], q.std[j] * q.std[j])).sum();
        let dz: Vec<f64> = (0..k).map(|j| z[j] - m[j]).collect();
        let quad: f64 = (0..k).map(|a| (0..k).map(|c| dz[a] * p[a * k + c] * dz[c]).sum::<f64>()).sum();
        let log_post = -0.5 * (k as f64 * LN_2PI - chol.log_det() + quad);
        elbo.push(log_lik + log_prior - log_q);
        rec.push(log_lik);
        pkl.push(log_q - log_prior);
        qkl.push(log_q - log_post);
        ev.push(log_lik + log_prior - log_post);
    }
    Ok(ElboMonteCarlo {
        elbo: Estimate::of(&elbo),
        reconstruction: Estimate::of(&rec),
        prior_kl: Estimate::of(&pkl),
        posterior_kl: Estimate::of(&qkl),
        log_evidence: Estimate::of(&ev),
    })
}

/// ∇_φ E_q[log p_θ(x|z)] for φ = (μ, σ): exact, by reparameterization (1.25) and by the score
/// function, from the same n seeded draws.
pub fn reconstruction_gradients(model: &LinearGaussian, x: &[f64], q: &Encoder, n: usize, seed: u64) -> Result<GradientEstimates> {
    model.check_x(x)?;
    model.check_encoder(q)?;
    check_samples(n)?;
    let (k, d) = (model.latent, model.dim);
    // exact: ∂/∂μ = Wᵀ(x − Wμ − b)/s², ∂/∂σ_j = −σ_j Σ_i W_ij² / s²
    let mut exact = model.likelihood_gradient(x, &q.mean);
    exact.extend((0..k).map(|j| -q.std[j] * (0..d).map(|i| model.w(i, j).powi(2)).sum::<f64>() / model.noise_var));
    let mut rng = Rng::new(seed);
    let (mut rep, mut sf) = (vec![Vec::with_capacity(n); 2 * k], vec![Vec::with_capacity(n); 2 * k]);
    for _ in 0..n {
        let (z, eps) = draw(q, &mut rng);
        let f = model.log_likelihood(x, &z);
        let g = model.likelihood_gradient(x, &z);
        for j in 0..k {
            rep[j].push(g[j]); // ∂z/∂μ_j = 1
            rep[k + j].push(g[j] * eps[j]); // ∂z/∂σ_j = ε_j
            sf[j].push(f * eps[j] / q.std[j]); // ∂ log q/∂μ_j = (z_j − μ_j)/σ_j²
            sf[k + j].push(f * (eps[j] * eps[j] - 1.0) / q.std[j]); // ∂ log q/∂σ_j = ((z_j − μ_j)² − σ_j²)/σ_j³
        }
    }
    let names = (1..=k).map(|j| format!("mu_{j}")).chain((1..=k).map(|j| format!("sigma_{j}"))).collect();
    Ok(GradientEstimates {
        names,
        exact,
        reparameterized: rep.iter().map(|v| Estimate::of(v)).collect(),
        score_function: sf.iter().map(|v| Estimate::of(v)).collect(),
    })
}

/// The Cholesky factor L of a symmetric positive-definite n × n matrix (A = L Lᵀ). Every matrix
/// factored here is I + (positive semi-definite) or s²I + (positive semi-definite), so the
/// factorisation cannot fail.
struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

impl Cholesky {
    fn new(a: &[f64], n: usize) -> Self {
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
                l[i * n + j] = if i == j { s.max(f64::MIN_POSITIVE).sqrt() } else { s / l[j * n + j] };
            }
        }
        Cholesky { n, l }
    }

    fn log_det(&self) -> f64 {
        (0..self.n).map(|i| 2.0 * self.l[i * self.n + i].ln()).sum()
    }

    /// y with L y = b.
    fn forward(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut y = vec![0.0; n];
        for i in 0..n {
            y[i] = (b[i] - (0..i).map(|k| self.l[i * n + k] * y[k]).sum::<f64>()) / self.l[i * n + i];
        }
        y
    }

    /// A⁻¹ b.
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let y = self.forward(b);
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            x[i] = (y[i] - (i + 1..n).map(|k| self.l[k * n + i] * x[k]).sum::<f64>()) / self.l[i * n + i];
        }
        x
    }

    /// bᵀ A⁻¹ b.
    fn quad(&self, b: &[f64]) -> f64 {
        self.forward(b).iter().map(|v| v * v).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> LinearGaussian {
        LinearGaussian::new(2, 3, vec![1.0, 0.5, -0.3, 0.8, 0.6, 0.2], vec![0.1, -0.2, 0.3], 0.25).unwrap()
    }

    #[test]
    fn the_identity_holds_for_any_encoder_and_the_gap_closes_at_the_posterior() {
        let m = model();
        let x = [0.9, -0.4, 1.3];
        for q in [
            Encoder { mean: vec![0.0, 0.0], std: vec![1.0, 1.0] },
            Encoder { mean: vec![2.0, -1.0], std: vec![0.1, 3.0] },
            m.best_diagonal_encoder(&x).unwrap(),
        ] {
            let e = elbo_split(&m, &x, &q).unwrap();
            assert!(e.identity_residual.abs() < 1e-12, "{e:?}");
            assert!(e.split_residual().abs() < 1e-12, "(1.20): {e:?}");
            assert!(e.posterior_kl >= 0.0 && e.elbo <= e.log_evidence);
        }
        // with a one-dimensional latent the posterior is itself diagonal: KL = 0, ELBO = log p(x)
        let m1 = LinearGaussian::new(1, 2, vec![0.7, -1.2], vec![0.0, 0.5], 0.3).unwrap();
        let q = m1.best_diagonal_encoder(&[0.2, 0.1]).unwrap();
        let e = elbo_split(&m1, &[0.2, 0.1], &q).unwrap();
        assert!(e.posterior_kl.abs() < 1e-12 && (e.elbo - e.log_evidence).abs() < 1e-12, "{e:?}");
    }

    #[test]
    fn the_split_check_can_fail_a_prior_kl_of_another_encoder_breaks_it() {
        // (1.20) compares the ELBO from the cross-entropy and entropy with recon − KL by (1.23): hand it
        // the KL of a different encoder (a plausible bug: σ where σ² belongs) and the residual shows it
        let (m, x) = (model(), [0.9, -0.4, 1.3]);
        let q = Encoder { mean: vec![0.3, -0.2], std: vec![0.5, 2.0] };
        let mut e = elbo_split(&m, &x, &q).unwrap();
        e.prior_kl = (0..2).map(|j| normal_kl(q.mean[j], q.std[j], 0.0, 1.0)).sum();
        assert!(e.split_residual().abs() > 0.1, "{e:?}");
    }

    #[test]
    fn log_evidence_matches_a_direct_two_by_two_computation() {
        let m = LinearGaussian::new(1, 2, vec![1.0, 2.0], vec![0.0, 0.0], 0.5).unwrap();
        // C = [[1.5, 2], [2, 4.5]], |C| = 2.75, C⁻¹ = [[4.5, −2], [−2, 1.5]] / 2.75
        let x = [1.0, -1.0];
        let quad = (4.5 + 4.0 + 1.5) / 2.75;
        let want = -0.5 * (2.0 * LN_2PI + 2.75f64.ln() + quad);
        assert!((m.log_evidence(&x).unwrap() - want).abs() < 1e-13);
    }

    #[test]
    fn monte_carlo_agrees_with_the_closed_forms_and_is_reproducible() {
        let m = model();
        let x = [0.9, -0.4, 1.3];
        let q = Encoder { mean: vec![0.3, -0.2], std: vec![0.5, 0.7] };
        let e = elbo_split(&m, &x, &q).unwrap();
        let mc = elbo_monte_carlo(&m, &x, &q, 20_000, 7).unwrap();
        for (est, exact) in [(mc.elbo, e.elbo), (mc.reconstruction, e.reconstruction), (mc.prior_kl, e.prior_kl), (mc.posterior_kl, e.posterior_kl)] {
            assert!(est.z_score(exact) < 4.0, "{est:?} vs {exact}");
        }
        // Bayes' rule: every draw gives log p(x) exactly
        assert!((mc.log_evidence.mean - e.log_evidence).abs() < 1e-10 && mc.log_evidence.variance < 1e-20);
        assert_eq!(mc, elbo_monte_carlo(&m, &x, &q, 20_000, 7).unwrap());
    }

    #[test]
    fn both_gradient_estimators_are_unbiased_and_the_reparameterized_one_has_far_less_variance() {
        let m = model();
        let x = [0.9, -0.4, 1.3];
        let q = Encoder { mean: vec![0.3, -0.2], std: vec![0.5, 0.7] };
        let g = reconstruction_gradients(&m, &x, &q, 50_000, 3).unwrap();
        assert_eq!(g.names, ["mu_1", "mu_2", "sigma_1", "sigma_2"]);
        for i in 0..4 {
            assert!(g.reparameterized[i].z_score(g.exact[i]) < 4.5, "{i}: {:?} vs {}", g.reparameterized[i], g.exact[i]);
            assert!(g.score_function[i].z_score(g.exact[i]) < 4.5, "{i}: {:?} vs {}", g.score_function[i], g.exact[i]);
            assert!(g.score_function[i].variance > 10.0 * g.reparameterized[i].variance, "{i}: {g:?}");
        }
    }

    #[test]
    fn bad_input_is_rejected_with_a_message() {
        let m = model();
        let msg = |r: Result<ElboSplit>| r.unwrap_err().message;
        assert!(msg(elbo_split(&m, &[1.0], &Encoder { mean: vec![0.0; 2], std: vec![1.0; 2] })).contains("x has 1 value "));
        assert!(msg(elbo_split(&m, &[1.0; 3], &Encoder { mean: vec![0.0; 2], std: vec![1.0, 0.0] })).contains("encoder.std[1] = 0 is out of range: encoder.std[1] must be a finite number > 0"));
        assert!(msg(elbo_split(&m, &[f64::NAN; 3], &Encoder { mean: vec![0.0; 2], std: vec![1.0; 2] })).contains("not a finite number"));
        assert!(LinearGaussian::new(2, 3, vec![1.0; 5], vec![0.0; 3], 1.0).unwrap_err().message.contains("weights has 5 values but must hold D × K = 3 × 2 = 6"));
        assert!(LinearGaussian::new(2, 3, vec![1.0; 6], vec![0.0; 3], -1.0).unwrap_err().message.contains("noiseVariance = -1"));
        assert!(LinearGaussian::new(0, 3, vec![], vec![0.0; 3], 1.0).unwrap_err().message.contains("latent = 0"));
        let q = Encoder { mean: vec![0.0; 2], std: vec![1.0; 2] };
        assert!(elbo_monte_carlo(&m, &[0.0; 3], &q, 1, 0).unwrap_err().message.contains("samples = 1"));
    }
}
