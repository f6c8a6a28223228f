//! The Gaussian helpers for JavaScript: KL (1.23), log-densities and the decoders of L_0.

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, arg_numbers, f64s, integer, JsResult};
use crate::numerics::error::check_finite_scalar;
use crate::numerics::gaussian;

/// KL between diagonal Gaussians (1.23 summed over coordinates), nats. A variance array of
/// length 1 is shared by all coordinates.
#[wasm_bindgen(js_name = gaussianKl)]
pub fn gaussian_kl(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean1: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] var1: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean2: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] var2: JsValue) -> JsResult<f64> {
    let mean1 = &arg_numbers(&mean1, "mean1")?;
    let var1 = &arg_numbers(&var1, "var1")?;
    let mean2 = &arg_numbers(&mean2, "mean2")?;
    let var2 = &arg_numbers(&var2, "var2")?;
    Ok(gaussian::kl_diagonal(mean1, var1, mean2, var2)?)
}

/// log N(x; mean, diag(var)), nats.
#[wasm_bindgen(js_name = gaussianLogDensity)]
pub fn gaussian_log_density(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean: JsValue, #[wasm_bindgen(js_name = variance, unchecked_param_type = "Float64Array | number[]")] var: JsValue) -> JsResult<f64> {
    let x = &arg_numbers(&x, "x")?;
    let mean = &arg_numbers(&mean, "mean")?;
    let var = &arg_numbers(&var, "variance")?;
    Ok(gaussian::log_density_diagonal(x, mean, var)?)
}

/// log N(x_0; mean, variance·I): the Gaussian decoder, nats.
#[wasm_bindgen(js_name = gaussianDecoderLogLikelihood)]
pub fn gaussian_decoder_log_likelihood(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] variance: JsValue) -> JsResult<f64> {
    let x0 = &arg_numbers(&x0, "x0")?;
    let mean = &arg_numbers(&mean, "mean")?;
    let variance = arg_number(&variance, "variance")?;
    Ok(gaussian::gaussian_decoder_log_likelihood(x0, mean, variance)?)
}

/// DDPM's discretized decoder for 8-bit data in [−1, 1], nats, per coordinate.
#[wasm_bindgen(js_name = discretizedDecoderLogLikelihood)]
pub fn discretized_decoder_log_likelihood(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] mean: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] variance: JsValue) -> JsResult<Float64Array> {
    let x0 = &arg_numbers(&x0, "x0")?;
    let mean = &arg_numbers(&mean, "mean")?;
    let variance = arg_number(&variance, "variance")?;
    Ok(f64s(&gaussian::discretized_gaussian_log_likelihood_per_dim(x0, mean, variance)?))
}

/// log Φ(z), finite for every finite z.
#[wasm_bindgen(js_name = logStdNormalCdf)]
pub fn log_std_normal_cdf(#[wasm_bindgen(unchecked_param_type = "number")] z: JsValue) -> JsResult<f64> {
    let z = arg_number(&z, "z")?;
    check_finite_scalar("z", z)?;
    Ok(gaussian::log_std_normal_cdf(z))
}

/// nats → bits/dim: nats / (D ln 2).
#[wasm_bindgen(js_name = natsToBitsPerDim)]
pub fn nats_to_bits_per_dim(#[wasm_bindgen(unchecked_param_type = "number")] nats: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] dims: JsValue) -> JsResult<f64> {
    let nats = arg_number(&nats, "nats")?;
    let dims = arg_number(&dims, "dims")?;
    check_finite_scalar("nats", nats)?;
    let d = integer("dims", dims, 1, 1_000_000_000)?;
    Ok(gaussian::nats_to_bits_per_dim(nats, d as usize))
}
