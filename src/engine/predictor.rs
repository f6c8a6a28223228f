//! What the reverse chain asks at every step: a trained network or the exact oracle of a Gaussian
//! mixture in its place, so the reader can tell the sampler's error from the network's.
// (without the engine only the oracle's half is compiled; the network's imports rest unused)
#![cfg_attr(not(feature = "engine"), allow(unused_imports, unused_variables, dead_code))]

#[cfg(feature = "engine")]
use burn::prelude::*;

use crate::engine::failure::EngineFailure;
#[cfg(feature = "engine")]
use crate::engine::model::{read, rows, Denoiser};
use crate::numerics::error::{InputError, Rule};
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::schedule::NoiseSchedule;

/// The source of predictions.
#[derive(Debug, Clone)]
pub enum Predictor {
    /// The exact E[ε|x_t] and ∇log q_σ of a known mixture.
    Oracle(GaussianMixture),
    #[cfg(feature = "engine")]
    /// A trained denoiser predicting `param`, on `device`.
    Network { model: Denoiser, device: Device, param: Prediction, time_dim: usize },
    #[cfg(feature = "engine")]
    /// A noise-conditional score network (NCSN) trained by denoising score matching (2.24) on the
    /// σ ladder `sigmas`; it is told the level index and predicts the score.
    NoiseConditional { model: Denoiser, device: Device, sigmas: Vec<f64>, time_dim: usize },
    #[cfg(feature = "engine")]
    /// A flow-matching network: told the index τ·`levels`, it predicts rectified flow's velocity
    /// (src/diffusion/flow_matching.rs). Asked at a diffusion step it answers ε̂ through the path
    /// with the same signal-to-noise ratio (see [`flow_point`]): one model, two clocks.
    Velocity { model: Denoiser, device: Device, levels: usize, time_dim: usize },
}

/// Where a point of any Gaussian path N(m x₀, s² I) lies on rectified flow's path with the same
/// signal-to-noise ratio: τ = s/(m + s) and x_τ = x/(m + s) (the same x₀ and ε).
pub fn flow_point(mean_scale: f64, std: f64) -> (f64, f64) {
    let scale = 1.0 / (mean_scale + std);
    (std * scale, scale)
}

impl Predictor {
    /// What one prediction at one point costs (multiply-adds, or mixture terms × 10): what the
    /// work budgets of chains and comparisons count.
    pub fn cost_per_point(&self) -> f64 {
        match self {
            Predictor::Oracle(m) => (m.components() * m.dim * 10) as f64,
            #[cfg(feature = "engine")]
            Predictor::Network { model, .. } | Predictor::NoiseConditional { model, .. } | Predictor::Velocity { model, .. } => model.multiply_adds() as f64,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Predictor::Oracle(_) => "oracle",
            #[cfg(feature = "engine")]
            Predictor::Network { .. } => "network",
            #[cfg(feature = "engine")]
            Predictor::NoiseConditional { .. } => "ncsn",
            #[cfg(feature = "engine")]
            Predictor::Velocity { .. } => "flow",
        }
    }

    /// The parameterization of [`Predictor::predict`]'s output.
    pub fn param(&self) -> Prediction {
        match self {
            Predictor::Oracle(_) => Prediction::Eps,
            #[cfg(feature = "engine")]
            Predictor::Network { param, .. } => *param,
            #[cfg(feature = "engine")]
            Predictor::NoiseConditional { .. } => Prediction::Score,
            #[cfg(feature = "engine")]
            Predictor::Velocity { .. } => Prediction::Eps,
        }
    }

    /// Predictions for n points (row-major, `dim` each) at timestep t, in [`Predictor::param`].
    pub async fn predict(&self, s: &NoiseSchedule, x: &[f64], dim: usize, t: usize) -> Result<Vec<f64>, EngineFailure> {
        match self {
            Predictor::Oracle(m) => {
                Ok(m.predict(Prediction::Eps, x, s.alpha_bar(t)))
            }
            #[cfg(feature = "engine")]
            Predictor::Network { model, device, time_dim, .. } => forward(model, device, *time_dim, x, dim, t).await,
            #[cfg(feature = "engine")]
            Predictor::NoiseConditional { .. } => {
                // it knows noise levels σ, not the diffusion chain's t: sample it with "langevin" or "annealed"
                Err(InputError::new("sampler", Rule::OneOf(vec!["langevin".into(), "annealed".into()]), Some("ddpm or ddim".into())).into())
            }
            #[cfg(feature = "engine")]
            Predictor::Velocity { .. } => {
                let ab = s.alpha_bar(t);
                self.eps_at(x, dim, ab.sqrt(), (1.0 - ab).sqrt()).await
            }
        }
    }

    /// ε̂ at points of the Gaussian path N(m x₀, s² I) (m = `mean_scale`, s = `std`), for the
    /// oracle and a flow network (a diffusion network knows only its own discrete steps).
    pub async fn eps_at(&self, x: &[f64], dim: usize, mean_scale: f64, std: f64) -> Result<Vec<f64>, EngineFailure> {
        let (tau, scale) = flow_point(mean_scale, std);
        match self {
            Predictor::Oracle(m) => Ok(x.chunks(dim).flat_map(|p| m.eps_and_divergence(p, crate::diffusion::sde::Marginal { mean_scale, std }).0).collect()),
            #[cfg(feature = "engine")]
            Predictor::Velocity { .. } => {
                let xf: Vec<f64> = x.iter().map(|v| v * scale).collect();
                let v = self.velocity(&xf, dim, tau).await?;
                Ok(crate::diffusion::flow_matching::x0_and_eps_from_velocity(&xf, tau, &v).1)
            }
            #[cfg(feature = "engine")]
            _ => Err(InputError::new("source", Rule::OneOf(vec!["oracle".into(), "flow".into()]), Some(self.name().into())).into()),
        }
    }

    /// Rectified flow's velocity v(x, τ) at n points (row-major): the oracle's exact one
    /// ([`crate::diffusion::flow_matching::oracle_velocity`]) or a flow network's; a diffusion
    /// network is asked through its own sampler instead (DDIM).
    pub async fn velocity(&self, x: &[f64], dim: usize, tau: f64) -> Result<Vec<f64>, EngineFailure> {
        match self {
            Predictor::Oracle(m) => Ok(crate::diffusion::flow_matching::oracle_velocity(m, x, tau)),
            #[cfg(feature = "engine")]
            Predictor::Velocity { model, device, levels, time_dim } => forward_at(model, device, *time_dim, x, dim, tau * *levels as f64).await,
            #[cfg(feature = "engine")]
            _ => Err(InputError::new("source", Rule::OneOf(vec!["oracle".into(), "flow".into()]), Some(self.name().into())).into()),
        }
    }

    /// The score ∇ log q_σ(x̃) at noise level σ (variance-exploding, as NCSN). The oracle's is
    /// exact; a network trained on the variance-preserving chain answers at the t whose
    /// ᾱ_t = 1/(1+σ²) is nearest, rescaled: s_σ(x̃) = c · s_t(c x̃), c = √ᾱ_t (see
    /// [`GaussianMixture::score_sigma`]).
    pub async fn score_sigma(&self, s: &NoiseSchedule, x: &[f64], dim: usize, sigma: f64) -> Result<Vec<f64>, EngineFailure> {
        match self {
            Predictor::Oracle(m) => Ok(x.chunks(dim).flat_map(|p| m.score_sigma(p, sigma)).collect()),
            #[cfg(feature = "engine")]
            Predictor::NoiseConditional { model, device, sigmas, time_dim } => {
                // the level whose σ_i is nearest σ (in log space); level indices run 1..=L
                let level = 1 + nearest_in_log(sigmas.iter().copied(), sigma.max(1e-300));
                forward(model, device, *time_dim, x, dim, level).await
            }
            #[cfg(feature = "engine")]
            Predictor::Velocity { .. } => {
                // x̃ = x₀ + σε is the path with m = 1, s = σ; its score is −ε̂/σ
                let eps = self.eps_at(x, dim, 1.0, sigma).await?;
                Ok(eps.into_iter().map(|e| -e / sigma.max(1e-300)).collect())
            }
            #[cfg(feature = "engine")]
            Predictor::Network { param, .. } => {
                let t = nearest_t(s, sigma);
                let c = s.alpha_bar(t).sqrt();
                let xt: Vec<f64> = x.iter().map(|v| c * v).collect();
                let pred = self.predict(s, &xt, dim, t).await?;
                let mut out = Vec::with_capacity(x.len());
                for i in 0..x.len() / dim {
                    let r = i * dim..(i + 1) * dim;
                    let sc = crate::diffusion::parameterization::convert(s, *param, Prediction::Score, &xt[r.clone()], t, &pred[r])?;
                    out.extend(sc.into_iter().map(|v| c * v));
                }
                Ok(out)
            }
        }
    }
}

#[cfg(feature = "engine")]
/// The network's output for n points (row-major, `dim` each) at embedding index t.
async fn forward(model: &Denoiser, device: &Device, time_dim: usize, x: &[f64], dim: usize, t: usize) -> Result<Vec<f64>, EngineFailure> {
    forward_at(model, device, time_dim, x, dim, t as f64).await
}

#[cfg(feature = "engine")]
/// The network's output at a (possibly fractional) embedding index.
async fn forward_at(model: &Denoiser, device: &Device, time_dim: usize, x: &[f64], dim: usize, index: f64) -> Result<Vec<f64>, EngineFailure> {
    let t = index.round().max(0.0) as usize;
    let xs: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    let emb = crate::engine::embedding::timestep_embedding_at(index, time_dim);
    let xs = rows(xs, dim, device); // [n, D]
    let emb = rows(emb, time_dim, device); // [1, E]: every point is at the same t
    let out: Vec<f64> = read(model.forward_shared_t(xs, emb)).await.map_err(EngineFailure::Device)?.into_iter().map(|v| v as f64).collect(); // [n, D]
    if out.iter().any(|v| !v.is_finite()) {
        return Err(InputError::new("predictions", Rule::NonFinitePrediction { t }, None).into());
    }
    Ok(out)
}

/// The timestep whose noise level matches σ: ᾱ_t nearest to 1/(1+σ²) (in log space).
pub fn nearest_t(s: &NoiseSchedule, sigma: f64) -> usize {
    nearest_alpha_bar(s, 1.0 / (1.0 + sigma * sigma))
}

/// The timestep t whose ᾱ_t is nearest `alpha_bar` (in log space).
pub fn nearest_alpha_bar(s: &NoiseSchedule, alpha_bar: f64) -> usize {
    1 + nearest_in_log(s.alphas_cumprod.iter().copied(), alpha_bar)
}

/// The index of the value nearest `target` in log space (0 for an empty list).
fn nearest_in_log(values: impl Iterator<Item = f64>, target: f64) -> usize {
    let t = target.ln();
    values.enumerate().min_by(|a, b| (a.1.ln() - t).abs().total_cmp(&(b.1.ln() - t).abs())).map(|(i, _)| i).unwrap_or(0)
}
