//! `Mixture`, the exact oracle of a Gaussian mixture pushed through the forward process
//! (1.121–1.125), and the seeded data sets.

use js_sys::Float64Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{finite_all, arg_number, arg_numbers, config, count, f64s, integer, seed, JsResult, Obj, MAX_SEED};
use super::schedule::{timestep, Schedule};
use crate::data::toy::{self, Dataset};
use crate::diffusion::oracle::GaussianMixture;
use crate::numerics::error::{InputError, Rule};
use crate::numerics::rng::Rng;

/// An exact Gaussian mixture with diagonal covariances, pushed through the forward process.
#[wasm_bindgen]
pub struct Mixture {
    pub(super) inner: GaussianMixture,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MixtureConfig {
    weights: Option<Vec<f64>>,
    means: Option<Vec<Vec<f64>>>,
    variances: Option<Vec<Vec<f64>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Ring8Config {
    radius: Option<f64>,
    std: Option<f64>,
    weights: Option<Vec<f64>>,
}

impl Ring8Config {
    pub(super) fn dataset(self) -> Result<Dataset, InputError> {
        let Dataset::Ring8 { radius, std, weights } = Dataset::ring8_default() else { unreachable!() };
        let d = Dataset::Ring8 { radius: self.radius.unwrap_or(radius), std: self.std.unwrap_or(std), weights: self.weights.unwrap_or(weights) };
        d.validate()?;
        Ok(d)
    }
}

#[wasm_bindgen]
impl Mixture {
    /// `new Mixture({weights: [0.5, 0.5], means: [[-1, 0], [1, 0]], variances: [[0.1, 0.1], [0.1, 0.1]]})`.
    /// Weights are normalised to sum to 1.
    #[wasm_bindgen(constructor)]
    pub fn new(config_value: JsValue) -> JsResult<Mixture> {
        let c: MixtureConfig = config(&config_value)?;
        let need = |f: &str| InputError::new(f, Rule::Missing, None);
        let weights = c.weights.ok_or_else(|| need("weights"))?;
        let means = c.means.ok_or_else(|| need("means"))?;
        let variances = c.variances.ok_or_else(|| need("variances"))?;
        Ok(Mixture { inner: GaussianMixture::new(weights, means, variances)? })
    }

    /// The 8-Gaussian ring: `{radius: 2, std: 0.2, weights: [1,1,1,1,1,1,1,1]}` (all optional).
    pub fn ring8(config_value: JsValue) -> JsResult<Mixture> {
        let c: Ring8Config = config(&config_value)?;
        Ok(Mixture { inner: c.dataset()?.mixture().expect("ring8 is a mixture") })
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
    pub fn log_density(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 0)?;
        Ok(finite_all("points", &points.chunks(self.inner.dim).map(|x| self.inner.log_density(x, ab)).collect::<Vec<_>>())?)
    }

    /// q(x_t) at each point.
    pub fn density(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 0)?;
        Ok(finite_all("points", &points.chunks(self.inner.dim).map(|x| self.inner.density(x, ab)).collect::<Vec<_>>())?)
    }

    /// The exact score ∇log q(x_t) at each point (n × d).
    pub fn score(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 0)?;
        Ok(finite_all("points", &self.inner.predict(crate::diffusion::parameterization::Prediction::Score, points, ab))?)
    }

    /// The exact E[x_0 | x_t] at each point (n × d).
    #[wasm_bindgen(js_name = posteriorMeanX0)]
    pub fn posterior_mean_x0(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 0)?;
        Ok(finite_all("points", &self.inner.predict(crate::diffusion::parameterization::Prediction::X0, points, ab))?)
    }

    /// The exact E[ε | x_t] at each point (n × d), t in 1..=T.
    #[wasm_bindgen(js_name = posteriorMeanEps)]
    pub fn posterior_mean_eps(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 1)?;
        Ok(finite_all("points", &self.inner.predict(crate::diffusion::parameterization::Prediction::Eps, points, ab))?)
    }

    /// P(component k | x_t) at each point (n × K).
    pub fn responsibilities(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, schedule: &Schedule, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<Float64Array> {
        let points = &arg_numbers(&points, "points")?;
        let t = arg_number(&t, "t")?;
        let ab = self.alpha_bar(points, schedule, t, 0)?;
        Ok(finite_all("points", &points.chunks(self.inner.dim).flat_map(|x| self.inner.responsibilities(x, ab)).collect::<Vec<_>>())?)
    }

    /// n seeded draws of x_0 (n × d).
    pub fn sample(&self, #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue, #[wasm_bindgen(js_name = seed, unchecked_param_type = "number")] seed_value: JsValue) -> JsResult<Float64Array> {
        let n = arg_number(&n, "n")?;
        let seed_value = arg_number(&seed_value, "seed")?;
        let n = integer("n", n, 0, toy::MAX_POINTS as u64)?;
        crate::numerics::budget::check_values("n", n as f64, n as f64 * self.inner.dim as f64, "n × dim")?;
        let seed = integer("seed", seed_value, 0, MAX_SEED)?;
        Ok(f64s(&self.inner.sample(n as usize, &mut Rng::new(seed))))
    }

    /// The differential entropy of the data, nats, by seeded Monte Carlo: `{mean, stdError, samples}`.
    pub fn entropy(&self, #[wasm_bindgen(unchecked_param_type = "number")] samples: JsValue, #[wasm_bindgen(js_name = seed, unchecked_param_type = "number")] seed_value: JsValue) -> JsResult<JsValue> {
        let samples = arg_number(&samples, "samples")?;
        let seed_value = arg_number(&seed_value, "seed")?;
        let n = integer("samples", samples, 2, 10_000_000)?;
        crate::numerics::budget::check_work("samples", n as f64, n as f64 * (self.inner.components() * self.inner.dim) as f64 * 40.0, "samples × components × dim × 40")?;
        let seed = integer("seed", seed_value, 0, MAX_SEED)?;
        let e = self.inner.entropy(n as usize, seed)?;
        Ok(Obj::new().set("mean", e.mean).set("stdError", e.std_error).set("samples", e.samples as f64).build())
    }

    fn alpha_bar(&self, points: &[f64], schedule: &Schedule, t: f64, lo: usize) -> Result<f64, InputError> {
        let t = timestep(&schedule.inner, t, lo)?;
        toy::validate_points(points, self.inner.dim)?;
        Ok(schedule.inner.alpha_bar(t))
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DatasetConfig {
    name: Option<String>,
    n: Option<f64>,
    seed: Option<f64>,
    noise: Option<f64>,
    radius: Option<f64>,
    std: Option<f64>,
    weights: Option<Vec<f64>>,
}

/// Seeded 2-D points (n × 2, row-major): `{name, n, seed}` plus `noise` (moons, swissroll,
/// circles) or `radius`, `std`, `weights` (ring8).
#[wasm_bindgen(js_name = sampleDataset)]
pub fn sample_dataset(config_value: JsValue) -> JsResult<Float64Array> {
    let c: DatasetConfig = config(&config_value)?;
    let name = c.name.as_deref().ok_or_else(|| InputError::new("name", Rule::Missing, None))?;
    let mut d = Dataset::by_name(name)?;
    let ring_fields = [("radius", c.radius.is_some()), ("std", c.std.is_some()), ("weights", c.weights.is_some())];
    let refuse = |valid: &[&str], present: &[(&str, bool)]| -> Result<(), InputError> {
        match present.iter().find(|(_, p)| *p) {
            Some((f, _)) => Err(InputError::new(f, Rule::UnknownField(valid.iter().map(|s| s.to_string()).collect()), None)),
            None => Ok(()),
        }
    };
    match &mut d {
        Dataset::Ring8 { .. } => {
            refuse(&["name", "n", "seed", "radius", "std", "weights"], &[("noise", c.noise.is_some())])?;
            d = Ring8Config { radius: c.radius, std: c.std, weights: c.weights.clone() }.dataset()?;
        }
        Dataset::Moons { noise } | Dataset::SwissRoll { noise } | Dataset::Circles { noise } => {
            refuse(&["name", "n", "seed", "noise"], &ring_fields)?;
            if let Some(v) = c.noise {
                *noise = v;
            }
        }
        Dataset::Checkerboard => {
            let mut all = ring_fields.to_vec();
            all.push(("noise", c.noise.is_some()));
            refuse(&["name", "n", "seed"], &all)?;
        }
    }
    let n = count("n", c.n, 1000, 1, toy::MAX_POINTS)?;
    Ok(f64s(&d.sample(n, seed(c.seed, 0)?)?))
}

/// Check user-supplied points (row-major, `dim` coordinates each); returns how many there are.
#[wasm_bindgen(js_name = validatePoints)]
pub fn validate_points(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] dim: JsValue) -> JsResult<usize> {
    let points = &arg_numbers(&points, "points")?;
    let dim = arg_number(&dim, "dim")?;
    let dim = integer("dim", dim, 1, 4096)?;
    Ok(toy::validate_points(points, dim as usize)?)
}
