//! The burn devices for JavaScript: probe WebGPU and the CPU, and pick one. WebGPU is initialised
//! at most once per page (burn refuses a second initialisation of the same device), so the
//! outcome is kept.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use serde::Deserialize;

use super::convert::{config, count, device_error, JsResult, Obj};
use super::trainer::TrainFields;
use crate::engine::backend::{self, Backend};
use crate::engine::backend_choice::{self, MeasurePlan, Measurement, GPU_MARGIN};
use crate::numerics::error::{check_range, Interval};
use super::webgpu::webgpu_available;

thread_local! {
    static WEBGPU: RefCell<Option<Result<Backend, String>>> = const { RefCell::new(None) };
}


pub(super) async fn webgpu() -> Result<Backend, String> {
    if let Some(done) = WEBGPU.with(|w| w.borrow().clone()) {
        return done;
    }
    let outcome = if webgpu_available() {
        backend::init_webgpu().await
    } else {
        Err("this browser does not expose WebGPU (navigator.gpu is missing)".to_string())
    };
    WEBGPU.with(|w| *w.borrow_mut() = Some(outcome.clone()));
    outcome
}

pub(super) fn backend_info(b: &Backend, reason: Option<&str>) -> Obj {
    let o = Obj::new().set("kind", b.kind.name()).set("adapter", b.adapter.as_str()).set("api", b.api.as_str());
    match reason {
        Some(r) => o.set("fallbackReason", r),
        None => o,
    }
}

/// Initialise WebGPU through burn and run a tiny matmul read back asynchronously.
/// Resolves to `{kind: "webgpu", adapter, api, result: Float32Array [18, 40]}`; rejects with the
/// reason when WebGPU is missing or refuses.
#[wasm_bindgen(js_name = probeWebGpu)]
pub async fn probe_webgpu() -> JsResult<JsValue> {
    let b = webgpu().await.map_err(|e| device_error(&e))?;
    let out = backend::smoke_test(&b.device).await.map_err(|e| device_error(&e))?;
    Ok(backend_info(&b, None).set("result", js_sys::Float32Array::from(&out[..])).build())
}

/// The same tiny computation on burn's `flex` CPU backend.
#[wasm_bindgen(js_name = probeCpu)]
pub async fn probe_cpu() -> JsResult<JsValue> {
    let b = backend::init_cpu();
    let out = backend::smoke_test(&b.device).await.map_err(|e| device_error(&e))?;
    Ok(backend_info(&b, None).set("result", js_sys::Float32Array::from(&out[..])).build())
}

/// Pick the engine's backend: WebGPU when it initialises and passes the smoke test, else the
/// CPU with one sentence saying why. `{kind, adapter, api, fallbackReason?}`; never rejects.
#[wasm_bindgen(js_name = initBackend)]
pub async fn init_backend() -> JsValue {
    let reason = match webgpu().await {
        Ok(b) => match backend::smoke_test(&b.device).await {
            Ok(_) => return backend_info(&b, None).build(),
            Err(e) => format!("WebGPU initialised but failed a test computation ({e})"),
        },
        Err(e) => e,
    };
    let cpu = backend::init_cpu();
    backend_info(&cpu, Some(&format!("{reason}; the CPU backend is used instead."))).build()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MeasureOptions {
    budget_ms: Option<f64>,
    warmup: Option<f64>,
    min_steps: Option<f64>,
    max_steps: Option<f64>,
}

fn measurement(m: &Measurement) -> JsValue {
    Obj::new()
        .set("kind", m.kind.name())
        .set("adapter", m.adapter.as_str())
        .set("steps", m.steps as f64)
        .set("ms", m.ms)
        .set("stepsPerSec", m.steps_per_sec())
        .build()
}

/// Time a few warm training steps of `config` (the trainer's config, as for `Trainer.create`) on
/// the CPU and, where this context has it, on WebGPU, and say which is faster (issue 14): the GPU
/// only when it is at least `margin` × faster. Options `{budgetMs, warmup, minSteps, maxSteps}`
/// (defaults: `defaults().backendChoice`). Resolves to `{chosen: "cpu" | "webgpu", margin, shape,
/// cpu: {kind, adapter, steps, ms, stepsPerSec}, webgpu: {…} | null, webgpuError?}`; the
/// throwaway trainers' weights are discarded. Rejects only for a config or options it refuses.
#[wasm_bindgen(js_name = measureBackends)]
pub async fn measure_backends(config_value: JsValue, options: JsValue) -> JsResult<JsValue> {
    let fields: TrainFields = config(&config_value)?;
    let cfg = fields.config()?;
    let o: MeasureOptions = config(&options)?;
    let d = MeasurePlan::default();
    let budget_ms = o.budget_ms.unwrap_or(d.budget_ms);
    check_range("budgetMs", budget_ms, Interval::closed(0.0, 10_000.0))?;
    let plan = MeasurePlan {
        budget_ms,
        warmup: count("warmup", o.warmup, d.warmup, 0, 10)?,
        min_steps: count("minSteps", o.min_steps, d.min_steps, 1, 100)?,
        max_steps: count("maxSteps", o.max_steps, d.max_steps, 1, 10_000)?,
    };
    let steps = (plan.warmup + plan.max_steps.max(plan.min_steps)) as f64;
    {
        let probe = crate::engine::train::Trainer::new(cfg.clone(), &backend::init_cpu().device)?;
        crate::numerics::budget::check_job("maxSteps", plan.max_steps as f64, 2.0 * steps * probe.step_work(), "2 devices × (warmup + maxSteps) × one step's multiply-adds")?;
    }
    let now = || js_sys::Date::now();
    let cpu = backend_choice::measure(&cfg, &backend::init_cpu(), plan, &now).await.map_err(|e| device_error(&e))?;
    let gpu = match webgpu().await {
        Ok(b) => Some(backend_choice::measure(&cfg, &b, plan, &now).await),
        Err(e) => Some(Err(e)),
    };
    let chosen = backend_choice::choose(&cpu, gpu.as_ref());
    let sizes = cfg.model.layer_sizes();
    let shape = std::iter::once(sizes[0].0).chain(sizes.iter().map(|s| s.1)).map(|n| n.to_string()).collect::<Vec<_>>().join("→");
    let mut out = Obj::new()
        .set("chosen", chosen.name())
        .set("margin", GPU_MARGIN)
        .set("shape", format!("{shape}, batch {}", cfg.batch_size).as_str())
        .set("cpu", measurement(&cpu));
    out = match &gpu {
        Some(Ok(g)) => out.set("webgpu", measurement(g)),
        Some(Err(e)) => out.set("webgpu", JsValue::NULL).set("webgpuError", e.as_str()),
        None => out.set("webgpu", JsValue::NULL),
    };
    Ok(out.build())
}
