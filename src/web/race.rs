//! `Race`: an x_0-, an ε- and a score-predicting network trained side by side from one seed and
//! the same batches (see `engine::race`), on the CPU backend: `new Race(config)`, `run(steps)`,
//! `meansAt({x, t})`, `heldOut(options)`, `free()`. Asynchronous methods return Promises; calls
//! must not overlap (the handle refuses a second call as busy).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, config, count, f64s, finite_all, integer, seed, JsResult, Obj};
use super::handle::Handle;
use super::schedule::variance;
use crate::data::toy::Dataset;
use crate::diffusion::objective::Weighting;
use crate::diffusion::schedule::BetaSchedule;
use crate::engine::evaluate::{EvalConfig, HeldOut};
use crate::engine::race::{Race as CoreRace, MAX_MEAN_POINTS, PARAMETERIZATIONS, RACE_VARIANCE};
use crate::engine::train_config::TrainConfig;
use crate::numerics::error::InputError;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RaceFields {
    dataset: Option<String>,
    seed: Option<f64>,
    weighting: Option<String>,
    learning_rate: Option<f64>,
    batch_size: Option<f64>,
    width: Option<f64>,
    depth: Option<f64>,
    #[serde(rename = "T")]
    t: Option<f64>,
    schedule: Option<String>,
    train: Option<f64>,
    heldout: Option<f64>,
}

impl RaceFields {
    /// The race's config over [`crate::engine::race::race_config`] (a 2-D data set; ring8 has the oracle).
    fn config(self) -> Result<TrainConfig, InputError> {
        let name = self.dataset.as_deref().unwrap_or("ring8");
        let mut cfg = crate::engine::race::race_config(Dataset::by_name(name).map_err(|_| InputError::one_of("dataset", name, &Dataset::NAMES))?);
        const BIG: usize = 10_000_000;
        let opt = |field: &str, v: Option<f64>, current: usize| count(field, v, current, 0, BIG);
        cfg.n_train = opt("train", self.train, cfg.n_train)?;
        cfg.n_heldout = opt("heldout", self.heldout, cfg.n_heldout)?;
        if let Some(v) = self.t {
            cfg.t_max = integer("T", v, 0, BIG as u64)? as usize;
            cfg.schedule = BetaSchedule::linear_default(cfg.t_max.max(1));
        }
        match self.schedule.as_deref() {
            None | Some("linear") => {}
            Some("cosine") => cfg.schedule = BetaSchedule::cosine_default(),
            Some(other) => return Err(InputError::one_of("schedule", other, &["linear", "cosine"])),
        }
        if let Some(w) = &self.weighting {
            cfg.weighting = Weighting::parse(w)?;
        }
        cfg.model.width = opt("width", self.width, cfg.model.width)?;
        cfg.model.depth = opt("depth", self.depth, cfg.model.depth)?;
        cfg.batch_size = opt("batchSize", self.batch_size, cfg.batch_size)?;
        if let Some(v) = self.learning_rate {
            cfg.learning_rate = v;
        }
        cfg.seed = seed(self.seed, cfg.seed)?;
        cfg.validate()?;
        Ok(cfg)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MeansOptions {
    x: Option<Vec<f64>>,
    t: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RaceHeldOutOptions {
    points: Option<f64>,
    t_samples: Option<f64>,
    variance: Option<String>,
}

/// x_0, ε and score networks trained side by side. `new Race({dataset, seed, weighting, …})`.
#[wasm_bindgen]
pub struct Race {
    state: Handle<CoreRace>,
}

fn promise<F>(f: F) -> js_sys::Promise
where
    F: std::future::Future<Output = JsResult<JsValue>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(f)
}

/// `{x0, eps, score}` from three values in the engine's order.
fn by_name(values: [JsValue; 3]) -> JsValue {
    let [a, b, c] = values;
    Obj::new().set(PARAMETERIZATIONS[0].name(), a).set(PARAMETERIZATIONS[1].name(), b).set(PARAMETERIZATIONS[2].name(), c).build()
}

fn elbo_or_null(h: Option<&HeldOut>) -> JsValue {
    h.map_or(JsValue::NULL, |h| JsValue::from_f64(h.neg_elbo_per_dim))
}

#[wasm_bindgen]
impl Race {
    /// Three trainers on the CPU, identical but for the parameterization (x0, eps, score): one seed,
    /// so the same initial weights and the same batches. Config `{dataset ("ring8" … "circles"; the
    /// exact oracle for ring8), seed, weighting ("elbo" default | "simple"), learningRate,
    /// batchSize, width, depth, T, schedule, train, heldout}` (defaults: `defaults().race`).
    #[wasm_bindgen(constructor)]
    pub fn new(config_value: JsValue) -> JsResult<Race> {
        let fields: RaceFields = config(&config_value)?;
        let cfg = fields.config()?;
        let device = crate::engine::backend::init_cpu().device;
        Ok(Race { state: Handle::new("race", CoreRace::new(cfg, &device)?) })
    }

    /// Optimisation steps each network has taken.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> JsResult<usize> {
        Ok(self.state.get()?.step_count())
    }

    /// Whether the three have drawn the same batches so far (the engine's check: the same data and
    /// the same state of the batch generator).
    #[wasm_bindgen(getter, js_name = sameBatches)]
    pub fn same_batches(&self) -> JsResult<bool> {
        Ok(self.state.get()?.same_batches())
    }

    /// `steps` optimisation steps of each network (1..=1e6, bounded by the work budget: ask for
    /// long races in chunks). Resolves to `{steps, totalSteps, losses: {x0, eps, score}
    /// (Float64Array each, one mean loss per step), mean: {x0, eps, score}, stopped?: {x0?, eps?,
    /// score?}}` (`stopped`: why a non-finite loss or a failed device ended a network's run).
    pub fn run(&self, #[wasm_bindgen(unchecked_param_type = "number")] steps: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let steps = arg_number(&steps, "steps");
        promise(async move {
            let n = integer("steps", steps?, 1, 1_000_000)? as usize;
            let mut race = state.get_mut()?;
            crate::numerics::budget::check_work("steps", n as f64, n as f64 * (race.step_work() + 3e6) / 10.0, "steps × (3 networks × (3 × batchSize × multiply-adds + 1e6)) / 10")?;
            let r = race.run(n).await;
            let done = r.iter().map(|s| s.steps).min().unwrap_or(0);
            let mean = |s: &crate::engine::train::RunStats| if s.mean.is_finite() { JsValue::from_f64(s.mean) } else { JsValue::NULL };
            let mut o = Obj::new()
                .set("steps", done as f64)
                .set("totalSteps", race.step_count() as f64)
                .set("losses", by_name([f64s(&r[0].losses).into(), f64s(&r[1].losses).into(), f64s(&r[2].losses).into()]))
                .set("mean", by_name([mean(&r[0]), mean(&r[1]), mean(&r[2])]));
            if r.iter().any(|s| s.stopped.is_some()) {
                let why = |s: &crate::engine::train::RunStats| s.stopped.as_deref().map_or(JsValue::NULL, JsValue::from_str);
                o = o.set("stopped", by_name([why(&r[0]), why(&r[1]), why(&r[2])]));
            }
            Ok(o.build())
        })
    }

    /// μ_θ(x_t, t) of each network by its own formula (1.96, 1.115, 1.134) at the points `x`
    /// (row-major, 2 per point, at most 4096 points) and t in 1..=T, and the exact oracle's μ (E[ε|x_t]
    /// of the mixture in (1.115); null without a mixture): `{x0, eps, score, oracle}` (Float64Array
    /// each), `t`, `sigma` (σ_t = √β̃_t) and `distance: {x0, eps, score}` (RMS ‖μ_θ − μ_oracle‖ over
    /// the points in units of σ_t, i.e. √(2 KL) to the oracle's step; null without an oracle).
    #[wasm_bindgen(js_name = meansAt)]
    pub fn means_at(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<MeansOptions>(&options);
        promise(async move {
            let o = read?;
            let x = o.x.ok_or_else(|| InputError::new("x", crate::numerics::error::Rule::Missing, None))?;
            let t = o.t.ok_or_else(|| InputError::new("t", crate::numerics::error::Rule::Missing, None))?;
            let race = state.get()?;
            let t_max = race.trainers[0].schedule.t_max;
            let t = integer("t", t, 1, t_max as u64)? as usize;
            let n = crate::numerics::error::check_points("x", &x, race.trainers[0].config.data_dim(), MAX_MEAN_POINTS)?;
            crate::numerics::budget::check_work("x", n as f64, n as f64 * race.step_work() / race.trainers[0].config.batch_size as f64, "points × 3 networks × multiply-adds")?;
            let m = race.means_at(&x, t).await?;
            let [a, b, c] = &m.networks;
            let mut out = Obj::new().set(PARAMETERIZATIONS[0].name(), finite_all("x", a)?).set(PARAMETERIZATIONS[1].name(), finite_all("x", b)?).set(PARAMETERIZATIONS[2].name(), finite_all("x", c)?);
            out = match &m.oracle {
                Some(o) => out.set("oracle", finite_all("x", o)?),
                None => out.set("oracle", JsValue::NULL),
            };
            out = match m.distance {
                Some(d) => out.set("distance", by_name(d.map(JsValue::from_f64))),
                None => out.set("distance", JsValue::NULL),
            };
            Ok(out.set("t", t as f64).set("sigma", m.sigma).build())
        })
    }

    /// Each network's held-out −ELBO per dimension on the same draws (the same points, t's and noise),
    /// and the exact oracle's (ring8; else null). Options `{points: 256, tSamples: 64, variance:
    /// "beta_tilde" (the ELBO weights' σ_t²) | "beta"}`. Resolves to `{x0, eps, score, oracle}`
    /// (nats/dim), `stdError: {x0, eps, score, oracle}`, `spread` (the largest paired difference
    /// between two networks) with `spreadStdError`, `unit`, `points`, `steps`.
    #[wasm_bindgen(js_name = heldOut)]
    pub fn held_out(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<RaceHeldOutOptions>(&options);
        promise(async move {
            let o = read?;
            let d = EvalConfig::default();
            let variance = match o.variance.as_deref() {
                None => RACE_VARIANCE,
                Some(v) => variance(v)?,
            };
            let eval = EvalConfig { points: count("points", o.points, d.points, 1, 100_000)?, t_samples: count("tSamples", o.t_samples, d.t_samples, 0, 100_000)?, ..d };
            let race = state.get()?;
            let tr = &race.trainers[0];
            let ts = if eval.t_samples == 0 { tr.schedule.t_max } else { eval.t_samples.min(tr.schedule.t_max) + 1 };
            let points = eval.points.min(tr.heldout.len() / tr.config.data_dim());
            crate::numerics::budget::check_job("points", eval.points as f64, points as f64 * ts as f64 * race.step_work() / tr.config.batch_size as f64 / 3.0, "points × tSamples × 3 networks × multiply-adds")?;
            let h = race.held_out(eval, variance).await?;
            let [a, b, c] = &h.networks;
            finite_all("points", &[a.neg_elbo_per_dim, b.neg_elbo_per_dim, c.neg_elbo_per_dim, h.spread.0, h.spread.1])?;
            let se = |h: Option<&HeldOut>| h.map_or(JsValue::NULL, |h| JsValue::from_f64(h.std_error));
            let errors = Obj::new().set("x0", se(Some(a))).set("eps", se(Some(b))).set("score", se(Some(c))).set("oracle", se(h.oracle.as_ref())).build();
            Ok(Obj::new()
                .set("x0", a.neg_elbo_per_dim)
                .set("eps", b.neg_elbo_per_dim)
                .set("score", c.neg_elbo_per_dim)
                .set("oracle", elbo_or_null(h.oracle.as_ref()))
                .set("stdError", errors)
                .set("spread", h.spread.0)
                .set("spreadStdError", h.spread.1)
                .set("unit", a.unit)
                .set("points", a.points as f64)
                .set("steps", race.step_count() as f64)
                .build())
        })
    }
}
