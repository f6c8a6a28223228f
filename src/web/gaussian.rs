//! The Gaussian helpers for JavaScript: KL (1.23), log-densities and the decoders of L_0.

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::convert::{f64s, integer, JsResult};
use crate::numerics::error::check_finite_scalar;
use crate::numerics::gaussian;

/// KL between diagonal Gaussians (1.23 summed over coordinates), nats. A variance array of
/// length 1 is shared by all coordinates.
#[wasm_bindgen(js_name = gaussianKl)]
pub fn gaussian_kl(mean1: &[f64], var1: &[f64], mean2: &[f64], var2: &[f64]) -> JsResult<f64> {
    Ok(gaussian::kl_diagonal(mean1, var1, mean2, var2)?)
}

/// log N(x; mean, diag(var)), nats.
#[wasm_bindgen(js_name = gaussianLogDensity)]
pub fn gaussian_log_density(x: &[f64], mean: &[f64], var: &[f64]) -> JsResult<f64> {
    Ok(gaussian::log_density_diagonal(x, mean, var)?)
}

/// log N(x_0; mean, variance·I): the Gaussian decoder, nats.
#[wasm_bindgen(js_name = gaussianDecoderLogLikelihood)]
pub fn gaussian_decoder_log_likelihood(x0: &[f64], mean: &[f64], variance: f64) -> JsResult<f64> {
    Ok(gaussian::gaussian_decoder_log_likelihood(x0, mean, variance)?)
}

/// DDPM's discretized decoder for 8-bit data in [−1, 1], nats, per coordinate.
#[wasm_bindgen(js_name = discretizedDecoderLogLikelihood)]
pub fn discretized_decoder_log_likelihood(x0: &[f64], mean: &[f64], variance: f64) -> JsResult<Float64Array> {
    Ok(f64s(&gaussian::discretized_gaussian_log_likelihood_per_dim(x0, mean, variance)?))
}

/// log Φ(z), finite for every finite z.
#[wasm_bindgen(js_name = logStdNormalCdf)]
pub fn log_std_normal_cdf(z: f64) -> JsResult<f64> {
    check_finite_scalar("z", z)?;
    Ok(gaussian::log_std_normal_cdf(z))
}

/// nats → bits/dim: nats / (D ln 2).
#[wasm_bindgen(js_name = natsToBitsPerDim)]
pub fn nats_to_bits_per_dim(nats: f64, dims: f64) -> JsResult<f64> {
    check_finite_scalar("nats", nats)?;
    let d = integer("dims", dims, 1, 1_000_000_000)?;
    Ok(gaussian::nats_to_bits_per_dim(nats, d as usize))
}
