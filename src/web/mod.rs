//! The wasm boundary: everything JavaScript can call. Typed arrays in and out, configs through
//! serde-wasm-bindgen, `Result<_, JsError>` everywhere; every message names the parameter and its
//! valid range. Nothing here computes: it validates, converts and delegates to the core modules.

use std::collections::BTreeMap;

use js_sys::{Array, Float64Array, Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::data::toy::{self, Dataset};
use crate::diffusion::elbo::{self, Decoder};
use crate::numerics::error::InputError;
use crate::numerics::gaussian;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::{self as param, Prediction};
use crate::diffusion::schedule::{BetaSchedule, ModelVariance, NoiseSchedule};
use crate::{diffusion::forward, diffusion::posterior};

type JsResult<T> = Result<T, JsError>;

fn js_err(e: InputError) -> JsError {
    JsError::new(&e.message)
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

// ---------------------------------------------------------------------------------------------
// small helpers

/// A JS number that must be a non-negative integer (t, T, n, seed).
fn integer(param: &str, v: f64, max: f64) -> JsResult<u64> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= max {
        Ok(v as u64)
    } else {
        Err(JsError::new(&format!("{param} = {v} is out of range: {param} must be an integer in 0..={max}")))
    }
}

fn timestep(s: &NoiseSchedule, v: f64, lo: usize) -> JsResult<usize> {
    if v.is_finite() && v.fract() == 0.0 && v >= lo as f64 && v <= s.t_max as f64 {
        Ok(v as usize)
    } else {
        let why = if lo == 2 { " (t = 1 is the decoder term, not a denoising-matching term)" } else if lo == 0 { " (t = 0 is the data itself)" } else { "" };
        Err(JsError::new(&format!("t = {v} is out of range: t must be an integer in {lo}..={}{why}", s.t_max)))
    }
}

fn f64s(v: &[f64]) -> Float64Array {
    Float64Array::from(v)
}

/// Build a plain JS object field by field.
struct Obj(Object);
impl Obj {
    fn new() -> Self {
        Obj(Object::new())
    }
    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        Reflect::set(&self.0, &JsValue::from_str(key), &value.into()).expect("setting a field of a fresh object");
        self
    }
    fn build(self) -> JsValue {
        self.0.into()
    }
}

#[derive(serde::Deserialize)]
struct Raw(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// A config object read through serde-wasm-bindgen, field by field, so that each error names its
/// field; unknown fields are rejected with the list of valid ones.
struct Config {
    what: &'static str,
    fields: BTreeMap<String, JsValue>,
}

impl Config {
    fn parse(what: &'static str, value: JsValue, example: &str) -> JsResult<Self> {
        if value.is_undefined() || value.is_null() {
            return Ok(Config { what, fields: BTreeMap::new() });
        }
        let map: BTreeMap<String, Raw> = serde_wasm_bindgen::from_value(value)
            .map_err(|e| JsError::new(&format!("{what} must be an object like {example} ({e})")))?;
        Ok(Config { what, fields: map.into_iter().filter(|(_, v)| !v.0.is_undefined()).map(|(k, v)| (k, v.0)).collect() })
    }

    fn get<T: DeserializeOwned>(&self, key: &str, expected: &str) -> JsResult<Option<T>> {
        match self.fields.get(key) {
            None => Ok(None),
            Some(v) => serde_wasm_bindgen::from_value(v.clone())
                .map(Some)
                .map_err(|e| JsError::new(&format!("{}.{key} must be {expected} ({e})", self.what))),
        }
    }

    fn string(&self, key: &str) -> JsResult<Option<String>> {
        self.get(key, "a string")
    }

    fn number(&self, key: &str) -> JsResult<Option<f64>> {
        self.get(key, "a number")
    }

    fn numbers(&self, key: &str) -> JsResult<Option<Vec<f64>>> {
        match self.fields.get(key) {
            None => Ok(None),
            // Float64Array and friends: copy through the typed-array constructor
            Some(v) if v.is_instance_of::<Float64Array>() || js_sys::ArrayBuffer::is_view(v) => Ok(Some(Float64Array::new(v).to_vec())),
            Some(_) => self.get(key, "an array of numbers"),
        }
    }

    /// Reject fields not in `allowed`.
    fn finish(&self, allowed: &[&str]) -> JsResult<()> {
        for k in self.fields.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(JsError::new(&format!(
                    "unknown field \"{k}\" in {}: valid fields are {}",
                    self.what,
                    allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        Ok(())
    }
}

fn names(list: &[&str]) -> Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

/// The valid names for every choice: `{schedules, parameterizations, variances, decoders, datasets}`.
#[wasm_bindgen(js_name = choices)]
pub fn choices() -> JsValue {
    Obj::new()
        .set("schedules", names(&BetaSchedule::NAMES))
        .set("parameterizations", names(&Prediction::NAMES))
        .set("variances", names(&ModelVariance::NAMES))
        .set("decoders", names(&Decoder::NAMES))
        .set("datasets", names(&Dataset::NAMES))
        .build()
}

fn prediction(name: &str) -> JsResult<Prediction> {
    Prediction::parse(name).map_err(js_err)
}
fn variance(name: &str) -> JsResult<ModelVariance> {
    ModelVariance::parse(name).map_err(js_err)
}

// ---------------------------------------------------------------------------------------------
// Schedule

/// A noise schedule and its derived arrays. Arrays have length T, index t − 1 for t = 1..=T.
#[wasm_bindgen]
pub struct Schedule {
    inner: NoiseSchedule,
}

impl Schedule {
    pub fn core(&self) -> &NoiseSchedule {
        &self.inner
    }
}

#[wasm_bindgen]
impl Schedule {
    /// `new Schedule({kind: "linear", T: 1000})`. Fields: `kind` ("linear" | "cosine" | "explicit",
    /// default "linear"), `T` (default 1000), linear: `betaStart`, `betaEnd` (default 1e-4·1000/T,
    /// 0.02·1000/T); cosine: `s` (0.008), `maxBeta` (0.999); explicit: `betas` (β_1..β_T).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> JsResult<Schedule> {
        let c = Config::parse("schedule config", config, "{kind: \"linear\", T: 1000}")?;
        let kind = c.string("kind")?.unwrap_or_else(|| "linear".into());
        let t_max = match c.number("T")? {
            None => 1000,
            Some(v) if v.is_finite() && v.fract() == 0.0 && v >= 0.0 => v as usize,
            Some(v) => {
                return Err(JsError::new(&format!(
                    "T = {v} is out of range: T must be an integer in {}..={}",
                    crate::diffusion::schedule::MIN_T,
                    crate::diffusion::schedule::MAX_T
                )))
            }
        };
        let sched = match kind.as_str() {
            "linear" => {
                c.finish(&["kind", "T", "betaStart", "betaEnd"])?;
                let BetaSchedule::Linear { beta_start, beta_end } = BetaSchedule::linear_default(t_max.max(1)) else { unreachable!() };
                BetaSchedule::Linear {
                    beta_start: c.number("betaStart")?.unwrap_or(beta_start),
                    beta_end: c.number("betaEnd")?.unwrap_or(beta_end),
                }
            }
            "cosine" => {
                c.finish(&["kind", "T", "s", "maxBeta"])?;
                BetaSchedule::Cosine { s: c.number("s")?.unwrap_or(0.008), max_beta: c.number("maxBeta")?.unwrap_or(0.999) }
            }
            "explicit" => {
                c.finish(&["kind", "betas", "T"])?;
                let betas = c.numbers("betas")?.ok_or_else(|| JsError::new("an explicit schedule needs betas: an array of β_1..β_T, each in (0, 1)"))?;
                if c.fields.contains_key("T") && betas.len() != t_max {
                    return Err(JsError::new(&format!("T = {t_max} but betas has {} values: the lengths must match (or leave T out)", betas.len())));
                }
                BetaSchedule::Explicit(betas)
            }
            other => {
                return Err(JsError::new(&format!(
                    "unknown schedule kind \"{other}\": valid ones are \"linear\", \"cosine\", \"explicit\""
                )))
            }
        };
        Ok(Schedule { inner: NoiseSchedule::new(sched, t_max).map_err(js_err)? })
    }

    /// T, the number of diffusion steps.
    #[wasm_bindgen(getter, js_name = T)]
    pub fn t_max(&self) -> usize {
        self.inner.t_max
    }

    /// "linear", "cosine" or "explicit".
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.inner.kind.name().to_string()
    }

    /// β_t
    pub fn betas(&self) -> Float64Array {
        f64s(&self.inner.betas)
    }
    /// α_t = 1 − β_t
    pub fn alphas(&self) -> Float64Array {
        f64s(&self.inner.alphas)
    }
    /// ᾱ_t
    #[wasm_bindgen(js_name = alphasCumprod)]
    pub fn alphas_cumprod(&self) -> Float64Array {
        f64s(&self.inner.alphas_cumprod)
    }
    /// ᾱ_{t−1} (ᾱ_0 = 1)
    #[wasm_bindgen(js_name = alphasCumprodPrev)]
    pub fn alphas_cumprod_prev(&self) -> Float64Array {
        f64s(&self.inner.alphas_cumprod_prev)
    }
    /// √ᾱ_t
    #[wasm_bindgen(js_name = sqrtAlphasCumprod)]
    pub fn sqrt_alphas_cumprod(&self) -> Float64Array {
        f64s(&self.inner.sqrt_alphas_cumprod)
    }
    /// √(1 − ᾱ_t)
    #[wasm_bindgen(js_name = sqrtOneMinusAlphasCumprod)]
    pub fn sqrt_one_minus_alphas_cumprod(&self) -> Float64Array {
        f64s(&self.inner.sqrt_one_minus_alphas_cumprod)
    }
    /// SNR_t = ᾱ_t / (1 − ᾱ_t)
    pub fn snr(&self) -> Float64Array {
        f64s(&self.inner.snr)
    }
    /// β̃_t = σ_q²(t) (1.89)
    #[wasm_bindgen(js_name = posteriorVariance)]
    pub fn posterior_variance(&self) -> Float64Array {
        f64s(&self.inner.posterior_variance)
    }
    /// log β̃_t, with log β̃_2 at t = 1
    #[wasm_bindgen(js_name = posteriorLogVarianceClipped)]
    pub fn posterior_log_variance_clipped(&self) -> Float64Array {
        f64s(&self.inner.posterior_log_variance_clipped)
    }
    /// coefficient of x_0 in μ_q (1.88)
    #[wasm_bindgen(js_name = posteriorMeanCoef1)]
    pub fn posterior_mean_coef1(&self) -> Float64Array {
        f64s(&self.inner.posterior_mean_coef1)
    }
    /// coefficient of x_t in μ_q (1.88)
    #[wasm_bindgen(js_name = posteriorMeanCoef2)]
    pub fn posterior_mean_coef2(&self) -> Float64Array {
        f64s(&self.inner.posterior_mean_coef2)
    }

    /// ᾱ_t for t in 0..=T.
    #[wasm_bindgen(js_name = alphaBar)]
    pub fn alpha_bar(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.alpha_bar(timestep(&self.inner, t, 0)?))
    }

    /// σ_t² of p_θ(x_{t−1}|x_t) for `variance` = "beta_tilde" | "beta", t in 1..=T.
    #[wasm_bindgen(js_name = modelVariance)]
    pub fn model_variance(&self, t: f64, variance_name: &str) -> JsResult<f64> {
        let t = timestep(&self.inner, t, 1)?;
        Ok(self.inner.model_variance(t, variance(variance_name)?))
    }

    /// One forward step q(x_t|x_{t−1}) (1.63): `{mean, variance, sample}`.
    #[wasm_bindgen(js_name = qStep)]
    pub fn q_step(&self, x_prev: &[f64], t: f64, noise: &[f64]) -> JsResult<JsValue> {
        let t = timestep(&self.inner, t, 1)?;
        Ok(draw(forward::q_step(&self.inner, x_prev, t, noise).map_err(js_err)?))
    }

    /// The closed form q(x_t|x_0) (1.72–1.73): `{mean, variance, sample}`.
    #[wasm_bindgen(js_name = qSample)]
    pub fn q_sample(&self, x0: &[f64], t: f64, noise: &[f64]) -> JsResult<JsValue> {
        let t = timestep(&self.inner, t, 1)?;
        Ok(draw(forward::q_sample(&self.inner, x0, t, noise).map_err(js_err)?))
    }

    /// q(x_{t−1}|x_t, x_0) (1.88–1.89): `{mean, variance, logVarianceClipped}`.
    pub fn posterior(&self, x_t: &[f64], x0: &[f64], t: f64) -> JsResult<JsValue> {
        let t = timestep(&self.inner, t, 1)?;
        let p = posterior::q_posterior(&self.inner, x_t, x0, t).map_err(js_err)?;
        Ok(Obj::new()
            .set("mean", f64s(&p.mean))
            .set("variance", p.variance)
            .set("logVarianceClipped", p.log_variance_clipped)
            .build())
    }

    /// Convert a prediction between "x0", "eps" and "score" at (x_t, t) (1.105, 1.125, 1.141–1.143).
    pub fn convert(&self, from: &str, to: &str, x_t: &[f64], t: f64, value: &[f64]) -> JsResult<Float64Array> {
        let (from, to) = (prediction(from)?, prediction(to)?);
        let t = timestep(&self.inner, t, 1)?;
        Ok(f64s(&param::convert(&self.inner, from, to, x_t, t, value).map_err(js_err)?))
    }

    /// μ_θ(x_t, t) from a prediction of kind `parameterization` (1.96, 1.115, 1.134).
    #[wasm_bindgen(js_name = modelMean)]
    pub fn model_mean(&self, parameterization: &str, x_t: &[f64], t: f64, prediction_values: &[f64]) -> JsResult<Float64Array> {
        let p = prediction(parameterization)?;
        let t = timestep(&self.inner, t, 1)?;
        Ok(f64s(&param::model_mean(&self.inner, p, x_t, t, prediction_values).map_err(js_err)?))
    }

    /// The loss weight of (1.100) / (1.119) / (1.140) for σ_t² = `variance`, t in 1..=T.
    #[wasm_bindgen(js_name = lossWeight)]
    pub fn loss_weight(&self, parameterization: &str, t: f64, variance_name: &str) -> JsResult<f64> {
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let t = timestep(&self.inner, t, 1)?;
        param::loss_weight(&self.inner, p, t, v).map_err(js_err)
    }

    /// ½ (SNR_{t−1} − SNR_t) (1.104), t in 2..=T.
    #[wasm_bindgen(js_name = snrWeight)]
    pub fn snr_weight(&self, t: f64) -> JsResult<f64> {
        let t = timestep(&self.inner, t, 2)?;
        param::snr_weight(&self.inner, t).map_err(js_err)
    }

    /// KL(q(x_T|x_0) ‖ N(0, I)), nats.
    #[wasm_bindgen(js_name = priorKl)]
    pub fn prior_kl(&self, x0: &[f64]) -> JsResult<f64> {
        elbo::prior_kl(&self.inner, x0).map_err(js_err)
    }

    /// KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t)) (1.62), nats, t in 2..=T.
    #[wasm_bindgen(js_name = denoisingKl)]
    pub fn denoising_kl(&self, x0: &[f64], x_t: &[f64], t: f64, parameterization: &str, prediction_values: &[f64], variance_name: &str) -> JsResult<f64> {
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let t = timestep(&self.inner, t, 2)?;
        elbo::denoising_kl(&self.inner, x0, x_t, t, p, prediction_values, v).map_err(js_err)
    }

    /// log p_θ(x_0|x_1), nats, for `decoder` = "gaussian" | "discretized".
    pub fn reconstruction(&self, x0: &[f64], x1: &[f64], parameterization: &str, prediction_values: &[f64], variance_name: &str, decoder: &str) -> JsResult<f64> {
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let d = Decoder::parse(decoder).map_err(js_err)?;
        elbo::reconstruction(&self.inner, x0, x1, p, prediction_values, v, d).map_err(js_err)
    }

    /// Every term of (1.62) for one x_0. `xTs` and `predictions` hold T rows of D values (row t − 1
    /// for t = 1..=T). Options: `{parameterization, variance, decoder}` (defaults "eps",
    /// "beta_tilde", "gaussian").
    #[wasm_bindgen(js_name = elboTerms)]
    pub fn elbo_terms(&self, x0: &[f64], x_ts: &[f64], predictions: &[f64], options: JsValue) -> JsResult<JsValue> {
        let c = Config::parse("elbo options", options, "{parameterization: \"eps\", variance: \"beta_tilde\", decoder: \"gaussian\"}")?;
        c.finish(&["parameterization", "variance", "decoder"])?;
        let p = prediction(&c.string("parameterization")?.unwrap_or_else(|| "eps".into()))?;
        let v = variance(&c.string("variance")?.unwrap_or_else(|| "beta_tilde".into()))?;
        let d = Decoder::parse(&c.string("decoder")?.unwrap_or_else(|| "gaussian".into())).map_err(js_err)?;
        let e = elbo::elbo_terms(&self.inner, x0, x_ts, predictions, p, v, d).map_err(js_err)?;
        Ok(Obj::new()
            .set("dims", e.dims as f64)
            .set("reconstruction", e.reconstruction)
            .set("priorKl", e.prior_kl)
            .set("denoisingKl", f64s(&e.denoising_kl))
            .set("denoisingTotal", e.denoising_total)
            .set("elbo", e.elbo)
            .set("negElboNats", e.neg_elbo_nats)
            .set("negElboBitsPerDim", e.neg_elbo_bits_per_dim)
            .build())
    }
}

fn draw(d: forward::GaussianDraw) -> JsValue {
    Obj::new().set("mean", f64s(&d.mean)).set("variance", d.variance).set("sample", f64s(&d.sample)).build()
}

// ---------------------------------------------------------------------------------------------
// Gaussians

/// KL between diagonal Gaussians (1.23 summed over coordinates), nats. A variance array of
/// length 1 is shared by all coordinates.
#[wasm_bindgen(js_name = gaussianKl)]
pub fn gaussian_kl(mean1: &[f64], var1: &[f64], mean2: &[f64], var2: &[f64]) -> JsResult<f64> {
    gaussian::kl_diagonal(mean1, var1, mean2, var2).map_err(js_err)
}

/// log N(x; mean, diag(var)), nats.
#[wasm_bindgen(js_name = gaussianLogDensity)]
pub fn gaussian_log_density(x: &[f64], mean: &[f64], var: &[f64]) -> JsResult<f64> {
    gaussian::log_density_diagonal(x, mean, var).map_err(js_err)
}

/// log N(x_0; mean, variance·I): the Gaussian decoder, nats.
#[wasm_bindgen(js_name = gaussianDecoderLogLikelihood)]
pub fn gaussian_decoder_log_likelihood(x0: &[f64], mean: &[f64], variance: f64) -> JsResult<f64> {
    gaussian::gaussian_decoder_log_likelihood(x0, mean, variance).map_err(js_err)
}

/// DDPM's discretized decoder for 8-bit data in [−1, 1], nats, per coordinate.
#[wasm_bindgen(js_name = discretizedDecoderLogLikelihood)]
pub fn discretized_decoder_log_likelihood(x0: &[f64], mean: &[f64], variance: f64) -> JsResult<Float64Array> {
    Ok(f64s(&gaussian::discretized_gaussian_log_likelihood_per_dim(x0, mean, variance).map_err(js_err)?))
}

/// log Φ(z), finite for every finite z.
#[wasm_bindgen(js_name = logStdNormalCdf)]
pub fn log_std_normal_cdf(z: f64) -> JsResult<f64> {
    crate::numerics::error::check_finite_scalar("z", z).map_err(js_err)?;
    Ok(gaussian::log_std_normal_cdf(z))
}

/// nats → bits/dim: nats / (D ln 2).
#[wasm_bindgen(js_name = natsToBitsPerDim)]
pub fn nats_to_bits_per_dim(nats: f64, dims: f64) -> JsResult<f64> {
    let d = integer("dims", dims, 1e9)?;
    if d == 0 {
        return Err(JsError::new("dims = 0 is out of range: dims must be an integer ≥ 1"));
    }
    Ok(gaussian::nats_to_bits_per_dim(nats, d as usize))
}

// ---------------------------------------------------------------------------------------------
// The mixture oracle

/// An exact Gaussian mixture with diagonal covariances, pushed through the forward process.
#[wasm_bindgen]
pub struct Mixture {
    inner: GaussianMixture,
}

#[wasm_bindgen]
impl Mixture {
    /// `new Mixture({weights: [0.5, 0.5], means: [[-1, 0], [1, 0]], variances: [[0.1, 0.1], [0.1, 0.1]]})`.
    /// Weights are normalised to sum to 1.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> JsResult<Mixture> {
        let c = Config::parse("mixture config", config, "{weights: [0.5, 0.5], means: [[-1], [1]], variances: [[0.1], [0.1]]}")?;
        c.finish(&["weights", "means", "variances"])?;
        let weights = c.numbers("weights")?.ok_or_else(|| JsError::new("mixture config needs weights: one positive number per component"))?;
        let means: Vec<Vec<f64>> = c.get("means", "an array of K arrays of d numbers")?.ok_or_else(|| JsError::new("mixture config needs means: K arrays of d numbers"))?;
        let variances: Vec<Vec<f64>> =
            c.get("variances", "an array of K arrays of d numbers")?.ok_or_else(|| JsError::new("mixture config needs variances: K arrays of d positive numbers"))?;
        Ok(Mixture { inner: GaussianMixture::new(weights, means, variances).map_err(js_err)? })
    }

    /// The 8-Gaussian ring: `{radius: 2, std: 0.2, weights: [1,1,1,1,1,1,1,1]}` (all optional).
    pub fn ring8(config: JsValue) -> JsResult<Mixture> {
        let c = Config::parse("ring8 config", config, "{radius: 2, std: 0.2}")?;
        c.finish(&["radius", "std", "weights"])?;
        let d = ring8_dataset(&c)?;
        Ok(Mixture { inner: d.mixture().expect("ring8 is a mixture") })
    }

    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.inner.dim
    }

    #[wasm_bindgen(getter)]
    pub fn components(&self) -> usize {
        self.inner.components()
    }

    /// The normalised weights.
    pub fn weights(&self) -> Float64Array {
        f64s(&self.inner.weights)
    }

    /// log q(x_t) at each of the n points (row-major n × d), t in 0..=T (t = 0: the data).
    #[wasm_bindgen(js_name = logDensity)]
    pub fn log_density(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).map(|x| self.inner.log_density(x, ab)).collect::<Vec<_>>()))
    }

    /// q(x_t) at each point.
    pub fn density(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).map(|x| self.inner.density(x, ab)).collect::<Vec<_>>()))
    }

    /// The exact score ∇log q(x_t) at each point (n × d).
    pub fn score(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).flat_map(|x| self.inner.score(x, ab)).collect::<Vec<_>>()))
    }

    /// The exact E[x_0 | x_t] at each point (n × d).
    #[wasm_bindgen(js_name = posteriorMeanX0)]
    pub fn posterior_mean_x0(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).flat_map(|x| self.inner.posterior_mean_x0(x, ab)).collect::<Vec<_>>()))
    }

    /// The exact E[ε | x_t] at each point (n × d), t in 1..=T.
    #[wasm_bindgen(js_name = posteriorMeanEps)]
    pub fn posterior_mean_eps(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        timestep(&schedule.inner, t, 1)?;
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).flat_map(|x| self.inner.posterior_mean_eps(x, ab)).collect::<Vec<_>>()))
    }

    /// P(component k | x_t) at each point (n × K).
    pub fn responsibilities(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<Float64Array> {
        let ab = self.alpha_bar(points, schedule, t)?;
        Ok(f64s(&points.chunks(self.inner.dim).flat_map(|x| self.inner.responsibilities(x, ab)).collect::<Vec<_>>()))
    }

    /// n seeded draws of x_0 (n × d).
    pub fn sample(&self, n: f64, seed: f64) -> JsResult<Float64Array> {
        let n = integer("n", n, toy::MAX_POINTS as f64)?;
        let seed = integer("seed", seed, 9_007_199_254_740_991.0)?;
        Ok(f64s(&self.inner.sample(n as usize, &mut crate::numerics::rng::Rng::new(seed))))
    }

    /// The differential entropy of the data, nats, by seeded Monte Carlo: `{mean, stdError, samples}`.
    pub fn entropy(&self, samples: f64, seed: f64) -> JsResult<JsValue> {
        let n = integer("samples", samples, 1e7)?;
        let seed = integer("seed", seed, 9_007_199_254_740_991.0)?;
        let e = self.inner.entropy(n as usize, seed).map_err(js_err)?;
        Ok(Obj::new().set("mean", e.mean).set("stdError", e.std_error).set("samples", e.samples as f64).build())
    }

    fn alpha_bar(&self, points: &[f64], schedule: &Schedule, t: f64) -> JsResult<f64> {
        let t = timestep(&schedule.inner, t, 0)?;
        toy::validate_points(points, self.inner.dim).map_err(js_err)?;
        Ok(schedule.inner.alpha_bar(t))
    }
}

// ---------------------------------------------------------------------------------------------
// Data

fn ring8_dataset(c: &Config) -> JsResult<Dataset> {
    let Dataset::Ring8 { radius, std, weights } = Dataset::ring8_default() else { unreachable!() };
    let d = Dataset::Ring8 {
        radius: c.number("radius")?.unwrap_or(radius),
        std: c.number("std")?.unwrap_or(std),
        weights: c.numbers("weights")?.unwrap_or(weights),
    };
    d.sample(1, 0).map_err(js_err)?; // validates
    Ok(d)
}

/// Seeded 2-D points (n × 2, row-major): `{name, n, seed}` plus `noise` (moons, swissroll,
/// circles) or `radius`, `std`, `weights` (ring8).
#[wasm_bindgen(js_name = sampleDataset)]
pub fn sample_dataset(config: JsValue) -> JsResult<Float64Array> {
    let c = Config::parse("dataset config", config, "{name: \"moons\", n: 1000, seed: 0}")?;
    let name = c.string("name")?.ok_or_else(|| JsError::new("dataset config needs name: one of \"ring8\", \"moons\", \"swissroll\", \"checkerboard\", \"circles\""))?;
    let mut d = Dataset::by_name(&name).map_err(js_err)?;
    match &mut d {
        Dataset::Ring8 { .. } => {
            c.finish(&["name", "n", "seed", "radius", "std", "weights"])?;
            d = ring8_dataset(&c)?;
        }
        Dataset::Moons { noise } | Dataset::SwissRoll { noise } | Dataset::Circles { noise } => {
            c.finish(&["name", "n", "seed", "noise"])?;
            if let Some(v) = c.number("noise")? {
                *noise = v;
            }
        }
        Dataset::Checkerboard => c.finish(&["name", "n", "seed"])?,
    }
    let n = integer("n", c.number("n")?.unwrap_or(1000.0), toy::MAX_POINTS as f64)?;
    let seed = integer("seed", c.number("seed")?.unwrap_or(0.0), 9_007_199_254_740_991.0)?;
    Ok(f64s(&d.sample(n as usize, seed).map_err(js_err)?))
}

/// Check user-supplied points (row-major, `dim` coordinates each); returns how many there are.
#[wasm_bindgen(js_name = validatePoints)]
pub fn validate_points(points: &[f64], dim: f64) -> JsResult<usize> {
    let dim = integer("dim", dim, 1e6)?;
    toy::validate_points(points, dim as usize).map_err(js_err)
}

// ---------------------------------------------------------------------------------------------
// Backends (burn devices). WebGPU is initialised at most once per page: burn refuses a second
// initialisation of the same device, so the outcome is kept.

use crate::engine::backend::{self, Backend};
use std::cell::RefCell;

thread_local! {
    static WEBGPU: RefCell<Option<Result<Backend, String>>> = const { RefCell::new(None) };
}

/// Whether this JavaScript context exposes `navigator.gpu` at all (window or worker).
#[wasm_bindgen(js_name = webGpuAvailable)]
pub fn webgpu_available() -> bool {
    let nav = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    !nav.is_undefined() && Reflect::get(&nav, &JsValue::from_str("gpu")).map(|g| !g.is_undefined()).unwrap_or(false)
}

async fn webgpu() -> Result<Backend, String> {
    if let Some(done) = WEBGPU.with(|w| w.borrow().clone()) {
        return done;
    }
    let outcome = if webgpu_available() {
        backend::init_webgpu().await
    } else {
        Err("this browser does not expose WebGPU (navigator.gpu is missing)".to_string())
    };
    WEBGPU.with(|w| *w.borrow_mut() = Some(outcome.clone()));
    outcome
}

fn backend_info(b: &Backend, reason: Option<&str>) -> Obj {
    let o = Obj::new().set("kind", b.kind.name()).set("adapter", b.adapter.as_str()).set("api", b.api.as_str());
    match reason {
        Some(r) => o.set("fallbackReason", r),
        None => o,
    }
}

/// Initialise WebGPU through burn and run a tiny matmul read back asynchronously.
/// Resolves to `{kind: "webgpu", adapter, api, result: Float32Array [18, 40]}`; rejects with the
/// reason when WebGPU is missing or refuses.
#[wasm_bindgen(js_name = probeWebGpu)]
pub async fn probe_webgpu() -> JsResult<JsValue> {
    let b = webgpu().await.map_err(|e| JsError::new(&e))?;
    let out = backend::smoke_test(&b.device).await.map_err(|e| JsError::new(&e))?;
    Ok(backend_info(&b, None).set("result", js_sys::Float32Array::from(&out[..])).build())
}

/// The same tiny computation on burn's `flex` CPU backend.
#[wasm_bindgen(js_name = probeCpu)]
pub async fn probe_cpu() -> JsResult<JsValue> {
    let b = backend::init_cpu();
    let out = backend::smoke_test(&b.device).await.map_err(|e| JsError::new(&e))?;
    Ok(backend_info(&b, None).set("result", js_sys::Float32Array::from(&out[..])).build())
}

/// Pick the engine's backend: WebGPU when it initialises and passes the smoke test, else the
/// CPU with one sentence saying why. `{kind, adapter, api, fallbackReason?}`; never rejects.
#[wasm_bindgen(js_name = initBackend)]
pub async fn init_backend() -> JsValue {
    let reason = match webgpu().await {
        Ok(b) => match backend::smoke_test(&b.device).await {
            Ok(_) => return backend_info(&b, None).build(),
            Err(e) => format!("WebGPU initialised but failed a test computation ({e})"),
        },
        Err(e) => e,
    };
    let cpu = backend::init_cpu();
    backend_info(&cpu, Some(&format!("{reason}; the CPU backend is used instead."))).build()
}

// ---------------------------------------------------------------------------------------------
// Training. A `Trainer` lives in wasm behind a handle; its asynchronous methods return Promises.
// Calls must not overlap: a second call while one runs is refused with a message.

use crate::engine::evaluate::EvalConfig;
use crate::engine::model::DenoiserConfig;
use crate::diffusion::objective::Weighting;
use crate::engine::train::Trainer as CoreTrainer;
use crate::engine::train_config::{DataSource, TrainConfig};
use std::rc::Rc;

/// Read a training config: `{dataset, points, dim, train, heldout, schedule, T, parameterization,
/// weighting, width, depth, timeDim, learningRate, batchSize, seed}`.
fn train_config(value: JsValue) -> JsResult<TrainConfig> {
    let c = Config::parse(
        "training config",
        value,
        "{dataset: \"ring8\", parameterization: \"eps\", weighting: \"simple\", learningRate: 1e-3, batchSize: 256, seed: 0}",
    )?;
    c.finish(&[
        "dataset", "points", "dim", "train", "heldout", "schedule", "T", "parameterization", "weighting", "width", "depth",
        "timeDim", "learningRate", "batchSize", "seed", "ncsn",
    ])?;
    let dataset = c.string("dataset")?.unwrap_or_else(|| "ring8".into());
    let mut cfg = match dataset.as_str() {
        "digits" => TrainConfig::digits(),
        "points" => {
            let points = c.numbers("points")?.ok_or_else(|| JsError::new("dataset \"points\" needs points: the reader's points, row-major"))?;
            let dim = integer("dim", c.number("dim")?.unwrap_or(2.0), 1024.0)? as usize;
            let mut t = TrainConfig::toy(Dataset::ring8_default());
            t.model = DenoiserConfig::new(dim);
            t.data = DataSource::Points { points, dim };
            t
        }
        name => TrainConfig::toy(Dataset::by_name(name).map_err(|_| {
            JsError::new(&format!(
                "unknown dataset \"{name}\": valid ones are {}, \"digits\", \"points\"",
                Dataset::NAMES.map(|n| format!("\"{n}\"")).join(", ")
            ))
        })?),
    };
    let count = |key: &str, max: f64| -> JsResult<Option<usize>> { c.number(key)?.map(|v| integer(key, v, max).map(|v| v as usize)).transpose() };
    if let Some(v) = count("train", 1e7)? {
        cfg.n_train = v;
    }
    if let Some(v) = count("heldout", 1e7)? {
        cfg.n_heldout = v;
    }
    if let Some(v) = count("T", 1e7)? {
        cfg.t_max = v;
        cfg.schedule = BetaSchedule::linear_default(v.max(1));
    }
    match c.string("schedule")?.as_deref() {
        None | Some("linear") => {}
        Some("cosine") => cfg.schedule = BetaSchedule::cosine_default(),
        Some(other) => return Err(JsError::new(&format!("unknown schedule \"{other}\": valid ones are \"linear\", \"cosine\""))),
    }
    if let Some(p) = c.string("parameterization")? {
        cfg.parameterization = prediction(&p)?;
    }
    if let Some(w) = c.string("weighting")? {
        cfg.weighting = Weighting::parse(&w).map_err(js_err)?;
    }
    if let Some(v) = count("width", 1e7)? {
        cfg.model.width = v;
    }
    if let Some(v) = count("depth", 1e7)? {
        cfg.model.depth = v;
    }
    if let Some(v) = count("timeDim", 1e7)? {
        cfg.model.time_dim = v;
    }
    if let Some(v) = count("batchSize", 1e9)? {
        cfg.batch_size = v;
    }
    if let Some(v) = c.number("learningRate")? {
        cfg.learning_rate = v;
    }
    if let Some(v) = c.number("seed")? {
        cfg.seed = integer("seed", v, 9_007_199_254_740_991.0)?;
    }
    if let Some(v) = c.fields.get("ncsn") {
        let n = Config::parse("ncsn", v.clone(), "{sigmaMax: 3, sigmaMin: 0.05, levels: 10}")?;
        n.finish(&["sigmaMax", "sigmaMin", "levels"])?;
        cfg.ncsn = Some(crate::engine::train_config::SigmaLadder {
            sigma_max: n.number("sigmaMax")?.unwrap_or(3.0),
            sigma_min: n.number("sigmaMin")?.unwrap_or(0.05),
            levels: integer("levels", n.number("levels")?.unwrap_or(10.0), 1e6)? as usize,
        });
        if c.fields.get("parameterization").is_none() {
            cfg.parameterization = Prediction::Score;
        }
    }
    Ok(cfg)
}

struct TrainerState {
    core: CoreTrainer,
    backend: Backend,
}

/// A training run behind a handle. Create with `await Trainer.create(config, {backend})`.
#[wasm_bindgen]
pub struct Trainer {
    state: Rc<RefCell<Option<TrainerState>>>,
}

fn busy() -> JsValue {
    JsError::new("the trainer is busy: wait for the previous call to finish").into()
}

#[wasm_bindgen]
impl Trainer {
    /// Validate the config and build the trainer on `options.backend`: "auto" (default: WebGPU
    /// when it works, else CPU), "webgpu" or "cpu". The config is checked before any work.
    pub async fn create(config: JsValue, options: JsValue) -> JsResult<Trainer> {
        let cfg = train_config(config)?;
        cfg.validate().map_err(js_err)?;
        let o = Config::parse("trainer options", options, "{backend: \"auto\"}")?;
        o.finish(&["backend"])?;
        let backend = match o.string("backend")?.as_deref().unwrap_or("auto") {
            "cpu" => backend::init_cpu(),
            "webgpu" => webgpu().await.map_err(|e| JsError::new(&e))?,
            "auto" => match webgpu().await {
                Ok(b) => b,
                Err(_) => backend::init_cpu(),
            },
            #[cfg(feature = "ndarray")]
            "ndarray" => backend::init_cpu_ndarray(),
            other => return Err(JsError::new(&format!("unknown backend \"{other}\": valid ones are \"auto\", \"webgpu\", \"cpu\""))),
        };
        let core = CoreTrainer::new(cfg, &backend.device).map_err(js_err)?;
        Ok(Trainer { state: Rc::new(RefCell::new(Some(TrainerState { core, backend }))) })
    }

    /// `{kind, adapter, api}` of the device this trainer runs on.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> JsResult<JsValue> {
        let s = self.state.try_borrow().map_err(|_| JsError::new("the trainer is busy"))?;
        let st = s.as_ref().ok_or_else(|| JsError::new("the trainer was disposed"))?;
        Ok(backend_info(&st.backend, None).build())
    }

    /// The learning rate of the next steps (Adam keeps its moments): for a decay schedule.
    #[wasm_bindgen(setter, js_name = learningRate)]
    pub fn set_learning_rate(&self, lr: f64) -> JsResult<()> {
        if !(lr.is_finite() && lr > 0.0 && lr <= 1.0) {
            return Err(JsError::new(&format!("learningRate = {lr} is out of range: it must be in (0, 1]")));
        }
        let mut s = self.state.try_borrow_mut().map_err(|_| JsError::new("the trainer is busy: wait for the previous call to finish"))?;
        let st = s.as_mut().ok_or_else(|| JsError::new("the trainer was disposed"))?;
        st.core.config.learning_rate = lr;
        Ok(())
    }

    /// Optimisation steps done so far.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> JsResult<usize> {
        let s = self.state.try_borrow().map_err(|_| JsError::new("the trainer is busy"))?;
        Ok(s.as_ref().map(|s| s.core.step_count()).unwrap_or(0))
    }

    /// Run up to n steps; resolves to `{steps, totalSteps, losses: Float64Array, mean, min, max,
    /// stopped?, deviceError?}` (`stopped`: why a non-finite loss or a failed device ended training;
    /// the last good weights stay; `deviceError`: the device failed, e.g. a lost GPU).
    pub fn run(&self, n: f64) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let n = integer("n", n, 1e6).map_err(JsValue::from)? as usize;
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = guard.as_mut().ok_or_else(|| JsValue::from(JsError::new("the trainer was disposed")))?;
            let r = st.core.run(n).await;
            let o = Obj::new()
                .set("steps", r.steps as f64)
                .set("totalSteps", r.total_steps as f64)
                .set("losses", f64s(&r.losses))
                .set("mean", r.mean)
                .set("min", r.min)
                .set("max", r.max);
            Ok(match r.stopped {
                Some(m) => o.set("stopped", m).set("deviceError", r.device_failed),
                None => o,
            }
            .build())
        })
    }

    /// Mean training loss per t-bin (20 bins over 1..=T; NaN where none yet): which t are hard.
    #[wasm_bindgen(js_name = lossByT)]
    pub fn loss_by_t(&self) -> JsResult<Float64Array> {
        let s = self.state.try_borrow().map_err(|_| JsError::new("the trainer is busy"))?;
        Ok(f64s(&s.as_ref().map(|s| s.core.loss_by_t()).unwrap_or_default()))
    }

    /// The held-out −ELBO per dimension: `{negElboPerDim, stdError, unit, points, reconstruction,
    /// prior, denoising, klByT, dataEntropyPerDim?, dataEntropyStdError?, gapPerDim?, gapStdError?,
    /// oracleNegElboPerDim?, oracleStdError?, oracleGapPerDim?, oracleGapStdError?}` — for ring8 the
    /// gap −ELBO − (−log q(x_0)) paired point by point (≥ KL(data ‖ model)/D), and the same for the
    /// exact mixture's predictions on the same draws (the floor).
    /// Options `{points: 256, tSamples: 64, variance: "beta_tilde" | "beta"}` (tSamples 0 = every t;
    /// variance: σ_t² of p_θ(x_{t−1}|x_t) and of the decoder).
    #[wasm_bindgen(js_name = heldOut)]
    pub fn held_out(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o = Config::parse("held-out options", options, "{points: 256, tSamples: 64, variance: \"beta_tilde\"}")?;
            o.finish(&["points", "tSamples", "variance"])?;
            let variance = variance(o.string("variance")?.as_deref().unwrap_or("beta_tilde"))?;
            let mut eval = EvalConfig::default();
            if let Some(v) = o.number("points")? {
                eval.points = integer("points", v, 100_000.0)?.max(1) as usize;
            }
            if let Some(v) = o.number("tSamples")? {
                eval.t_samples = integer("tSamples", v, 100_000.0)? as usize;
            }
            let guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = guard.as_ref().ok_or_else(|| JsValue::from(JsError::new("the trainer was disposed")))?;
            let c = &st.core;
            let dims = c.config.data_dim();
            let h = c.held_out(eval, variance).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            let mut o = Obj::new()
                .set("negElboPerDim", h.neg_elbo_per_dim)
                .set("stdError", h.std_error)
                .set("unit", h.unit)
                .set("points", h.points as f64)
                .set("reconstruction", h.reconstruction)
                .set("prior", h.prior)
                .set("denoising", h.denoising)
                .set("klByT", f64s(&h.kl_by_t));
            if let DataSource::Toy(d) = &c.config.data {
                if let Some(m) = d.mixture() {
                    let e = m.entropy(20_000, 7).map_err(|e| JsValue::from(JsError::new(&e.message)))?;
                    o = o.set("dataEntropyPerDim", e.mean / dims as f64).set("dataEntropyStdError", e.std_error / dims as f64);
                }
            }
            if let Some((gap, se)) = c.entropy_gap(&h) {
                o = o.set("gapPerDim", gap).set("gapStdError", se);
            }
            if let Some(oracle) = c.oracle_held_out(eval, variance) {
                let oh = oracle.map_err(|e| JsValue::from(JsError::new(&e)))?;
                o = o.set("oracleNegElboPerDim", oh.neg_elbo_per_dim).set("oracleStdError", oh.std_error);
                if let Some((gap, se)) = c.entropy_gap(&oh) {
                    o = o.set("oracleGapPerDim", gap).set("oracleGapStdError", se);
                }
            }
            Ok(o.build())
        })
    }

    /// A reverse chain driven by this trainer's network as it is now (a snapshot of the weights),
    /// on the trainer's schedule: see `Chain`. For ring8 the chain also knows the exact mixture,
    /// for sample quality.
    pub fn chain(&self, config: JsValue) -> JsResult<Chain> {
        let s = self.state.try_borrow().map_err(|_| JsError::new("the trainer is busy: wait for the previous call to finish"))?;
        let st = s.as_ref().ok_or_else(|| JsError::new("the trainer was disposed"))?;
        let c = &st.core;
        let mixture = match &c.config.data {
            DataSource::Toy(d) => d.mixture(),
            _ => None,
        };
        Chain::build(config, c.schedule.clone(), c.config.data_dim(), c.predictor(), mixture)
    }

    /// The consistency (1.45–1.47) and denoising-matching (1.62) ELBO of one x_0 for this
    /// trainer's network as it is now: the same config and result as the free `elboForms`, without
    /// `model`. Asks the network at every t for all trajectories (T forward passes).
    #[wasm_bindgen(js_name = elboForms)]
    pub fn elbo_forms(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (schedule, dims, predictor) = {
                let guard = state.try_borrow().map_err(|_| busy())?;
                let st = guard.as_ref().ok_or_else(|| JsValue::from(JsError::new("the trainer was disposed")))?;
                (st.core.schedule.clone(), st.core.config.data_dim(), st.core.predictor())
            };
            let (_, inputs) = theory::forms_config(options, dims, &[])?;
            theory::forms(&predictor, &schedule, dims, &inputs).await
        })
    }

    /// The weights as a versioned checkpoint (`Uint8Array`).
    pub fn save(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = guard.as_ref().ok_or_else(|| JsValue::from(JsError::new("the trainer was disposed")))?;
            let bytes = st.core.save().await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Load a checkpoint made by `save()`; a checkpoint of another network, parameterization or
    /// schedule is refused with a message saying what differs. Returns the checkpoint's header.
    pub fn load(&self, bytes: &[u8]) -> JsResult<JsValue> {
        let mut s = self.state.try_borrow_mut().map_err(|_| JsError::new("the trainer is busy: wait for the previous call to finish"))?;
        let st = s.as_mut().ok_or_else(|| JsError::new("the trainer was disposed"))?;
        let h = st.core.load(bytes).map_err(js_err)?;
        Ok(Obj::new()
            .set("dataset", h.dataset.as_str())
            .set("parameterization", h.parameterization.as_str())
            .set("weighting", h.weighting.as_str())
            .set("steps", h.steps as f64)
            .set("T", h.t_max as f64)
            .build())
    }
}

mod chain;
pub use chain::{mmd2, Chain};
mod theory;
pub use theory::*;
