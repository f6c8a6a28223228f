//! What a trained model learned: the held-out negative ELBO per dimension (nats/dim for 2-D data,
//! bits/dim for the 8-bit digits), from the foundation's ELBO terms (1.62) with the network's
//! predictions, and the denoising KL per t.
//!
//! The sum over t is estimated by stratified sampling: the steps 2..=T are cut into K strata and
//! one t is drawn per stratum (all t when K ≥ T − 1); the decoder (t = 1) and prior terms are
//! exact. The noise is drawn from a fixed seed, so successive evaluations of a training run share
//! their randomness and the curve is smooth. The standard error is over held-out points.

#[cfg(feature = "engine")]
use burn::prelude::*;

use crate::diffusion::elbo::{denoising_kl, prior_kl, reconstruction, Decoder};
#[cfg(feature = "engine")]
use crate::engine::model::{read, rows, Denoiser};
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::Prediction;
use crate::numerics::error::{InputError, Rule};
use crate::numerics::rng::Rng;
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// Number of bins of t for the loss and the KL per t (bin = (t − 1)·LOSS_BINS / T).
pub const LOSS_BINS: usize = 20;

/// How to estimate the held-out ELBO.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalConfig {
    /// how many held-out points (the first ones)
    pub points: usize,
    /// K, the number of strata over t = 2..=T (0: every t)
    pub t_samples: usize,
    pub seed: u64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self { points: 256, t_samples: 64, seed: 12345 }
    }
}

/// The estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// −ELBO per dimension, in `unit`
    pub neg_elbo_per_dim: f64,
    pub std_error: f64,
    /// "nats/dim" or "bits/dim"
    pub unit: &'static str,
    pub points: usize,
    /// mean over points, nats (whole data point): log p(x_0|x_1), KL prior, Σ_t KL_t
    pub reconstruction: f64,
    pub prior: f64,
    pub denoising: f64,
    /// mean denoising KL per t within each of LOSS_BINS bins of t, nats per dimension
    pub kl_by_t: Vec<f64>,
    /// −ELBO of each held-out point, in `unit` (for paired comparisons)
    pub per_point: Vec<f64>,
}

/// The gap −ELBO − (−log q(x_0)) per dimension, paired point by point, with its standard error:
/// an estimate of KL(data ‖ model)/D plus the ELBO's own slack, far less noisy than subtracting
/// two separate estimates because each point's own −log q cancels. `log_q`: nats per point.
pub fn paired_gap(per_point: &[f64], log_q: &[f64], dims: usize) -> (f64, f64) {
    let n = per_point.len();
    let g: Vec<f64> = per_point.iter().zip(log_q).map(|(e, l)| e + l / dims as f64).collect();
    let mean = g.iter().sum::<f64>() / n as f64;
    let var = if n > 1 { g.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    (mean, (var / n as f64).sqrt())
}

/// The t's and their weights for one point: t = 1 (weight 1), then one t per stratum of 2..=T.
fn stratified_ts(t_max: usize, k: usize, rng: &mut Rng) -> Vec<(usize, f64)> {
    let span = t_max - 1; // t = 2..=T
    let mut out = vec![(1, 1.0)];
    if k == 0 || k >= span {
        out.extend((2..=t_max).map(|t| (t, 1.0)));
        return out;
    }
    for j in 0..k {
        let lo = 2 + j * span / k;
        let hi = 2 + (j + 1) * span / k; // exclusive
        let t = lo + (rng.next_u64() % (hi - lo) as u64) as usize;
        out.push((t, (hi - lo) as f64));
    }
    out
}

/// The points at which the ELBO is evaluated: for each held-out point, t = 1 and one t per stratum,
/// each with a fresh noise draw. Predictions for these rows, from the network or from the exact
/// oracle, are then scored by [`score_plan`].
#[derive(Debug, Clone)]
pub struct ElboPlan {
    pub dims: usize,
    /// how many held-out points
    pub points: usize,
    /// (point index, t, stratum weight, x_t)
    pub rows: Vec<(usize, usize, f64, Vec<f64>)>,
}

/// Draw the evaluation plan for the first `eval.points` rows of `heldout` (row-major, D each).
pub fn plan(schedule: &NoiseSchedule, heldout: &[f64], dims: usize, eval: EvalConfig) -> ElboPlan {
    let n = (heldout.len() / dims).min(eval.points.max(1));
    let mut rng = Rng::new(eval.seed);
    let mut rows = Vec::new();
    for i in 0..n {
        let x0 = &heldout[i * dims..(i + 1) * dims];
        for (t, w) in stratified_ts(schedule.t_max, eval.t_samples, &mut rng) {
            let eps = rng.normals(dims);
            let (a, s) = (schedule.sqrt_alphas_cumprod[t - 1], schedule.sqrt_one_minus_alphas_cumprod[t - 1]);
            rows.push((i, t, w, x0.iter().zip(&eps).map(|(x, z)| a * x + s * z).collect())); // (1.72)
        }
    }
    ElboPlan { dims, points: n, rows }
}

/// The network's predictions for every row of the plan (row-major, D each), in chunks.
#[cfg(feature = "engine")]
pub async fn network_predictions(model: &Denoiser, device: &Device, time_dim: usize, plan: &ElboPlan) -> Result<Vec<f64>, String> {
    let dims = plan.dims;
    let mut preds = Vec::with_capacity(plan.rows.len() * dims);
    const CHUNK: usize = 8192;
    for chunk in plan.rows.chunks(CHUNK) {
        let xt: Vec<f32> = chunk.iter().flat_map(|r| r.3.iter().map(|v| *v as f32)).collect();
        let emb: Vec<f32> = chunk.iter().flat_map(|r| crate::engine::embedding::timestep_embedding(r.1, time_dim)).collect();
        let xt = rows(xt, dims, device); // [m, D]
        let emb = rows(emb, time_dim, device); // [m, E]
        preds.extend(read(model.forward(xt, emb)).await?.into_iter().map(|v| v as f64)); // [m, D]
    }
    Ok(preds)
}

/// The exact oracle's predictions for every row: E[x_0|x_t], E[ε|x_t] or ∇log q(x_t) of the
/// mixture, whichever `param` names — the best any network could predict (Tweedie, (1.125)).
pub fn oracle_predictions(mixture: &GaussianMixture, schedule: &NoiseSchedule, param: Prediction, plan: &ElboPlan) -> Vec<f64> {
    plan.rows.iter().flat_map(|(_, t, _, xt)| mixture.predict(param, xt, schedule.alpha_bar(*t))).collect()
}

/// Score predictions against the plan: the ELBO terms (1.62) per held-out point, with the model
/// variance σ_t² = `variance` for every p_θ(x_{t−1}|x_t) and the decoder.
pub fn score_plan(
    plan: &ElboPlan,
    preds: &[f64],
    heldout: &[f64],
    schedule: &NoiseSchedule,
    param: Prediction,
    decoder: Decoder,
    variance: ModelVariance,
) -> Result<HeldOut, InputError> {
    let (n, dims) = (plan.points, plan.dims);
    let mut per_point = vec![0.0; n];
    let (mut rec_sum, mut prior_sum, mut den_sum) = (0.0, 0.0, 0.0);
    let (mut bin_sum, mut bin_w) = (vec![0.0; LOSS_BINS], vec![0.0; LOSS_BINS]);
    for (r, row) in plan.rows.iter().enumerate() {
        let (i, t, w, xt) = (row.0, row.1, row.2, &row.3);
        let x0 = &heldout[i * dims..(i + 1) * dims];
        let pred = &preds[r * dims..(r + 1) * dims];
        if pred.iter().any(|v| !v.is_finite()) {
            return Err(InputError::new("predictions", Rule::NonFinitePrediction { t }, None));
        }
        if t == 1 {
            let rec = reconstruction(schedule, x0, xt, param, pred, variance, decoder)?;
            let prior = prior_kl(schedule, x0)?;
            per_point[i] += prior - rec;
            rec_sum += rec;
            prior_sum += prior;
        } else {
            let kl = denoising_kl(schedule, x0, xt, t, param, pred, variance)?;
            per_point[i] += w * kl;
            den_sum += w * kl;
            let b = (t - 1) * LOSS_BINS / schedule.t_max;
            bin_sum[b] += w * kl / dims as f64;
            bin_w[b] += w;
        }
    }
    let scale = match decoder {
        Decoder::Gaussian => 1.0 / dims as f64,
        Decoder::Discretized => 1.0 / (dims as f64 * std::f64::consts::LN_2),
    };
    let vals: Vec<f64> = per_point.iter().map(|v| v * scale).collect();
    let mean = vals.iter().sum::<f64>() / n as f64;
    let var = if n > 1 { vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    Ok(HeldOut {
        neg_elbo_per_dim: mean,
        std_error: (var / n as f64).sqrt(),
        unit: if decoder == Decoder::Gaussian { "nats/dim" } else { "bits/dim" },
        points: n,
        reconstruction: rec_sum / n as f64,
        prior: prior_sum / n as f64,
        denoising: den_sum / n as f64,
        kl_by_t: bin_sum.iter().zip(&bin_w).map(|(s, w)| if *w > 0.0 { s / w } else { f64::NAN }).collect(),
        per_point: vals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strata_cover_every_step_once_in_weight() {
        let mut rng = Rng::new(1);
        for k in [1, 7, 64, 999, 0] {
            let ts = stratified_ts(1000, k, &mut rng);
            assert_eq!(ts[0], (1, 1.0));
            let total: f64 = ts[1..].iter().map(|(_, w)| w).sum();
            assert_eq!(total, 999.0, "k = {k}");
            assert!(ts[1..].iter().all(|(t, _)| (2..=1000).contains(t)));
        }
    }
}
