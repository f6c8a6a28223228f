//! The three equivalent things a network can predict — x_0, ε or the score ∇log p(x_t) — the
//! conversions between them given (x_t, t), the mean μ_θ each one implies, and the loss weight
//! that turns each squared error into the denoising-matching KL.

use crate::numerics::error::{check_finite, check_same_len, InputError, Result};
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// What the network's output means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prediction {
    /// x̂_θ(x_t, t) ≈ x_0 (1.96–1.100)
    X0,
    /// ε̂_θ(x_t, t) ≈ ε_0 (1.105–1.119)
    Eps,
    /// s_θ(x_t, t) ≈ ∇log p(x_t) (1.120–1.143)
    Score,
}

impl Prediction {
    pub const NAMES: [&'static str; 3] = ["x0", "eps", "score"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "x0" => Ok(Prediction::X0),
            "eps" => Ok(Prediction::Eps),
            "score" => Ok(Prediction::Score),
            other => Err(InputError::one_of("parameterization", other, &Self::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Prediction::X0 => "x0",
            Prediction::Eps => "eps",
            Prediction::Score => "score",
        }
    }
}

/// x_0 from ε (1.105): x_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t.
pub fn predict_x0_from_eps(s: &NoiseSchedule, x_t: &[f64], t: usize, eps: &[f64]) -> Vec<f64> {
    let (a, b) = (s.sqrt_alphas_cumprod[t - 1], s.sqrt_one_minus_alphas_cumprod[t - 1]);
    x_t.iter().zip(eps).map(|(x, e)| (x - b * e) / a).collect()
}

/// ε from x_0 (1.72 solved for ε): ε = (x_t − √ᾱ_t x_0) / √(1 − ᾱ_t).
pub fn predict_eps_from_x0(s: &NoiseSchedule, x_t: &[f64], t: usize, x0: &[f64]) -> Vec<f64> {
    let (a, b) = (s.sqrt_alphas_cumprod[t - 1], s.sqrt_one_minus_alphas_cumprod[t - 1]);
    x_t.iter().zip(x0).map(|(x, x0)| (x - a * x0) / b).collect()
}

/// The score from ε (1.143): ∇log p(x_t) = −ε / √(1 − ᾱ_t).
pub fn score_from_eps(s: &NoiseSchedule, t: usize, eps: &[f64]) -> Vec<f64> {
    let b = s.sqrt_one_minus_alphas_cumprod[t - 1];
    eps.iter().map(|e| -e / b).collect()
}

/// ε from the score (1.142): ε = −√(1 − ᾱ_t) ∇log p(x_t).
pub fn eps_from_score(s: &NoiseSchedule, t: usize, score: &[f64]) -> Vec<f64> {
    let b = s.sqrt_one_minus_alphas_cumprod[t - 1];
    score.iter().map(|g| -b * g).collect()
}

/// x_0 from the score, Tweedie's formula (1.125): x_0 = (x_t + (1 − ᾱ_t) ∇log p(x_t)) / √ᾱ_t.
pub fn predict_x0_from_score(s: &NoiseSchedule, x_t: &[f64], t: usize, score: &[f64]) -> Vec<f64> {
    let (a, v) = (s.sqrt_alphas_cumprod[t - 1], 1.0 - s.alpha_bar(t));
    x_t.iter().zip(score).map(|(x, g)| (x + v * g) / a).collect()
}

/// The score from x_0 (1.124 solved for the score): ∇log p(x_t) = (√ᾱ_t x_0 − x_t) / (1 − ᾱ_t).
pub fn score_from_x0(s: &NoiseSchedule, x_t: &[f64], t: usize, x0: &[f64]) -> Vec<f64> {
    let (a, v) = (s.sqrt_alphas_cumprod[t - 1], 1.0 - s.alpha_bar(t));
    x_t.iter().zip(x0).map(|(x, x0)| (a * x0 - x) / v).collect()
}

fn check_prediction(s: &NoiseSchedule, x_t: &[f64], t: usize, value: &[f64], name: &str) -> Result<()> {
    s.check_t(t)?;
    check_same_len(name, value.len(), "xT", x_t.len())?;
    check_finite("xT", x_t)?;
    check_finite(name, value)
}

/// Convert a prediction of one kind into another at (x_t, t), t in 1..=T (1.105, 1.125, 1.141–1.143).
pub fn convert(s: &NoiseSchedule, from: Prediction, to: Prediction, x_t: &[f64], t: usize, value: &[f64]) -> Result<Vec<f64>> {
    check_prediction(s, x_t, t, value, "value")?;
    Ok(convert_unchecked(s, from, to, x_t, t, value))
}

pub(crate) fn convert_unchecked(s: &NoiseSchedule, from: Prediction, to: Prediction, x_t: &[f64], t: usize, value: &[f64]) -> Vec<f64> {
    use Prediction::*;
    match (from, to) {
        (X0, X0) | (Eps, Eps) | (Score, Score) => value.to_vec(),
        (Eps, X0) => predict_x0_from_eps(s, x_t, t, value),
        (X0, Eps) => predict_eps_from_x0(s, x_t, t, value),
        (Eps, Score) => score_from_eps(s, t, value),
        (Score, Eps) => eps_from_score(s, t, value),
        (Score, X0) => predict_x0_from_score(s, x_t, t, value),
        (X0, Score) => score_from_x0(s, x_t, t, value),
    }
}

/// μ_θ(x_t, t) from a prediction, each by its own formula:
/// - x_0 (1.96): μ_θ = [√α_t (1 − ᾱ_{t−1}) x_t + √ᾱ_{t−1} β_t x̂_0] / (1 − ᾱ_t)
/// - ε (1.115): μ_θ = x_t/√α_t − β_t / (√(1 − ᾱ_t) √α_t) · ε̂
/// - score (1.134): μ_θ = x_t/√α_t + β_t/√α_t · s_θ. (The seed's (1.135) repeats the ε form's
///   coefficient with a minus sign by a slip; (1.134), from which it is derived, is the correct one.)
pub fn model_mean(s: &NoiseSchedule, param: Prediction, x_t: &[f64], t: usize, pred: &[f64]) -> Result<Vec<f64>> {
    check_prediction(s, x_t, t, pred, "prediction")?;
    Ok(model_mean_unchecked(s, param, x_t, t, pred))
}

pub(crate) fn model_mean_unchecked(s: &NoiseSchedule, param: Prediction, x_t: &[f64], t: usize, pred: &[f64]) -> Vec<f64> {
    let (beta, sqrt_a) = (s.beta(t), s.alpha(t).sqrt());
    match param {
        Prediction::X0 => crate::diffusion::posterior::posterior_mean_unchecked(s, x_t, pred, t),
        Prediction::Eps => {
            let c = beta / (s.sqrt_one_minus_alphas_cumprod[t - 1] * sqrt_a);
            x_t.iter().zip(pred).map(|(x, e)| x / sqrt_a - c * e).collect()
        }
        Prediction::Score => {
            let c = beta / sqrt_a;
            x_t.iter().zip(pred).map(|(x, g)| x / sqrt_a + c * g).collect()
        }
    }
}

/// The weight λ_t that makes λ_t ‖prediction − target‖² the mean term ‖μ_θ − μ_q‖² / (2σ_t²) of the
/// denoising KL, for model variance σ_t² (`variance`):
/// - x_0 (1.100): ᾱ_{t−1} β_t² / (2σ_t² (1 − ᾱ_t)²)
/// - ε (1.119): β_t² / (2σ_t² (1 − ᾱ_t) α_t)
/// - score (1.140): β_t² / (2σ_t² α_t)
///
/// t in 1..=T. At t ≥ 2 with σ_t² = β̃_t this is exactly the seeds' weight and the KL itself.
/// At t = 1 it is the weight of the squared error in the Gaussian decoder −log N(x_0; μ_θ, σ_1²)
/// (there μ_q = x_0, and σ_1² is the clipped model variance, see [`NoiseSchedule::model_variance`]).
pub fn loss_weight(s: &NoiseSchedule, param: Prediction, t: usize, variance: ModelVariance) -> Result<f64> {
    s.check_t(t)?;
    let var = s.model_variance(t, variance);
    let (beta, abar) = (s.beta(t), s.alpha_bar(t));
    Ok(match param {
        Prediction::X0 => s.alpha_bar(t - 1) * beta * beta / (2.0 * var * (1.0 - abar) * (1.0 - abar)),
        Prediction::Eps => beta * beta / (2.0 * var * (1.0 - abar) * s.alpha(t)),
        Prediction::Score => beta * beta / (2.0 * var * s.alpha(t)),
    })
}

/// The x_0 weight in SNR form (1.104): ½ (ᾱ_{t−1} − ᾱ_t) / ((1 − ᾱ_{t−1})(1 − ᾱ_t)) = ½ (SNR_{t−1} − SNR_t).
/// Equal to the x_0 weight of (1.100) with σ_t² = β̃_t. t in 2..=T (SNR_0 is infinite).
pub fn snr_weight(s: &NoiseSchedule, t: usize) -> Result<f64> {
    s.check_t_in("t", t, 2)?;
    Ok(0.5 * (s.snr[t - 2] - s.snr[t - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rng::Rng;
    use crate::diffusion::schedule::BetaSchedule;

    fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())))
    }

    #[test]
    fn round_trips() {
        let s = NoiseSchedule::ddpm_default();
        let mut rng = Rng::new(11);
        for t in [1, 2, 50, 500, 999, 1000] {
            let x_t = rng.normals(3);
            let x0 = rng.normals(3);
            let eps = convert(&s, Prediction::X0, Prediction::Eps, &x_t, t, &x0).unwrap();
            let back = convert(&s, Prediction::Eps, Prediction::X0, &x_t, t, &eps).unwrap();
            // x_0 → ε → x_0 loses √(1−ᾱ)/√ᾱ relative accuracy at large t: allow for it
            let cond = s.sqrt_one_minus_alphas_cumprod[t - 1] / s.sqrt_alphas_cumprod[t - 1];
            assert!(close(&back, &x0, 1e-14 * (1.0 + cond)), "t={t}");
            let score = convert(&s, Prediction::Eps, Prediction::Score, &x_t, t, &eps).unwrap();
            assert!(close(&convert(&s, Prediction::Score, Prediction::Eps, &x_t, t, &score).unwrap(), &eps, 1e-14));
            // (1.141): the x_0 from the score (Tweedie) equals the x_0 from ε
            let via_score = convert(&s, Prediction::Score, Prediction::X0, &x_t, t, &score).unwrap();
            assert!(close(&via_score, &x0, 1e-13 * (1.0 + cond)), "t={t}");
            let direct = convert(&s, Prediction::X0, Prediction::Score, &x_t, t, &x0).unwrap();
            assert!(close(&direct, &score, 1e-12), "t={t}");
        }
    }

    #[test]
    fn model_mean_is_the_same_from_every_parameterization() {
        let s = NoiseSchedule::new(BetaSchedule::cosine_default(), 200).unwrap();
        let mut rng = Rng::new(5);
        for t in [1, 2, 17, 100, 199] {
            let x_t = rng.normals(4);
            let x0 = rng.normals(4);
            let eps = predict_eps_from_x0(&s, &x_t, t, &x0);
            let score = score_from_x0(&s, &x_t, t, &x0);
            let m0 = model_mean(&s, Prediction::X0, &x_t, t, &x0).unwrap();
            let m1 = model_mean(&s, Prediction::Eps, &x_t, t, &eps).unwrap();
            let m2 = model_mean(&s, Prediction::Score, &x_t, t, &score).unwrap();
            assert!(close(&m0, &m1, 1e-11), "t={t}: {m0:?} {m1:?}");
            assert!(close(&m0, &m2, 1e-11), "t={t}: {m0:?} {m2:?}");
        }
    }

    #[test]
    fn snr_form_equals_the_x0_weight() {
        for s in [NoiseSchedule::ddpm_default(), NoiseSchedule::new(BetaSchedule::cosine_default(), 1000).unwrap()] {
            for t in [2, 3, 10, 500, 1000] {
                let w = loss_weight(&s, Prediction::X0, t, ModelVariance::BetaTilde).unwrap();
                let w_snr = snr_weight(&s, t).unwrap();
                assert!((w - w_snr).abs() <= 1e-9 * w, "t={t}: {w} vs {w_snr}");
            }
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let e = Prediction::parse("v").unwrap_err();
        assert!(e.message.contains("\"x0\", \"eps\", \"score\""), "{}", e.message);
        let s = NoiseSchedule::ddpm_default();
        assert!(snr_weight(&s, 1).unwrap_err().message.contains("2..=1000"));
        assert!(model_mean(&s, Prediction::X0, &[0.0], 3, &[0.0, 1.0]).unwrap_err().message.contains("lengths must match"));
    }
}
