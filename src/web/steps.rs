//! Pure Langevin steps for JavaScript (seed 003 §2.1, §2.2.6): the caller hands over the particles,
//! the score or the target, and every noise draw, so the numbers can be compared one for one with
//! another implementation (NCSN's `anneal_Langevin_dynamics`, a JS re-implementation). The DDPM and
//! DDIM steps live on `Schedule` (`ddpmStep`, `ddimStep`), which they need.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, f64s, finite_all, integer, JsResult, Obj, MAX_VALUES};
use crate::data::toy::Dataset;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::sampler;
use crate::numerics::budget::check_work;
use crate::numerics::error::{check_finite, check_points, check_positive, check_same_len, InputError, Rule};

/// `langevinStep`'s config.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LangevinStepConfig {
    x: Vec<f64>,
    dim: f64,
    score: Vec<f64>,
    step_size: f64,
    noise: Vec<f64>,
}

/// A mixture given by its numbers, as `new Mixture(...)` takes them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MixtureDescription {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    variances: Vec<Vec<f64>>,
}

/// `annealedLangevin`'s config.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AnnealedConfig {
    x: Vec<f64>,
    dim: f64,
    sigmas: Vec<f64>,
    steps_per_level: f64,
    eps: f64,
    noise: Vec<f64>,
    mixture: Option<MixtureDescription>,
}

fn dim_of(dim: f64) -> Result<usize, InputError> {
    Ok(integer("dim", dim, 1, MAX_VALUES as u64)? as usize)
}

/// One Langevin step (§2.1) on the caller's numbers: `{x, dim, score, stepSize, noise}` (all
/// required; `x`, `score`, `noise`: n × dim; stepSize > 0) → `{next, mean}` with
/// mean = x + (stepSize/2)·score and next = mean + √stepSize·noise.
#[wasm_bindgen(js_name = langevinStep)]
pub fn langevin_step(config_value: JsValue) -> JsResult<JsValue> {
    let c: LangevinStepConfig = config(&config_value)?;
    let dim = dim_of(c.dim)?;
    check_points("x", &c.x, dim, usize::MAX)?;
    check_same_len("score", c.score.len(), "x", c.x.len())?;
    check_same_len("noise", c.noise.len(), "x", c.x.len())?;
    check_finite("score", &c.score)?;
    check_finite("noise", &c.noise)?;
    check_positive("stepSize", c.step_size)?;
    let (next, mean) = sampler::langevin_step(&c.x, &c.score, c.step_size, &c.noise);
    Ok(Obj::new().set("next", finite_all("stepSize", &next)?).set("mean", finite_all("stepSize", &mean)?).build())
}

/// Annealed Langevin dynamics (§2.2.6, NCSN's Algorithm 1) on the caller's noise:
/// `{x, dim, sigmas, stepsPerLevel, eps, noise, mixture?}`. For each σ_i of `sigmas` in the order
/// given (NCSN's σ_1 > … > σ_L), `stepsPerLevel` steps x ← x + (α_i/2)·s(x, σ_i) + √α_i·z with
/// α_i = eps·σ_i²/σ_L². The score is the exact noise-conditional score of the data mixture,
/// s(x, σ) = ∇log q_σ(x), q_σ = q_0 ∗ N(0, σ²I) (`GaussianMixture::score_sigma`); the data are
/// `mixture` = `{weights, means, variances}` (as `new Mixture`) or, absent, the default 8-Gaussian
/// ring. `noise` holds exactly sigmas.length·stepsPerLevel·n·dim standard normals, level by level,
/// step by step, each step n × dim. Returns `{samples (n × dim), stepSizes (α_i), levelMeans
/// (L × dim: the particles' mean after each level)}`.
#[wasm_bindgen(js_name = annealedLangevin)]
pub fn annealed_langevin(config_value: JsValue) -> JsResult<JsValue> {
    let c: AnnealedConfig = config(&config_value)?;
    let dim = dim_of(c.dim)?;
    let m = match c.mixture {
        Some(d) => GaussianMixture::new(d.weights, d.means, d.variances).map_err(|e| {
            let inner = InputError::new(&format!("mixture.{}", e.field), e.rule, e.value);
            match e.hint {
                Some(h) => inner.with_hint(h),
                None => inner,
            }
        })?,
        None => Dataset::ring8_default().mixture().expect("ring8 is a mixture"),
    };
    if m.dim != dim {
        return Err(InputError::new("dim", Rule::Mismatch { other: format!("the mixture's dimension {}", m.dim) }, Some(dim.to_string())).into());
    }
    let n = check_points("x", &c.x, dim, usize::MAX)?;
    let k = integer("stepsPerLevel", c.steps_per_level, 1, MAX_VALUES as u64)? as usize;
    // each step: the score of every component at every coordinate of every particle (~12 operations)
    let work = c.sigmas.len() as f64 * k as f64 * n as f64 * (m.components() * dim) as f64 * 12.0;
    check_work("stepsPerLevel", k as f64, work, "sigmas.length·stepsPerLevel·n·components·dim·12")?;
    let r = sampler::annealed_langevin(&c.x, dim, &c.sigmas, k, c.eps, &c.noise, |x, sigma| x.chunks(dim).flat_map(|p| m.score_sigma(p, sigma)).collect())?;
    Ok(Obj::new()
        .set("samples", finite_all("eps", &r.samples)?)
        .set("stepSizes", f64s(&r.step_sizes))
        .set("levelMeans", finite_all("eps", &r.level_means)?)
        .build())
}
