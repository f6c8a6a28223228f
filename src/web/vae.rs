//! The VAE's ELBO (1.15–1.25) and the Gaussian KL identities (1.23, 1.90–1.95) for JavaScript.

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{finite_all, arg_number, arg_numbers, config, count, f64s, from_tree, integer, seed, Js, JsResult, Obj, MAX_SEED};
use crate::numerics::error::InputError;
use crate::numerics::gaussian;
use crate::numerics::montecarlo::Estimate;
use crate::vae::{self, Encoder, LinearGaussian};

/// A Monte Carlo estimate as JS sees it: `{mean, stdError, variance, samples}`.
pub(super) fn estimate(e: &Estimate) -> JsValue {
    Obj::new().set("mean", e.mean).set("stdError", e.std_error).set("variance", e.variance).set("samples", e.samples as f64).build()
}

/// `{weights: [[..K..] × D], bias, noiseVariance, x, encoder: {mean, std} | "best", samples, seed}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VaeConfig {
    weights: Option<Vec<Vec<f64>>>,
    bias: Option<Vec<f64>>,
    noise_variance: Option<f64>,
    x: Option<Vec<f64>>,
    encoder: Option<Js>,
    samples: Option<f64>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EncoderConfig {
    mean: Option<Vec<f64>>,
    std: Option<Vec<f64>>,
}

/// The defaults: W = [[1, 0.6], [−0.4, 0.9]], b = 0, s² = 0.3, x = (1.2, −0.5), the best diagonal encoder.
fn vae_inputs(c: VaeConfig) -> Result<(LinearGaussian, Vec<f64>, Encoder, usize, u64), InputError> {
    let rows = c.weights.unwrap_or_else(|| vec![vec![1.0, 0.6], vec![-0.4, 0.9]]);
    let dim = rows.len();
    let latent = rows.first().map(|r| r.len()).unwrap_or(0);
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != latent) {
        return Err(InputError::length(&format!("weights[{i}]"), r.len(), format!("K = {latent} (as many as weights[0])")));
    }
    let bias = c.bias.unwrap_or_else(|| vec![0.0; dim]);
    let model = LinearGaussian::new(latent, dim, rows.concat(), bias, c.noise_variance.unwrap_or(0.3))?;
    let x = c.x.unwrap_or_else(|| (0..dim).map(|i| if i % 2 == 0 { 1.2 } else { -0.5 }).collect());
    model.log_evidence(&x)?; // validates x
    let q = match &c.encoder {
        None | Some(Js::Absent) => model.best_diagonal_encoder(&x)?,
        Some(Js::Str(s)) if s == "best" => model.best_diagonal_encoder(&x)?,
        Some(Js::Str(s)) => return Err(InputError::one_of("encoder", s, &["best"])),
        Some(tree) => {
            // the whole value wrong is "encoder" itself, a field of it "encoder.mean"
            let e: EncoderConfig = from_tree(tree).map_err(|e| InputError::new(&if e.field == "config" { "encoder".to_string() } else { format!("encoder.{}", e.field) }, e.rule, e.value))?;
            Encoder { mean: e.mean.unwrap_or_else(|| vec![0.0; latent]), std: e.std.unwrap_or_else(|| vec![1.0; latent]) }
        }
    };
    let n = count("samples", c.samples, 10_000, 2, vae::MAX_SAMPLES)?;
    Ok((model, x, q, n, seed(c.seed, 0)?))
}

/// log p(x) = ELBO + KL(q ‖ p(z|x)) (1.15) for the linear-Gaussian VAE p(z) = N(0, I),
/// p(x|z) = N(Wz + b, s²I), exact and by Monte Carlo through z = μ + σ ⊙ ε (1.25). Config (all
/// optional): `{weights: [[..K..] × D], bias, noiseVariance, x, encoder: {mean, std} | "best",
/// samples: 10000, seed: 0}`. Returns `{logEvidence, elbo, reconstruction, priorKl, posteriorKl,
/// identityResidual, encoder: {mean, std}, posterior: {mean, covariance}, monteCarlo: {elbo,
/// reconstruction, priorKl, posteriorKl, logEvidence}}` (nats).
#[wasm_bindgen(js_name = vaeElbo)]
pub fn vae_elbo(config_value: JsValue) -> JsResult<JsValue> {
    let (model, x, q, n, seed) = vae_inputs(config(&config_value)?)?;
    let e = vae::elbo_split(&model, &x, &q)?;
    let mc = vae::elbo_monte_carlo(&model, &x, &q, n, seed)?;
    let (m, s) = model.true_posterior(&x)?;
    Ok(Obj::new()
        .set("logEvidence", e.log_evidence)
        .set("elbo", e.elbo)
        .set("reconstruction", e.reconstruction)
        .set("priorKl", e.prior_kl)
        .set("posteriorKl", e.posterior_kl)
        .set("identityResidual", e.identity_residual)
        .set("encoder", Obj::new().set("mean", f64s(&q.mean)).set("std", f64s(&q.std)).build())
        .set("posterior", Obj::new().set("mean", f64s(&m)).set("covariance", f64s(&s)).build())
        .set(
            "monteCarlo",
            Obj::new()
                .set("elbo", estimate(&mc.elbo))
                .set("reconstruction", estimate(&mc.reconstruction))
                .set("priorKl", estimate(&mc.prior_kl))
                .set("posteriorKl", estimate(&mc.posterior_kl))
                .set("logEvidence", estimate(&mc.log_evidence))
                .build(),
        )
        .build())
}

/// ∇ of the reconstruction term E_q[log p(x|z)] in (μ, σ): exact, by reparameterization (1.25)
/// and by the score-function estimator, from the same draws. Same config as `vaeElbo`. Returns
/// `{names, exact: Float64Array, reparameterized: [estimate], scoreFunction: [estimate],
/// varianceRatio: Float64Array}` (score-function variance / reparameterized variance).
#[wasm_bindgen(js_name = vaeGradients)]
pub fn vae_gradients(config_value: JsValue) -> JsResult<JsValue> {
    let (model, x, q, n, seed) = vae_inputs(config(&config_value)?)?;
    let g = vae::reconstruction_gradients(&model, &x, &q, n, seed)?;
    let ratio: Vec<f64> = g.score_function.iter().zip(&g.reparameterized).map(|(s, r)| s.variance / r.variance).collect();
    // tiny weights can make the reparameterized variance vanish: an infinite ratio is refused, not returned
    let ratio_values = finite_all("weights", &ratio)?;
    Ok(Obj::new()
        .set("names", g.names.iter().map(|s| JsValue::from_str(s)).collect::<Array>())
        .set("exact", f64s(&g.exact))
        .set("reparameterized", g.reparameterized.iter().map(estimate).collect::<Array>())
        .set("scoreFunction", g.score_function.iter().map(estimate).collect::<Array>())
        .set("varianceRatio", ratio_values)
        .build())
}

/// KL(N(mean1, var1) ‖ N(mean2, var2)) (diagonal) by Monte Carlo, to set beside `gaussianKl` (1.23).
#[wasm_bindgen(js_name = gaussianKlMonteCarlo)]
pub fn gaussian_kl_monte_carlo(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean1: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] var1: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean2: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] var2: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] samples: JsValue, #[wasm_bindgen(js_name = seed, unchecked_param_type = "number")] seed_value: JsValue) -> JsResult<JsValue> {
    let mean1 = &arg_numbers(&mean1, "mean1")?;
    let var1 = &arg_numbers(&var1, "var1")?;
    let mean2 = &arg_numbers(&mean2, "mean2")?;
    let var2 = &arg_numbers(&var2, "var2")?;
    let samples = arg_number(&samples, "samples")?;
    let seed_value = arg_number(&seed_value, "seed")?;
    let n = integer("samples", samples, 2, 10_000_000)? as usize;
    crate::numerics::budget::check_work("samples", n as f64, n as f64 * mean1.len() as f64 * 20.0, "samples × dims × 20")?;
    let seed = integer("seed", seed_value, 0, MAX_SEED)?;
    Ok(estimate(&gaussian::kl_monte_carlo(mean1, var1, mean2, var2, n, seed)?))
}

/// (1.90–1.95) term by term for means μ_q, μ_θ and the shared variance σ_q²: `{dims, logDetRatio,
/// minusD, trace, quadratic, full, general, simplified}` (nats).
#[wasm_bindgen(js_name = klEqualVariance)]
pub fn kl_equal_variance(#[wasm_bindgen(js_name = muQ, unchecked_param_type = "Float64Array | number[]")] mu_q: JsValue, #[wasm_bindgen(js_name = muTheta, unchecked_param_type = "Float64Array | number[]")] mu_theta: JsValue, #[wasm_bindgen(js_name = varQ, unchecked_param_type = "number")] var_q: JsValue) -> JsResult<JsValue> {
    let mu_q = &arg_numbers(&mu_q, "muQ")?;
    let mu_theta = &arg_numbers(&mu_theta, "muTheta")?;
    let var_q = arg_number(&var_q, "varQ")?;
    let k = gaussian::kl_equal_variance(mu_q, mu_theta, var_q)?;
    Ok(Obj::new()
        .set("dims", k.dims as f64)
        .set("logDetRatio", k.log_det_ratio)
        .set("minusD", k.minus_d)
        .set("trace", k.trace)
        .set("quadratic", k.quadratic)
        .set("full", k.full)
        .set("general", k.general)
        .set("simplified", k.simplified)
        .build())
}
