//! How far a diffusion network's score is from the exact one, t by t (issue 17, item 5): at each t,
//! held-out x_0 are noised by the closed form x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (1.72), the network's
//! prediction is converted to the score (1.124, 1.143: whatever it predicts, x_0, ε or the score),
//! and compared with ∇log q_t(x_t) of the data's mixture (the oracle, exact):
//!
//!   relative error(t) = E‖ŝ_θ(x_t, t) − ∇log q_t(x_t)‖² / E‖∇log q_t(x_t)‖²
//!
//! (each t on its own scale, so small and large t compare). The NCSN's per-level error is the
//! same measure on its σ ladder ([`Trainer::score_error_by_level`]).

use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::{convert, Prediction};
use crate::diffusion::schedule::NoiseSchedule;
use crate::engine::failure::EngineFailure;
use crate::engine::predictor::Predictor;
#[cfg(feature = "engine")]
use crate::engine::train::Trainer;
use crate::numerics::rng::Rng;

/// How many t the default list holds (fewer for a short chain: the rounded values are deduplicated).
pub const SCORE_TS: usize = 16;
/// The held-out points and the noise seed of the default measure.
pub const SCORE_POINTS: usize = 512;
pub const SCORE_SEED: u64 = 3;

/// The default t's: [`SCORE_TS`] values log-spaced over 1..=T, t_k = round(T^{k/(K−1)}), k = 0..K−1,
/// deduplicated, so both ends of the chain are seen — small t, where the score is steep and learnt
/// last, as densely as large t (for T = 1000: 1, 2, 3, 4, 6, 10, 16, 25, 40, 63, 100, 158, 251, 398, 631, 1000).
pub fn default_score_ts(t_max: usize) -> Vec<usize> {
    let mut ts: Vec<usize> = (0..SCORE_TS)
        .map(|k| ((t_max as f64).powf(k as f64 / (SCORE_TS - 1) as f64).round() as usize).clamp(1, t_max))
        .collect();
    ts.dedup();
    ts
}

#[cfg(feature = "engine")]
impl Trainer {
    /// The relative error of the network's score at each t of `ts` (t in 1..=T) against the exact
    /// score of the data's mixture, on the first `points` held-out x_0 with noise drawn from `seed`
    /// (a fresh draw per t, the same for every call): `(t, E‖ŝ_θ − ∇log q_t‖² / E‖∇log q_t‖²)`.
    /// None for an NCSN or data without an exact mixture (ring8 only).
    pub async fn score_error_by_t(&self, points: usize, seed: u64, ts: &[usize]) -> Option<Result<Vec<(usize, f64)>, EngineFailure>> {
        if self.config.ncsn.is_some() {
            return None;
        }
        let mixture = self.mixture()?;
        let d = self.config.data_dim();
        let n = points.min(self.heldout.len() / d).max(1);
        Some(relative_score_error(&self.predictor(), &self.schedule, &mixture, &self.heldout[..n * d], seed, ts).await)
    }
}

/// The relative score error of any predictor (a network, or an oracle) against the exact score of
/// `mixture`, for the points `x0` (row-major, the mixture's dimension each) noised to each t of
/// `ts` by (1.72) with noise from `seed`: `(t, E‖ŝ − ∇log q_t‖² / E‖∇log q_t‖²)`.
pub async fn relative_score_error(p: &Predictor, s: &NoiseSchedule, mixture: &GaussianMixture, x0: &[f64], seed: u64, ts: &[usize]) -> Result<Vec<(usize, f64)>, EngineFailure> {
    for &t in ts {
        s.check_t(t)?;
    }
    let d = mixture.dim;
    let param = p.param();
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(ts.len());
    for &t in ts {
        let (a, b) = (s.sqrt_alphas_cumprod[t - 1], s.sqrt_one_minus_alphas_cumprod[t - 1]);
        let x_t: Vec<f64> = x0.iter().zip(rng.normals(x0.len())).map(|(x, z)| a * x + b * z).collect(); // (1.72)
        let pred = p.predict(s, &x_t, d, t).await?;
        let exact = mixture.predict(Prediction::Score, &x_t, s.alpha_bar(t));
        let (mut num, mut den) = (0.0, 0.0);
        for ((x, pr), e) in x_t.chunks(d).zip(pred.chunks(d)).zip(exact.chunks(d)) {
            let score = convert(s, param, Prediction::Score, x, t, pr)?; // (1.124) / (1.143)
            num += score.iter().zip(e).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
            den += e.iter().map(|b| b * b).sum::<f64>();
        }
        out.push((t, num / den));
    }
    Ok(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_default_ts_are_log_spaced_over_the_chain() {
        assert_eq!(default_score_ts(1000), vec![1, 2, 3, 4, 6, 10, 16, 25, 40, 63, 100, 158, 251, 398, 631, 1000]);
        let short = default_score_ts(10);
        assert_eq!((short[0], *short.last().unwrap()), (1, 10));
        assert!(short.windows(2).all(|w| w[0] < w[1]), "{short:?}");
        assert_eq!(default_score_ts(2), vec![1, 2]);
    }

    /// The exact oracle (answering E[ε|x_t], converted to the score by (1.143)) has no error at any
    /// t; the oracle of a slightly different mixture (the ring 10% wider) has a clear one.
    #[test]
    fn the_exact_oracle_scores_zero_and_a_wrong_one_does_not() {
        use crate::data::toy::Dataset;
        let s = NoiseSchedule::ddpm_default();
        let m = Dataset::ring8_default().mixture().unwrap();
        let x0 = m.sample(256, &mut Rng::new(1));
        let ts = default_score_ts(s.t_max);
        let exact = crate::engine::backend::block_on(relative_score_error(&Predictor::Oracle(m.clone()), &s, &m, &x0, 2, &ts)).unwrap();
        assert!(exact.iter().all(|(_, e)| *e < 1e-12), "{exact:?}");
        let wrong = Dataset::Ring8 { radius: 2.2, std: 0.2, weights: vec![1.0; 8] }.mixture().unwrap();
        let off = crate::engine::backend::block_on(relative_score_error(&Predictor::Oracle(wrong), &s, &m, &x0, 2, &ts)).unwrap();
        assert!(off.iter().filter(|(t, _)| *t <= 100).all(|(_, e)| *e > 0.05), "{off:?}");
        // a t outside 1..=T is refused by name
        let e = crate::engine::backend::block_on(relative_score_error(&Predictor::Oracle(m.clone()), &s, &m, &x0, 2, &[0])).unwrap_err();
        assert!(e.to_string().contains("1..=1000"), "{e}");
    }
}
