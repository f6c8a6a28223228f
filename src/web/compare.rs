//! The DDPM-against-DDIM comparison as a job the page can follow and stop (issue 14):
//! `advance()` runs one work budget of steps and says how far it is, `result()` gives the
//! comparison once done. `trainer.comparison(options)` drives it with the trainer's network (a
//! snapshot of its weights), `Comparison.withOracle(mixture, options)` with the exact oracle.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::chain::comparison_object;
use super::convert::{config, count, integer, seed, JsResult, Obj};
use super::handle::Handle;
use super::mixture::Mixture;
use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule, MAX_T, MIN_T};
use crate::engine::chain::MAX_PARTICLES;
use crate::engine::compare::{ComparisonRun, Reference};
use crate::engine::predictor::Predictor;

pub(super) struct ComparisonState {
    run: ComparisonRun,
    predictor: Predictor,
}

/// A DDPM-against-DDIM comparison in progress (see `compareSamplers` for what it computes).
#[wasm_bindgen]
pub struct Comparison {
    state: Handle<ComparisonState>,
}

impl Comparison {
    pub(super) fn new(run: ComparisonRun, predictor: Predictor) -> Self {
        Comparison { state: Handle::new("comparison", ComparisonState { run, predictor }) }
    }
}

/// `{particles: 2000, seed: 0, T: 1000, dataset: "ring8", reference?}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct OracleCompareOptions {
    particles: Option<f64>,
    seed: Option<f64>,
    #[serde(rename = "T")]
    t: Option<f64>,
    dataset: Option<String>,
    reference: Option<Vec<f64>>,
}

/// The oracle's comparison for `options` (shared by `compareSamplers` and `Comparison.withOracle`).
pub(super) fn oracle_run(mixture: &Mixture, options: &JsValue) -> JsResult<(ComparisonRun, Predictor)> {
    let o: OracleCompareOptions = config(options)?;
    let m = &mixture.inner;
    let t = integer("T", o.t.unwrap_or(1000.0), MIN_T as u64, MAX_T as u64)? as usize;
    let schedule = NoiseSchedule::new(BetaSchedule::linear_default(t), t)?;
    let reference = Reference::choose(Some(o.dataset.as_deref().unwrap_or("ring8")), o.reference.as_ref(), m.dim, None)?;
    let particles = count("particles", o.particles, 2000, 2, MAX_PARTICLES)?;
    let predictor = Predictor::Oracle(m.clone());
    let run = ComparisonRun::new(&schedule, predictor.cost_per_point(), Some(m), m.dim, particles, seed(o.seed, 0)?, &reference)?;
    Ok((run, predictor))
}

fn progress(run: &ComparisonRun) -> JsValue {
    let (steps, total) = run.progress();
    Obj::new().set("done", run.is_done()).set("steps", steps as f64).set("total", total as f64).set("running", run.running()).build()
}

#[wasm_bindgen]
impl Comparison {
    /// The comparison with the exact oracle of `mixture`; options as `compareSamplers`.
    #[wasm_bindgen(js_name = withOracle)]
    pub fn with_oracle(mixture: &Mixture, options: JsValue) -> JsResult<Comparison> {
        let (run, predictor) = oracle_run(mixture, &options)?;
        Ok(Comparison::new(run, predictor))
    }

    /// Run at most one work budget of steps (DDPM's chain first, then DDIM's). Resolves to
    /// `{done, steps, total, running: "ddpm" | "ddim" | "done"}`; call again until `done`.
    pub fn advance(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let clock = || js_sys::Date::now();
            st.run.advance(&st.predictor, &clock).await?;
            Ok(progress(&st.run))
        })
    }

    /// `{done, steps, total, running}` without stepping.
    pub fn progress(&self) -> JsResult<JsValue> {
        Ok(progress(&self.state.get()?.run))
    }

    /// Once done: `{ddpm: {state, steps, ms, mmd2, modeWeightError}, ddim: {…}, sameStart, floor}`
    /// (as `compareSamplers`); before, an error saying how far it is.
    pub fn result(&self) -> JsResult<JsValue> {
        Ok(comparison_object(&self.state.get()?.run.finish()?))
    }
}
