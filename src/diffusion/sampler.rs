//! The step rules of the reverse chain, for a batch of particles (row-major, n × d), in f64 with
//! no I/O: DDPM's ancestral step (Algorithm 2 of the DDPM notes), DDIM's step with η, and the
//! Langevin step of score-based models (seed 003, §2.1 and §2.2.6). Whatever the network predicts
//! (x_0, ε or the score), it is converted through the foundation's formulas (1.105, 1.125,
//! 1.141–1.143) and μ_θ comes from [`crate::diffusion::parameterization::model_mean`], so the same μ_θ results
//! for every parameterization.
//!
//! Each step returns what the inspector shows beside the new sample, like diffusers'
//! `DDPMSchedulerOutput`: μ_θ, σ_t and the predictions in all three forms.

use crate::numerics::error::{check_count, check_finite, check_nonempty, check_points, check_positive, check_same_len, InputError, Result, Rule};
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

/// The particles x_t (n × d, n ≥ 1), the prediction and the noise draw must be whole, equal-length
/// and finite; returns n.
fn check_step_inputs(x_t: &[f64], dim: usize, pred: &[f64], z: &[f64]) -> Result<usize> {
    let n = check_points("xT", x_t, dim, usize::MAX)?;
    check_same_len("prediction", pred.len(), "xT", x_t.len())?;
    check_same_len("noise", z.len(), "xT", x_t.len())?;
    check_finite("noise", z)?;
    Ok(n)
}

/// DDPM ancestral sampling, one step (Algorithm 2): x_{t−1} = μ_θ(x_t, t) + σ_t z, with z = 0 at
/// t = 1 (the last step returns the decoder's mean, as improved-diffusion's `nonzero_mask`).
/// σ_t² is the [`ModelVariance`] choice (β̃_t, β_t, or improved-diffusion's `FIXED_LARGE`; they
/// differ at t = 1 only in the decoder's variance, which this step does not draw from).
/// `z` holds n × d standard normals (the caller's, so the result can be compared number for number).
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
    let n = check_step_inputs(x_t, dim, pred, z)?;
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
/// consecutive steps is DDPM with σ_t² = β̃_t. t_prev in 0..t; `z` holds n × d standard normals.
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
    if t_prev >= t {
        return Err(InputError::integer("tPrev", t_prev as f64, 0, t as u64 - 1));
    }
    check_step_inputs(x_t, dim, pred, z)?;
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

/// What an annealed Langevin run ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnealedRun {
    /// the particles after the last step (n × d)
    pub samples: Vec<f64>,
    /// α_i = ε σ_i²/σ_L² of each level
    pub step_sizes: Vec<f64>,
    /// the particles' mean after each level (L × d)
    pub level_means: Vec<f64>,
}

/// Annealed Langevin dynamics (seed 003 §2.2.6; NCSN's Algorithm 1) on n particles `x` (n × d):
/// for each level i with noise σ_i (in the order given, NCSN's σ_1 > … > σ_L), `steps_per_level`
/// steps x ← x + (α_i/2)·s(x, σ_i) + √α_i·z at α_i = ε σ_i²/σ_L² ([`langevin_step`],
/// [`annealed_step_size`]). `score(x, σ)` answers for all n particles at once. Every z comes from
/// `noise`: exactly L·K·n·d standard normals, level by level, step by step, each step's n × d
/// row-major (step k of level i starts at ((i·K + k)·n·d)). NCSN's code writes the same step as
/// x + a·s + √(2a)·z with a = α_i/2, i.e. its `step_lr` is ε/2.
pub fn annealed_langevin(
    x: &[f64],
    dim: usize,
    sigmas: &[f64],
    steps_per_level: usize,
    eps: f64,
    noise: &[f64],
    mut score: impl FnMut(&[f64], f64) -> Vec<f64>,
) -> Result<AnnealedRun> {
    let n = check_points("x", x, dim, usize::MAX)?;
    check_nonempty("sigmas", sigmas.len())?;
    for (i, s) in sigmas.iter().enumerate() {
        check_positive(&format!("sigmas[{i}]"), *s)?;
    }
    check_count("stepsPerLevel", steps_per_level, 1, usize::MAX)?;
    check_positive("eps", eps)?;
    let nd = n * dim;
    let want = sigmas.len().checked_mul(steps_per_level).and_then(|v| v.checked_mul(nd));
    if want != Some(noise.len()) {
        let (l, k) = (sigmas.len(), steps_per_level);
        let total = want.map(|v| v.to_string()).unwrap_or_else(|| "more than fits".into());
        return Err(InputError::length("noise", noise.len(), format!("sigmas.length·stepsPerLevel·n·dim = {l}·{k}·{n}·{dim} = {total}")));
    }
    check_finite("noise", noise)?;
    let last = sigmas[sigmas.len() - 1];
    let mut state = x.to_vec();
    let (mut step_sizes, mut level_means) = (Vec::with_capacity(sigmas.len()), Vec::with_capacity(sigmas.len() * dim));
    for (i, &sigma) in sigmas.iter().enumerate() {
        let alpha = annealed_step_size(eps, sigma, last);
        step_sizes.push(alpha);
        for k in 0..steps_per_level {
            let g = score(&state, sigma);
            if g.len() != nd {
                return Err(InputError::length("score", g.len(), format!("n·dim = {nd} (one score per coordinate)")));
            }
            let off = (i * steps_per_level + k) * nd;
            state = langevin_step(&state, &g, alpha, &noise[off..off + nd]).0;
        }
        if !state.iter().all(|v| v.is_finite()) {
            // a step size that throws the particles beyond f64: name what the reader can lower
            return Err(InputError::new("eps", Rule::Overflow, None));
        }
        level_means.extend((0..dim).map(|j| state.iter().skip(j).step_by(dim).sum::<f64>() / n as f64));
    }
    Ok(AnnealedRun { samples: state, step_sizes, level_means })
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

    /// DDPM with `FixedLarge`: σ_t² = β_t at t = 2 (the noise it adds), and at t = 1 no noise is
    /// added while the decoder p_θ(x_0|x_1) uses β̃_2 (improved-diffusion's FIXED_LARGE).
    #[test]
    fn fixed_large_uses_beta_at_t2_and_beta_tilde_2_in_the_decoder() {
        let s = NoiseSchedule::new(crate::diffusion::schedule::BetaSchedule::Explicit(vec![0.1, 0.2, 0.3]), 0).unwrap();
        let (x, eps, z) = ([1.0], [0.5], [-1.0]);
        // by hand from β = (0.1, 0.2, 0.3): α_2 = 0.8, ᾱ_1 = 0.9, ᾱ_2 = 0.72
        let mu = 1.0 / 0.8f64.sqrt() - 0.2 / (0.28f64.sqrt() * 0.8f64.sqrt()) * 0.5; // (1.115)
        let bt2: f64 = 0.2 * (1.0 - 0.9) / (1.0 - 0.72); // β̃_2 (1.89)
        let large = ddpm_step(&s, Prediction::Eps, &x, 1, 2, &eps, ModelVariance::FixedLarge, &z).unwrap();
        let small = ddpm_step(&s, Prediction::Eps, &x, 1, 2, &eps, ModelVariance::BetaTilde, &z).unwrap();
        assert!((large.mean[0] - mu).abs() < 1e-15 && (mu - 0.906_745_425_067_766).abs() < 1e-12);
        assert!((large.sigma - 0.2f64.sqrt()).abs() < 1e-15, "σ_2 = {}", large.sigma);
        assert!((large.prev[0] - (mu - 0.2f64.sqrt())).abs() < 1e-15);
        assert!((small.sigma - bt2.sqrt()).abs() < 1e-14 && (small.prev[0] - (mu - bt2.sqrt())).abs() < 1e-14);
        assert!((large.prev[0] - 0.459_531_829_567_808).abs() < 1e-12 && (small.prev[0] - 0.639_484_183_155_341).abs() < 1e-12);
        // t = 1: the decoder's mean, no noise, for every choice
        for v in [ModelVariance::BetaTilde, ModelVariance::Beta, ModelVariance::FixedLarge] {
            let last = ddpm_step(&s, Prediction::X0, &x, 1, 1, &[0.25], v, &z).unwrap();
            assert_eq!((last.sigma, last.prev.clone()), (0.0, last.mean.clone()));
        }
        // the decoder log N(x_0; μ_θ(x_1, 1), σ_1²) reads σ_1² = β̃_2 for FixedLarge, β_1 for Beta
        use crate::diffusion::elbo::{reconstruction, Decoder};
        let (x0, x1, pred) = ([0.3], [0.4], [0.1]);
        let mean = model_mean(&s, Prediction::X0, &x1, 1, &pred).unwrap()[0];
        let log_n = |v: f64| -0.5 * ((2.0 * std::f64::consts::PI * v).ln() + (x0[0] - mean).powi(2) / v);
        let rec = |v| reconstruction(&s, &x0, &x1, Prediction::X0, &pred, v, Decoder::Gaussian).unwrap();
        assert!((rec(ModelVariance::FixedLarge) - log_n(bt2)).abs() < 1e-12);
        assert!((rec(ModelVariance::Beta) - log_n(0.1)).abs() < 1e-12);
        assert!((rec(ModelVariance::FixedLarge) - rec(ModelVariance::Beta)).abs() > 1e-3, "the choices must differ at t = 1");
    }

    #[test]
    fn steps_refuse_mismatched_lengths_naming_the_field() {
        let s = NoiseSchedule::ddpm_default();
        let v = ModelVariance::Beta;
        assert_eq!(ddpm_step(&s, Prediction::Eps, &[0.0; 4], 2, 5, &[0.0; 4], v, &[0.0; 3]).unwrap_err().field, "noise");
        assert_eq!(ddpm_step(&s, Prediction::Eps, &[0.0; 4], 2, 5, &[0.0; 2], v, &[0.0; 4]).unwrap_err().field, "prediction");
        assert_eq!(ddpm_step(&s, Prediction::Eps, &[0.0; 3], 2, 5, &[0.0; 3], v, &[0.0; 3]).unwrap_err().field, "xT");
        assert_eq!(ddpm_step(&s, Prediction::Eps, &[0.0; 2], 2, 5, &[0.0; 2], v, &[f64::NAN, 0.0]).unwrap_err().field, "noise[0]");
        let e = ddim_step(&s, Prediction::Eps, &[0.0; 2], 2, 5, 5, &[0.0; 2], 0.0, &[0.0; 2]).unwrap_err();
        assert!(e.field == "tPrev" && e.message.contains("0..=4"), "{}", e.message);
    }

    #[test]
    fn langevin_step_and_the_noise_layout_of_an_annealed_run() {
        // x + (ε/2)·s + √ε·z by hand
        let (next, mean) = langevin_step(&[1.0, -2.0], &[-2.0, 4.0], 0.01, &[0.5, -1.0]);
        assert!((mean[0] - 0.99).abs() < 1e-15 && (mean[1] + 1.98).abs() < 1e-15);
        assert!((next[0] - 1.04).abs() < 1e-15 && (next[1] + 2.08).abs() < 1e-15);
        // with s = 0 the run adds √α_i z: α = ε σ_i²/σ_L² = (0.4, 0.1) for σ = (2, 1), ε = 0.1;
        // two particles in 1-D, one step per level: level 0 reads noise[0..2], level 1 noise[2..4]
        let z = [0.3, -0.7, 1.1, 0.2];
        let r = annealed_langevin(&[0.0, 5.0], 1, &[2.0, 1.0], 1, 0.1, &z, |x, _| vec![0.0; x.len()]).unwrap();
        let want = [0.4f64.sqrt() * 0.3 + 0.1f64.sqrt() * 1.1, 5.0 - 0.4f64.sqrt() * 0.7 + 0.1f64.sqrt() * 0.2];
        assert!((r.samples[0] - want[0]).abs() < 1e-15 && (r.samples[1] - want[1]).abs() < 1e-15, "{:?}", r.samples);
        assert!((r.step_sizes[0] - 0.4).abs() < 1e-15 && (r.step_sizes[1] - 0.1).abs() < 1e-15);
        assert!((r.level_means[1] - (want[0] + want[1]) / 2.0).abs() < 1e-15);
        // the score is asked at each level's σ, in order
        let mut asked = Vec::new();
        annealed_langevin(&[0.0], 1, &[3.0, 2.0, 1.0], 2, 0.1, &[0.0; 6], |x, s| {
            asked.push(s);
            vec![0.0; x.len()]
        })
        .unwrap();
        assert_eq!(asked, [3.0, 3.0, 2.0, 2.0, 1.0, 1.0]);
        // bad inputs name their field
        let zero = |x: &[f64], _| vec![0.0; x.len()];
        let e = annealed_langevin(&[0.0, 0.0], 1, &[2.0, 1.0], 3, 0.1, &[0.0; 11], zero).unwrap_err();
        assert!(e.field == "noise" && e.message.contains("2·3·2·1 = 12"), "{}", e.message);
        assert_eq!(annealed_langevin(&[0.0], 1, &[], 1, 0.1, &[], zero).unwrap_err().field, "sigmas");
        assert_eq!(annealed_langevin(&[0.0], 1, &[1.0, -1.0], 1, 0.1, &[0.0; 2], zero).unwrap_err().field, "sigmas[1]");
        assert_eq!(annealed_langevin(&[0.0], 1, &[1.0], 0, 0.1, &[], zero).unwrap_err().field, "stepsPerLevel");
        assert_eq!(annealed_langevin(&[0.0], 1, &[1.0], 1, 0.0, &[0.0], zero).unwrap_err().field, "eps");
        assert_eq!(annealed_langevin(&[0.0], 1, &[1.0], 1, 0.1, &[0.0], |_, _| vec![0.0; 2]).unwrap_err().field, "score");
        let e = annealed_langevin(&[1.0], 1, &[1.0], 1, 1e90, &[0.0], |x, _| x.iter().map(|v| -v * 1e300).collect()).unwrap_err();
        assert_eq!((e.field.as_str(), e.code()), ("eps", "overflow"));
    }

    /// A Gaussian target N(μ, v) whose noise-conditional score is exact, −(x − μ)/(v + σ²): the
    /// particles, started far away, end with the mean and variance of N(μ, v + σ_L²), within the
    /// Monte Carlo error and the step's own bias (Langevin at step α keeps variance
    /// V = α / (1 − c²), c = 1 − α/(2(v + σ²)), a hair above v + σ²).
    #[test]
    fn annealed_langevin_reaches_a_gaussian_target() {
        use crate::numerics::rng::Rng;
        let (mu, v, n) = (1.5, 0.5, 4000);
        let sigmas = sigma_ladder(3.0, 0.05, 8);
        let (k, eps) = (100, 2e-3);
        let mut rng = Rng::new(17);
        let x: Vec<f64> = (0..n).map(|_| -4.0 + 0.1 * rng.normals(1)[0]).collect();
        let noise = rng.normals(sigmas.len() * k * n);
        let run = |m: f64| annealed_langevin(&x, 1, &sigmas, k, eps, &noise, |x, s| x.iter().map(|x| -(x - m) / (v + s * s)).collect()).unwrap();
        let r = run(mu);
        let mean = r.samples.iter().sum::<f64>() / n as f64;
        let var = r.samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let s2 = v + sigmas[7] * sigmas[7];
        let (alpha, c) = (r.step_sizes[7], 1.0 - r.step_sizes[7] / (2.0 * s2));
        let stationary = alpha / (1.0 - c * c);
        assert!((stationary - s2).abs() < 1e-3 * s2);
        let se_mean = (s2 / n as f64).sqrt();
        assert!((mean - mu).abs() < 4.0 * se_mean, "mean {mean} vs {mu} (se {se_mean})");
        let se_var = s2 * (2.0 / (n - 1) as f64).sqrt();
        assert!((var - stationary).abs() < 4.0 * se_var, "variance {var} vs {stationary} (se {se_var})");
        // the level means walk from the start towards μ
        assert!(r.level_means[0] > -4.0 && (r.level_means[7] - mu).abs() < (r.level_means[0] - mu).abs());
        // the check can fail: a score pointing at μ + 1 ends a whole unit away
        let wrong = run(mu + 1.0);
        let wrong_mean = wrong.samples.iter().sum::<f64>() / n as f64;
        assert!((wrong_mean - mu).abs() > 20.0 * se_mean, "{wrong_mean}");
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
