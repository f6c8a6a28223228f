//! The SDE view's questions answered by a predictor: ε̂(x, t) at a continuous time, and its
//! divergence for the probability-flow likelihood (`diffusion::sde::Query`), from a trained
//! network or the exact mixture.
//!
//! A network trained on the discrete chain is asked at the real index 1 + t(N − 1)
//! (`Query::index`, embedded by [`timestep_embedding_at`]) and its output is turned into ε̂ at the
//! query's marginal x_t = m x_0 + s ε (1.72 with m = √ᾱ, s = √(1 − ᾱ)):
//! - x̂_0: ε̂ = (x − m x̂_0)/s (1.115 solved for ε), div ε̂ = (D − m div x̂_0)/s;
//! - ε̂: as it is;
//! - ŝ: ε̂ = −s ŝ (1.143, score = −ε/s), div ε̂ = −s div ŝ.
//!
//! The divergence comes from [`Denoiser::forward_with_divergence`] (exact, forward mode).
// (without the engine only the oracle's half is compiled; the network's imports rest unused)
#![cfg_attr(not(feature = "engine"), allow(unused_imports, unused_variables, dead_code))]

#[cfg(feature = "engine")]
use burn::prelude::*;

use crate::diffusion::parameterization::Prediction;
use crate::diffusion::sde::Query;
use crate::engine::embedding::timestep_embedding_at;
use crate::engine::failure::EngineFailure;
#[cfg(feature = "engine")]
use crate::engine::model::{read, rows, Denoiser};
use crate::engine::predictor::Predictor;
use crate::numerics::error::{InputError, Rule};

/// Rows per network call (the divergence adds D tangent rows per row).
const CHUNK: usize = 8192;

/// ε̂ for every point of the query (n × dim) and, when `q.divergence`, div ε̂ (n values; empty
/// otherwise). A noise-conditional network is refused: it knows σ levels, not the SDE's time.
pub async fn answer(predictor: &Predictor, q: &Query<'_>) -> Result<(Vec<f64>, Vec<f64>), EngineFailure> {
    match predictor {
        Predictor::Oracle(m) => Ok(m.answer(q)),
        #[cfg(feature = "engine")]
        Predictor::Network { model, device, param, time_dim } => {
            let (raw, raw_div) = network(model, device, *time_dim, q).await?;
            Ok(to_eps(*param, q, &raw, &raw_div))
        }
        #[cfg(feature = "engine")]
        Predictor::NoiseConditional { .. } => Err(InputError::new("sde", Rule::NotForNcsn, None).into()),
        #[cfg(feature = "engine")]
        Predictor::Velocity { model, device, levels, time_dim } => {
            // the same point on rectified flow's path: x_τ = x/(m + s), τ = s/(m + s); then
            // ε̂ = x_τ + (1 − τ) v and div ε̂ = (D + (1 − τ) div v)/(m + s)
            let (tau, scale) = crate::engine::predictor::flow_point(q.marginal.mean_scale, q.marginal.std);
            let xf: Vec<f64> = q.x.iter().map(|v| v * scale).collect();
            let qf = Query { x: &xf, index: tau * *levels as f64, ..*q };
            let (v, div_v) = network(model, device, *time_dim, &qf).await?;
            let eps = xf.iter().zip(&v).map(|(x, v)| x + (1.0 - tau) * v).collect();
            let div = div_v.iter().map(|d| scale * (q.dim as f64 + (1.0 - tau) * d)).collect();
            Ok((eps, div))
        }
    }
}

/// ε̂ only (what the samplers ask).
pub async fn answer_eps(predictor: &Predictor, q: &Query<'_>) -> Result<Vec<f64>, EngineFailure> {
    let q = Query { divergence: false, ..*q };
    Ok(answer(predictor, &q).await?.0)
}

/// The network's raw output (n × dim, in its parameterization) and, when asked, its divergence.
#[cfg(feature = "engine")]
async fn network(model: &Denoiser, device: &Device, time_dim: usize, q: &Query<'_>) -> Result<(Vec<f64>, Vec<f64>), EngineFailure> {
    let dim = q.dim;
    let emb = timestep_embedding_at(q.index, time_dim);
    let (mut out, mut div) = (Vec::with_capacity(q.x.len()), Vec::new());
    for chunk in q.x.chunks(CHUNK * dim) {
        let n = chunk.len() / dim;
        let xs = rows(chunk.iter().map(|v| *v as f32).collect(), dim, device); // [n, D]
        let embs = rows((0..n).flat_map(|_| emb.iter().copied()).collect(), time_dim, device); // [n, E]
        if q.divergence {
            let (o, d) = model.forward_with_divergence(xs, embs); // [n, D], [n]
            out.extend(read(o).await.map_err(EngineFailure::Device)?.into_iter().map(|v| v as f64));
            div.extend(read(d).await.map_err(EngineFailure::Device)?.into_iter().map(|v| v as f64));
        } else {
            out.extend(read(model.forward(xs, embs)).await.map_err(EngineFailure::Device)?.into_iter().map(|v| v as f64));
        }
    }
    if out.iter().chain(&div).any(|v| !v.is_finite()) {
        return Err(InputError::new("predictions", Rule::NonFinitePrediction { t: q.index.round() as usize }, None).into());
    }
    Ok((out, div))
}

/// The network's output in `param` turned into ε̂ and div ε̂ at the query's marginal.
pub fn to_eps(param: Prediction, q: &Query<'_>, raw: &[f64], raw_div: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (m, s, d) = (q.marginal.mean_scale, q.marginal.std, q.dim as f64);
    match param {
        Prediction::Eps => (raw.to_vec(), raw_div.to_vec()),
        // ε̂ = (x − m x̂_0)/s; ∂/∂x_j of x_j is 1, so div ε̂ = (D − m div x̂_0)/s
        Prediction::X0 => (q.x.iter().zip(raw).map(|(x, x0)| (x - m * x0) / s).collect(), raw_div.iter().map(|v| (d - m * v) / s).collect()),
        // ε̂ = −s ŝ
        Prediction::Score => (raw.iter().map(|v| -s * v).collect(), raw_div.iter().map(|v| -s * v).collect()),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::diffusion::sde::{Marginal, Sde};
    use crate::engine::backend::{block_on, init_cpu};
    use crate::engine::model::DenoiserConfig;

    fn query(x: &[f64], t: f64, divergence: bool) -> Query<'_> {
        let sde = Sde::vp_default();
        Query { x, dim: 2, t, index: sde.network_index(t), marginal: sde.marginal(t), divergence }
    }

    #[test]
    fn the_oracle_answers_with_the_mixtures_exact_eps_and_divergence() {
        let m = crate::data::toy::Dataset::ring8_default().mixture().unwrap();
        let x = [0.3, -1.2, 1.9, 0.4];
        let q = query(&x, 0.3, true);
        let (eps, div) = block_on(answer(&Predictor::Oracle(m.clone()), &q)).unwrap();
        for i in 0..2 {
            let (e, d) = m.eps_and_divergence(&x[2 * i..2 * i + 2], q.marginal);
            assert_eq!(&eps[2 * i..2 * i + 2], &e[..]);
            assert_eq!(div[i], d);
        }
        assert_eq!(block_on(answer_eps(&Predictor::Oracle(m), &q)).unwrap(), eps);
    }

    /// The three parameterizations of one function: a network predicting ε̂ read as x̂_0 or ŝ
    /// must give back the same ε̂ and div ε̂ (the conversions invert `target`'s).
    #[test]
    fn each_parameterization_converts_to_the_same_eps_and_divergence() {
        let x = [0.3, -1.2, 1.9, 0.4, -0.7, 0.05];
        let marginal = Marginal { mean_scale: 0.8, std: 0.6 };
        let q = Query { x: &x, dim: 2, t: 0.2, index: 200.8, marginal, divergence: true };
        let eps = [0.1, -0.4, 1.2, 0.3, -0.2, 0.9];
        let div = [1.5, -0.3, 0.2];
        let (m, s) = (0.8, 0.6);
        // the same ε̂ as an x̂_0 network (x̂_0 = (x − s ε̂)/m, div x̂_0 = (D − s div ε̂)/m) and a score network (ŝ = −ε̂/s)
        let x0: Vec<f64> = x.iter().zip(&eps).map(|(x, e)| (x - s * e) / m).collect();
        let x0_div: Vec<f64> = div.iter().map(|v| (2.0 - s * v) / m).collect();
        let score: Vec<f64> = eps.iter().map(|e| -e / s).collect();
        let score_div: Vec<f64> = div.iter().map(|v| -v / s).collect();
        for (param, raw, raw_div) in [(Prediction::Eps, eps.to_vec(), div.to_vec()), (Prediction::X0, x0, x0_div), (Prediction::Score, score, score_div)] {
            let (e, d) = to_eps(param, &q, &raw, &raw_div);
            assert!(e.iter().zip(&eps).chain(d.iter().zip(&div)).all(|(a, b)| (a - b).abs() < 1e-12), "{param:?}: {e:?} {d:?}");
        }
        // the check can fail: reading an x̂_0 network's output as ε̂ gives something else
        let (e, _) = to_eps(Prediction::Eps, &q, &x.iter().zip(&eps).map(|(x, e)| (x - s * e) / m).collect::<Vec<_>>(), &div);
        assert!(e.iter().zip(&eps).any(|(a, b)| (a - b).abs() > 0.1));
    }

    #[test]
    fn a_network_answers_at_a_fractional_index_with_its_divergence() {
        let device = init_cpu().device;
        let model = DenoiserConfig { data_dim: 2, width: 16, depth: 2, time_dim: 8 }.init(&device, 4);
        let x = [0.3, -1.2, 1.9, 0.4];
        let p = Predictor::Network { model: model.clone(), device: device.clone(), param: Prediction::Eps, time_dim: 8 };
        let q = query(&x, 0.37, true);
        assert!(q.index.fract() != 0.0, "a fractional index: {}", q.index);
        let (eps, div) = block_on(answer(&p, &q)).unwrap();
        assert_eq!((eps.len(), div.len()), (4, 2));
        // the same ε̂ without the divergence; the embedding at the fractional index, not a rounded one
        let plain = block_on(answer_eps(&p, &q)).unwrap();
        assert_eq!(plain, eps);
        let rounded = Query { index: q.index.round(), ..q };
        assert_ne!(block_on(answer_eps(&p, &rounded)).unwrap(), eps);
        // an NCSN cannot answer at an SDE time
        let n = Predictor::NoiseConditional { model, device, sigmas: vec![1.0, 0.1], time_dim: 8 };
        let e = block_on(answer(&n, &q)).unwrap_err().to_string();
        assert!(e.contains("noise-conditional") && e.len() <= 220, "{e}");
    }
}
