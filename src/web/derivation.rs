//! derivation: one of the seeds' derivations line by line at the reader's point (src/derivation/).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, count, f64s, names, seed, JsResult, Obj};
use crate::derivation::{self, steps::Relation, Inputs, NAMES};
use crate::numerics::error::{check_finite, InputError, Rule};
use js_sys::Array;

/// The most Monte Carlo draws one call may ask for (the consistency form draws T = 50 steps per draw).
pub const MAX_SAMPLES: usize = 20_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DerivationConfig {
    name: String,
    x0: Option<Vec<f64>>,
    t: Option<f64>,
    seed: Option<f64>,
    sigma: Option<f64>,
    theta: Option<Vec<f64>>,
    samples: Option<f64>,
}

/// `derivation({name, x0: [2], t, seed, sigma, theta, samples})`: the derivation `name`
/// (`derivationNames()`), each line evaluated on its own at the reader's point and every step
/// checked. Returns `{name, items, holds, lines: [{key, eq, value, stdError?}], steps: [{key, from,
/// to, relation: "equal"|"expectation"|"constant"|"slip", constant?, of?, residual, tolerance, holds}],
/// series: {name: values}}`.
#[wasm_bindgen(js_name = derivation)]
pub fn derivation_at(config_value: &JsValue) -> JsResult<JsValue> {
    let c: DerivationConfig = config(config_value)?;
    let d = Inputs::default();
    let x0 = c.x0.unwrap_or(d.x0);
    check_finite("x0", &x0)?;
    let theta = c.theta.unwrap_or(d.theta);
    check_finite("theta", &theta)?;
    let sigma = c.sigma.unwrap_or(d.sigma);
    if !sigma.is_finite() {
        return Err(InputError::at("sigma", Rule::Finite, sigma).into());
    }
    let inputs = Inputs {
        x0,
        t: count("t", c.t, d.t, 1, 1000)?,
        seed: seed(c.seed, d.seed)?,
        sigma,
        theta,
        samples: count("samples", c.samples, d.samples, 100, MAX_SAMPLES)?,
    };
    // the time embedding is the engine's (the network's input), so it is checked there
    let r = match c.name.as_str() {
        "embedding" => crate::engine::embedding::derivation(inputs.t, crate::engine::train_config::TrainConfig::toy(crate::data::toy::Dataset::ring8_default()).model.time_dim, None),
        name => derivation::evaluate(name, &inputs).map_err(|e| match e.rule {
            Rule::OneOf(_) if e.field == "name" => InputError::one_of("name", name, &names_all()),
            _ => e,
        })?,
    };
    let lines: Array = r
        .lines
        .iter()
        .map(|l| {
            let o = Obj::new().set("key", l.key).set("eq", l.eq).set("value", f64s(&l.value));
            match &l.std_error {
                Some(se) => o.set("stdError", f64s(se)),
                None => o,
            }
            .build()
        })
        .collect();
    let steps: Array = r
        .steps
        .iter()
        .map(|s| {
            let o = Obj::new()
                .set("key", s.key)
                .set("from", s.from as f64)
                .set("to", s.to as f64)
                .set("relation", s.relation.name())
                .set("residual", s.residual)
                .set("tolerance", s.tolerance)
                .set("holds", s.holds);
            match &s.relation {
                Relation::PlusConstant { constant, of } => o.set("constant", f64s(constant)).set("of", *of),
                _ => o,
            }
            .build()
        })
        .collect();
    let series = r.series.iter().fold(Obj::new(), |o, (k, v)| o.set(k, f64s(v)));
    let items: Array = r.items.iter().map(|i| JsValue::from_f64(*i as f64)).collect();
    Ok(Obj::new()
        .set("name", r.name)
        .set("items", items)
        .set("holds", r.holds())
        .set("lines", lines)
        .set("steps", steps)
        .set("series", series.build())
        .build())
}

fn names_all() -> Vec<&'static str> {
    NAMES.iter().copied().chain(["embedding"]).collect()
}

/// The derivations `derivation()` knows, in the seeds' order (the engine's time embedding last).
#[wasm_bindgen(js_name = derivationNames)]
pub fn derivation_names() -> Array {
    names(&names_all())
}
