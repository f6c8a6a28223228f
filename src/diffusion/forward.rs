//! The forward (noising) process: one step q(x_t | x_{t−1}) (1.63) and the closed form q(x_t | x_0)
//! (1.72–1.73). The caller supplies the standard-normal noise, so every draw is reproducible.

use crate::numerics::error::{check_finite, check_same_len, Result};
use crate::diffusion::schedule::NoiseSchedule;

/// A Gaussian with isotropic variance and one draw from it: `sample = mean + √variance · noise`.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianDraw {
    pub mean: Vec<f64>,
    /// the same variance for every coordinate
    pub variance: f64,
    pub sample: Vec<f64>,
}

fn draw(mean: Vec<f64>, variance: f64, noise: &[f64]) -> GaussianDraw {
    let sd = variance.sqrt();
    let sample = mean.iter().zip(noise).map(|(m, z)| m + sd * z).collect();
    GaussianDraw { mean, variance, sample }
}

fn check_inputs(s: &NoiseSchedule, x_name: &str, x: &[f64], t: usize, noise: &[f64]) -> Result<()> {
    s.check_t(t)?;
    check_same_len("noise", noise.len(), x_name, x.len())?;
    check_finite(x_name, x)?;
    check_finite("noise", noise)
}

/// One forward step (1.63): x_t = √α_t x_{t−1} + √(1 − α_t) ε, i.e. q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I).
pub fn q_step(s: &NoiseSchedule, x_prev: &[f64], t: usize, noise: &[f64]) -> Result<GaussianDraw> {
    check_inputs(s, "xPrev", x_prev, t, noise)?;
    let a = s.alpha(t).sqrt();
    Ok(draw(x_prev.iter().map(|x| a * x).collect(), s.beta(t), noise))
}

/// The closed form (1.72–1.73): x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, i.e. q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I).
pub fn q_sample(s: &NoiseSchedule, x0: &[f64], t: usize, noise: &[f64]) -> Result<GaussianDraw> {
    check_inputs(s, "x0", x0, t, noise)?;
    let a = s.sqrt_alphas_cumprod[t - 1];
    Ok(draw(x0.iter().map(|x| a * x).collect(), 1.0 - s.alpha_bar(t), noise))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rng::Rng;
    use crate::diffusion::schedule::BetaSchedule;

    #[test]
    fn closed_form_matches_iterated_chain_in_distribution() {
        // Iterating (1.63) t times gives the law (1.73): check mean and variance by simulation.
        let s = NoiseSchedule::new(BetaSchedule::linear_default(50), 50).unwrap();
        let t = 30;
        let x0 = [1.5];
        let n = 40_000;
        let mut rng = Rng::new(7);
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let mut x = x0.to_vec();
            for k in 1..=t {
                x = q_step(&s, &x, k, &[rng.normal()]).unwrap().sample;
            }
            sum += x[0];
            sum2 += x[0] * x[0];
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        let want = q_sample(&s, &x0, t, &[0.0]).unwrap();
        let se_mean = (want.variance / n as f64).sqrt();
        assert!((mean - want.mean[0]).abs() < 5.0 * se_mean, "{mean} vs {}", want.mean[0]);
        assert!((var - want.variance).abs() < 5.0 * want.variance * (2.0 / n as f64).sqrt(), "{var} vs {}", want.variance);
    }

    #[test]
    fn sample_is_mean_plus_scaled_noise() {
        let s = NoiseSchedule::ddpm_default();
        let d = q_sample(&s, &[1.0, -2.0], 500, &[0.5, -1.0]).unwrap();
        let ab = s.alpha_bar(500);
        assert!((d.sample[0] - (ab.sqrt() + (1.0 - ab).sqrt() * 0.5)).abs() < 1e-15);
        assert!((d.variance - (1.0 - ab)).abs() < 1e-15);
        let one = q_step(&s, &[2.0], 1, &[1.0]).unwrap();
        assert!((one.sample[0] - (2.0 * (1.0f64 - 1e-4).sqrt() + 1e-2)).abs() < 1e-15);
    }

    #[test]
    fn rejects_bad_input() {
        let s = NoiseSchedule::ddpm_default();
        assert!(q_sample(&s, &[1.0], 0, &[0.0]).unwrap_err().message.contains("1..=1000"));
        assert!(q_sample(&s, &[1.0, 2.0], 3, &[0.0]).unwrap_err().message.contains("lengths must match"));
        assert!(q_step(&s, &[f64::INFINITY], 3, &[0.0]).unwrap_err().message.contains("finite"));
    }
}
