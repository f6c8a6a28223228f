//! In-browser benchmarks (not tests: they assert nothing about time). Run by `scripts/bench.sh`:
//! training steps/s of the default 2-D model at batch 256 and 2048 on the flex CPU backend in wasm
//! (and the deprecated ndarray backend when built with `--features ndarray`) and on WebGPU; ms per
//! reverse-chain step for 1k and 10k particles; and the time for ring8 to come within 0.1 nats/dim
//! of the data's entropy on the wasm CPU backend. Lines start with BENCH.
#![cfg(target_arch = "wasm32")]

use diffusion_lab::web;
use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    js_sys::Date::now()
}

fn num(o: &JsValue, k: &str) -> f64 {
    Reflect::get(o, &k.into()).unwrap().as_f64().unwrap_or(f64::NAN)
}

async fn trainer(cfg: &str, backend: &str) -> web::Trainer {
    web::Trainer::create(JSON::parse(cfg).unwrap(), JSON::parse(&format!(r#"{{"backend": "{backend}"}}"#)).unwrap()).await.map_err(JsValue::from).expect("trainer")
}

async fn steps_per_sec(backend: &str, batch: usize, steps: usize) -> f64 {
    let tr = trainer(&format!(r#"{{"dataset": "ring8", "batchSize": {batch}, "seed": 0}}"#), backend).await;
    JsFuture::from(tr.run(JsValue::from_f64(2.0))).await.expect("warm-up"); // shader compilation
    let t0 = now();
    let r = JsFuture::from(tr.run(JsValue::from_f64(steps as f64))).await.expect("run");
    num(&r, "steps") / ((now() - t0) / 1000.0)
}

#[wasm_bindgen_test]
async fn bench_training_steps_per_second() {
    let mut backends = vec![("cpu", 100, 10), ("webgpu", 5, 2)];
    if cfg!(feature = "ndarray") {
        backends.insert(1, ("ndarray", 100, 10));
    }
    for (backend, b256, b2048) in backends {
        let s1 = steps_per_sec(backend, 256, b256).await;
        let s2 = steps_per_sec(backend, 2048, b2048).await;
        console_log!("BENCH train wasm {backend:7} batch  256: {s1:8.2} steps/s ({:.1} ms/step)", 1000.0 / s1);
        console_log!("BENCH train wasm {backend:7} batch 2048: {s2:8.2} steps/s ({:.1} ms/step)", 1000.0 / s2);
    }
}

#[wasm_bindgen_test]
async fn bench_chain_ms_per_step() {
    let ring = web::Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let samplers = [
        r#""sampler": "ddpm", "variance": "beta""#,
        r#""sampler": "ddim", "steps": 50"#,
        r#""sampler": "langevin", "stepSize": 0.004, "steps": 100"#,
        r#""sampler": "annealed", "levels": 10, "stepsPerLevel": 10"#,
    ];
    let cpu = trainer(r#"{"dataset": "ring8", "seed": 1}"#, "cpu").await;
    let gpu = trainer(r#"{"dataset": "ring8", "seed": 1}"#, "webgpu").await;
    for n in [1000, 10_000] {
        for s in samplers {
            let cfg = format!(r#"{{{s}, "particles": {n}, "seed": 0}}"#);
            for (name, steps) in [("oracle", 20), ("network-cpu", 10), ("network-webgpu", 3)] {
                let chain = match name {
                    "oracle" => web::Chain::with_oracle(JSON::parse(&cfg).unwrap(), &ring),
                    "network-cpu" => cpu.chain(JSON::parse(&cfg).unwrap()),
                    _ => gpu.chain(JSON::parse(&cfg).unwrap()),
                }
                .map_err(JsValue::from)
                .expect("chain");
                JsFuture::from(chain.step()).await.expect("warm-up");
                let t0 = now();
                for _ in 0..steps {
                    JsFuture::from(chain.step()).await.expect("step");
                    chain.state().unwrap(); // what the page reads each frame
                }
                let ms = (now() - t0) / steps as f64;
                let sampler = s.split('"').nth(3).unwrap();
                console_log!("BENCH chain wasm {name:14} {sampler:8} {n:6} particles: {ms:8.2} ms/step");
            }
        }
    }
}

/// The recipe of examples/bench.rs (`gap`): ring8, ε, L_simple, batch 512, Adam 2e-3 with
/// `step_decay`; the gap −ELBO − H with σ² = β on 256 held-out points, every t.
#[wasm_bindgen_test]
async fn bench_time_to_entropy_on_wasm_cpu() {
    let tr = trainer(r#"{"dataset": "ring8", "batchSize": 512, "learningRate": 0.002, "heldout": 512, "seed": 0}"#, "cpu").await;
    let (mut train_ms, t_all) = (0.0, now());
    for round in 1..=15 {
        let step = (round - 1) * 1000;
        tr.set_learning_rate(JsValue::from_f64(diffusion_lab::engine::train_config::step_decay(2e-3, step))).unwrap();
        let t0 = now();
        for _ in 0..10 {
            JsFuture::from(tr.run(JsValue::from_f64(100.0))).await.expect("run"); // run(n) is budgeted: chunks, as the page does
        }
        train_ms += now() - t0;
        if round < 6 {
            continue; // evaluating every t is expensive in wasm: from 6000 steps on
        }
        let h = JsFuture::from(tr.held_out(JSON::parse(r#"{"points": 256, "tSamples": 0, "variance": "beta"}"#).unwrap())).await.expect("held-out");
        let (g, se) = (num(&h, "gapPerDim"), num(&h, "gapStdError"));
        console_log!("BENCH gap wasm cpu {:5} steps, {:6.1} s training ({:.1} s in all): −ELBO − H = {g:.3} ± {se:.3} nats/dim", round * 1000, train_ms / 1000.0, (now() - t_all) / 1000.0);
        if g < 0.1 {
            console_log!("BENCH gap wasm cpu reached within 0.1 nats/dim after {} steps, {:.1} s of training", round * 1000, train_ms / 1000.0);
            return;
        }
    }
    console_log!("BENCH gap wasm cpu not within 0.1 nats/dim after 15000 steps");
}
