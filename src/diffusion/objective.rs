//! The training objectives the seeds compare: regress x_0 (1.100), ε (1.119) or the score (1.140),
//! weighted either by L_simple (plain MSE on the target, DDPM's choice) or by the true ELBO weight
//! λ_t of each parameterization, which makes the loss the denoising-matching KL (1.62).
//!
//! Plain f64 maths: no burn. The trainer turns these into per-example tensors.

use crate::numerics::error::{InputError, Result};
use crate::diffusion::parameterization::{loss_weight, Prediction};
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// How the squared error of each example is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// L_simple: ‖target − prediction‖² / D, the same for every t (DDPM's eq. 14).
    Simple,
    /// The ELBO: λ_t ‖target − prediction‖² with λ_t from (1.100) / (1.119) / (1.140) at σ_t² = β̃_t,
    /// in nats; at t = 1 the weight of the Gaussian decoder's squared error.
    Elbo,
}

impl Weighting {
    pub const NAMES: [&'static str; 2] = ["simple", "elbo"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "simple" => Ok(Weighting::Simple),
            "elbo" => Ok(Weighting::Elbo),
            other => Err(InputError::one_of("weighting", other, &Self::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Weighting::Simple => "simple",
            Weighting::Elbo => "elbo",
        }
    }
}

/// The per-example weight w_t by t (index t − 1): the loss of an example is w_t ‖target − prediction‖².
pub fn weights_by_t(s: &NoiseSchedule, param: Prediction, weighting: Weighting, dims: usize) -> Vec<f64> {
    (1..=s.t_max)
        .map(|t| match weighting {
            Weighting::Simple => 1.0 / dims as f64,
            Weighting::Elbo => loss_weight(s, param, t, ModelVariance::BetaTilde).expect("t in range"),
        })
        .collect()
}

/// The regression target for one example with noise ε at step t:
/// x_0 itself, ε itself, or the conditional score ∇log q(x_t|x_0) = −ε/√(1 − ᾱ_t) (1.143), whose
/// regression gives the marginal score (denoising score matching).
pub fn target(s: &NoiseSchedule, param: Prediction, t: usize, x0: &[f64], eps: &[f64]) -> Vec<f64> {
    match param {
        Prediction::X0 => x0.to_vec(),
        Prediction::Eps => eps.to_vec(),
        Prediction::Score => {
            let b = s.sqrt_one_minus_alphas_cumprod[t - 1];
            eps.iter().map(|e| -e / b).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::elbo::denoising_kl;
    use crate::diffusion::forward::q_sample;
    use crate::diffusion::parameterization::convert;

    /// With ELBO weights, w_t ‖target − prediction‖² is the denoising KL (σ_t² = β̃_t) for every
    /// parameterization: the objective trains the ELBO.
    #[test]
    fn elbo_weighting_is_the_kl() {
        let s = NoiseSchedule::new(crate::diffusion::schedule::BetaSchedule::linear_default(100), 100).unwrap();
        let (x0, eps) = ([0.4, -0.2], [1.1, 0.3]);
        for t in [2, 30, 100] {
            let xt = q_sample(&s, &x0, t, &eps).unwrap().sample;
            let wrong_x0 = [0.0, 0.5];
            let kl = denoising_kl(&s, &x0, &xt, t, Prediction::X0, &wrong_x0, ModelVariance::BetaTilde).unwrap();
            for p in [Prediction::X0, Prediction::Eps, Prediction::Score] {
                let pred = convert(&s, Prediction::X0, p, &xt, t, &wrong_x0).unwrap();
                let tg = target(&s, p, t, &x0, &eps);
                let sq: f64 = pred.iter().zip(&tg).map(|(a, b)| (a - b) * (a - b)).sum();
                let w = weights_by_t(&s, p, Weighting::Elbo, 2)[t - 1];
                assert!((w * sq - kl).abs() < 1e-9 * kl, "t={t} {p:?}");
            }
        }
        assert_eq!(weights_by_t(&s, Prediction::Eps, Weighting::Simple, 4)[10], 0.25);
        assert!(Weighting::parse("snr").unwrap_err().message.contains("\"simple\""));
    }
}
