//! The step rules of the reverse chain, for a batch of particles (row-major, n × d), in f64 with
//! no I/O: DDPM's ancestral step (Algorithm 2 of the DDPM notes), DDIM's step with η, and the
//! Langevin step of score-based models (seed 003, §2.1 and §2.2.6). Whatever the network predicts
//! (x_0, ε or the score), it is converted through the foundation's formulas (1.105, 1.125,
//! 1.141–1.143) and μ_θ comes from [`crate::diffusion::parameterization::model_mean`], so the same μ_θ results
//! for every parameterization.
//!
//! Each step returns what the inspector shows beside the new sample, like diffusers'
//! `DDPMSchedulerOutput`: μ_θ, σ_t and the predictions in all three forms.

use crate::numerics::error::Result;
use crate::diffusion::parameterization::{convert, model_mean, Prediction};
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// The outcome of one reverse step for n particles (each array n × d).
#[derive(Debug, Clone, PartialEq)]
pub struct ReverseStep {
    /// the new sample x_{t−1} (or x at the next Langevin iterate)
    pub prev: Vec<f64>,
    /// the mean of p_θ(x_{t−1}|x_t) (DDPM), or the deterministic part of the update
    pub mean: Vec<f64>,
    /// the standard deviation of the noise added in this step
    pub sigma: f64,
    /// the model's x̂_0, ε̂ and score at (x_t, t)
    pub x0: Vec<f64>,
    pub eps: Vec<f64>,
    pub score: Vec<f64>,
}

/// The three forms of a prediction for n particles: (x̂_0, ε̂, ŝ), converted from `param`.
pub fn all_forms(s: &NoiseSchedule, param: Prediction, x_t: &[f64], dim: usize, t: usize, pred: &[f64]) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let n = x_t.len() / dim;
    let (mut x0, mut eps, mut score) = (Vec::with_capacity(n * dim), Vec::with_capacity(n * dim), Vec::with_capacity(n * dim));
    for i in 0..n {
        let (x, p) = (&x_t[i * dim..(i + 1) * dim], &pred[i * dim..(i + 1) * dim]);
        x0.extend(convert(s, param, Prediction::X0, x, t, p)?);
        eps.extend(convert(s, param, Prediction::Eps, x, t, p)?);
        score.extend(convert(s, param, Prediction::Score, x, t, p)?);
    }
    Ok((x0, eps, score))
}

/// DDPM ancestral sampling, one step (Algorithm 2): x_{t−1} = μ_θ(x_t, t) + σ_t z, with z = 0 at
/// t = 1 (the last step returns the decoder's mean). σ_t² is β_t or β̃_t, the two choices the DDPM
/// paper discusses. `z` holds n × d standard normals.
#[allow(clippy::too_many_arguments)]
pub fn ddpm_step(
    s: &NoiseSchedule,
    param: Prediction,
    x_t: &[f64],
    dim: usize,
    t: usize,
    pred: &[f64],
    variance: ModelVariance,
    z: &[f64],
) -> Result<ReverseStep> {
    s.check_t(t)?;
    let n = x_t.len() / dim;
    let sigma = if t > 1 { s.model_variance(t, variance).sqrt() } else { 0.0 };
    let mut mean = Vec::with_capacity(n * dim);
    for i in 0..n {
        // μ_θ (1.96 / 1.115 / 1.134 — equal for every parameterization)
        mean.extend(model_mean(s, param, &x_t[i * dim..(i + 1) * dim], t, &pred[i * dim..(i + 1) * dim])?);
    }
    let prev = mean.iter().zip(z).map(|(m, z)| m + sigma * z).collect(); // Algorithm 2, line 4
    let (x0, eps, score) = all_forms(s, param, x_t, dim, t, pred)?;
    Ok(ReverseStep { prev, mean, sigma, x0, eps, score })
}

/// DDIM (Song et al. 2021), one step from t to an earlier t_prev (0 = the data, ᾱ_0 = 1):
/// x_{t_prev} = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z,
/// σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). η = 0 is deterministic; η = 1 with
/// consecutive steps is DDPM with σ_t² = β̃_t.
#[allow(clippy::too_many_arguments)]
pub fn ddim_step(
    s: &NoiseSchedule,
    param: Prediction,
    x_t: &[f64],
    dim: usize,
    t: usize,
    t_prev: usize,
    pred: &[f64],
    eta: f64,
    z: &[f64],
) -> Result<ReverseStep> {
    s.check_t(t)?;
    let (ab, ab_prev) = (s.alpha_bar(t), s.alpha_bar(t_prev));
    let sigma = eta * ((1.0 - ab_prev) / (1.0 - ab)).sqrt() * (1.0 - ab / ab_prev).max(0.0).sqrt();
    let dir = (1.0 - ab_prev - sigma * sigma).max(0.0).sqrt();
    let (x0, eps, score) = all_forms(s, param, x_t, dim, t, pred)?;
    let mean: Vec<f64> = x0.iter().zip(&eps).map(|(x0, e)| ab_prev.sqrt() * x0 + dir * e).collect();
    let prev = mean.iter().zip(z).map(|(m, z)| m + sigma * z).collect();
    Ok(ReverseStep { prev, mean, sigma, x0, eps, score })
}

/// One step of Langevin dynamics (seed 003, §2.1): x ← x + (ε/2)·s(x) + √ε·z.
/// Annealed Langevin (§2.2.6) uses the same step with ε = α_i at noise level σ_i.
pub fn langevin_step(x: &[f64], score: &[f64], step_size: f64, z: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mean: Vec<f64> = x.iter().zip(score).map(|(x, s)| x + 0.5 * step_size * s).collect();
    let next = mean.iter().zip(z).map(|(m, z)| m + step_size.sqrt() * z).collect();
    (next, mean)
}

/// NCSN's geometric noise ladder σ_1 > σ_2 > … > σ_L from `sigma_max` to `sigma_min` (the seed
/// numbers the levels the other way round, σ_1 < … < σ_L; the ladder is the same).
pub fn sigma_ladder(sigma_max: f64, sigma_min: f64, levels: usize) -> Vec<f64> {
    if levels == 1 {
        return vec![sigma_min];
    }
    let r = (sigma_min / sigma_max).ln() / (levels - 1) as f64;
    (0..levels).map(|i| sigma_max * (r * i as f64).exp()).collect()
}

/// The annealed step size at level i: α_i = ε · σ_i² / σ_L² (§2.2.6).
pub fn annealed_step_size(eps: f64, sigma_i: f64, sigma_last: f64) -> f64 {
    eps * sigma_i * sigma_i / (sigma_last * sigma_last)
}

/// DDIM's timesteps: `steps` values of t spread evenly over T..1, largest first (τ_K … τ_1).
pub fn ddim_timesteps(t_max: usize, steps: usize) -> Vec<usize> {
    let k = steps.clamp(1, t_max);
    let mut ts: Vec<usize> = (0..k).map(|i| 1 + (i * (t_max - 1)) / (k - 1).max(1)).collect();
    if k == 1 {
        ts = vec![t_max];
    }
    ts.dedup();
    ts.reverse();
    ts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::oracle::GaussianMixture;

    fn ring() -> GaussianMixture {
        crate::data::toy::Dataset::ring8_default().mixture().unwrap()
    }

    #[test]
    fn ddpm_mean_is_the_same_for_every_parameterization() {
        let s = NoiseSchedule::ddpm_default();
        let m = ring();
        let x = [0.7, -1.3, 2.0, 0.1];
        for t in [1, 2, 50, 500, 1000] {
            let ab = s.alpha_bar(t);
            let eps: Vec<f64> = x.chunks(2).flat_map(|p| m.posterior_mean_eps(p, ab)).collect();
            let x0: Vec<f64> = x.chunks(2).flat_map(|p| m.posterior_mean_x0(p, ab)).collect();
            let sc: Vec<f64> = x.chunks(2).flat_map(|p| m.score(p, ab)).collect();
            let z = [0.0; 4];
            let a = ddpm_step(&s, Prediction::Eps, &x, 2, t, &eps, ModelVariance::Beta, &z).unwrap();
            let b = ddpm_step(&s, Prediction::X0, &x, 2, t, &x0, ModelVariance::Beta, &z).unwrap();
            let c = ddpm_step(&s, Prediction::Score, &x, 2, t, &sc, ModelVariance::Beta, &z).unwrap();
            for i in 0..4 {
                assert!((a.mean[i] - b.mean[i]).abs() < 1e-9 * (1.0 + a.mean[i].abs()), "t = {t}");
                assert!((a.mean[i] - c.mean[i]).abs() < 1e-9 * (1.0 + a.mean[i].abs()), "t = {t}");
                assert!((a.x0[i] - x0[i]).abs() < 1e-9, "t = {t}");
            }
        }
    }

    #[test]
    fn ddim_with_eta_one_on_consecutive_steps_is_ddpm_with_beta_tilde() {
        let s = NoiseSchedule::ddpm_default();
        let m = ring();
        let x = [0.3, 1.9];
        let z = [0.4, -1.1];
        for t in [2, 10, 300, 999] {
            let eps = m.posterior_mean_eps(&x, s.alpha_bar(t));
            let a = ddpm_step(&s, Prediction::Eps, &x, 2, t, &eps, ModelVariance::BetaTilde, &z).unwrap();
            let b = ddim_step(&s, Prediction::Eps, &x, 2, t, t - 1, &eps, 1.0, &z).unwrap();
            assert!((a.sigma - b.sigma).abs() < 1e-12 * a.sigma.max(1e-12), "σ at t = {t}: {} vs {}", a.sigma, b.sigma);
            for i in 0..2 {
                assert!((a.prev[i] - b.prev[i]).abs() < 1e-9, "t = {t}: {:?} vs {:?}", a.prev, b.prev);
            }
        }
    }

    #[test]
    fn ladder_and_timesteps() {
        let l = sigma_ladder(10.0, 0.01, 4);
        assert!((l[0] - 10.0).abs() < 1e-12 && (l[3] - 0.01).abs() < 1e-12);
        assert!((l[1] / l[0] - l[2] / l[1]).abs() < 1e-12);
        assert_eq!(annealed_step_size(2e-5, 10.0, 0.01), 2e-5 * 1e6);
        assert_eq!(ddim_timesteps(1000, 1000), (1..=1000).rev().collect::<Vec<_>>());
        let ts = ddim_timesteps(1000, 50);
        assert_eq!((ts.len(), ts[0], *ts.last().unwrap()), (50, 1000, 1));
        assert!(ts.windows(2).all(|w| w[0] > w[1]));
    }
}
