//! The reverse chain for JavaScript: `Chain.withOracle(config, mixture)` or `trainer.chain(config)`,
//! then `await chain.step()`, `stepBack()`, `runTo(position)`, `inspect()`, `posterior(i)`,
//! `scoreField(points)`. Particles stay in wasm; arrays leave as `Float64Array` copies.

use js_sys::Float64Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{arg_number, arg_numbers, config, count, f64s, integer, seed, JsResult, Obj};
use super::handle::Handle;
use super::mixture::Mixture;
use super::schedule::variance;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::quality;
use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule, MAX_T, MIN_T};
use crate::engine::chain::{Chain as CoreChain, ChainConfig, Init, SamplerKind, StepView, MAX_PARTICLES};
use crate::engine::compare::SamplerComparison;
use crate::engine::predictor::Predictor;
use crate::numerics::error::{check_finite, InputError, Rule};

struct ChainState {
    chain: CoreChain,
    predictor: Predictor,
    mixture: Option<GaussianMixture>,
}

/// A reverse chain of N particles behind a handle. Calls must not overlap (a second call while
/// one runs is refused as busy).
#[wasm_bindgen]
pub struct Chain {
    state: Handle<ChainState>,
}

/// A chain config: `{sampler, particles, seed, init, initScale, x0, tStart}` plus the sampler's
/// own fields (ddpm: variance; ddim: eta, steps; langevin: stepSize, steps; annealed: sigmaMax,
/// sigmaMin, levels, stepsPerLevel, eps); `T` only for `Chain.withOracle`. Defaults: see
/// `defaults().chain` (one source: [`SamplerKind::default_for`]).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChainFields {
    sampler: Option<String>,
    particles: Option<f64>,
    seed: Option<f64>,
    variance: Option<String>,
    eta: Option<f64>,
    steps: Option<f64>,
    step_size: Option<f64>,
    sigma_max: Option<f64>,
    sigma_min: Option<f64>,
    levels: Option<f64>,
    steps_per_level: Option<f64>,
    eps: Option<f64>,
    init: Option<String>,
    init_scale: Option<f64>,
    x0: Option<Vec<f64>>,
    t_start: Option<f64>,
    #[serde(rename = "T")]
    t: Option<f64>,
}

const BIG: usize = 10_000_000;

impl ChainFields {
    fn chain_config(self, dim: usize, t_max: usize) -> Result<ChainConfig, InputError> {
        let name = self.sampler.as_deref().unwrap_or("ddpm");
        let base = SamplerKind::default_for(name, t_max).ok_or_else(|| InputError::one_of("sampler", name, &SamplerKind::NAMES))?;
        let sampler = match base {
            SamplerKind::Ddpm { variance: v } => SamplerKind::Ddpm { variance: self.variance.as_deref().map(variance).transpose()?.unwrap_or(v) },
            SamplerKind::Ddim { eta, steps } => SamplerKind::Ddim { eta: self.eta.unwrap_or(eta), steps: count("steps", self.steps, steps, 0, BIG)? },
            SamplerKind::Langevin { step_size, steps } => SamplerKind::Langevin { step_size: self.step_size.unwrap_or(step_size), steps: count("steps", self.steps, steps, 0, BIG)? },
            SamplerKind::Annealed { sigma_max, sigma_min, levels, steps_per_level, eps } => SamplerKind::Annealed {
                sigma_max: self.sigma_max.unwrap_or(sigma_max),
                sigma_min: self.sigma_min.unwrap_or(sigma_min),
                levels: count("levels", self.levels, levels, 0, BIG)?,
                steps_per_level: count("stepsPerLevel", self.steps_per_level, steps_per_level, 0, BIG)?,
                eps: self.eps.unwrap_or(eps),
            },
        };
        let langevin = matches!(sampler, SamplerKind::Langevin { .. } | SamplerKind::Annealed { .. });
        let init_name = self.init.as_deref().unwrap_or(if langevin { "uniform" } else { "gaussian" });
        let init = match init_name {
            "gaussian" => Init::Gaussian { std: self.init_scale.unwrap_or(Init::GAUSSIAN_SCALE) },
            "uniform" => Init::Uniform { half_width: self.init_scale.unwrap_or(Init::UNIFORM_HALF_WIDTH) },
            "forward" => Init::Forward { x0: self.x0.ok_or_else(|| InputError::new("x0", Rule::Missing, None))? },
            other => return Err(InputError::one_of("init", other, &Init::NAMES)),
        };
        let particles = match (self.particles, &init) {
            (Some(v), _) => integer("particles", v, 1, MAX_PARTICLES as u64)? as usize,
            (None, Init::Forward { x0 }) => x0.len() / dim.max(1),
            (None, _) => ChainConfig::PARTICLES,
        };
        let t_start = self.t_start.map(|v| integer("tStart", v, 1, t_max as u64).map(|v| v as usize)).transpose()?;
        Ok(ChainConfig { sampler, particles, dim, seed: seed(self.seed, 0)?, init, t_start })
    }
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

impl Chain {
    /// Read the config and build the chain. `oracle`: `T` is allowed (the schedule is DDPM's
    /// linear one of that T); for `trainer.chain` the trainer's schedule is used.
    pub(super) fn build(config_value: &JsValue, schedule: NoiseSchedule, dim: usize, predictor: Predictor, mixture: Option<GaussianMixture>, oracle: bool) -> JsResult<Chain> {
        let mut fields: ChainFields = config(config_value)?;
        let schedule = match (fields.t.take(), oracle) {
            (Some(_), false) => return Err(InputError::new("T", Rule::UnknownField(vec!["the trainer's schedule is used".into()]), None).into()),
            (Some(v), true) => {
                let t = integer("T", v, MIN_T as u64, MAX_T as u64)? as usize;
                NoiseSchedule::new(BetaSchedule::linear_default(t), t)?
            }
            (None, _) => schedule,
        };
        let cfg = fields.chain_config(dim, schedule.t_max)?;
        let chain = CoreChain::new(cfg, schedule)?;
        Ok(Chain { state: Handle::new("chain", ChainState { chain, predictor, mixture }) })
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
    pub fn with_oracle(config_value: JsValue, mixture: &Mixture) -> JsResult<Chain> {
        let m = mixture.inner.clone();
        let default = NoiseSchedule::new(BetaSchedule::linear_default(1000), 1000)?;
        Chain::build(&config_value, default, m.dim, Predictor::Oracle(m.clone()), Some(m), true)
    }

    /// Steps in the chain; positions run 0..=length.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> JsResult<usize> {
        Ok(self.state.get()?.chain.len())
    }

    /// `chain.at`: `{position, t, length, level?, noiseSigma?}`, where the chain is (t = 0 at the end of DDPM/DDIM).
    #[wasm_bindgen(getter)]
    pub fn at(&self) -> JsResult<JsValue> {
        Ok(Chain::position_info(&*self.state.get()?).build())
    }

    /// "oracle", "network" or "ncsn".
    #[wasm_bindgen(getter)]
    pub fn predictor(&self) -> JsResult<String> {
        Ok(self.state.get()?.predictor.name().into())
    }

    /// The current particles (N × D, row-major).
    pub fn state(&self) -> JsResult<Float64Array> {
        Ok(f64s(self.state.get()?.chain.state()))
    }

    /// The position of the first step whose t ≤ `t` (for a slider over t).
    #[wasm_bindgen(js_name = positionOfT)]
    pub fn position_of_t(&self, #[wasm_bindgen(unchecked_param_type = "number")] t: JsValue) -> JsResult<usize> {
        let t = arg_number(&t, "t")?;
        let t = integer("t", t, 0, BIG as u64)? as usize;
        Ok(self.state.get()?.chain.position_of_t(t))
    }

    /// The σ ladder of an annealed chain (empty otherwise).
    pub fn sigmas(&self) -> JsResult<Float64Array> {
        Ok(f64s(&self.state.get()?.chain.sigmas()))
    }

    /// What the model says at the current state, i.e. the step that `step()` would take:
    /// `{position, t, x, mean, sigma, x0, eps, score, next}` (arrays N × D), or null at the end.
    pub fn inspect(&self) -> js_sys::Promise {
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let info = Chain::position_info(st);
            let v = st.chain.inspect(&st.predictor).await?;
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
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let v = st.chain.step(&st.predictor).await?;
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
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let moved = st.chain.step_back(&st.predictor).await?;
            Ok(JsValue::from_bool(moved))
        })
    }

    /// Move to `position` (0..=length, clamped), forward or back; resolves to `{position, t, length,
    /// reached}`. A call takes at most one work budget of steps (`reached: false`): call again to go on.
    #[wasm_bindgen(js_name = runTo)]
    pub fn run_to(&self, #[wasm_bindgen(unchecked_param_type = "number")] position: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let position = arg_number(&position, "position");
        wasm_bindgen_futures::future_to_promise(async move {
            let target = integer("position", position?, 0, BIG as u64)? as usize;
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let reached = st.chain.run_toward(target, &st.predictor).await?;
            Ok(Chain::position_info(st).set("reached", reached).build())
        })
    }

    /// Forward-then-reverse mode: particle i's true posterior q(x_{t−1}|x_t,x_0) beside p_θ:
    /// `{x0, mean, variance, modelMean, modelVariance, kl}` (kl: nats, null at t = 1), or null when
    /// the chain did not start from known x_0 or the step is not a DDPM step.
    pub fn posterior(&self, #[wasm_bindgen(unchecked_param_type = "number")] particle: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let particle = arg_number(&particle, "particle");
        wasm_bindgen_futures::future_to_promise(async move {
            let i = integer("particle", particle?, 0, BIG as u64)? as usize;
            let mut guard = state.get_mut()?;
            let st = &mut *guard;
            let p = st.chain.posterior(i, &st.predictor).await?;
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
    pub fn score_field(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] points: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let points = arg_numbers(&points, "points");
        wasm_bindgen_futures::future_to_promise(async move {
            let points = points?;
            check_finite("points", &points)?;
            let guard = state.get_mut()?;
            let s = guard.chain.score_field(&points, &guard.predictor).await?;
            Ok(f64s(&s).into())
        })
    }

    /// Sample quality of the current particles against `reference` data (N' × D): `{mmd2, kernel}`
    /// and, when the chain knows the data's mixture, `{meanLogDensity, modeFractions,
    /// modeWeights, modeWeightError}`.
    pub fn quality(&self, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] reference: JsValue) -> JsResult<JsValue> {
        self.quality_of(&arg_numbers(&reference, "reference")?)
    }
}

impl Chain {
    fn quality_of(&self, reference: &[f64]) -> JsResult<JsValue> {
        let st = self.state.get()?;
        let d = st.chain.config.dim;
        let (mmd, used, used_ref) = quality::mmd2_at_most(st.chain.state(), reference, d, quality::MMD_MAX_POINTS)?;
        let mut o = Obj::new().set("mmd2", mmd).set("points", used as f64).set("referencePoints", used_ref as f64).set("kernel", format!("mean of Gaussian kernels exp(−‖x−y‖²/2h²), h ∈ {:?}", quality::MMD_BANDWIDTHS));
        if let Some(m) = &st.mixture {
            let q = quality::mixture_quality(m, st.chain.state())?;
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
pub fn mmd2(#[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] a: JsValue, #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] b: JsValue, #[wasm_bindgen(unchecked_param_type = "number")] dim: JsValue) -> JsResult<f64> {
    let a = &arg_numbers(&a, "a")?;
    let b = &arg_numbers(&b, "b")?;
    let dim = arg_number(&dim, "dim")?;
    let d = integer("dim", dim, 1, 4096)? as usize;
    Ok(quality::mmd2(a, b, d)?)
}

/// The DDPM-vs-DDIM comparison as the page draws it.
pub(super) fn comparison_object(r: &SamplerComparison) -> JsValue {
    let run = |x: &crate::engine::compare::SamplerRun| {
        Obj::new()
            .set("state", f64s(&x.state))
            .set("steps", x.steps as f64)
            .set("ms", x.ms)
            .set("mmd2", x.mmd2)
            .set("modeWeightError", x.mode_weight_error.map(JsValue::from_f64).unwrap_or(JsValue::NULL))
            .build()
    };
    Obj::new().set("ddpm", run(&r.ddpm)).set("ddim", run(&r.ddim)).set("sameStart", r.same_start).set("floor", r.floor).build()
}

/// DDPM (every t, σ² = β) against DDIM (η = 0, 50 steps) driven by the exact oracle of `mixture`,
/// from the same seed: the same result as `trainer.compare`, on DDPM's linear schedule of `T`.
/// Options `{particles: 2000, seed: 0, T: 1000, dataset: "ring8", reference?}`. In one call; the
/// page uses `Comparison.withOracle` to show progress and stop.
#[wasm_bindgen(js_name = compareSamplers)]
pub fn compare_samplers(mixture: &Mixture, options: JsValue) -> js_sys::Promise {
    let prepared = super::compare::oracle_run(mixture, &options);
    wasm_bindgen_futures::future_to_promise(async move {
        let (mut run, predictor) = prepared?;
        let clock = || js_sys::Date::now();
        while !run.advance(&predictor, &clock).await? {}
        Ok(comparison_object(&run.finish()?))
    })
}

/// `{dataset: "ring8"} | {reference: [the reader's points]}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QualityOptions {
    dataset: Option<String>,
    reference: Option<Vec<f64>>,
}

#[wasm_bindgen]
impl Chain {
    /// `quality` against held-out data the engine draws itself (1000 points, seed 777) from
    /// `dataset`, or resampled from the reader's `reference` points, plus `floor`: the MMD² of a
    /// second data sample of the chain's size (seed 778).
    #[wasm_bindgen(js_name = qualityAgainst)]
    pub fn quality_against(&self, options: JsValue) -> JsResult<JsValue> {
        let o: QualityOptions = config(&options)?;
        let (n, d) = {
            let st = self.state.get()?;
            (st.chain.state().len() / st.chain.config.dim, st.chain.config.dim)
        };
        let reference = crate::engine::compare::Reference::choose(Some(o.dataset.as_deref().unwrap_or("ring8")).filter(|_| o.reference.is_none()), o.reference.as_ref(), d, None)?;
        let (refs, floor) = reference.held_out_and_floor(n, d)?;
        let q = self.quality_of(&refs)?;
        js_sys::Reflect::set(&q, &"floor".into(), &floor.into()).ok();
        Ok(q)
    }
}
