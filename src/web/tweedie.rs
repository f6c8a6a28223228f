//! Tweedie's formula in one dimension for JavaScript (1.120–1.121): both sides by quadrature.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, f64s, JsResult, Obj};
use crate::diffusion::tweedie::{self, Prior};
use crate::numerics::error::{InputError, Rule};

/// `{kind: "gaussian", mean, variance} | {kind: "mixture", weights, means, variances} |
/// {kind: "uniform", lo, hi} | {kind: "laplace", loc, scale}`
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum PriorConfig {
    Gaussian { mean: f64, variance: f64 },
    Mixture { weights: Vec<f64>, means: Vec<f64>, variances: Vec<f64> },
    Uniform { lo: f64, hi: f64 },
    Laplace { loc: f64, scale: f64 },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TweedieConfig {
    prior: Option<PriorConfig>,
    sigma: Option<f64>,
    x: Option<Vec<f64>>,
}

fn prior_of(p: Option<PriorConfig>) -> Result<Prior, InputError> {
    let p = match p {
        None => Prior::Mixture { weights: vec![0.3, 0.7], means: vec![-2.0, 1.5], variances: vec![0.1, 0.4] },
        Some(PriorConfig::Gaussian { mean, variance }) => Prior::Gaussian { mean, variance },
        Some(PriorConfig::Mixture { weights, means, variances }) => Prior::Mixture { weights, means, variances },
        Some(PriorConfig::Uniform { lo, hi }) => Prior::Uniform { lo, hi },
        Some(PriorConfig::Laplace { loc, scale }) => Prior::Laplace { loc, scale },
    };
    p.checked()
}

/// Tweedie's formula (1.121) against the posterior mean (1.120), both by quadrature, for
/// x | θ ~ N(θ, σ²) and a prior the reader picks: `{prior: {kind: "gaussian", mean, variance} |
/// {kind: "mixture", weights, means, variances} | {kind: "uniform", lo, hi} | {kind: "laplace",
/// loc, scale}, sigma: 0.5, x: [..]}` (default x: 81 points over the prior's range). Returns
/// `{x, logMarginal, score, posteriorMean, tweedie, residual, exact?, maxAbsResidual}` (typed arrays;
/// `exact` for the Gaussian and mixture priors).
#[wasm_bindgen(js_name = tweedie1d)]
pub fn tweedie_1d(config_value: JsValue) -> JsResult<JsValue> {
    let c: TweedieConfig = config(&config_value).map_err(|e| match (&e.rule, e.field.as_str()) {
        // serde's tag: an unknown kind lists the kinds
        (Rule::OneOf(_), "prior") | (Rule::OneOf(_), "prior.kind") => InputError::one_of("prior.kind", e.value.as_deref().unwrap_or("").trim_matches('"'), &Prior::NAMES),
        _ => e,
    })?;
    let prior = prior_of(c.prior)?;
    let xs = c.x.unwrap_or_else(|| (0..81).map(|i| -4.0 + 0.1 * i as f64).collect());
    let pts = tweedie::tweedie_1d(&prior, c.sigma.unwrap_or(0.5), &xs)?;
    let col = |f: fn(&tweedie::TweediePoint) -> f64| f64s(&pts.iter().map(f).collect::<Vec<_>>());
    let mut o = Obj::new()
        .set("x", col(|p| p.x))
        .set("logMarginal", col(|p| p.log_marginal))
        .set("score", col(|p| p.score))
        .set("posteriorMean", col(|p| p.posterior_mean))
        .set("tweedie", col(|p| p.tweedie))
        .set("residual", col(|p| p.residual))
        .set("maxAbsResidual", pts.iter().map(|p| p.residual.abs()).fold(0.0, f64::max));
    if pts.iter().all(|p| p.exact.is_some()) {
        o = o.set("exact", col(|p| p.exact.unwrap_or(f64::NAN)));
    }
    Ok(o.build())
}
