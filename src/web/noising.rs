//! A data set noised two ways for JavaScript: the closed form q(x_t|x_0) (1.73) against t steps of
//! q(x_k|x_{k−1}) (1.63).

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, count, f64s, seed, JsResult, Obj};
use super::schedule::{timestep, Schedule};
use super::vae::estimate;
use crate::data::toy::{Dataset, MAX_POINTS};
use crate::diffusion::noising::{noise_both_ways, ResidualMoments};

/// `{dataset: "moons", n: 1000, t: T/10, seed: 0}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NoisingConfig {
    dataset: Option<String>,
    n: Option<f64>,
    t: Option<f64>,
    seed: Option<f64>,
}

fn moments_object(m: &[ResidualMoments]) -> JsValue {
    m.iter().map(|r| Obj::new().set("mean", estimate(&r.mean)).set("secondMoment", estimate(&r.second_moment)).build()).collect::<Array>().into()
}

/// A 2-D data set noised to step t by the closed form q(x_t|x_0) (1.73) and by t steps of
/// q(x_k|x_{k−1}) (1.63), with the residual r = x_t − √ᾱ_t x_0 compared both ways and with its exact
/// law N(0, (1 − ᾱ_t) I). Config `{dataset: "moons", n: 1000, t, seed: 0}` (dataset: "ring8",
/// "moons", "swissroll", "checkerboard" or "circles"). Returns `{x0, closed, iterated} (row-major
/// points), dim, t, alphaBar, variance, closedMoments, iteratedMoments ([{mean, secondMoment}] per
/// coordinate), varianceByStep, closedByStep, iteratedByStep (index k − 1), maxZExact, maxZBetween}`.
#[wasm_bindgen(js_name = noiseDataset)]
pub fn noise_dataset(schedule: &Schedule, config_value: JsValue) -> JsResult<JsValue> {
    let c: NoisingConfig = config(&config_value)?;
    let data = Dataset::by_name(c.dataset.as_deref().unwrap_or("moons"))?;
    let n = count("n", c.n, 1000, 1, MAX_POINTS)?;
    let s = &schedule.inner;
    let t = timestep(s, c.t.unwrap_or((s.t_max / 10).max(1) as f64), 1)?;
    let seed = seed(c.seed, 0)?;
    let x0 = data.sample(n, seed)?;
    let r = noise_both_ways(s, &x0, 2, t, seed)?;
    Ok(Obj::new()
        .set("x0", f64s(&x0))
        .set("closed", f64s(&r.closed))
        .set("iterated", f64s(&r.iterated))
        .set("dim", r.dim as f64)
        .set("t", r.t as f64)
        .set("alphaBar", r.alpha_bar)
        .set("variance", r.variance)
        .set("closedMoments", moments_object(&r.closed_moments))
        .set("iteratedMoments", moments_object(&r.iterated_moments))
        .set("varianceByStep", f64s(&r.variance_by_step))
        .set("closedByStep", f64s(&r.closed_by_step))
        .set("iteratedByStep", f64s(&r.iterated_by_step))
        .set("maxZExact", r.max_z_exact)
        .set("maxZBetween", r.max_z_between)
        .build())
}
