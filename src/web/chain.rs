//! The reverse chain for JavaScript: `Chain.withOracle(config, mixture)` or `trainer.chain(config)`,
//! then `await chain.step()`, `stepBack()`, `runTo(position)`, `inspect()`, `posterior(i)`,
//! `scoreField(points)`. Particles stay in wasm; arrays leave as `Float64Array` copies.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use super::{f64s, integer, js_err, variance, Config, JsResult, Mixture, Obj};
use crate::engine::chain::{Chain as CoreChain, ChainConfig, Init, SamplerKind, StepView};
use crate::diffusion::oracle::GaussianMixture;
use crate::engine::predictor::Predictor;
use crate::diffusion::quality;
use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule};

struct ChainState {
    chain: CoreChain,
    predictor: Predictor,
    mixture: Option<GaussianMixture>,
}

/// A reverse chain of N particles behind a handle. Calls must not overlap (a second call while
/// one runs is refused with a message).
#[wasm_bindgen]
pub struct Chain {
    state: Rc<RefCell<ChainState>>,
}

/// The chain config's fields; `T` (last) only for `Chain.withOracle`.
const FIELDS: [&str; 17] = [
    "sampler", "particles", "seed", "variance", "eta", "steps", "stepSize", "sigmaMax", "sigmaMin", "levels", "stepsPerLevel", "eps", "init", "initScale",
    "x0", "tStart", "T",
];

/// Read a chain config: `{sampler, particles, seed, init, initScale, x0, tStart}` plus the
/// sampler's own fields (ddpm: variance; ddim: eta, steps; langevin: stepSize, steps; annealed:
/// sigmaMax, sigmaMin, levels, stepsPerLevel, eps).
fn chain_config(c: &Config, dim: usize, t_max: usize) -> JsResult<ChainConfig> {
    let num = |k: &str, default: f64| -> JsResult<f64> { Ok(c.number(k)?.unwrap_or(default)) };
    let count = |k: &str, default: f64, max: f64| -> JsResult<usize> { Ok(integer(k, num(k, default)?, max)? as usize) };
    let sampler = match c.string("sampler")?.as_deref().unwrap_or("ddpm") {
        "ddpm" => SamplerKind::Ddpm { variance: variance(c.string("variance")?.as_deref().unwrap_or("beta_tilde"))? },
        "ddim" => SamplerKind::Ddim { eta: num("eta", 0.0)?, steps: count("steps", 50.0_f64.min(t_max as f64), 1e7)? },
        "langevin" => SamplerKind::Langevin { step_size: num("stepSize", 0.01)?, steps: count("steps", 200.0, 1e7)? },
        "annealed" => SamplerKind::Annealed {
            sigma_max: num("sigmaMax", 3.0)?,
            sigma_min: num("sigmaMin", 0.05)?,
            levels: count("levels", 10.0, 1e7)?,
            steps_per_level: count("stepsPerLevel", 20.0, 1e7)?,
            eps: num("eps", 2e-4)?,
        },
        other => return Err(JsError::new(&format!("unknown sampler \"{other}\": valid ones are \"ddpm\", \"ddim\", \"langevin\", \"annealed\""))),
    };
    let langevin = matches!(sampler, SamplerKind::Langevin { .. } | SamplerKind::Annealed { .. });
    let init = match c.string("init")?.as_deref().unwrap_or(if langevin { "uniform" } else { "gaussian" }) {
        "gaussian" => Init::Gaussian { std: num("initScale", 1.0)? },
        "uniform" => Init::Uniform { half_width: num("initScale", 3.0)? },
        "forward" => Init::Forward { x0: c.numbers("x0")?.ok_or_else(|| JsError::new("init \"forward\" needs x0: one data point per particle, row-major"))? },
        other => return Err(JsError::new(&format!("unknown init \"{other}\": valid ones are \"gaussian\", \"uniform\", \"forward\""))),
    };
    let particles = match (c.number("particles")?, &init) {
        (Some(v), _) => integer("particles", v, 1e7)? as usize,
        (None, Init::Forward { x0 }) => x0.len() / dim.max(1),
        (None, _) => 1000,
    };
    let t_start = c.number("tStart")?.map(|v| integer("tStart", v, 1e7).map(|v| v as usize)).transpose()?;
    Ok(ChainConfig { sampler, particles, dim, seed: integer("seed", num("seed", 0.0)?, 9_007_199_254_740_991.0)?, init, t_start })
}

fn view(v: &StepView) -> Obj {
    let s = &v.step;
    Obj::new()
        .set("x", f64s(&v.x))
        .set("mean", f64s(&s.mean))
        .set("sigma", s.sigma)
        .set("x0", f64s(&s.x0))
        .set("eps", f64s(&s.eps))
        .set("score", f64s(&s.score))
        .set("next", f64s(&s.prev))
}

fn busy() -> JsValue {
    JsError::new("the chain is busy: wait for the previous call to finish").into()
}

impl Chain {
    /// `trainer.chain(config)`: every field but `T` (the trainer's schedule is used).
    pub(super) fn build(config: JsValue, schedule: NoiseSchedule, dim: usize, predictor: Predictor, mixture: Option<GaussianMixture>) -> JsResult<Chain> {
        let c = Config::parse("chain config", config, "{sampler: \"ddpm\", particles: 1000, seed: 0}")?;
        c.finish(&FIELDS[..FIELDS.len() - 1])?;
        Chain::from_parsed(&c, schedule, dim, predictor, mixture)
    }

    fn from_parsed(c: &Config, schedule: NoiseSchedule, dim: usize, predictor: Predictor, mixture: Option<GaussianMixture>) -> JsResult<Chain> {
        let cfg = chain_config(c, dim, schedule.t_max)?;
        let chain = CoreChain::new(cfg, schedule).map_err(js_err)?;
        Ok(Chain { state: Rc::new(RefCell::new(ChainState { chain, predictor, mixture })) })
    }

    fn position_info(st: &ChainState) -> Obj {
        let o = Obj::new().set("position", st.chain.position() as f64).set("t", st.chain.t() as f64).set("length", st.chain.len() as f64);
        match st.chain.sigma_level() {
            Some((level, sigma)) => o.set("level", level as f64).set("noiseSigma", sigma),
            None => o,
        }
    }
}

#[wasm_bindgen]
impl Chain {
    /// A chain driven by the exact oracle of `mixture` (no network): `config` as for
    /// `trainer.chain`, plus `T` (default 1000) for DDPM's linear schedule.
    #[wasm_bindgen(js_name = withOracle)]
    pub fn with_oracle(config: JsValue, mixture: &Mixture) -> JsResult<Chain> {
        let c = Config::parse("chain config", config, "{sampler: \"ddpm\", particles: 1000, seed: 0, T: 1000}")?;
        c.finish(&FIELDS)?;
        let t_max = match c.number("T")? {
            Some(v) => integer("T", v, 1e7)? as usize,
            None => 1000,
        };
        let schedule = NoiseSchedule::new(BetaSchedule::linear_default(t_max.max(1)), t_max).map_err(js_err)?;
        let m = mixture.inner.clone();
        Chain::from_parsed(&c, schedule, m.dim, Predictor::Oracle(m.clone()), Some(m))
    }

    /// Steps in the chain; positions run 0..=length.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> JsResult<usize> {
        Ok(self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?.chain.len())
    }

    /// `chain.at`: `{position, t, length, level?, noiseSigma?}`, where the chain is (t = 0 at the end of DDPM/DDIM).
    #[wasm_bindgen(getter)]
    pub fn at(&self) -> JsResult<JsValue> {
        let st = self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?;
        Ok(Chain::position_info(&st).build())
    }

    /// "oracle", "network" or "ncsn".
    #[wasm_bindgen(getter)]
    pub fn predictor(&self) -> JsResult<String> {
        Ok(self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?.predictor.name().into())
    }

    /// The current particles (N × D, row-major).
    pub fn state(&self) -> JsResult<Float64Array> {
        Ok(f64s(self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?.chain.state()))
    }

    /// The position of the first step whose t ≤ `t` (for a slider over t).
    #[wasm_bindgen(js_name = positionOfT)]
    pub fn position_of_t(&self, t: f64) -> JsResult<usize> {
        let t = integer("t", t, 1e7)? as usize;
        Ok(self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?.chain.position_of_t(t))
    }

    /// The σ ladder of an annealed chain (empty otherwise).
    pub fn sigmas(&self) -> JsResult<Float64Array> {
        Ok(f64s(&self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?.chain.sigmas()))
    }

    /// What the model says at the current state, i.e. the step that `step()` would take:
    /// `{position, t, x, mean, sigma, x0, eps, score, next}` (arrays N × D), or null at the end.
    pub fn inspect(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = &mut *guard;
            let info = Chain::position_info(st);
            let v = st.chain.inspect(&st.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(match v {
                Some(v) => {
                    let mut o = view(v);
                    for k in ["position", "t", "length", "level", "noiseSigma"] {
                        let val = js_sys::Reflect::get(&info.0, &k.into()).unwrap_or(JsValue::UNDEFINED);
                        if !val.is_undefined() {
                            o = o.set(k, val);
                        }
                    }
                    o.build()
                }
                None => JsValue::NULL,
            })
        })
    }

    /// Take one step. Resolves to the step taken `{x, mean, sigma, x0, eps, score, next}` with the
    /// new `{position, t, length}`, or null when the chain is at its end.
    pub fn step(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = &mut *guard;
            let v = st.chain.step(&st.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(match v {
                Some(v) => view(&v).set("position", st.chain.position() as f64).set("t", st.chain.t() as f64).set("length", st.chain.len() as f64).build(),
                None => JsValue::NULL,
            })
        })
    }

    /// Go back one step to exactly the earlier state; resolves to false at position 0.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = &mut *guard;
            let moved = st.chain.step_back(&st.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(JsValue::from_bool(moved))
        })
    }

    /// Move to `position` (0..=length, clamped), forward or back; resolves to `{position, t, length}`.
    #[wasm_bindgen(js_name = runTo)]
    pub fn run_to(&self, position: f64) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let target = integer("position", position, 1e9).map_err(JsValue::from)? as usize;
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = &mut *guard;
            st.chain.run_to(target, &st.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(Chain::position_info(st).build())
        })
    }

    /// Forward-then-reverse mode: particle i's true posterior q(x_{t−1}|x_t,x_0) beside p_θ:
    /// `{x0, mean, variance, modelMean, modelVariance, kl}` (kl: nats, null at t = 1), or null when
    /// the chain did not start from known x_0 or the step is not a DDPM step.
    pub fn posterior(&self, particle: f64) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let i = integer("particle", particle, 1e9).map_err(JsValue::from)? as usize;
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let st = &mut *guard;
            let p = st.chain.posterior(i, &st.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(match p {
                Some(p) => Obj::new()
                    .set("x0", f64s(&p.x0))
                    .set("mean", f64s(&p.mean))
                    .set("variance", p.variance)
                    .set("modelMean", f64s(&p.model_mean))
                    .set("modelVariance", p.model_variance)
                    .set("kl", p.kl.map(JsValue::from_f64).unwrap_or(JsValue::NULL))
                    .build(),
                None => JsValue::NULL,
            })
        })
    }

    /// The score the current step uses, at `points` (row-major, D each): the vector field at this
    /// t or σ, from the network or the oracle.
    #[wasm_bindgen(js_name = scoreField)]
    pub fn score_field(&self, points: Vec<f64>) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            crate::numerics::error::check_finite("points", &points).map_err(|e| JsValue::from(js_err(e)))?;
            let guard = state.try_borrow_mut().map_err(|_| busy())?;
            let s = guard.chain.score_field(&points, &guard.predictor).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(f64s(&s).into())
        })
    }

    /// Sample quality of the current particles against `reference` data (N' × D): `{mmd2, kernel}`
    /// and, when the chain knows the data's mixture, `{meanLogDensity, modeFractions,
    /// modeWeights, modeWeightError}`.
    pub fn quality(&self, reference: &[f64]) -> JsResult<JsValue> {
        let st = self.state.try_borrow().map_err(|_| JsError::new("the chain is busy"))?;
        let d = st.chain.config.dim;
        let mmd = quality::mmd2(st.chain.state(), reference, d).map_err(js_err)?;
        let mut o = Obj::new().set("mmd2", mmd).set("kernel", format!("mean of Gaussian kernels exp(−‖x−y‖²/2h²), h ∈ {:?}", quality::MMD_BANDWIDTHS));
        if let Some(m) = &st.mixture {
            let q = quality::mixture_quality(m, st.chain.state()).map_err(js_err)?;
            o = o
                .set("meanLogDensity", q.mean_log_density)
                .set("modeFractions", f64s(&q.mode_fractions))
                .set("modeWeights", f64s(&m.weights))
                .set("modeWeightError", q.mode_weight_error);
        }
        Ok(o.build())
    }
}

/// The unbiased MMD² between two samples (row-major, `dim` each) with the kernel of `quality`:
/// a mean of Gaussian kernels at h = 0.1, 0.3, 1. Two samples of the same distribution give ≈ 0.
#[wasm_bindgen]
pub fn mmd2(a: &[f64], b: &[f64], dim: f64) -> JsResult<f64> {
    let d = integer("dim", dim, 4096.0)? as usize;
    if d == 0 {
        return Err(JsError::new("dim = 0 is out of range: dim must be an integer ≥ 1"));
    }
    quality::mmd2(a, b, d).map_err(js_err)
}
