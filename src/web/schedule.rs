//! `Schedule`: a noise schedule and everything computed from it at one (x, t) — the forward
//! process (1.63, 1.72–1.73), the posterior (1.88–1.89), the conversions between x_0, ε and the
//! score (1.105, 1.125, 1.141–1.143), the loss weights and the ELBO terms (1.62).

use js_sys::Float64Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, arg_numbers, arg_string, config, f64s, finite_all, integer, JsResult, Obj, MAX_VALUES};
use crate::diffusion::elbo::{self, Decoder};
use crate::diffusion::parameterization::{self as param, Prediction};
use crate::diffusion::sampler::{self, ReverseStep};
use crate::diffusion::schedule::{BetaSchedule, ModelVariance, NoiseSchedule, MAX_T, MIN_T};
use crate::diffusion::{forward, posterior};
use crate::numerics::budget::check_work;
use crate::numerics::error::{check_points, check_range, InputError, Interval, Rule};

/// A JS number that must be a timestep in lo..=T (t = 0: the data; t = 1: the decoder term).
pub(super) fn timestep(s: &NoiseSchedule, v: f64, lo: usize) -> Result<usize, InputError> {
    let t = integer("t", v, 0, u64::MAX >> 11).map_err(|_| InputError::integer("t", v, lo as u64, s.t_max as u64))?;
    s.check_t_in("t", t as usize, lo)?;
    Ok(t as usize)
}

pub(super) fn prediction(name: &str) -> Result<Prediction, InputError> {
    Prediction::parse(name)
}

pub(super) fn variance(name: &str) -> Result<ModelVariance, InputError> {
    ModelVariance::parse(name)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScheduleConfig {
    kind: Option<String>,
    #[serde(rename = "T")]
    t: Option<f64>,
    beta_start: Option<f64>,
    beta_end: Option<f64>,
    s: Option<f64>,
    max_beta: Option<f64>,
    betas: Option<Vec<f64>>,
}

const LINEAR_FIELDS: [&str; 4] = ["kind", "T", "betaStart", "betaEnd"];
const COSINE_FIELDS: [&str; 4] = ["kind", "T", "s", "maxBeta"];
const EXPLICIT_FIELDS: [&str; 3] = ["kind", "T", "betas"];

impl ScheduleConfig {
    /// A field set that the chosen kind does not have is refused with the kind's fields.
    fn only(&self, valid: &[&str]) -> Result<(), InputError> {
        let set = [("betaStart", self.beta_start.is_some()), ("betaEnd", self.beta_end.is_some()), ("s", self.s.is_some()), ("maxBeta", self.max_beta.is_some()), ("betas", self.betas.is_some())];
        match set.iter().find(|(name, present)| *present && !valid.contains(name)) {
            Some((name, _)) => Err(InputError::new(name, Rule::UnknownField(valid.iter().map(|s| s.to_string()).collect()), None)),
            None => Ok(()),
        }
    }

    fn schedule(self) -> Result<NoiseSchedule, InputError> {
        let t_max = match self.t {
            None => None,
            Some(v) => Some(integer("T", v, MIN_T as u64, MAX_T as u64)? as usize),
        };
        let kind = self.kind.clone().unwrap_or_else(|| "linear".into());
        let (sched, t_max) = match kind.as_str() {
            "linear" => {
                self.only(&LINEAR_FIELDS)?;
                let t = t_max.unwrap_or(1000);
                let BetaSchedule::Linear { beta_start, beta_end } = BetaSchedule::linear_default(t) else { unreachable!() };
                (BetaSchedule::Linear { beta_start: self.beta_start.unwrap_or(beta_start), beta_end: self.beta_end.unwrap_or(beta_end) }, t)
            }
            "cosine" => {
                self.only(&COSINE_FIELDS)?;
                let BetaSchedule::Cosine { s, max_beta } = BetaSchedule::cosine_default() else { unreachable!() };
                (BetaSchedule::Cosine { s: self.s.unwrap_or(s), max_beta: self.max_beta.unwrap_or(max_beta) }, t_max.unwrap_or(1000))
            }
            "explicit" => {
                self.only(&EXPLICIT_FIELDS)?;
                let betas = self.betas.ok_or_else(|| InputError::new("betas", Rule::Missing, None))?;
                if let Some(t) = t_max.filter(|t| *t != betas.len()) {
                    return Err(InputError::length("betas", betas.len(), format!("T = {t}")));
                }
                let n = betas.len();
                (BetaSchedule::Explicit(betas), n)
            }
            other => return Err(InputError::one_of("kind", other, &BetaSchedule::NAMES)),
        };
        NoiseSchedule::new(sched, t_max)
    }
}

/// A noise schedule and its derived arrays. Arrays have length T, index t − 1 for t = 1..=T.
#[wasm_bindgen]
pub struct Schedule {
    pub(super) inner: NoiseSchedule,
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
    pub fn new(config_value: JsValue) -> JsResult<Schedule> {
        let c: ScheduleConfig = config(&config_value)?;
        Ok(Schedule { inner: c.schedule()? })
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
    /// ᾱ_{t+1}, 0 after T (improved-diffusion's `alphas_cumprod_next`)
    #[wasm_bindgen(js_name = alphasCumprodNext)]
    pub fn alphas_cumprod_next(&self) -> Float64Array {
        f64s(&self.inner.alphas_cumprod_next)
    }
    /// log(1 − ᾱ_t)
    #[wasm_bindgen(js_name = logOneMinusAlphasCumprod)]
    pub fn log_one_minus_alphas_cumprod(&self) -> Float64Array {
        f64s(&self.inner.log_one_minus_alphas_cumprod)
    }
    /// √(1/ᾱ_t) (x_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε, (1.105)); refused as overflow where ᾱ_t
    /// underflows to 0
    #[wasm_bindgen(js_name = sqrtRecipAlphasCumprod)]
    pub fn sqrt_recip_alphas_cumprod(&self) -> JsResult<Float64Array> {
        Ok(finite_all("betas", &self.inner.sqrt_recip_alphas_cumprod)?)
    }
    /// √(1/ᾱ_t − 1); refused as overflow where ᾱ_t underflows to 0
    #[wasm_bindgen(js_name = sqrtRecipm1AlphasCumprod)]
    pub fn sqrt_recipm1_alphas_cumprod(&self) -> JsResult<Float64Array> {
        Ok(finite_all("betas", &self.inner.sqrt_recipm1_alphas_cumprod)?)
    }

    /// ᾱ_t for t in 0..=T.
    #[wasm_bindgen(js_name = alphaBar)]
    pub fn alpha_bar(&self, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<f64> {
        let t = arg_number(&t, "t")?;
        Ok(self.inner.alpha_bar(timestep(&self.inner, t, 0)?))
    }

    /// σ_t² of p_θ(x_{t−1}|x_t) for `variance` = "beta_tilde" | "beta" | "fixed_large", t in 1..=T
    /// (t = 1: the decoder's; β̃_2, β_1 and β̃_2 respectively).
    #[wasm_bindgen(js_name = modelVariance)]
    pub fn model_variance(&self, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(js_name = variance, unchecked_param_type = "string")] variance_name: JsValue) -> JsResult<f64> {
        let t = arg_number(&t, "t")?;
        let variance_name = &arg_string(&variance_name, "variance")?;
        let t = timestep(&self.inner, t, 1)?;
        Ok(self.inner.model_variance(t, variance(variance_name)?))
    }

    /// One forward step q(x_t|x_{t−1}) (1.63): `{mean, variance, sample}`.
    #[wasm_bindgen(js_name = qStep)]
    pub fn q_step(&self, #[wasm_bindgen(js_name = xPrev, unchecked_param_type = "Float64Array | number[]")] x_prev: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] noise: JsValue) -> JsResult<JsValue> {
        let x_prev = &arg_numbers(&x_prev, "xPrev")?;
        let t = arg_number(&t, "t")?;
        let noise = &arg_numbers(&noise, "noise")?;
        let t = timestep(&self.inner, t, 1)?;
        Ok(draw(forward::q_step(&self.inner, x_prev, t, noise)?))
    }

    /// The closed form q(x_t|x_0) (1.72–1.73): `{mean, variance, sample}`.
    #[wasm_bindgen(js_name = qSample)]
    pub fn q_sample(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] noise: JsValue) -> JsResult<JsValue> {
        let x0 = &arg_numbers(&x0, "x0")?;
        let t = arg_number(&t, "t")?;
        let noise = &arg_numbers(&noise, "noise")?;
        let t = timestep(&self.inner, t, 1)?;
        Ok(draw(forward::q_sample(&self.inner, x0, t, noise)?))
    }

    /// q(x_{t−1}|x_t, x_0) (1.88–1.89): `{mean, variance, logVarianceClipped}`.
    pub fn posterior(&self, #[wasm_bindgen(js_name = xT, unchecked_param_type = "Float64Array | number[]")] x_t: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<JsValue> {
        let x_t = &arg_numbers(&x_t, "xT")?;
        let x0 = &arg_numbers(&x0, "x0")?;
        let t = arg_number(&t, "t")?;
        let t = timestep(&self.inner, t, 1)?;
        let p = posterior::q_posterior(&self.inner, x_t, x0, t)?;
        Ok(Obj::new().set("mean", f64s(&p.mean)).set("variance", p.variance).set("logVarianceClipped", p.log_variance_clipped).build())
    }

    /// Convert a prediction between "x0", "eps" and "score" at (x_t, t) (1.105, 1.125, 1.141–1.143).
    pub fn convert(&self, #[wasm_bindgen(unchecked_param_type = "string")] from: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] to: JsValue, #[wasm_bindgen(js_name = xT, unchecked_param_type = "Float64Array | number[]")] x_t: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] value: JsValue) -> JsResult<Float64Array> {
        let from = &arg_string(&from, "from")?;
        let to = &arg_string(&to, "to")?;
        let x_t = &arg_numbers(&x_t, "xT")?;
        let t = arg_number(&t, "t")?;
        let value = &arg_numbers(&value, "value")?;
        let (from, to) = (prediction(from)?, prediction(to)?);
        let t = timestep(&self.inner, t, 1)?;
        Ok(f64s(&param::convert(&self.inner, from, to, x_t, t, value)?))
    }

    /// μ_θ(x_t, t) from a prediction of kind `parameterization` (1.96, 1.115, 1.134).
    #[wasm_bindgen(js_name = modelMean)]
    pub fn model_mean(&self, #[wasm_bindgen(unchecked_param_type = "string")] parameterization: JsValue, #[wasm_bindgen(js_name = xT, unchecked_param_type = "Float64Array | number[]")] x_t: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(js_name = prediction, unchecked_param_type = "Float64Array | number[]")] prediction_values: JsValue) -> JsResult<Float64Array> {
        let parameterization = &arg_string(&parameterization, "parameterization")?;
        let x_t = &arg_numbers(&x_t, "xT")?;
        let t = arg_number(&t, "t")?;
        let prediction_values = &arg_numbers(&prediction_values, "prediction")?;
        let p = prediction(parameterization)?;
        let t = timestep(&self.inner, t, 1)?;
        Ok(f64s(&param::model_mean(&self.inner, p, x_t, t, prediction_values)?))
    }

    /// The loss weight of (1.100) / (1.119) / (1.140) for σ_t² = `variance`, t in 1..=T.
    #[wasm_bindgen(js_name = lossWeight)]
    pub fn loss_weight(&self, #[wasm_bindgen(unchecked_param_type = "string")] parameterization: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(js_name = variance, unchecked_param_type = "string")] variance_name: JsValue) -> JsResult<f64> {
        let parameterization = &arg_string(&parameterization, "parameterization")?;
        let t = arg_number(&t, "t")?;
        let variance_name = &arg_string(&variance_name, "variance")?;
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let t = timestep(&self.inner, t, 1)?;
        Ok(param::loss_weight(&self.inner, p, t, v)?)
    }

    /// ½ (SNR_{t−1} − SNR_t) (1.104), t in 2..=T.
    #[wasm_bindgen(js_name = snrWeight)]
    pub fn snr_weight(&self, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<f64> {
        let t = arg_number(&t, "t")?;
        let t = timestep(&self.inner, t, 2)?;
        Ok(param::snr_weight(&self.inner, t)?)
    }

    /// KL(q(x_T|x_0) ‖ N(0, I)), nats.
    #[wasm_bindgen(js_name = priorKl)]
    pub fn prior_kl(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue) -> JsResult<f64> {
        let x0 = &arg_numbers(&x0, "x0")?;
        Ok(elbo::prior_kl(&self.inner, x0)?)
    }

    /// KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t)) (1.62), nats, t in 2..=T.
    #[wasm_bindgen(js_name = denoisingKl)]
    pub fn denoising_kl(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(js_name = xT, unchecked_param_type = "Float64Array | number[]")] x_t: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] parameterization: JsValue, #[wasm_bindgen(js_name = prediction, unchecked_param_type = "Float64Array | number[]")] prediction_values: JsValue, #[wasm_bindgen(js_name = variance, unchecked_param_type = "string")] variance_name: JsValue) -> JsResult<f64> {
        let x0 = &arg_numbers(&x0, "x0")?;
        let x_t = &arg_numbers(&x_t, "xT")?;
        let t = arg_number(&t, "t")?;
        let parameterization = &arg_string(&parameterization, "parameterization")?;
        let prediction_values = &arg_numbers(&prediction_values, "prediction")?;
        let variance_name = &arg_string(&variance_name, "variance")?;
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let t = timestep(&self.inner, t, 2)?;
        Ok(elbo::denoising_kl(&self.inner, x0, x_t, t, p, prediction_values, v)?)
    }

    /// log p_θ(x_0|x_1), nats, for `decoder` = "gaussian" | "discretized".
    pub fn reconstruction(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x1: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] parameterization: JsValue, #[wasm_bindgen(js_name = prediction, unchecked_param_type = "Float64Array | number[]")] prediction_values: JsValue, #[wasm_bindgen(js_name = variance, unchecked_param_type = "string")] variance_name: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] decoder: JsValue) -> JsResult<f64> {
        let x0 = &arg_numbers(&x0, "x0")?;
        let x1 = &arg_numbers(&x1, "x1")?;
        let parameterization = &arg_string(&parameterization, "parameterization")?;
        let prediction_values = &arg_numbers(&prediction_values, "prediction")?;
        let variance_name = &arg_string(&variance_name, "variance")?;
        let decoder = &arg_string(&decoder, "decoder")?;
        let (p, v) = (prediction(parameterization)?, variance(variance_name)?);
        let d = Decoder::parse(decoder)?;
        Ok(elbo::reconstruction(&self.inner, x0, x1, p, prediction_values, v, d)?)
    }

    /// One DDPM step (Algorithm 2) on the caller's numbers, improved-diffusion's `p_sample`:
    /// `{xT, dim, t, prediction, param, variance, noise}` (all required; `xT`, `prediction`,
    /// `noise`: n × dim; `param` "x0" | "eps" | "score"; `variance` "beta_tilde" | "beta" |
    /// "fixed_large"). Returns `{prev, mean, sigma, variance, x0, eps, score}`: prev = mean + sigma·noise
    /// with mean = μ_θ (1.96 / 1.115 / 1.134), sigma = σ_t (0 at t = 1: no noise on the last step),
    /// variance = σ_t² of p_θ (at t = 1 the decoder's), and the prediction in all three forms.
    #[wasm_bindgen(js_name = ddpmStep)]
    pub fn ddpm_step(&self, config_value: JsValue) -> JsResult<JsValue> {
        let c: DdpmStepConfig = config(&config_value)?;
        let s = &self.inner;
        let dim = step_dim(c.dim, &c.x_t)?;
        let t = timestep(s, c.t, 1)?;
        let p = step_param(&c.param)?;
        let v = variance(&c.variance)?;
        let step = sampler::ddpm_step(s, p, &c.x_t, dim, t, &c.prediction, v, &c.noise)?;
        reverse_step(&step, s.model_variance(t, v))
    }

    /// One DDIM step (Song et al. 2021, eq. 12) from t to tPrev on the caller's numbers,
    /// improved-diffusion's `ddim_sample`: `{xT, dim, t, tPrev, prediction, param, eta, noise}` (all
    /// required; tPrev in 0..t, 0 = the data; eta in [0, 1]). Returns the shape of `ddpmStep`:
    /// prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε̂ + σ·noise, mean = prev without the noise,
    /// sigma = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev), variance = sigma².
    #[wasm_bindgen(js_name = ddimStep)]
    pub fn ddim_step(&self, config_value: JsValue) -> JsResult<JsValue> {
        let c: DdimStepConfig = config(&config_value)?;
        let s = &self.inner;
        let dim = step_dim(c.dim, &c.x_t)?;
        let t = timestep(s, c.t, 1)?;
        let t_prev = integer("tPrev", c.t_prev, 0, t as u64 - 1)? as usize;
        let p = step_param(&c.param)?;
        check_range("eta", c.eta, Interval::closed(0.0, 1.0))?;
        let step = sampler::ddim_step(s, p, &c.x_t, dim, t, t_prev, &c.prediction, c.eta, &c.noise)?;
        let var = step.sigma * step.sigma;
        reverse_step(&step, var)
    }

    /// x̂_0 from a posterior mean μ at (x_t, t), the inverse of (1.88) / (1.96) (improved-diffusion's
    /// `_predict_xstart_from_xprev`): `{xT, t, mean}` → (mean − coef2·xT) / coef1, t in 1..=T.
    #[wasm_bindgen(js_name = x0FromPosteriorMean)]
    pub fn x0_from_posterior_mean(&self, config_value: JsValue) -> JsResult<Float64Array> {
        let c: X0FromMeanConfig = config(&config_value)?;
        let t = timestep(&self.inner, c.t, 1)?;
        Ok(finite_all("mean", &posterior::x0_from_posterior_mean(&self.inner, &c.x_t, t, &c.mean)?)?)
    }

    /// Every term of (1.62) for one x_0. `xTs` and `predictions` hold T rows of D values (row t − 1
    /// for t = 1..=T). Options: `{parameterization, variance, decoder}` (defaults "eps",
    /// "beta_tilde", "gaussian").
    #[wasm_bindgen(js_name = elboTerms)]
    pub fn elbo_terms(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x0: JsValue, #[wasm_bindgen(js_name = xTs, unchecked_param_type = "Float64Array | number[]")] x_ts: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] predictions: JsValue, options: JsValue) -> JsResult<JsValue> {
        let x0 = &arg_numbers(&x0, "x0")?;
        let x_ts = &arg_numbers(&x_ts, "xTs")?;
        let predictions = &arg_numbers(&predictions, "predictions")?;
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Options {
            parameterization: Option<String>,
            variance: Option<String>,
            decoder: Option<String>,
        }
        let o: Options = config(&options)?;
        let p = prediction(o.parameterization.as_deref().unwrap_or("eps"))?;
        let v = variance(o.variance.as_deref().unwrap_or("beta_tilde"))?;
        let d = Decoder::parse(o.decoder.as_deref().unwrap_or("gaussian"))?;
        let e = elbo::elbo_terms(&self.inner, x0, x_ts, predictions, p, v, d)?;
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

/// `ddpmStep`'s config.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DdpmStepConfig {
    #[serde(rename = "xT")]
    x_t: Vec<f64>,
    dim: f64,
    t: f64,
    prediction: Vec<f64>,
    param: String,
    variance: String,
    noise: Vec<f64>,
}

/// `ddimStep`'s config.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DdimStepConfig {
    #[serde(rename = "xT")]
    x_t: Vec<f64>,
    dim: f64,
    t: f64,
    t_prev: f64,
    prediction: Vec<f64>,
    param: String,
    eta: f64,
    noise: Vec<f64>,
}

/// `x0FromPosteriorMean`'s config.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct X0FromMeanConfig {
    #[serde(rename = "xT")]
    x_t: Vec<f64>,
    t: f64,
    mean: Vec<f64>,
}

/// `dim` of a step's particles: an integer ≥ 1 that divides `xT` (whole points), and the step's
/// work (a few dozen operations per coordinate) within the budget.
fn step_dim(dim: f64, x_t: &[f64]) -> Result<usize, InputError> {
    let dim = integer("dim", dim, 1, MAX_VALUES as u64)? as usize;
    let n = check_points("xT", x_t, dim, usize::MAX)?;
    check_work("xT", x_t.len() as f64, (n * dim) as f64 * 40.0, "n·dim·40")?;
    Ok(dim)
}

/// The `param` field of a step: what the prediction is.
fn step_param(name: &str) -> Result<Prediction, InputError> {
    Prediction::parse(name).map_err(|_| InputError::one_of("param", name, &Prediction::NAMES))
}

/// A step as JS sees it; a non-finite result names the prediction that drove it.
fn reverse_step(r: &ReverseStep, variance: f64) -> JsResult<JsValue> {
    Ok(Obj::new()
        .set("prev", finite_all("prediction", &r.prev)?)
        .set("mean", finite_all("prediction", &r.mean)?)
        .set("sigma", r.sigma)
        .set("variance", variance)
        .set("x0", finite_all("prediction", &r.x0)?)
        .set("eps", finite_all("prediction", &r.eps)?)
        .set("score", finite_all("prediction", &r.score)?)
        .build())
}

fn draw(d: forward::GaussianDraw) -> JsValue {
    Obj::new().set("mean", f64s(&d.mean)).set("variance", d.variance).set("sample", f64s(&d.sample)).build()
}
