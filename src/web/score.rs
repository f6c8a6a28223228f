//! Score-based models for JavaScript (seed 003): explicit, implicit and denoising score matching
//! (2.14–2.24), the energy view (2.12–2.13), and plain against annealed Langevin (§2.1, §2.2.6).

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, arg_numbers, config, count, f64s, seed, JsResult, Obj};
use super::mixture::Mixture;
use super::vae::estimate;
use crate::engine::compare::{self, LangevinRun, LangevinSetup};
use crate::numerics::montecarlo::Estimate;
use crate::score::matching::{self, GaussianScore};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Theta {
    mean: Vec<f64>,
    variance: f64,
}

/// `{thetas: [{mean, variance}], sigma: 0.3, samples: 20000, seed: 0}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MatchingConfig {
    thetas: Option<Vec<Theta>>,
    sigma: Option<f64>,
    samples: Option<f64>,
    seed: Option<f64>,
}

/// Explicit (2.14), implicit (2.15) and denoising (2.24) score matching of the Gaussian score
/// models s_θ(x) = −(x − μ)/v against the data `mixture`, every θ on the same draws. Config
/// `{thetas: [{mean, variance}], sigma: 0.3, samples: 20000, seed: 0}`. Returns `{thetas, explicit,
/// implicit, implicitResidual, noisyExplicit, denoising, denoisingResidual}` (arrays of estimates,
/// one per θ), `implicitConstant`, `denoisingConstant` (estimates), `implicitSpread`,
/// `denoisingSpread`, `argminExplicit`, `argminImplicit`, `argminNoisyExplicit`, `argminDenoising`.
#[wasm_bindgen(js_name = scoreMatching)]
pub fn score_matching(mixture: &Mixture, config_value: JsValue) -> JsResult<JsValue> {
    let m = &mixture.inner;
    let c: MatchingConfig = config(&config_value)?;
    let thetas: Vec<GaussianScore> = match c.thetas {
        Some(l) => l.into_iter().map(|t| GaussianScore { mean: t.mean, variance: t.variance }).collect(),
        // default: slide the mean along the first axis, the variance with it
        None => (0..13).map(|i| GaussianScore { mean: (0..m.dim).map(|k| if k == 0 { -1.5 + 0.25 * i as f64 } else { 0.0 }).collect(), variance: 1.0 + 0.25 * i as f64 }).collect(),
    };
    let n = count("samples", c.samples, 20_000, 2, matching::MAX_SAMPLES)?;
    let r = matching::score_matching(m, &thetas, c.sigma.unwrap_or(0.3), n, seed(c.seed, 0)?)?;
    let col = |f: fn(&matching::Losses) -> &Estimate| r.losses.iter().map(|l| estimate(f(l))).collect::<Array>();
    Ok(Obj::new()
        .set("thetas", thetas.iter().map(|t| Obj::new().set("mean", f64s(&t.mean)).set("variance", t.variance).build()).collect::<Array>())
        .set("sigma", r.sigma)
        .set("explicit", col(|l| &l.explicit))
        .set("implicit", col(|l| &l.implicit))
        .set("implicitResidual", col(|l| &l.implicit_residual))
        .set("noisyExplicit", col(|l| &l.noisy_explicit))
        .set("denoising", col(|l| &l.denoising))
        .set("denoisingResidual", col(|l| &l.denoising_residual))
        .set("implicitConstant", estimate(&r.implicit_constant))
        .set("denoisingConstant", estimate(&r.denoising_constant))
        .set("implicitSpread", r.implicit_spread)
        .set("denoisingSpread", r.denoising_spread)
        .set("argminExplicit", r.argmin_explicit as f64)
        .set("argminImplicit", r.argmin_implicit as f64)
        .set("argminNoisyExplicit", r.argmin_noisy_explicit as f64)
        .set("argminDenoising", r.argmin_denoising as f64)
        .build())
}

/// The energy view (2.12–2.13) at x, for the mixture's energy f without its normalisers: for each
/// log C in `logNormalizers`, log p(x) = −f(x) − log C and the score by central differences (step h).
/// Returns `{rows: [{logNormalizer, logDensity, score}], exactScore, logZ, logDensity,
/// exactLogDensity}`: the scores agree whatever C; `logZ` is log ∫e^{−f} by quadrature, and
/// −f(x) − logZ (`logDensity`) is the mixture's own `exactLogDensity`.
#[wasm_bindgen(js_name = energyScores)]
pub fn energy_scores(mixture: &Mixture, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] x: JsValue, #[wasm_bindgen(js_name = logNormalizers, unchecked_param_type = "Float64Array | number[]")] log_normalizers: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] h: JsValue) -> JsResult<JsValue> {
    let x = &arg_numbers(&x, "x")?;
    let log_normalizers = &arg_numbers(&log_normalizers, "logNormalizers")?;
    let h = arg_number(&h, "h")?;
    let v = matching::energy_scores(&mixture.inner, x, log_normalizers, h)?;
    Ok(Obj::new()
        .set("logZ", v.log_z)
        .set("logDensity", v.log_density)
        .set("exactLogDensity", v.exact_log_density)
        .set(
            "rows",
            v.rows.iter().map(|r| Obj::new().set("logNormalizer", r.log_normalizer).set("logDensity", r.log_density).set("score", f64s(&r.score)).build()).collect::<Array>(),
        )
        .set("exactScore", f64s(&v.exact_score))
        .build())
}

/// `{light: 0.2, particles: 2000, steps: 1000, seed: 0}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LangevinConfig {
    light: Option<f64>,
    particles: Option<f64>,
    steps: Option<f64>,
    seed: Option<f64>,
}

fn langevin_run(r: &LangevinRun) -> JsValue {
    Obj::new()
        .set("state", f64s(&r.state))
        .set("at", f64s(&r.at.iter().map(|p| *p as f64).collect::<Vec<_>>()))
        .set("share", f64s(&r.share))
        .set("length", r.length as f64)
        .set("modeFractions", f64s(&r.mode_fractions))
        .set("modeWeightError", r.mode_weight_error)
        .set("mmd2", r.mmd2)
        .set("sigmas", f64s(&r.levels.iter().map(|l| l.0).collect::<Vec<_>>()))
        .set("stepSizes", f64s(&r.levels.iter().map(|l| l.1).collect::<Vec<_>>()))
        .build()
}

/// Plain Langevin (§2.1) against annealed Langevin (§2.2.6) on two Gaussians of weights w and
/// 1 − w, both on the exact score from the same uniform starting points (see
/// `engine::compare`). Config `{light: 0.2, particles: 2000, steps: 1000, seed: 0}`. Resolves to
/// `{weights, means, plain, annealed, floor}`, each run `{state, at, share, length,
/// modeFractions, modeWeightError, mmd2}`.
#[wasm_bindgen(js_name = langevinCompare)]
pub fn langevin_compare(config_value: JsValue) -> js_sys::Promise {
    let read = config::<LangevinConfig>(&config_value);
    wasm_bindgen_futures::future_to_promise(async move {
        let c = read?;
        let d = LangevinSetup::default();
        let setup = LangevinSetup {
            light: c.light.unwrap_or(d.light),
            particles: count("particles", c.particles, d.particles, 0, 10_000_000)?,
            steps: count("steps", c.steps, d.steps, 0, 10_000_000)?,
            seed: seed(c.seed, d.seed)?,
        };
        let r = compare::langevin_compare(&setup).await?;
        let means = compare::LANGEVIN_MEANS.iter().map(|m| JsValue::from(f64s(m))).collect::<Array>();
        Ok(Obj::new()
            .set("weights", f64s(&r.weights))
            .set("means", means)
            .set("plain", langevin_run(&r.plain))
            .set("annealed", langevin_run(&r.annealed))
            .set("floor", r.floor)
            .build())
    })
}
