//! Browser tests: `wasm-pack test --headless --chrome` runs them in Debian's Chromium with WebGPU on
//! SwiftShader (flags in webdriver.json). They call the exported JS-facing API exactly as the page
//! does, and check what only a browser can show: WebGPU through burn, and the CPU backend in wasm.
#![cfg(target_arch = "wasm32")]

use diffusion_lab::web::{self, Mixture, Schedule};
use js_sys::{Float32Array, Float64Array, Reflect, JSON};
use wasm_bindgen::{JsError, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json(s: &str) -> JsValue {
    JSON::parse(s).expect("test JSON")
}

fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    Reflect::get(&v, &"message".into()).unwrap().as_string().unwrap()
}

fn field(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

#[wasm_bindgen_test]
fn schedule_from_js_config() {
    let s = Schedule::new(json(r#"{"kind": "linear", "T": 1000}"#)).unwrap();
    assert_eq!(s.t_max(), 1000);
    let abar = s.alphas_cumprod().to_vec();
    assert_eq!(abar.len(), 1000);
    assert!((abar[999] - 4.0358e-5).abs() < 5e-9, "ᾱ_1000 = {}", abar[999]);
    let c = Schedule::new(json(r#"{"kind": "cosine", "T": 1000}"#)).unwrap();
    assert_eq!(c.betas().to_vec()[999], 0.999);
    // explicit β from a typed array
    let cfg = json(r#"{"kind": "explicit"}"#);
    Reflect::set(&cfg, &"betas".into(), &Float64Array::from(&[0.1, 0.2, 0.3][..])).unwrap();
    assert_eq!(Schedule::new(cfg).unwrap().t_max(), 3);
    // defaults
    assert_eq!(Schedule::new(JsValue::UNDEFINED).unwrap().t_max(), 1000);
}

#[wasm_bindgen_test]
fn bad_input_gets_named_errors_not_panics() {
    let cases = [
        (r#"{"kind": "linear", "T": 0}"#, "T = 0 is out of range: T must be an integer in 2..=100000"),
        (r#"{"kind": "linear", "T": 10.5}"#, "T = 10.5"),
        (r#"{"kind": "sigmoid"}"#, r#"valid ones are "linear", "cosine", "explicit""#),
        (r#"{"kind": "explicit", "betas": [0.1, 1.5]}"#, "β_2 = 1.5 is out of range"),
        (r#"{"kind": "linear", "Tmax": 10}"#, r#"unknown field "Tmax""#),
        (r#"{"kind": "linear", "T": "many"}"#, "schedule config.T must be a number"),
        (r#"[1, 2]"#, "schedule config must be an object"),
    ];
    for (cfg, want) in cases {
        let err = Schedule::new(json(cfg)).err().unwrap_or_else(|| panic!("{cfg} was accepted"));
        let msg = message(err);
        assert!(msg.contains(want), "{cfg}: {msg}");
    }
    let s = Schedule::new(JsValue::UNDEFINED).unwrap();
    assert!(message(s.q_sample(&[0.0], 0.0, &[0.0]).unwrap_err()).contains("t must be an integer in 1..=1000"));
    assert!(message(s.q_sample(&[0.0, 1.0], 5.0, &[0.0]).unwrap_err()).contains("lengths must match"));
    assert!(message(s.q_sample(&[f64::NAN], 5.0, &[0.0]).unwrap_err()).contains("finite"));
    assert!(message(s.convert("v", "eps", &[0.0], 5.0, &[0.0]).unwrap_err()).contains(r#""x0", "eps", "score""#));
    assert!(message(s.loss_weight("eps", 5.0, "fixedlarge").unwrap_err()).contains(r#""beta_tilde""#));
    assert!(message(s.snr_weight(1.0).unwrap_err()).contains("2..=1000"));
    assert!(message(web::sample_dataset(json(r#"{"name": "spiral"}"#)).unwrap_err()).contains(r#""moons""#));
}

#[wasm_bindgen_test]
fn tweedie_holds_exactly_through_the_js_api() {
    let s = Schedule::new(JsValue::UNDEFINED).unwrap();
    let m = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let pts = [0.3, -0.2, 1.9, 0.1, -1.0, -1.5];
    for t in [1.0, 50.0, 300.0, 900.0] {
        let score = m.score(&pts, &s, t).unwrap().to_vec();
        let x0 = m.posterior_mean_x0(&pts, &s, t).unwrap().to_vec();
        let eps = m.posterior_mean_eps(&pts, &s, t).unwrap().to_vec();
        for i in 0..3 {
            let xt = &pts[2 * i..2 * i + 2];
            let tweedie = s.convert("score", "x0", xt, t, &score[2 * i..2 * i + 2]).unwrap().to_vec();
            let from_eps = s.convert("eps", "score", xt, t, &eps[2 * i..2 * i + 2]).unwrap().to_vec();
            for d in 0..2 {
                assert!((tweedie[d] - x0[2 * i + d]).abs() < 1e-9 * (1.0 + x0[2 * i + d].abs()));
                assert!((from_eps[d] - score[2 * i + d]).abs() < 1e-9 * (1.0 + score[2 * i + d].abs()));
            }
        }
    }
}

#[wasm_bindgen_test]
fn seeded_points_match_the_native_build_bit_for_bit() {
    // The same constants are pinned by the native test `data::tests::pinned_bits`.
    let xs = web::sample_dataset(json(r#"{"name": "ring8", "n": 4, "seed": 42}"#)).unwrap().to_vec();
    let bits: Vec<u64> = xs.iter().map(|x| x.to_bits()).collect();
    assert_eq!(bits, diffusion_lab::data::PINNED_RING8_SEED42_N4.to_vec());
    let moons = web::sample_dataset(json(r#"{"name": "moons", "n": 3, "seed": 7}"#)).unwrap().to_vec();
    let bits: Vec<u64> = moons.iter().map(|x| x.to_bits()).collect();
    assert_eq!(bits, diffusion_lab::data::PINNED_MOONS_SEED7_N3.to_vec());
}

#[wasm_bindgen_test]
async fn webgpu_adapter_initialises_and_computes() {
    assert!(
        web::webgpu_available(),
        "navigator.gpu is missing: this browser was started without WebGPU (check webdriver.json's flags)"
    );
    let r = match web::probe_webgpu().await {
        Ok(r) => r,
        Err(e) => panic!("WebGPU through burn failed: {}", message(e)),
    };
    assert_eq!(field(&r, "kind").as_string().unwrap(), "webgpu");
    assert_eq!(field(&r, "api").as_string().unwrap(), "BrowserWebGpu");
    let out = Float32Array::from(field(&r, "result")).to_vec();
    assert_eq!(out, vec![18.0, 40.0]);
    // the page's chooser picks WebGPU here, with no fallback reason
    let b = web::init_backend().await;
    assert_eq!(field(&b, "kind").as_string().unwrap(), "webgpu");
    assert!(field(&b, "fallbackReason").is_undefined());
}

#[wasm_bindgen_test]
async fn cpu_backend_computes_in_wasm() {
    let r = web::probe_cpu().await.map_err(message).unwrap();
    assert_eq!(field(&r, "kind").as_string().unwrap(), "cpu");
    assert_eq!(Float32Array::from(field(&r, "result")).to_vec(), vec![18.0, 40.0]);
}

async fn resolve(p: js_sys::Promise) -> Result<JsValue, String> {
    wasm_bindgen_futures::JsFuture::from(p)
        .await
        .map_err(|e| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}")))
}

#[wasm_bindgen_test]
async fn cpu_backend_trains_until_the_loss_falls() {
    let cfg = json(r#"{"dataset": "ring8", "T": 100, "batchSize": 128, "width": 64, "seed": 1}"#);
    let tr = web::Trainer::create(cfg, json(r#"{"backend": "cpu"}"#)).await.map_err(message).unwrap();
    assert_eq!(field(&tr.backend().map_err(message).unwrap(), "kind").as_string().unwrap(), "cpu");
    let r = resolve(tr.run(300.0)).await.unwrap();
    let losses = Float64Array::from(field(&r, "losses")).to_vec();
    assert_eq!(losses.len(), 300);
    let first: f64 = losses[..20].iter().sum::<f64>() / 20.0;
    let last: f64 = losses[280..].iter().sum::<f64>() / 20.0;
    assert!(last < 0.75 * first, "loss {first} → {last}");
    // held-out ELBO beside the data's entropy
    let h = resolve(tr.held_out(json(r#"{"points": 64, "tSamples": 16}"#))).await.unwrap();
    assert_eq!(field(&h, "unit").as_string().unwrap(), "nats/dim");
    assert!(field(&h, "negElboPerDim").as_f64().unwrap().is_finite());
    assert!(field(&h, "dataEntropyPerDim").as_f64().unwrap().is_finite());
    // save → load round trip, and overlapping calls are refused, not panicking
    let bytes = js_sys::Uint8Array::from(resolve(tr.save()).await.unwrap()).to_vec();
    let header = tr.load(&bytes).map_err(message).unwrap();
    assert_eq!(field(&header, "steps").as_f64().unwrap(), 300.0);
    let p1 = tr.run(5.0);
    let p2 = tr.run(5.0);
    let (a, b) = (resolve(p1).await, resolve(p2).await);
    assert!(a.is_ok() || b.is_ok());
    if let Err(e) = a.and(b) {
        assert!(e.contains("busy"), "{e}");
    }
}

#[wasm_bindgen_test]
async fn training_rejects_bad_configs_with_messages() {
    for (cfg, want) in [
        (r#"{"batchSize": 0}"#, "batchSize = 0 is out of range"),
        (r#"{"learningRate": 5}"#, "learningRate = 5 is out of range"),
        (r#"{"dataset": "mnist"}"#, r#""digits", "points""#),
        (r#"{"weighting": "snr"}"#, r#"valid ones are "simple""#),
        (r#"{"dataset": "points", "points": [0, 1, 2]}"#, "multiple of 2"),
    ] {
        let e = web::Trainer::create(json(cfg), JsValue::UNDEFINED).await.err().unwrap_or_else(|| panic!("{cfg} accepted"));
        let m = message(e);
        assert!(m.contains(want), "{cfg}: {m}");
    }
}

#[wasm_bindgen_test]
async fn webgpu_trains_a_few_steps_with_finite_loss() {
    let cfg = json(r#"{"dataset": "moons", "T": 50, "batchSize": 64, "width": 32, "depth": 2, "seed": 2}"#);
    let tr = web::Trainer::create(cfg, json(r#"{"backend": "webgpu"}"#)).await.map_err(message).unwrap();
    assert_eq!(field(&tr.backend().map_err(message).unwrap(), "kind").as_string().unwrap(), "webgpu");
    let r = resolve(tr.run(4.0)).await.unwrap();
    let losses = Float64Array::from(field(&r, "losses")).to_vec();
    assert_eq!(losses.len(), 4, "{:?}", field(&r, "stopped"));
    assert!(losses.iter().all(|l| l.is_finite() && *l > 0.0), "{losses:?}");
    // weights read back asynchronously from the GPU
    let bytes = js_sys::Uint8Array::from(resolve(tr.save()).await.unwrap()).to_vec();
    assert!(bytes.starts_with(b"DLCKPT01"));
}

// ---------------------------------------------------------------------------------------------
// The reverse chain from JS

fn f64_field(o: &JsValue, k: &str) -> f64 {
    field(o, k).as_f64().unwrap_or_else(|| panic!("{k} is not a number"))
}

#[wasm_bindgen_test]
async fn oracle_chain_steps_forward_and_back_exactly() {
    let ring = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let chain = web::Chain::with_oracle(json(r#"{"sampler": "ddpm", "particles": 300, "seed": 3, "T": 100, "variance": "beta"}"#), &ring).map_err(message).unwrap();
    assert_eq!(chain.length().unwrap(), 100);
    let start = chain.state().unwrap().to_vec();
    assert_eq!(start.len(), 600);
    let v = resolve(chain.step()).await.unwrap();
    assert_eq!(f64_field(&v, "t"), 99.0);
    for k in ["x", "mean", "x0", "eps", "score", "next"] {
        assert_eq!(Float64Array::from(field(&v, k)).length(), 600, "{k}");
    }
    assert!(f64_field(&v, "sigma") > 0.0);
    let after_one = chain.state().unwrap().to_vec();
    assert_eq!(Float64Array::from(field(&v, "next")).to_vec(), after_one);
    // back to exactly the start, then forward again to exactly the same state
    assert_eq!(resolve(chain.step_back()).await.unwrap(), JsValue::TRUE);
    assert_eq!(chain.state().unwrap().to_vec(), start);
    resolve(chain.step()).await.unwrap();
    assert_eq!(chain.state().unwrap().to_vec(), after_one);
    // to the end: x_0, and the samples match the mixture (MMD near the floor of two data samples)
    let at = resolve(chain.run_to(100.0)).await.unwrap();
    assert_eq!(f64_field(&at, "t"), 0.0);
    let reference = ring.sample(300.0, 99.0).unwrap().to_vec();
    let q = chain.quality(&reference).map_err(message).unwrap();
    let floor = web::mmd2(&ring.sample(300.0, 1.0).unwrap().to_vec(), &reference, 2.0).map_err(message).unwrap();
    assert!(f64_field(&q, "mmd2") < floor.abs() + 0.01, "MMD² {} vs floor {floor}", f64_field(&q, "mmd2"));
    assert!(f64_field(&q, "modeWeightError") < 0.1);
    assert!(resolve(chain.step()).await.unwrap().is_null(), "no step after the end");
    // the score field at the current t, and bad input
    let f = Float64Array::from(resolve(chain.score_field(vec![0.0, 0.0, 2.0, 0.0])).await.unwrap());
    assert_eq!(f.length(), 4);
    for (cfg, want) in [
        (r#"{"sampler": "euler"}"#, r#"valid ones are "ddpm", "ddim""#),
        (r#"{"sampler": "ddim", "eta": 2}"#, "eta = 2 is out of range"),
        (r#"{"particles": 0}"#, "particles = 0 is out of range"),
        (r#"{"sampler": "annealed", "sigmaMin": 5, "sigmaMax": 1}"#, "must be smaller"),
        (r#"{"init": "forward"}"#, "needs x0"),
        (r#"{"tempo": 1}"#, r#"unknown field "tempo""#),
    ] {
        let e = web::Chain::with_oracle(json(cfg), &ring).err().unwrap_or_else(|| panic!("{cfg} accepted"));
        assert!(message(e).contains(want), "{cfg}");
    }
}

#[wasm_bindgen_test]
async fn forward_then_reverse_exposes_the_true_posterior() {
    let ring = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let cfg = json(r#"{"sampler": "ddpm", "init": "forward", "tStart": 30, "seed": 1, "T": 100}"#);
    Reflect::set(&cfg, &"x0".into(), &ring.sample(10.0, 5.0).unwrap()).unwrap();
    let chain = web::Chain::with_oracle(cfg, &ring).map_err(message).unwrap();
    let p = resolve(chain.posterior(2.0)).await.unwrap();
    assert!(f64_field(&p, "kl") >= 0.0);
    assert_eq!(Float64Array::from(field(&p, "mean")).length(), 2);
    assert!(resolve(chain.posterior(10.0)).await.unwrap_err().contains("particle = 10 is out of range"));
}

#[wasm_bindgen_test]
async fn a_trained_network_drives_the_chain_on_the_cpu() {
    let tr = web::Trainer::create(json(r#"{"dataset": "ring8", "T": 100, "batchSize": 128, "seed": 1}"#), json(r#"{"backend": "cpu"}"#))
        .await
        .map_err(message)
        .unwrap();
    resolve(tr.run(200.0)).await.unwrap();
    let chain = tr.chain(json(r#"{"sampler": "ddim", "steps": 20, "particles": 200, "seed": 4}"#)).map_err(message).unwrap();
    assert_eq!(chain.predictor().unwrap(), "network");
    let v = resolve(chain.inspect()).await.unwrap();
    assert_eq!(f64_field(&v, "t"), 100.0);
    assert_eq!(f64_field(&v, "sigma"), 0.0, "DDIM η = 0 adds no noise");
    resolve(chain.run_to(20.0)).await.unwrap();
    assert!(chain.state().unwrap().to_vec().iter().all(|v| v.is_finite()));
    // annealed Langevin on a DDPM network (scores at σ through the matching t)
    let a = tr.chain(json(r#"{"sampler": "annealed", "levels": 3, "stepsPerLevel": 2, "particles": 50}"#)).map_err(message).unwrap();
    resolve(a.run_to(6.0)).await.unwrap();
    assert!(a.state().unwrap().to_vec().iter().all(|v| v.is_finite()));
}

#[wasm_bindgen_test]
async fn webgpu_network_steps_the_chain() {
    let tr = web::Trainer::create(json(r#"{"dataset": "moons", "T": 30, "width": 32, "depth": 2, "seed": 2}"#), json(r#"{"backend": "webgpu"}"#))
        .await
        .map_err(message)
        .unwrap();
    let chain = tr.chain(json(r#"{"sampler": "ddpm", "particles": 64}"#)).map_err(message).unwrap();
    let v = resolve(chain.step()).await.unwrap();
    assert_eq!(f64_field(&v, "t"), 29.0);
    assert!(Float64Array::from(field(&v, "eps")).to_vec().iter().all(|v| v.is_finite()));
    assert_eq!(resolve(chain.step_back()).await.unwrap(), JsValue::TRUE);
}
