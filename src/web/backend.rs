//! The burn devices for JavaScript: probe WebGPU and the CPU, and pick one. WebGPU is initialised
//! at most once per page (burn refuses a second initialisation of the same device), so the
//! outcome is kept.

use std::cell::RefCell;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use super::convert::{device_error, JsResult, Obj};
use crate::engine::backend::{self, Backend};

thread_local! {
    static WEBGPU: RefCell<Option<Result<Backend, String>>> = const { RefCell::new(None) };
}

/// Whether this JavaScript context exposes `navigator.gpu` at all (window or worker).
#[wasm_bindgen(js_name = webGpuAvailable)]
pub fn webgpu_available() -> bool {
    let nav = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    !nav.is_undefined() && Reflect::get(&nav, &JsValue::from_str("gpu")).map(|g| !g.is_undefined()).unwrap_or(false)
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
