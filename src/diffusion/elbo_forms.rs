//! The two ELBO decompositions of a variational diffusion model (seed 002), estimated by Monte
//! Carlo from the same forward trajectories x_0 → x_1 → … → x_T drawn with (1.63):
//!
//! - the **consistency form**, (1.45–1.46): reconstruction + E[log p(x_T) / q(x_T|x_{T−1})]
//!   + Σ_{t=1}^{T−1} E_{q(x_{t−1}, x_t, x_{t+1}|x_0)}[log p_θ(x_t|x_{t+1}) / q(x_t|x_{t−1})].
//!   Each term depends on the random x_{t−1}, x_t and x_{t+1} of the trajectory;
//! - the **denoising-matching form** (1.62): reconstruction − KL(q(x_T|x_0) ‖ p(x_T))
//!   − Σ_{t=2}^{T} E_{q(x_t|x_0)}[KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t))], each KL exact, so
//!   each term depends on one random x_t. Both are unbiased for the same ELBO.
//!
//! The seeds prefer (1.62) for its lower variance, and the two ways of using the estimates tell
//! that claim apart:
//! - **term by term** — the way training samples the sum, one random t per x_0 — each consistency
//!   term varies with three random states, each denoising term with one, and the single-t
//!   estimator of (1.62) has far lower variance ([`ElboForms::single_t_variance_ratio`]);
//! - **whole trajectories** — summing every term of one trajectory — the consistency terms
//!   telescope: their sum is the log importance weight log p_θ(x_{0:T}) / q(x_{1:T}|x_0), whose
//!   variance vanishes as the model's reverse chain approaches the true one. For a good model the
//!   consistency form is then the *less* noisy one ([`ElboForms::trajectory_variance_ratio`]); for
//!   the exact reversal of N(0, I) data with σ_t² = β_t its variance is exactly zero.
//!
//! The seed's (1.47) goes one step further and writes the consistency terms as
//! −E_{q(x_{t−1}, x_{t+1}|x_0)}[KL(q(x_t|x_{t−1}) ‖ p_θ(x_t|x_{t+1}))]. That step takes x_t
//! independent of x_{t+1} given x_{t−1}, which the forward chain does not: x_{t+1} is drawn from
//! x_t. The printed (1.47) is therefore *not* the ELBO, and the numbers show it — it is also
//! computed here ([`ElboForms::consistency_kl`]) so the reader can see the gap rather than take
//! either claim on trust.
//!
//! Units: nats for the whole data point x_0 (divide by D for nats/dim).

use crate::diffusion::elbo::{reconstruction, Decoder};
use crate::numerics::error::{check_finite, check_nonempty, InputError, Result, Rule};
use crate::numerics::gaussian::{log_normal, normal_kl};
use crate::numerics::montecarlo::Estimate;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::{model_mean_unchecked, Prediction};
use crate::diffusion::posterior::posterior_mean_unchecked;
use crate::numerics::rng::Rng;
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// The most stored values n · (T + 1) · D (32 MB of f64).
pub const MAX_VALUES: usize = 4_000_000;

/// n forward trajectories of one x_0, stored by t: row (t, k) holds x_t of trajectory k.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectories {
    pub dims: usize,
    /// n, the number of trajectories
    pub n: usize,
    pub t_max: usize,
    x0: Vec<f64>,
    /// (T + 1) · n · D values, t = 0..=T
    x: Vec<f64>,
}

impl Trajectories {
    /// x_t of every trajectory (n rows of D), t in 0..=T.
    pub fn at(&self, t: usize) -> &[f64] {
        let w = self.n * self.dims;
        &self.x[t * w..(t + 1) * w]
    }

    pub fn x0(&self) -> &[f64] {
        &self.x0
    }

    fn row(&self, t: usize, k: usize) -> &[f64] {
        let d = self.dims;
        &self.at(t)[k * d..(k + 1) * d]
    }
}

/// Draw n trajectories of the forward chain from x_0, one step at a time (1.63):
/// x_t = √α_t x_{t−1} + √β_t ε.
pub fn sample_trajectories(s: &NoiseSchedule, x0: &[f64], n: usize, seed: u64) -> Result<Trajectories> {
    check_nonempty("x0", x0.len())?;
    check_finite("x0", x0)?;
    let d = x0.len();
    if n < 2 || n.saturating_mul(s.t_max + 1).saturating_mul(d) > MAX_VALUES {
        let most = MAX_VALUES / ((s.t_max + 1) * d);
        return Err(InputError::integer("samples", n as f64, 2, most.max(2) as u64));
    }
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity((s.t_max + 1) * n * d);
    for _ in 0..n {
        x.extend_from_slice(x0);
    }
    for t in 1..=s.t_max {
        let (a, b) = (s.alpha(t).sqrt(), s.beta(t).sqrt());
        let prev = (t - 1) * n * d;
        for i in 0..n * d {
            let v = a * x[prev + i] + b * rng.normal();
            x.push(v);
        }
    }
    Ok(Trajectories { dims: d, n, t_max: s.t_max, x0: x0.to_vec(), x })
}

/// The estimates, in nats for the whole x_0.
#[derive(Debug, Clone, PartialEq)]
pub struct ElboForms {
    /// the consistency form (1.45–1.46), one value per trajectory: unbiased for the ELBO
    pub consistency: Estimate,
    /// (1.47) as printed in the seed: the consistency terms as KLs with x_t drawn afresh
    pub consistency_kl: Estimate,
    /// the denoising-matching form (1.62): unbiased for the same ELBO
    pub denoising: Estimate,
    /// the reconstruction term E_{q(x_1|x_0)}[log p_θ(x_0|x_1)] both forms share
    pub reconstruction: Estimate,
    /// consistency − denoising, paired trajectory by trajectory (mean ≈ 0 within its error)
    pub consistency_minus_denoising: Estimate,
    /// (1.47) − denoising, paired (far from 0: the printed step is not an identity)
    pub consistency_kl_minus_denoising: Estimate,
    /// Var(consistency) / Var(denoising) of the whole-trajectory estimates
    pub trajectory_variance_ratio: f64,
    /// the variance of K · term_{t*} with t* uniform over the K random terms of each form (T for
    /// the consistency form: t = 1..T−1 and the prior log-ratio; T − 1 for (1.62): t = 2..=T),
    /// the shared reconstruction term left out: how noisy each form is when training samples one t
    pub consistency_single_t_variance: f64,
    pub denoising_single_t_variance: f64,
    /// consistency_single_t_variance / denoising_single_t_variance
    pub single_t_variance_ratio: f64,
    /// per-t term means and variances, index t − 1 for t = 1..=T. Consistency: t < T the term of
    /// (1.46) for x_t, t = T the prior term log p(x_T)/q(x_T|x_{T−1}). Denoising: −KL_t for
    /// t ≥ 2, and index 0 is 0 (the shared reconstruction term is reported on its own).
    pub consistency_by_t: Vec<Estimate>,
    pub denoising_by_t: Vec<Estimate>,
}

/// Both forms (and the printed (1.47)) from the same trajectories.
///
/// `preds` holds T blocks of n · D values, block t − 1 the model's output at (x_t, t) for every
/// trajectory, read as `param`; p_θ(x_{t−1}|x_t) = N(μ_θ(x_t, t), σ_t² I) with σ_t² from
/// `variance`, and the decoder p_θ(x_0|x_1) Gaussian with σ_1².
pub fn elbo_forms(s: &NoiseSchedule, tr: &Trajectories, preds: &[f64], param: Prediction, variance: ModelVariance) -> Result<ElboForms> {
    let (n, d, tm) = (tr.n, tr.dims, tr.t_max);
    if tm != s.t_max {
        return Err(InputError::new("trajectories", Rule::Mismatch { other: format!("the schedule (T = {tm} ≠ {})", s.t_max) }, None));
    }
    if preds.len() != tm * n * d {
        return Err(InputError::length("predictions", preds.len(), format!("T·n·D = {tm}·{n}·{d} = {}", tm * n * d)));
    }
    if let Some(i) = preds.iter().position(|v| !v.is_finite()) {
        return Err(InputError::new("predictions", Rule::NonFinitePrediction { t: i / (n * d) + 1 }, None));
    }
    let x0 = tr.x0();
    let pred = |t: usize, k: usize| &preds[((t - 1) * n + k) * d..((t - 1) * n + k + 1) * d];
    // μ_θ(x_t, t) of trajectory k
    let mu = |t: usize, k: usize| model_mean_unchecked(s, param, tr.row(t, k), t, pred(t, k));

    let (mut cons, mut cons_kl, mut den, mut rec) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut cons_t = vec![vec![0.0; n]; tm];
    let mut den_t = vec![vec![0.0; n]; tm];
    for k in 0..n {
        // μ_θ(x_t, t) once per step of this trajectory, t = 1..=T (index t − 1): both forms use it
        let mus: Vec<Vec<f64>> = (1..=tm).map(|t| mu(t, k)).collect();
        let r = reconstruction(s, x0, tr.row(1, k), param, pred(1, k), variance, Decoder::Gaussian)?;
        rec[k] = r;
        // (1.45–1.46): log p_θ(x_t|x_{t+1}) − log q(x_t|x_{t−1}) on the trajectory, t = 1..T−1
        // (1.47): −KL(q(x_t|x_{t−1}) ‖ p_θ(x_t|x_{t+1})), both Gaussians in closed form
        for t in 1..tm {
            let (xt, xp) = (tr.row(t, k), tr.row(t - 1, k));
            let m = &mus[t];
            let (var_p, sa, b) = (s.model_variance(t + 1, variance), s.alpha(t).sqrt(), s.beta(t));
            let mut term = 0.0;
            let mut kl = 0.0;
            for i in 0..d {
                term += log_normal(xt[i], m[i], var_p) - log_normal(xt[i], sa * xp[i], b);
                kl += normal_kl(sa * xp[i], b, m[i], var_p);
            }
            cons_t[t - 1][k] = term;
            cons_kl[k] -= kl;
        }
        // the prior term: log p(x_T) − log q(x_T|x_{T−1}), and its KL form (1.49)
        let (xt, xp) = (tr.row(tm, k), tr.row(tm - 1, k));
        let (sa, b) = (s.alpha(tm).sqrt(), s.beta(tm));
        cons_t[tm - 1][k] = (0..d).map(|i| log_normal(xt[i], 0.0, 1.0) - log_normal(xt[i], sa * xp[i], b)).sum();
        cons_kl[k] -= (0..d).map(|i| normal_kl(sa * xp[i], b, 0.0, 1.0)).sum::<f64>();
        cons[k] = r + (0..tm).map(|t| cons_t[t][k]).sum::<f64>();
        cons_kl[k] += r;

        // (1.62): −KL(q(x_T|x_0) ‖ N(0, I)) − Σ_{t≥2} KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t))
        let (sab, vt) = (s.sqrt_alphas_cumprod[tm - 1], 1.0 - s.alpha_bar(tm));
        let prior: f64 = x0.iter().map(|x| normal_kl(sab * x, vt, 0.0, 1.0)).sum();
        let mut total = r - prior;
        for t in 2..=tm {
            let mq = posterior_mean_unchecked(s, tr.row(t, k), x0, t);
            let m = &mus[t - 1];
            let (vq, vp) = (s.posterior_var(t), s.model_variance(t, variance));
            let kl: f64 = (0..d).map(|i| normal_kl(mq[i], vq, m[i], vp)).sum();
            den_t[t - 1][k] = -kl;
            total -= kl;
        }
        den[k] = total;
    }
    let paired = |a: &[f64], b: &[f64]| Estimate::of(&a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>());
    let (c, dn) = (Estimate::of(&cons), Estimate::of(&den));
    let cons_by_t: Vec<Estimate> = cons_t.iter().map(|v| Estimate::of(v)).collect();
    let den_by_t: Vec<Estimate> = den_t.iter().map(|v| Estimate::of(v)).collect();
    let (cv, dv) = (single_t_variance(&cons_by_t), single_t_variance(&den_by_t[1..]));
    Ok(ElboForms {
        consistency: c,
        consistency_kl: Estimate::of(&cons_kl),
        denoising: dn,
        reconstruction: Estimate::of(&rec),
        consistency_minus_denoising: paired(&cons, &den),
        consistency_kl_minus_denoising: paired(&cons_kl, &den),
        trajectory_variance_ratio: c.variance / dn.variance,
        consistency_single_t_variance: cv,
        denoising_single_t_variance: dv,
        single_t_variance_ratio: cv / dv,
        consistency_by_t: cons_by_t,
        denoising_by_t: den_by_t,
    })
}

/// Var(K · term_{t*}) for t* uniform over the K terms: K Σ_t E[term_t²] − (Σ_t E[term_t])².
fn single_t_variance(terms: &[Estimate]) -> f64 {
    let k = terms.len() as f64;
    let second: f64 = terms.iter().map(|e| e.variance + e.mean * e.mean).sum();
    let first: f64 = terms.iter().map(|e| e.mean).sum();
    k * second - first * first
}

/// The exact oracle's E[ε | x_t] for every block: the best any ε-network could predict.
/// A one-component N(0, I) "mixture" gives the exact denoiser of standard-normal data — a
/// deliberately poor model of anything else.
pub fn oracle_predictions(mixture: &GaussianMixture, s: &NoiseSchedule, tr: &Trajectories) -> Vec<f64> {
    (1..=s.t_max).flat_map(|t| tr.at(t).chunks(tr.dims).flat_map(move |x| mixture.posterior_mean_eps(x, s.alpha_bar(t))).collect::<Vec<_>>()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::schedule::BetaSchedule;

    fn ring() -> GaussianMixture {
        crate::data::toy::Dataset::ring8_default().mixture().unwrap()
    }

    #[test]
    fn trajectories_are_seeded_and_have_the_forward_marginals() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        let tr = sample_trajectories(&s, &[1.5, -0.5], 4000, 9).unwrap();
        assert_eq!(tr, sample_trajectories(&s, &[1.5, -0.5], 4000, 9).unwrap());
        assert_eq!(tr.at(0)[..2], [1.5, -0.5]);
        // x_t | x_0 ~ N(√ᾱ_t x_0, 1 − ᾱ_t) (1.73)
        for t in [1, 30, 100] {
            let xs: Vec<f64> = tr.at(t).chunks(2).map(|r| r[0]).collect();
            let e = Estimate::of(&xs);
            assert!(e.z_score(s.sqrt_alphas_cumprod[t - 1] * 1.5) < 4.0, "t = {t}: {e:?}");
            assert!((e.variance / (1.0 - s.alpha_bar(t)) - 1.0).abs() < 0.1, "t = {t}: {e:?}");
        }
    }

    #[test]
    fn both_forms_agree_and_the_denoising_terms_have_the_lower_variance() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(200), 200).unwrap();
        for (name, model) in [("oracle", ring()), ("N(0, I) denoiser", GaussianMixture::new(vec![1.0], vec![vec![0.0, 0.0]], vec![vec![1.0, 1.0]]).unwrap())] {
            let tr = sample_trajectories(&s, &[2.0, 0.1], 2000, 5).unwrap();
            let preds = oracle_predictions(&model, &s, &tr);
            let f = elbo_forms(&s, &tr, &preds, Prediction::Eps, ModelVariance::BetaTilde).unwrap();
            assert!(f.consistency_minus_denoising.z_score(0.0) < 4.0, "{name}: {f:?}");
            // one t at a time (as training samples the sum), (1.62) is far less noisy
            assert!(f.single_t_variance_ratio > 10.0, "{name}: ratio {}", f.single_t_variance_ratio);
            let per_term = |v: &[Estimate]| v.iter().map(|e| e.variance).sum::<f64>();
            assert!(per_term(&f.consistency_by_t) > 10.0 * per_term(&f.denoising_by_t), "{name}");
            // the printed (1.47) is not the ELBO: it lies far below it
            assert!(f.consistency_kl_minus_denoising.mean < -10.0 * f.consistency_kl_minus_denoising.std_error, "{name}: {f:?}");
            let by_t: f64 = f.consistency_by_t.iter().map(|e| e.mean).sum::<f64>() + f.reconstruction.mean;
            assert!((by_t - f.consistency.mean).abs() < 1e-9);
        }
    }

    #[test]
    fn the_exact_reversal_of_standard_normal_data_has_a_constant_importance_weight() {
        // N(0, I) data are stationary under the forward chain, so its exact denoiser with σ_t² = β_t
        // reverses it exactly: p_θ(x_{0:T}) = N(x_0; 0, I) q(x_{1:T}|x_0) on every trajectory, and the
        // consistency form is log N(x_0; 0, I) with zero variance; (1.62) is noisy around it.
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        let n01 = GaussianMixture::new(vec![1.0], vec![vec![0.0, 0.0]], vec![vec![1.0, 1.0]]).unwrap();
        let tr = sample_trajectories(&s, &[2.0, 0.0], 500, 8).unwrap();
        let f = elbo_forms(&s, &tr, &oracle_predictions(&n01, &s, &tr), Prediction::Eps, ModelVariance::Beta).unwrap();
        let log_n = -(2.0 * std::f64::consts::PI).ln() - 2.0;
        assert!((f.consistency.mean - log_n).abs() < 1e-9 && f.consistency.variance < 1e-18, "{:?}", f.consistency);
        assert!(f.denoising.z_score(log_n) < 4.0 && f.denoising.variance > 1.0, "{:?}", f.denoising);
        assert!(f.trajectory_variance_ratio < 1e-12);
    }

    #[test]
    fn a_poor_model_has_a_lower_elbo_than_the_oracle() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        let tr = sample_trajectories(&s, &[2.0, 0.0], 500, 1).unwrap();
        let oracle = elbo_forms(&s, &tr, &oracle_predictions(&ring(), &s, &tr), Prediction::Eps, ModelVariance::BetaTilde).unwrap();
        let n01 = GaussianMixture::new(vec![1.0], vec![vec![0.0, 0.0]], vec![vec![1.0, 1.0]]).unwrap();
        let poor = elbo_forms(&s, &tr, &oracle_predictions(&n01, &s, &tr), Prediction::Eps, ModelVariance::BetaTilde).unwrap();
        assert!(poor.denoising.mean < oracle.denoising.mean - 1.0, "{} vs {}", poor.denoising.mean, oracle.denoising.mean);
    }

    #[test]
    fn bad_input_is_rejected() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(50), 50).unwrap();
        assert!(sample_trajectories(&s, &[0.0], 1, 0).unwrap_err().message.contains("samples = 1"));
        assert!(sample_trajectories(&s, &[0.0], 1_000_000, 0).unwrap_err().message.contains("samples = 1000000 is out of range")); // n·(T+1)·D values would be kept
        assert!(sample_trajectories(&s, &[f64::NAN], 10, 0).unwrap_err().message.contains("not a finite number"));
        let tr = sample_trajectories(&s, &[0.0], 10, 0).unwrap();
        assert!(elbo_forms(&s, &tr, &[0.0; 3], Prediction::Eps, ModelVariance::Beta).unwrap_err().message.contains("T·n·D"));
        let mut p = vec![0.0; 500];
        p[123] = f64::INFINITY;
        assert!(elbo_forms(&s, &tr, &p, Prediction::Eps, ModelVariance::Beta).unwrap_err().message.contains("t = 13"));
    }
}
