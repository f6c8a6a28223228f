//! `FlowComparison`: an ε-predicting diffusion network and a rectified-flow network trained side by
//! side from one seed on the same batches (see `engine::flow_compare`), on the CPU backend:
//! `new FlowComparison(config)`, `run(steps)`, `atEqualNfe(options)`, `velocityAt({x, tau})`,
//! `flowPath(options)`, `free()`. Asynchronous methods return Promises; calls must not overlap.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, config, count, f64s, finite_all, integer, seed, JsResult, Obj};
use super::flow::{path_object, PathOptions};
use super::handle::Handle;
use crate::data::toy::Dataset;
use crate::engine::flow_compare::{flow_config, FlowComparison as Core, FLOW_NFES, FLOW_PARTICLES, FLOW_SEED};
use crate::engine::nfe_samplers::FewStep;
use crate::engine::train::RunStats;
use crate::numerics::error::{InputError, Rule};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fields {
    dataset: Option<String>,
    seed: Option<f64>,
    learning_rate: Option<f64>,
    batch_size: Option<f64>,
    width: Option<f64>,
    depth: Option<f64>,
    train: Option<f64>,
    heldout: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NfeOptions {
    nfes: Option<Vec<f64>>,
    particles: Option<f64>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VelocityOptions {
    x: Option<Vec<f64>>,
    tau: Option<f64>,
}

#[wasm_bindgen]
pub struct FlowComparison {
    state: Handle<Core>,
}

fn promise<F>(f: F) -> js_sys::Promise
where
    F: std::future::Future<Output = JsResult<JsValue>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(f)
}

/// `{ddpm, ddim, flow}` from three values in `FewStep::ALL`'s order.
fn by_sampler(values: [JsValue; 3]) -> JsValue {
    let [a, b, c] = values;
    Obj::new().set("ddpm", a).set("ddim", b).set("flow", c).build()
}

#[wasm_bindgen]
impl FlowComparison {
    /// Two trainers on the CPU from one config: `{dataset ("ring8" … ; the exact oracle for ring8),
    /// seed, learningRate, batchSize, width, depth, train, heldout}` (defaults: `defaults().flow`).
    #[wasm_bindgen(constructor)]
    pub fn new(config_value: JsValue) -> JsResult<FlowComparison> {
        let f: Fields = config(&config_value)?;
        let name = f.dataset.as_deref().unwrap_or("ring8");
        let mut cfg = flow_config(Dataset::by_name(name).map_err(|_| InputError::one_of("dataset", name, &Dataset::NAMES))?);
        const BIG: usize = 10_000_000;
        let opt = |field: &str, v: Option<f64>, current: usize| count(field, v, current, 0, BIG);
        cfg.n_train = opt("train", f.train, cfg.n_train)?;
        cfg.n_heldout = opt("heldout", f.heldout, cfg.n_heldout)?;
        cfg.model.width = opt("width", f.width, cfg.model.width)?;
        cfg.model.depth = opt("depth", f.depth, cfg.model.depth)?;
        cfg.batch_size = opt("batchSize", f.batch_size, cfg.batch_size)?;
        if let Some(v) = f.learning_rate {
            cfg.learning_rate = v;
        }
        cfg.seed = seed(f.seed, cfg.seed)?;
        cfg.validate()?;
        let device = crate::engine::backend::init_cpu().device;
        Ok(FlowComparison { state: Handle::new("flowComparison", Core::new(cfg, &device)?) })
    }

    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> JsResult<usize> {
        Ok(self.state.get()?.step_count())
    }

    /// Whether both have drawn the same batches so far.
    #[wasm_bindgen(getter, js_name = sameBatches)]
    pub fn same_batches(&self) -> JsResult<bool> {
        Ok(self.state.get()?.same_batches())
    }

    /// `steps` steps of each (1..=1e6, bounded by the work budget). Resolves to `{steps, totalSteps,
    /// losses: {diffusion, flow} (Float64Array each), mean: {diffusion, flow}, stopped?}`.
    pub fn run(&self, #[wasm_bindgen(unchecked_param_type = "number")] steps: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let steps = arg_number(&steps, "steps");
        promise(async move {
            let n = integer("steps", steps?, 1, 1_000_000)? as usize;
            let mut c = state.get_mut()?;
            crate::numerics::budget::check_work("steps", n as f64, n as f64 * (c.step_work() + 2e6) / 10.0, "steps × (2 networks × (3 × batchSize × multiply-adds + 1e6)) / 10")?;
            let [a, b] = c.run(n).await;
            let mean = |s: &RunStats| if s.mean.is_finite() { JsValue::from_f64(s.mean) } else { JsValue::NULL };
            let two = |x: JsValue, y: JsValue| Obj::new().set("diffusion", x).set("flow", y).build();
            let mut o = Obj::new()
                .set("steps", a.steps.min(b.steps) as f64)
                .set("totalSteps", c.step_count() as f64)
                .set("losses", two(f64s(&a.losses).into(), f64s(&b.losses).into()))
                .set("mean", two(mean(&a), mean(&b)));
            if let Some(why) = a.stopped.as_ref().or(b.stopped.as_ref()) {
                o = o.set("stopped", why.as_str());
            }
            Ok(o.build())
        })
    }

    /// DDPM and DDIM with the diffusion network and Euler with the flow network, from one x_T, at
    /// each NFE: `{nfes: [2, 5, 10, 50], particles: 500, seed: 23}`. Resolves to `{nfes, mmd2: {ddpm,
    /// ddim, flow} (Float64Array per NFE), samples: {ddpm, ddim, flow} (Float64Array at the last
    /// NFE), floor, particles, steps}`.
    #[wasm_bindgen(js_name = atEqualNfe)]
    pub fn at_equal_nfe(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<NfeOptions>(&options);
        promise(async move {
            let o = read?;
            let nfes = match &o.nfes {
                None => FLOW_NFES.to_vec(),
                Some(v) if v.len() > 16 => return Err(InputError::length("nfes", v.len(), "at most 16 values").into()),
                Some(v) => v.iter().enumerate().map(|(i, n)| integer(&format!("nfes[{i}]"), *n, 1, crate::engine::nfe_samplers::MAX_NFE as u64).map(|n| n as usize)).collect::<Result<Vec<_>, _>>()?,
            };
            let particles = count("particles", o.particles, FLOW_PARTICLES, 2, crate::engine::live_samples::LIVE_MAX_PARTICLES)?;
            let seed = seed(o.seed, FLOW_SEED)?;
            let c = state.get()?;
            let q = c.at_equal_nfe(&nfes, particles, seed).await?;
            let [a, b, d] = &q.mmd2;
            let [sa, sb, sd] = &q.samples;
            Ok(Obj::new()
                .set("nfes", f64s(&q.nfes.iter().map(|v| *v as f64).collect::<Vec<_>>()))
                .set("mmd2", by_sampler([finite_all("mmd2", a)?.into(), finite_all("mmd2", b)?.into(), finite_all("mmd2", d)?.into()]))
                .set("samples", by_sampler([finite_all("samples", sa)?.into(), finite_all("samples", sb)?.into(), finite_all("samples", sd)?.into()]))
                .set("floor", q.floor)
                .set("particles", q.particles as f64)
                .set("steps", c.step_count() as f64)
                .build())
        })
    }

    /// The velocity at the reader's point `{x: [2], tau ∈ (0, 1)}`: `{tau, flow, oracle (null
    /// without a mixture), diffusion (from the ε-network's ε̂ at step t), t, errors: {flow,
    /// diffusion} (‖v − v_oracle‖/‖v_oracle‖, null without a mixture), fieldError: {flow, diffusion,
    /// points} (E‖v − v_exact‖²/E‖v_exact‖² over 256 held-out points noised to τ; null without a mixture)}`.
    #[wasm_bindgen(js_name = velocityAt)]
    pub fn velocity_at(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<VelocityOptions>(&options);
        promise(async move {
            let o = read?;
            let x = o.x.ok_or_else(|| InputError::new("x", Rule::Missing, None))?;
            let tau = o.tau.ok_or_else(|| InputError::new("tau", Rule::Missing, None))?;
            let c = state.get()?;
            let v = c.velocity_at(&x, tau).await?;
            let err = |a: &[f64]| v.oracle.as_ref().map_or(JsValue::NULL, |o| {
                let n: f64 = o.iter().map(|b| b * b).sum::<f64>().sqrt();
                JsValue::from_f64(a.iter().zip(o).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt() / n.max(1e-300))
            });
            Ok(Obj::new()
                .set("tau", v.tau)
                .set("flow", finite_all("x", &v.flow)?)
                .set("oracle", v.oracle.as_ref().map_or(JsValue::NULL, |o| f64s(o).into()))
                .set("diffusion", finite_all("x", &v.diffusion)?)
                .set("t", v.t as f64)
                .set("errors", Obj::new().set("flow", err(&v.flow)).set("diffusion", err(&v.diffusion)).build())
                .set("fieldError", match v.field_error {
                    Some((f, d)) => Obj::new().set("flow", f).set("diffusion", d).set("points", crate::engine::flow_compare::FIELD_POINTS as f64).build(),
                    None => JsValue::NULL,
                })
                .build())
        })
    }

    /// The animation's frames for one of the two networks: options as the free `flowPath` plus
    /// `model: "flow" (default) | "diffusion"`; the density is the kernel estimate of the particles.
    #[wasm_bindgen(js_name = flowPath)]
    pub fn flow_path(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<PathOptions>(&options);
        promise(async move {
            let o = read?;
            let c = state.get()?;
            let tr = match o.model() {
                None | Some("flow") => &c.flow,
                Some("diffusion") => &c.diffusion,
                Some(other) => return Err(InputError::one_of("model", other, &["flow", "diffusion"]).into()),
            };
            let p = tr.predictor();
            let cfg = o.config(FewStep::default_for(&p))?;
            let f = crate::engine::flow_path::flow_path(&p, &tr.schedule, cfg, None).await?;
            Ok(path_object(&f, cfg.kind))
        })
    }
}
