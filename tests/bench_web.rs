//! In-browser benchmarks (not tests: they assert nothing about time). Run by `scripts/bench.sh`,
//! one test at a time (each under its own time limit there):
//!   bench_train_cpu     training steps/s of the default 2-D model at batch 256 and 2048 on the flex
//!                       CPU backend in wasm (and the deprecated ndarray backend with `--features ndarray`)
//!   bench_train_webgpu  the same on WebGPU (batch 2048 only when built with BENCH_WEBGPU_B2048=1: on
//!                       SwiftShader it ends in a renderer time-out)
//!   bench_chain_cpu     ms per reverse-chain step for 1k and 10k particles, the exact oracle and the
//!                       network on the CPU
//!   bench_chain_webgpu  the same with the network on WebGPU
//!   bench_gap_cpu       the time for ring8 to come within 0.1 nats/dim of the data's entropy on the
//!                       wasm CPU backend
//! Each figure is one line `BENCH <name> <value> <unit>` (e.g. `BENCH train.wasm.cpu.b256 51.2
//! steps/s`); a measurement that fails prints `BENCH <name>.failed 1 flag`, one whose warm-up alone
//! exceeds its time limit `BENCH <name>.timeout <limit> s`. Every timed loop stops at its limit
//! (`LIMIT_MS`) and reports the steps it took. Other lines are free text and never start with BENCH.
#![cfg(target_arch = "wasm32")]

use diffusion_lab::web;
use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The time limit of one timed loop (one backend, one batch size or chain), in ms.
const LIMIT_MS: f64 = 60_000.0;

fn now() -> f64 {
    js_sys::Date::now()
}

fn num(o: &JsValue, k: &str) -> f64 {
    Reflect::get(o, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(f64::NAN)
}

fn message(e: JsValue) -> String {
    e.as_string().or_else(|| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string())).unwrap_or_else(|| format!("{e:?}"))
}

async fn trainer(cfg: &str, backend: &str) -> Result<web::Trainer, String> {
    web::Trainer::create(JSON::parse(cfg).unwrap(), JSON::parse(&format!(r#"{{"backend": "{backend}"}}"#)).unwrap()).await.map_err(|e| message(JsValue::from(e)))
}

/// What one timed loop measured: `steps` in `ms`, or a warm-up over the limit.
enum Timed {
    Done { steps: usize, ms: f64 },
    TimedOut { warm_ms: f64 },
}

/// Training steps on `backend` at `batch`: 2 warm-up steps (shader compilation), then up to
/// `steps` steps in chunks of about a tenth, stopping at `LIMIT_MS`.
async fn train_steps(backend: &str, batch: usize, steps: usize) -> Result<Timed, String> {
    let tr = trainer(&format!(r#"{{"dataset": "ring8", "batchSize": {batch}, "seed": 0}}"#), backend).await?;
    let w0 = now();
    JsFuture::from(tr.run(JsValue::from_f64(2.0))).await.map_err(message)?;
    let warm_ms = now() - w0;
    if warm_ms > LIMIT_MS {
        return Ok(Timed::TimedOut { warm_ms });
    }
    let chunk = steps.div_ceil(10).max(1);
    let (t0, mut done) = (now(), 0);
    while done < steps && now() - t0 < LIMIT_MS {
        let r = JsFuture::from(tr.run(JsValue::from_f64(chunk.min(steps - done) as f64))).await.map_err(message)?;
        done += num(&r, "steps") as usize;
        if let Some(why) = Reflect::get(&r, &"stopped".into()).ok().and_then(|s| s.as_string()) {
            return Err(why);
        }
    }
    Ok(Timed::Done { steps: done, ms: now() - t0 })
}

fn report_training(name: &str, r: Result<Timed, String>) {
    match r {
        Ok(Timed::Done { steps, ms }) => {
            let sps = steps as f64 / (ms / 1000.0);
            console_log!("{name}: {steps} steps, {:.1} ms/step", ms / steps as f64);
            console_log!("BENCH {name} {sps:.2} steps/s");
        }
        Ok(Timed::TimedOut { warm_ms }) => {
            console_log!("{name}: the 2 warm-up steps took {:.1} s", warm_ms / 1000.0);
            console_log!("BENCH {name}.timeout {:.0} s", LIMIT_MS / 1000.0);
        }
        Err(e) => {
            console_log!("{name}: failed: {e}");
            console_log!("BENCH {name}.failed 1 flag");
        }
    }
}

#[wasm_bindgen_test]
async fn bench_train_cpu() {
    let mut backends = vec!["cpu"];
    if cfg!(feature = "ndarray") {
        backends.push("ndarray");
    }
    for backend in backends {
        for (batch, steps) in [(256, 100), (2048, 10)] {
            report_training(&format!("train.wasm.{backend}.b{batch}"), train_steps(backend, batch, steps).await);
        }
    }
}

#[wasm_bindgen_test]
async fn bench_train_webgpu() {
    report_training("train.wasm.webgpu.b256", train_steps("webgpu", 256, 5).await);
    if option_env!("BENCH_WEBGPU_B2048") == Some("1") {
        report_training("train.wasm.webgpu.b2048", train_steps("webgpu", 2048, 2).await);
    } else {
        console_log!("train.wasm.webgpu.b2048: skipped (on SwiftShader it ends in a renderer time-out; build with BENCH_WEBGPU_B2048=1 to run it)");
        console_log!("BENCH train.wasm.webgpu.b2048.skipped 1 flag");
    }
}

const SAMPLERS: [(&str, &str); 4] = [
    ("ddpm", r#""sampler": "ddpm", "variance": "beta""#),
    ("ddim", r#""sampler": "ddim", "steps": 50"#),
    ("langevin", r#""sampler": "langevin", "stepSize": 0.004, "steps": 100"#),
    ("annealed", r#""sampler": "annealed", "levels": 10, "stepsPerLevel": 10"#),
];

/// One chain's timed loop: a warm-up step, then up to `steps` steps (each with the read of its
/// state, as the page does each frame) or `LIMIT_MS`.
async fn time_chain(chain: Result<web::Chain, String>, steps: usize) -> Result<Timed, String> {
    let chain = chain?;
    let w0 = now();
    JsFuture::from(chain.step()).await.map_err(message)?;
    let warm_ms = now() - w0;
    if warm_ms > LIMIT_MS {
        return Ok(Timed::TimedOut { warm_ms });
    }
    let (t0, mut done) = (now(), 0);
    while done < steps && now() - t0 < LIMIT_MS {
        JsFuture::from(chain.step()).await.map_err(message)?;
        chain.state().map_err(|e| message(JsValue::from(e)))?;
        done += 1;
    }
    Ok(Timed::Done { steps: done, ms: now() - t0 })
}

/// ms per chain step of `make`'s chains, per sampler and particle count.
async fn chain_ms(prefix: &str, steps: usize, make: impl Fn(JsValue) -> Result<web::Chain, String>) {
    for n in [1000, 10_000] {
        for (sampler, s) in SAMPLERS {
            let name = format!("{prefix}.{sampler}.p{n}");
            let cfg = JSON::parse(&format!(r#"{{{s}, "particles": {n}, "seed": 0}}"#)).unwrap();
            match time_chain(make(cfg), steps).await {
                Ok(Timed::Done { steps, ms }) => console_log!("BENCH {name} {:.2} ms/step", ms / steps as f64),
                Ok(Timed::TimedOut { warm_ms }) => {
                    console_log!("{name}: the warm-up step took {:.1} s", warm_ms / 1000.0);
                    console_log!("BENCH {name}.timeout {:.0} s", LIMIT_MS / 1000.0);
                }
                Err(e) => {
                    console_log!("{name}: failed: {e}");
                    console_log!("BENCH {name}.failed 1 flag");
                }
            }
        }
    }
}

#[wasm_bindgen_test]
async fn bench_chain_cpu() {
    let ring = web::Mixture::ring8(JsValue::UNDEFINED).unwrap();
    chain_ms("chain.wasm.oracle", 20, |cfg| web::Chain::with_oracle(cfg, &ring).map_err(|e| message(JsValue::from(e)))).await;
    match trainer(r#"{"dataset": "ring8", "seed": 1}"#, "cpu").await {
        Ok(cpu) => chain_ms("chain.wasm.network.cpu", 10, |cfg| cpu.chain(cfg).map_err(|e| message(JsValue::from(e)))).await,
        Err(e) => {
            console_log!("chain.wasm.network.cpu: no trainer: {e}");
            console_log!("BENCH chain.wasm.network.cpu.failed 1 flag");
        }
    }
}

#[wasm_bindgen_test]
async fn bench_chain_webgpu() {
    match trainer(r#"{"dataset": "ring8", "seed": 1}"#, "webgpu").await {
        Ok(gpu) => chain_ms("chain.wasm.network.webgpu", 3, |cfg| gpu.chain(cfg).map_err(|e| message(JsValue::from(e)))).await,
        Err(e) => {
            console_log!("chain.wasm.network.webgpu: no trainer: {e}");
            console_log!("BENCH chain.wasm.network.webgpu.failed 1 flag");
        }
    }
}

/// The recipe of examples/bench.rs (`gap`): ring8, ε, L_simple, batch 512, Adam 2e-3 with
/// `step_decay`; the gap −ELBO − H with σ² = β on 256 held-out points, every t.
#[wasm_bindgen_test]
async fn bench_gap_cpu() {
    // the plain recipe (constant rate set per chunk below, no average, uniform t, independent noise)
    let tr = match trainer(r#"{"dataset": "ring8", "batchSize": 512, "learningRate": 0.002, "lrSchedule": {"kind": "constant"}, "ema": 0, "tSampling": {"kind": "uniform"}, "antithetic": false, "heldout": 512, "seed": 0}"#, "cpu").await {
        Ok(tr) => tr,
        Err(e) => {
            console_log!("gap.wasm.cpu: no trainer: {e}");
            console_log!("BENCH gap.wasm.cpu.failed 1 flag");
            return;
        }
    };
    let (mut train_ms, t_all) = (0.0, now());
    for round in 1..=15 {
        let step = (round - 1) * 1000;
        tr.set_learning_rate(JsValue::from_f64(diffusion_lab::engine::train_config::step_decay(2e-3, step))).unwrap();
        let t0 = now();
        for _ in 0..10 {
            if let Err(e) = JsFuture::from(tr.run(JsValue::from_f64(100.0))).await {
                // run(n) is budgeted: chunks, as the page does
                console_log!("gap.wasm.cpu: training failed: {}", message(e));
                console_log!("BENCH gap.wasm.cpu.failed 1 flag");
                return;
            }
        }
        train_ms += now() - t0;
        if round < 6 {
            continue; // evaluating every t is expensive in wasm: from 6000 steps on
        }
        let h = match JsFuture::from(tr.held_out(JSON::parse(r#"{"points": 256, "tSamples": 0, "variance": "beta"}"#).unwrap())).await {
            Ok(h) => h,
            Err(e) => {
                console_log!("gap.wasm.cpu: the held-out evaluation failed: {}", message(e));
                console_log!("BENCH gap.wasm.cpu.failed 1 flag");
                return;
            }
        };
        let (g, se) = (num(&h, "gapPerDim"), num(&h, "gapStdError"));
        console_log!("gap wasm cpu {:5} steps, {:6.1} s training ({:.1} s in all): −ELBO − H = {g:.3} ± {se:.3} nats/dim", round * 1000, train_ms / 1000.0, (now() - t_all) / 1000.0);
        console_log!("BENCH gap.wasm.cpu.at{} {g:.3} nats/dim", round * 1000);
        if g < 0.1 {
            console_log!("gap wasm cpu: reached within 0.1 nats/dim of the entropy");
            console_log!("BENCH gap.wasm.cpu.steps {} steps", round * 1000);
            console_log!("BENCH gap.wasm.cpu.train_s {:.1} s", train_ms / 1000.0);
            return;
        }
    }
    console_log!("gap wasm cpu: not within 0.1 nats/dim after 15000 steps");
    console_log!("BENCH gap.wasm.cpu.timeout 15000 steps");
}
