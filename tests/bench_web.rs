//! In-browser training benchmark (not a test: it asserts nothing about time). Run by
//! `scripts/bench.sh`: prints steps/s of the default 2-D model at batch 256 and 2048 on the
//! flex CPU backend in wasm and on WebGPU, in headless Chromium.
#![cfg(target_arch = "wasm32")]

use diffusion_lab::web;
use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    js_sys::Date::now()
}

async fn steps_per_sec(backend: &str, batch: usize, steps: usize) -> f64 {
    let cfg = JSON::parse(&format!(r#"{{"dataset": "ring8", "batchSize": {batch}, "seed": 0}}"#)).unwrap();
    let opts = JSON::parse(&format!(r#"{{"backend": "{backend}"}}"#)).unwrap();
    let tr = web::Trainer::create(cfg, opts).await.map_err(JsValue::from).expect("trainer");
    wasm_bindgen_futures::JsFuture::from(tr.run(2.0)).await.expect("warm-up"); // shader compilation
    let t0 = now();
    let r = wasm_bindgen_futures::JsFuture::from(tr.run(steps as f64)).await.expect("run");
    let done = Reflect::get(&r, &"steps".into()).unwrap().as_f64().unwrap();
    done / ((now() - t0) / 1000.0)
}

#[wasm_bindgen_test]
async fn bench_training_steps_per_second() {
    for (backend, b256, b2048) in [("cpu", 100, 10), ("webgpu", 5, 2)] {
        let s1 = steps_per_sec(backend, 256, b256).await;
        let s2 = steps_per_sec(backend, 2048, b2048).await;
        console_log!("BENCH wasm {backend:6} batch  256: {s1:8.2} steps/s ({:.1} ms/step)", 1000.0 / s1);
        console_log!("BENCH wasm {backend:6} batch 2048: {s2:8.2} steps/s ({:.1} ms/step)", 1000.0 / s2);
    }
}
