//! Browser tests: `wasm-pack test --headless --chrome` runs them in Debian's Chromium with WebGPU on
//! SwiftShader (flags in webdriver.json). They call the exported JS-facing API exactly as the page
//! does, and check what only a browser can show: WebGPU through burn, and the CPU backend in wasm.
#![cfg(target_arch = "wasm32")]

use diffusion_lab::web::{self, Mixture, Schedule};
use js_sys::{Float32Array, Float64Array, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A JS number, numbers and string, as the page passes them.
fn n(x: f64) -> JsValue {
    JsValue::from_f64(x)
}
fn a(x: &[f64]) -> JsValue {
    Float64Array::from(x).into()
}
fn st(x: &str) -> JsValue {
    JsValue::from_str(x)
}

fn json(s: &str) -> JsValue {
    JSON::parse(s).expect("test JSON")
}

fn message(e: JsValue) -> String {
    Reflect::get(&e, &"message".into()).unwrap().as_string().unwrap()
}

/// An engine error's `code` and `params.field`.
fn code_and_field(e: &JsValue) -> (String, String) {
    let code = Reflect::get(e, &"code".into()).unwrap().as_string().unwrap_or_default();
    let params = Reflect::get(e, &"params".into()).unwrap();
    (code, Reflect::get(&params, &"field".into()).unwrap().as_string().unwrap_or_default())
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
fn an_error_is_data_naming_the_js_field_its_rule_and_value() {
    let e = Schedule::new(json(r#"{"betaStart": 2}"#)).err().expect("betaStart = 2 refused");
    assert_eq!(code_and_field(&e), ("range".into(), "betaStart".into()));
    let params = Reflect::get(&e, &"params".into()).unwrap();
    assert_eq!(Reflect::get(&params, &"range".into()).unwrap().as_string().unwrap(), "[1e-12, 1)");
    assert_eq!(Reflect::get(&params, &"value".into()).unwrap().as_string().unwrap(), "2");
    assert!(message(e).starts_with("betaStart = 2 is out of range"));
    // an unknown field names itself and the valid ones; a long number is shortened
    let e = Schedule::new(json(r#"{"betaStrat": 0.1}"#)).err().unwrap();
    assert_eq!(code_and_field(&e), ("unknown_field".into(), "betaStrat".into()));
    let e = Schedule::new(json(r#"{"betaEnd": 1.2345678901234567e300}"#)).err().unwrap();
    assert!(message(e).contains("betaEnd = 1.23457e300 "));
    // a nested field carries its path
    let e = web::vae_elbo(json(r#"{"encoder": {"mean": [0, "a"]}}"#)).err().unwrap();
    assert_eq!(code_and_field(&e), ("wrong_type".into(), "encoder.mean[1]".into()));
    // a getter that throws is an error naming the field, and the engine keeps working
    let cfg = js_sys::Object::new();
    let throwing = js_sys::Function::new_no_args("throw new Error('boom')");
    let desc = json("{}");
    Reflect::set(&desc, &"get".into(), &throwing).unwrap();
    js_sys::Object::define_property(&cfg, &"T".into(), desc.unchecked_ref());
    let e = Schedule::new(cfg.into()).err().expect("a throwing getter is refused");
    assert_eq!(code_and_field(&e), ("unreadable".into(), "T".into()));
    assert_eq!(Schedule::new(JsValue::UNDEFINED).unwrap().t_max(), 1000);
    // every code the engine can send is listed
    let codes: Vec<String> = js_sys::Array::from(&web::error_codes()).iter().filter_map(|c| c.as_string()).collect();
    assert!(["range", "unknown_field", "wrong_type", "unreadable", "busy", "device"].iter().all(|c| codes.contains(&c.to_string())));
}

#[wasm_bindgen_test]
fn bad_input_gets_named_errors_not_panics() {
    let cases = [
        (r#"{"kind": "linear", "T": 0}"#, "T = 0 is out of range: T must be an integer in 2..=100000"),
        (r#"{"kind": "linear", "T": 10.5}"#, "T = 10.5"),
        (r#"{"kind": "sigmoid"}"#, r#"valid ones are "linear", "cosine", "explicit""#),
        (r#"{"kind": "explicit", "betas": [0.1, 1.5]}"#, "betas[1] = 1.5 is out of range"),
        (r#"{"kind": "linear", "Tmax": 10}"#, r#"unknown field "Tmax""#),
        (r#"{"kind": "linear", "T": "many"}"#, r#"T must be a number (it is "many")"#),
        (r#"[1, 2]"#, "config must be an object"),
    ];
    for (cfg, want) in cases {
        let err = Schedule::new(json(cfg)).err().unwrap_or_else(|| panic!("{cfg} was accepted"));
        let msg = message(err);
        assert!(msg.contains(want), "{cfg}: {msg}");
    }
    let s = Schedule::new(JsValue::UNDEFINED).unwrap();
    assert!(message(s.q_sample(a(&[0.0]), n(0.0), a(&[0.0])).unwrap_err()).contains("t must be an integer in 1..=1000"));
    assert!(message(s.q_sample(a(&[0.0, 1.0]), n(5.0), a(&[0.0])).unwrap_err()).contains("lengths must match"));
    assert!(message(s.q_sample(a(&[f64::NAN]), n(5.0), a(&[0.0])).unwrap_err()).contains("finite"));
    assert!(message(s.convert(st("v"), st("eps"), a(&[0.0]), n(5.0), a(&[0.0])).unwrap_err()).contains(r#""x0", "eps", "score""#));
    assert!(message(s.loss_weight(st("eps"), n(5.0), st("fixedlarge")).unwrap_err()).contains(r#""beta_tilde""#));
    assert!(message(s.snr_weight(n(1.0)).unwrap_err()).contains("2..=1000"));
    assert!(message(web::sample_dataset(json(r#"{"name": "spiral"}"#)).unwrap_err()).contains(r#""moons""#));
}

#[wasm_bindgen_test]
fn tweedie_holds_exactly_through_the_js_api() {
    let s = Schedule::new(JsValue::UNDEFINED).unwrap();
    let m = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let pts = [0.3, -0.2, 1.9, 0.1, -1.0, -1.5];
    for t in [1.0, 50.0, 300.0, 900.0] {
        let score = m.score(a(&pts), &s, n(t)).unwrap().to_vec();
        let x0 = m.posterior_mean_x0(a(&pts), &s, n(t)).unwrap().to_vec();
        let eps = m.posterior_mean_eps(a(&pts), &s, n(t)).unwrap().to_vec();
        for i in 0..3 {
            let xt = &pts[2 * i..2 * i + 2];
            let tweedie = s.convert(st("score"), st("x0"), a(xt), n(t), a(&score[2 * i..2 * i + 2])).unwrap().to_vec();
            let from_eps = s.convert(st("eps"), st("score"), a(xt), n(t), a(&eps[2 * i..2 * i + 2])).unwrap().to_vec();
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
    assert_eq!(bits, diffusion_lab::data::toy::PINNED_RING8_SEED42_N4.to_vec());
    let moons = web::sample_dataset(json(r#"{"name": "moons", "n": 3, "seed": 7}"#)).unwrap().to_vec();
    let bits: Vec<u64> = moons.iter().map(|x| x.to_bits()).collect();
    assert_eq!(bits, diffusion_lab::data::toy::PINNED_MOONS_SEED7_N3.to_vec());
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
    let r = resolve(tr.run(n(300.0))).await.unwrap();
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
    let header = tr.load(js_sys::Uint8Array::from(&bytes[..]).into()).map_err(message).unwrap();
    assert_eq!(field(&header, "steps").as_f64().unwrap(), 300.0);
    let p1 = tr.run(n(5.0));
    let p2 = tr.run(n(5.0));
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
    let r = resolve(tr.run(n(4.0))).await.unwrap();
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
    let at = resolve(chain.run_to(n(100.0))).await.unwrap();
    assert_eq!(f64_field(&at, "t"), 0.0);
    let reference = ring.sample(n(300.0), n(99.0)).unwrap().to_vec();
    let q = chain.quality(a(&reference)).map_err(message).unwrap();
    let floor = web::mmd2(ring.sample(n(300.0), n(1.0)).unwrap().into(), a(&reference), n(2.0)).map_err(message).unwrap();
    assert!(f64_field(&q, "mmd2") < floor.abs() + 0.01, "MMD² {} vs floor {floor}", f64_field(&q, "mmd2"));
    assert!(f64_field(&q, "modeWeightError") < 0.1);
    assert!(resolve(chain.step()).await.unwrap().is_null(), "no step after the end");
    // the score field at the current t, and bad input
    let f = Float64Array::from(resolve(chain.score_field(a(&[0.0, 0.0, 2.0, 0.0]))).await.unwrap());
    assert_eq!(f.length(), 4);
    for (cfg, want) in [
        (r#"{"sampler": "euler"}"#, r#"valid ones are "ddpm", "ddim""#),
        (r#"{"sampler": "ddim", "eta": 2}"#, "eta = 2 is out of range"),
        (r#"{"particles": 0}"#, "particles = 0 is out of range"),
        (r#"{"sampler": "annealed", "sigmaMin": 5, "sigmaMax": 1}"#, "must be smaller"),
        (r#"{"init": "forward"}"#, "x0 is missing"),
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
    Reflect::set(&cfg, &"x0".into(), &ring.sample(n(10.0), n(5.0)).unwrap()).unwrap();
    let chain = web::Chain::with_oracle(cfg, &ring).map_err(message).unwrap();
    let p = resolve(chain.posterior(n(2.0))).await.unwrap();
    assert!(f64_field(&p, "kl") >= 0.0);
    assert_eq!(Float64Array::from(field(&p, "mean")).length(), 2);
    assert!(resolve(chain.posterior(n(10.0))).await.unwrap_err().contains("particle = 10 is out of range"));
}

/// A ring8 denoiser with T steps of noise, trained for `steps` steps on the wasm CPU backend.
async fn ring8_trained_on_cpu(t_max: usize, steps: f64) -> web::Trainer {
    let config = format!(r#"{{"dataset": "ring8", "T": {t_max}, "batchSize": 128, "seed": 1}}"#);
    let tr = web::Trainer::create(json(&config), json(r#"{"backend": "cpu"}"#)).await.map_err(message).unwrap();
    resolve(tr.run(n(steps))).await.unwrap();
    tr
}

#[wasm_bindgen_test]
async fn a_trained_network_drives_the_chain_on_the_cpu() {
    let tr = ring8_trained_on_cpu(100, 200.0).await;
    let chain = tr.chain(json(r#"{"sampler": "ddim", "steps": 20, "particles": 200, "seed": 4}"#)).map_err(message).unwrap();
    assert_eq!(chain.predictor().unwrap(), "network");
    let v = resolve(chain.inspect()).await.unwrap();
    assert_eq!(f64_field(&v, "t"), 100.0);
    assert_eq!(f64_field(&v, "sigma"), 0.0, "DDIM η = 0 adds no noise");
    resolve(chain.run_to(n(20.0))).await.unwrap();
    assert!(chain.state().unwrap().to_vec().iter().all(|v| v.is_finite()));
    // annealed Langevin on a DDPM network (scores at σ through the matching t)
    let a = tr.chain(json(r#"{"sampler": "annealed", "levels": 3, "stepsPerLevel": 2, "particles": 50}"#)).map_err(message).unwrap();
    resolve(a.run_to(n(6.0))).await.unwrap();
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

// ---------------------------------------------------------------------------------------------
// The numerical companions (issue 5): each identity through the JS API, reproducible, and bad
// input answered with a message.

fn est(o: &JsValue, k: &str) -> (f64, f64) {
    let e = field(o, k);
    (f64_field(&e, "mean"), f64_field(&e, "stdError"))
}

#[wasm_bindgen_test]
fn vae_identity_split_and_gradient_estimators_through_the_js_api() {
    let cfg = r#"{"weights": [[1, 0.6], [-0.4, 0.9], [0.3, 0.2]], "bias": [0, 0.1, -0.2], "noiseVariance": 0.3,
                  "x": [1.2, -0.5, 0.4], "encoder": {"mean": [0.2, -0.1], "std": [0.6, 0.9]}, "samples": 20000, "seed": 3}"#;
    let r = web::vae_elbo(json(cfg)).map_err(message).unwrap();
    // (1.15): log p(x) = ELBO + KL(q ‖ p(z|x)); (1.20): ELBO = reconstruction − prior KL
    let (lp, elbo, kl) = (f64_field(&r, "logEvidence"), f64_field(&r, "elbo"), f64_field(&r, "posteriorKl"));
    assert!((lp - elbo - kl).abs() < 1e-12 && f64_field(&r, "identityResidual").abs() < 1e-12);
    assert!((elbo - (f64_field(&r, "reconstruction") - f64_field(&r, "priorKl"))).abs() < 1e-12);
    assert!(kl > 0.0);
    // Monte Carlo within 4 standard errors of each closed form, (1.23) included
    let mc = field(&r, "monteCarlo");
    for (k, exact) in [("elbo", elbo), ("priorKl", f64_field(&r, "priorKl")), ("posteriorKl", kl), ("reconstruction", f64_field(&r, "reconstruction"))] {
        let (m, se) = est(&mc, k);
        assert!((m - exact).abs() < 4.0 * se, "{k}: {m} ± {se} vs {exact}");
    }
    // reproducible from the seed
    let again = web::vae_elbo(json(cfg)).map_err(message).unwrap();
    assert_eq!(est(&field(&again, "monteCarlo"), "elbo"), est(&mc, "elbo"));
    // the best diagonal encoder narrows the gap
    let best = web::vae_elbo(json(r#"{"weights": [[1, 0.6], [-0.4, 0.9], [0.3, 0.2]], "bias": [0, 0.1, -0.2], "noiseVariance": 0.3, "x": [1.2, -0.5, 0.4], "encoder": "best"}"#)).unwrap();
    assert!(f64_field(&best, "posteriorKl") < kl);
    // (1.25): both estimators unbiased, the reparameterized one with far less variance
    let g = web::vae_gradients(json(cfg)).map_err(message).unwrap();
    let exact = Float64Array::from(field(&g, "exact")).to_vec();
    let (rep, sf) = (js_sys::Array::from(&field(&g, "reparameterized")), js_sys::Array::from(&field(&g, "scoreFunction")));
    for i in 0..4 {
        for arr in [&rep, &sf] {
            let e = arr.get(i as u32);
            let (m, se) = (f64_field(&e, "mean"), f64_field(&e, "stdError"));
            assert!((m - exact[i]).abs() < 4.5 * se, "{i}: {m} ± {se} vs {}", exact[i]);
        }
        assert!(Float64Array::from(field(&g, "varianceRatio")).to_vec()[i] > 10.0);
    }
    // bad input
    for (cfg, want) in [
        (r#"{"weights": [[1, 2], [3]]}"#, "weights[1] has 1 value but must hold K = 2"),
        (r#"{"noiseVariance": 0}"#, "noiseVariance = 0 is out of range"),
        (r#"{"x": [1]}"#, "x has 1 value "),
        (r#"{"encoder": {"mean": [0, 0], "std": [1, -1]}}"#, "encoder.std[1] = -1 is out of range: encoder.std[1] must be a finite number > 0"),
        (r#"{"samples": 1}"#, "samples = 1 is out of range"),
        (r#"{"weigths": [[1]]}"#, r#"unknown field "weigths""#),
    ] {
        let msg = message(web::vae_elbo(json(cfg)).err().unwrap_or_else(|| panic!("{cfg} was accepted")));
        assert!(msg.contains(want), "{cfg}: {msg}");
    }
}

#[wasm_bindgen_test]
fn kl_formulas_through_the_js_api() {
    let k = web::kl_equal_variance(a(&[0.3, -1.2]), a(&[0.5, -1.0]), n(0.04)).map_err(message).unwrap();
    let want = 0.08 / 0.08;
    for f in ["full", "general", "simplified"] {
        assert!((f64_field(&k, f) - want).abs() < 1e-12, "{f}");
    }
    assert_eq!((f64_field(&k, "logDetRatio"), f64_field(&k, "minusD"), f64_field(&k, "trace")), (0.0, -2.0, 2.0));
    let mc = web::gaussian_kl_monte_carlo(a(&[0.3]), a(&[0.5]), a(&[1.0]), a(&[1.5]), n(50_000.0), n(1.0)).map_err(message).unwrap();
    let exact = web::gaussian_kl(a(&[0.3]), a(&[0.5]), a(&[1.0]), a(&[1.5])).unwrap();
    assert!((f64_field(&mc, "mean") - exact).abs() < 4.0 * f64_field(&mc, "stdError"));
    assert!(message(web::kl_equal_variance(a(&[0.0]), a(&[0.0]), n(-1.0)).unwrap_err()).contains("varQ = -1"));
}

#[wasm_bindgen_test]
fn consistency_and_denoising_elbo_agree_with_different_variances() {
    let s = Schedule::new(json(r#"{"kind": "linear", "T": 100}"#)).unwrap();
    let m = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let f = web::elbo_forms_oracle(&s, &m, json(r#"{"x0": [2, 0], "samples": 1000, "seed": 2}"#)).map_err(message).unwrap();
    let (d, dse) = est(&f, "consistencyMinusDenoising");
    assert!(d.abs() < 4.0 * dse, "{d} ± {dse}");
    assert!(f64_field(&f, "singleTVarianceRatio") > 10.0);
    let (g, gse) = est(&f, "consistencyKlMinusDenoising");
    assert!(g < -10.0 * gse, "(1.47) as printed is not the ELBO: {g} ± {gse}");
    assert_eq!(Float64Array::from(field(&f, "denoisingVarianceByT")).length(), 100);
    let poor = web::elbo_forms_oracle(&s, &m, json(r#"{"x0": [2, 0], "samples": 1000, "seed": 2, "model": "standard_normal"}"#)).unwrap();
    assert!(est(&poor, "denoising").0 < est(&f, "denoising").0);
    assert!(message(web::elbo_forms_oracle(&s, &m, json(r#"{"model": "perfect"}"#)).unwrap_err()).contains(r#""standard_normal""#));
    assert!(message(web::elbo_forms_oracle(&s, &m, json(r#"{"x0": [1, 2, 3]}"#)).unwrap_err()).contains("x0 has 3 values"));
}

#[wasm_bindgen_test]
async fn a_trained_network_gets_both_elbo_forms_on_the_cpu() {
    let tr = ring8_trained_on_cpu(50, 100.0).await;
    let f = resolve(tr.elbo_forms(json(r#"{"x0": [0, 2], "samples": 300, "seed": 5}"#))).await.unwrap();
    let (d, dse) = est(&f, "consistencyMinusDenoising");
    assert!(d.abs() < 4.5 * dse, "{d} ± {dse}");
    assert!(f64_field(&f, "singleTVarianceRatio") > 1.0);
    assert!(resolve(tr.elbo_forms(json(r#"{"samples": 0}"#))).await.unwrap_err().contains("samples = 0"));
}

#[wasm_bindgen_test]
fn score_matching_losses_differ_by_constants_through_the_js_api() {
    let m = Mixture::ring8(JsValue::UNDEFINED).unwrap();
    let r = web::score_matching(&m, json(r#"{"sigma": 0.3, "samples": 20000, "seed": 1}"#)).map_err(message).unwrap();
    for k in ["implicitResidual", "denoisingResidual"] {
        let arr = js_sys::Array::from(&field(&r, k));
        assert_eq!(arr.length(), 13);
        for e in arr.iter() {
            assert!(f64_field(&e, "mean").abs() < 4.5 * f64_field(&e, "stdError"), "{k}: {e:?}");
        }
    }
    assert_eq!(f64_field(&r, "argminExplicit"), f64_field(&r, "argminImplicit"));
    assert_eq!(f64_field(&r, "argminNoisyExplicit"), f64_field(&r, "argminDenoising"));
    // (2.13): the score does not move with the normalising constant
    let e = web::energy_scores(&m, a(&[1.3, -0.4]), a(&[0.0, 7.0, -3.0]), n(1e-5)).map_err(message).unwrap();
    let exact = Float64Array::from(field(&e, "exactScore")).to_vec();
    for row in js_sys::Array::from(&field(&e, "rows")).iter() {
        let s = Float64Array::from(field(&row, "score")).to_vec();
        assert!((s[0] - exact[0]).abs() < 1e-5 && (s[1] - exact[1]).abs() < 1e-5);
    }
    let bad = message(web::score_matching(&m, json(r#"{"thetas": [{"mean": [0, 0], "variance": 0}]}"#)).unwrap_err());
    assert!(bad.contains("thetas[0].variance = 0"), "{bad}");
}

#[wasm_bindgen_test]
fn tweedie_in_one_dimension_by_quadrature_through_the_js_api() {
    for prior in [
        r#"{"kind": "laplace", "loc": 0, "scale": 1}"#,
        r#"{"kind": "uniform", "lo": -1, "hi": 2}"#,
        r#"{"kind": "gaussian", "mean": 0.5, "variance": 2}"#,
        r#"{"kind": "mixture", "weights": [1, 3], "means": [-2, 1.5], "variances": [0.1, 0.4]}"#,
    ] {
        let r = web::tweedie_1d(json(&format!(r#"{{"prior": {prior}, "sigma": 0.5}}"#))).map_err(message).unwrap();
        assert!(f64_field(&r, "maxAbsResidual") < 1e-6, "{prior}");
        assert_eq!(Float64Array::from(field(&r, "x")).length(), 81);
    }
    for (cfg, want) in [
        (r#"{"prior": {"kind": "cauchy"}}"#, r#"valid ones are "gaussian""#),
        (r#"{"prior": {"kind": "uniform", "lo": 2, "hi": 1}}"#, "prior.lo = 2 must be smaller than prior.hi = 1"),
        (r#"{"sigma": -1}"#, "sigma = -1 is out of range"),
        (r#"{"prior": {"kind": "laplace", "loc": 0}}"#, "prior.scale is missing"),
    ] {
        let msg = message(web::tweedie_1d(json(cfg)).err().unwrap_or_else(|| panic!("{cfg} was accepted")));
        assert!(msg.contains(want), "{cfg}: {msg}");
    }
}
