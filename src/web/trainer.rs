//! `Trainer`: a training run behind a handle (`await Trainer.create(config, {backend})`), and what
//! it answers about its network — the held-out ELBO, the ELBO forms, a reverse chain, the
//! DDPM-vs-DDIM comparison, checkpoints. Asynchronous methods return Promises; calls must not
//! overlap (the handle refuses a second call as busy).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::backend::{backend_info, webgpu};
use super::chain::{comparison_object, Chain};
use super::convert::{arg_bytes, arg_number, config, count, f64s, finite_all, from_tree, integer, seed, Js, JsResult, Obj};
use super::handle::Handle;
use super::schedule::{prediction, variance};
use super::forms::{forms, FormsOptions};
use crate::data::toy::Dataset;
use crate::diffusion::objective::Weighting;
use crate::diffusion::schedule::BetaSchedule;
use crate::engine::backend::{self, Backend};
use crate::engine::compare::{self, Reference};
use crate::engine::evaluate::EvalConfig;
use crate::engine::model::DenoiserConfig;
use crate::engine::train::Trainer as CoreTrainer;
use crate::engine::train_config::{DataSource, LrSchedule, SigmaLadder, TSampling, TrainConfig};
use crate::numerics::error::{check_range, short_number, InputError, Interval, Rule};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct TrainFields {
    dataset: Option<String>,
    points: Option<Vec<f64>>,
    dim: Option<f64>,
    train: Option<f64>,
    heldout: Option<f64>,
    schedule: Option<String>,
    #[serde(rename = "T")]
    t: Option<f64>,
    parameterization: Option<String>,
    weighting: Option<String>,
    width: Option<f64>,
    depth: Option<f64>,
    time_dim: Option<f64>,
    learning_rate: Option<f64>,
    lr_schedule: Option<Js>,
    ema: Option<f64>,
    t_sampling: Option<Js>,
    antithetic: Option<bool>,
    batch_size: Option<f64>,
    seed: Option<f64>,
    ncsn: Option<Js>,
    flow_matching: Option<bool>,
}

/// `lrSchedule: {kind: "constant" | "step_decay" | "warmup_cosine", warmup, total, floor}`; the
/// numbers only for "warmup_cosine" (each defaults to the engine's).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LrScheduleFields {
    kind: Option<String>,
    warmup: Option<f64>,
    total: Option<f64>,
    floor: Option<f64>,
}

/// `tSampling: {kind: "uniform" | "loss_aware", uniform}` (`uniform`: the uniform share mixed in).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TSamplingFields {
    kind: Option<String>,
    uniform: Option<f64>,
}

/// A nested object's fields, with errors named `<outer>.<field>`.
fn nested<T: serde::de::DeserializeOwned>(outer: &str, js: &Js) -> Result<T, InputError> {
    from_tree(js).map_err(|e| {
        let field = if e.field.is_empty() { outer.to_string() } else { format!("{outer}.{}", e.field) };
        InputError::new(&field, e.rule, e.value)
    })
}

fn lr_schedule(js: &Js, current: &LrSchedule) -> Result<LrSchedule, InputError> {
    let f: LrScheduleFields = nested("lrSchedule", js)?;
    let d = match current {
        LrSchedule::WarmupCosine { .. } => current.clone(),
        _ => LrSchedule::WARMUP_COSINE_DEFAULT,
    };
    let LrSchedule::WarmupCosine { warmup, total, floor } = d else { unreachable!("a warm-up cosine") };
    let kind = f.kind.as_deref().unwrap_or(current.name());
    let given = [("warmup", f.warmup), ("total", f.total), ("floor", f.floor)].into_iter().find_map(|(n, v)| v.map(|v| (n, v)));
    match kind {
        // the numbers belong to the warm-up cosine only
        "constant" | "step_decay" if given.is_some() => {
            let (name, v) = given.expect("checked");
            Err(InputError::new(&format!("lrSchedule.{name}"), Rule::UnknownField(vec!["kind".into()]), Some(short_number(v))))
        }
        "constant" => Ok(LrSchedule::Constant),
        "step_decay" => Ok(LrSchedule::StepDecay),
        "warmup_cosine" => Ok(LrSchedule::WarmupCosine {
            warmup: count("lrSchedule.warmup", f.warmup, warmup, 0, 100_000_000)?,
            total: count("lrSchedule.total", f.total, total, 1, 100_000_000)?,
            floor: match f.floor {
                Some(v) => {
                    check_range("lrSchedule.floor", v, Interval::closed(0.0, 1.0))?;
                    v
                }
                None => floor,
            },
        }),
        other => Err(InputError::one_of("lrSchedule.kind", other, &LrSchedule::NAMES)),
    }
}

fn t_sampling(js: &Js, current: &TSampling) -> Result<TSampling, InputError> {
    let f: TSamplingFields = nested("tSampling", js)?;
    let uniform_default = match current {
        TSampling::LossAware { uniform } => *uniform,
        TSampling::Uniform => TSampling::LOSS_AWARE_UNIFORM,
    };
    match f.kind.as_deref().unwrap_or(current.name()) {
        "uniform" if f.uniform.is_some() => Err(InputError::new("tSampling.uniform", Rule::UnknownField(vec!["kind".into()]), f.uniform.map(short_number))),
        "uniform" => Ok(TSampling::Uniform),
        "loss_aware" => {
            let uniform = f.uniform.unwrap_or(uniform_default);
            check_range("tSampling.uniform", uniform, Interval::open_closed(0.0, 1.0))?;
            Ok(TSampling::LossAware { uniform })
        }
        other => Err(InputError::one_of("tSampling.kind", other, &TSampling::NAMES)),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NcsnFields {
    sigma_max: Option<f64>,
    sigma_min: Option<f64>,
    levels: Option<f64>,
}

const BIG: usize = 10_000_000;

impl TrainFields {
    /// The training config these fields describe, over the defaults of [`TrainConfig`].
    pub(super) fn config(self) -> Result<TrainConfig, InputError> {
        let mut cfg = match self.dataset.as_deref().unwrap_or("ring8") {
            "digits" => TrainConfig::digits(),
            "points" => {
                let points = self.points.ok_or_else(|| InputError::new("points", Rule::Missing, None))?;
                let dim = count("dim", self.dim, 2, 1, 1024)?;
                let mut t = TrainConfig::toy(Dataset::ring8_default());
                t.model = DenoiserConfig::new(dim);
                t.data = DataSource::Points { points, dim };
                t
            }
            name => {
                let mut names: Vec<&str> = Dataset::NAMES.to_vec();
                names.extend(["digits", "points"]);
                TrainConfig::toy(Dataset::by_name(name).map_err(|_| InputError::one_of("dataset", name, &names))?)
            }
        };
        if self.ncsn.is_some() {
            cfg = cfg.plain_recipe(); // NCSN keeps DDPM's plain recipe unless the fields below ask otherwise
        }
        let opt = |field: &str, v: Option<f64>, current: usize| count(field, v, current, 0, BIG);
        cfg.n_train = opt("train", self.train, cfg.n_train)?;
        cfg.n_heldout = opt("heldout", self.heldout, cfg.n_heldout)?;
        if let Some(v) = self.t {
            cfg.t_max = integer("T", v, 0, BIG as u64)? as usize;
            cfg.schedule = BetaSchedule::linear_default(cfg.t_max.max(1));
        }
        match self.schedule.as_deref() {
            None | Some("linear") => {}
            Some("cosine") => cfg.schedule = BetaSchedule::cosine_default(),
            Some(other) => return Err(InputError::one_of("schedule", other, &["linear", "cosine"])),
        }
        if let Some(p) = &self.parameterization {
            cfg.parameterization = prediction(p)?;
        }
        if let Some(w) = &self.weighting {
            cfg.weighting = Weighting::parse(w)?;
        }
        cfg.model.width = opt("width", self.width, cfg.model.width)?;
        cfg.model.depth = opt("depth", self.depth, cfg.model.depth)?;
        cfg.model.time_dim = opt("timeDim", self.time_dim, cfg.model.time_dim)?;
        cfg.batch_size = opt("batchSize", self.batch_size, cfg.batch_size)?;
        if let Some(v) = self.learning_rate {
            cfg.learning_rate = v;
        }
        if let Some(js) = &self.lr_schedule {
            cfg.lr_schedule = lr_schedule(js, &cfg.lr_schedule)?;
        }
        if let Some(v) = self.ema {
            check_range("ema", v, Interval::closed_open(0.0, 1.0))?;
            cfg.ema = if v == 0.0 { None } else { Some(v) }; // decay 0: the average is the weights
        }
        if let Some(js) = &self.t_sampling {
            cfg.t_sampling = t_sampling(js, &cfg.t_sampling)?;
        }
        if let Some(v) = self.antithetic {
            cfg.antithetic = v;
        }
        cfg.seed = seed(self.seed, cfg.seed)?;
        if let Some(js) = &self.ncsn {
            let n: NcsnFields = from_tree(js).map_err(|e| InputError::new(&format!("ncsn.{}", e.field), e.rule, e.value))?;
            let d = SigmaLadder::default();
            cfg.ncsn = Some(SigmaLadder {
                sigma_max: n.sigma_max.unwrap_or(d.sigma_max),
                sigma_min: n.sigma_min.unwrap_or(d.sigma_min),
                levels: count("ncsn.levels", n.levels, d.levels, 0, 1_000_000)?,
            });
            if self.parameterization.is_none() {
                cfg.parameterization = crate::diffusion::parameterization::Prediction::Score;
            }

        }
        cfg.flow = self.flow_matching.unwrap_or(false);
        cfg.validate()?;
        Ok(cfg)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TrainerOptions {
    backend: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LevelErrorOptions {
    points: Option<f64>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TErrorOptions {
    points: Option<f64>,
    seed: Option<f64>,
    ts: Option<Vec<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LikelihoodOptions {
    points: Option<f64>,
    steps: Option<f64>,
    method: Option<String>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LiveOptions {
    particles: Option<f64>,
    nfe: Option<f64>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QualityOptions {
    nfes: Option<Vec<f64>>,
    samplers: Option<Vec<String>>,
    particles: Option<f64>,
    seed: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HeldOutOptions {
    points: Option<f64>,
    t_samples: Option<f64>,
    variance: Option<String>,
    refine: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CompareOptions {
    particles: Option<f64>,
    seed: Option<f64>,
    /// the data set to score against (default: the trainer's own)
    dataset: Option<String>,
    /// the reader's points to score against (row-major, 2-D)
    reference: Option<Vec<f64>>,
}

struct TrainerState {
    core: CoreTrainer,
    backend: Backend,
}

/// A training run behind a handle. Create with `await Trainer.create(config, {backend})`.
#[wasm_bindgen]
pub struct Trainer {
    state: Handle<TrainerState>,
}

fn promise<F>(f: F) -> js_sys::Promise
where
    F: std::future::Future<Output = JsResult<JsValue>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(f)
}

#[wasm_bindgen]
impl Trainer {
    /// Validate the config and build the trainer on `options.backend`: "auto" (default: WebGPU
    /// when it works, else CPU), "webgpu" or "cpu". The config is checked before any work.
    /// Config: `{dataset, points, dim, train, heldout, schedule, T, parameterization, weighting,
    /// width, depth, timeDim, learningRate, lrSchedule: {kind, warmup, total, floor}, ema,
    /// tSampling: {kind, uniform}, antithetic, batchSize, seed, ncsn: {sigmaMax, sigmaMin, levels}, flowMatching}`
    /// (the recipe's fields default to `defaults().train`; `learningRate` is the schedule's peak,
    /// `ema` the decay of the weights' moving average, 0 for none).
    pub async fn create(config_value: JsValue, options: JsValue) -> JsResult<Trainer> {
        let fields: TrainFields = config(&config_value)?;
        let cfg = fields.config()?;
        let o: TrainerOptions = config(&options)?;
        let backend = match o.backend.as_deref().unwrap_or("auto") {
            "cpu" => backend::init_cpu(),
            "webgpu" => webgpu().await.map_err(|e| super::convert::device_error(&e))?,
            "auto" => webgpu().await.unwrap_or_else(|_| backend::init_cpu()),
            #[cfg(feature = "ndarray")]
            "ndarray" => backend::init_cpu_ndarray(),
            other => return Err(InputError::one_of("backend", other, &["auto", "webgpu", "cpu"]).into()),
        };
        let core = CoreTrainer::new(cfg, &backend.device)?;
        Ok(Trainer { state: Handle::new("trainer", TrainerState { core, backend }) })
    }

    /// `{kind, adapter, api}` of the device this trainer runs on.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> JsResult<JsValue> {
        Ok(backend_info(&self.state.get()?.backend, None).build())
    }

    /// The peak learning rate of the next steps (Adam keeps its moments); the config's
    /// `lrSchedule` still scales it by the step (set `lrSchedule: {kind: "constant"}` to drive the
    /// rate from here alone).
    #[wasm_bindgen(setter, js_name = learningRate)]
    pub fn set_learning_rate(&self, #[wasm_bindgen(js_name = value, unchecked_param_type = "number")] lr: JsValue) -> JsResult<()> {
        let lr = arg_number(&lr, "value")?;
        check_range("learningRate", lr, Interval::open_closed(0.0, 1.0))?;
        self.state.get_mut()?.core.config.learning_rate = lr;
        Ok(())
    }

    /// Optimisation steps done so far.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> JsResult<usize> {
        Ok(self.state.get()?.core.step_count())
    }

    /// Run up to n steps; resolves to `{steps, totalSteps, losses: Float64Array, mean, min, max,
    /// stopped?, deviceError?}` (`stopped`: why a non-finite loss or a failed device ended training;
    /// the last good weights stay; `deviceError`: the device failed, e.g. a lost GPU).
    pub fn run(&self, #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let n = arg_number(&n, "n");
        promise(async move {
            let n = integer("n", n?, 1, 1_000_000)? as usize;
            let mut st = state.get_mut()?;
            // ten budgets (a few seconds), counting ~1 ms of fixed cost per step: a long run is asked
            // for in chunks (the page's worker does ~150 ms each)
            crate::numerics::budget::check_work("n", n as f64, n as f64 * (st.core.step_work() + 1e6) / 10.0, "n × (3 × batchSize × the network's multiply-adds + 1e6) / 10")?;
            let r = st.core.run(n).await;
            let o = Obj::new()
                .set("steps", r.steps as f64)
                .set("totalSteps", r.total_steps as f64)
                .set("losses", f64s(&r.losses))
                .set("mean", finite_or_null(r.mean))
                .set("min", finite_or_null(r.min))
                .set("max", finite_or_null(r.max));
            Ok(match r.stopped {
                Some(m) => o.set("stopped", m).set("deviceError", r.device_failed),
                None => o,
            }
            .build())
        })
    }

    /// Mean training loss per t-bin (`defaults().train.lossBins` bins over 1..=T): which t are
    /// hard. An array of numbers, `null` for a bin no step has sampled yet.
    #[wasm_bindgen(js_name = lossByT, unchecked_return_type = "(number | null)[]")]
    pub fn loss_by_t(&self) -> JsResult<JsValue> {
        let bins = self.state.get()?.core.loss_by_t();
        Ok(bins.iter().map(|v| if v.is_finite() { JsValue::from_f64(*v) } else { JsValue::NULL }).collect::<js_sys::Array>().into())
    }

    /// The held-out −ELBO per dimension: `{negElboPerDim, stdError, unit, points, reconstruction,
    /// prior, denoising, klByT, dataEntropyPerDim?, dataEntropyStdError?, gapPerDim?, gapStdError?,
    /// oracleNegElboPerDim?, oracleStdError?, oracleGapPerDim?, oracleGapStdError?}` — for ring8 the
    /// gap −ELBO − (−log q(x_0)) paired point by point (≥ KL(data ‖ model)/D), and the same for the
    /// exact mixture's predictions on the same draws (the floor).
    /// Options `{points: 256, tSamples: 64, variance: "beta_tilde" | "beta" | "fixed_large", refine: false}` (tSamples
    /// 0 = every t; variance: σ_t² of p_θ(x_{t−1}|x_t) and of the decoder). With `refine: true` each
    /// call adds `points` (default 32) more held-out points at every t (tSamples is not used) to a
    /// running estimate of the model as it is now, pooled per point, and returns the pooled figures
    /// with `rounds`, `targetStdError` (0.02), `precise` (the −ELBO and the gaps have standard errors
    /// within the target, on ≥ 512 points) and `refined` (done: precise, or three passes made).
    #[wasm_bindgen(js_name = heldOut)]
    pub fn held_out(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<HeldOutOptions>(&options);
        promise(async move {
            let o = read?;
            let d = EvalConfig::default();
            let variance = variance(o.variance.as_deref().unwrap_or("beta_tilde"))?;
            let eval = EvalConfig { points: count("points", o.points, d.points, 1, 100_000)?, t_samples: count("tSamples", o.t_samples, d.t_samples, 0, 100_000)?, ..d };
            let refine = o.refine.unwrap_or(false);
            let mut st = state.get_mut()?;
            let c = &mut st.core;
            let points = if refine { count("points", o.points, crate::engine::held_out_pool::POINTS_PER_CALL, 1, 100_000)? } else { eval.points };
            let ts = if eval.t_samples == 0 || refine { c.schedule.t_max } else { eval.t_samples };
            crate::numerics::budget::check_job("points", points as f64, points as f64 * ts as f64 * c.step_work() / c.config.batch_size as f64 / 3.0, "points × tSamples × (the network's multiply-adds)")?;
            let (report, refined) = if refine {
                let r = c.refine_held_out(points, variance).await?;
                (r.report, Some((r.rounds, r.precise, r.done)))
            } else {
                (c.held_out_report(eval, variance).await?, None)
            };
            let h = &report.network;
            let mut o = Obj::new()
                .set("negElboPerDim", h.neg_elbo_per_dim)
                .set("stdError", h.std_error)
                .set("unit", h.unit)
                .set("points", h.points as f64)
                .set("reconstruction", h.reconstruction)
                .set("prior", h.prior)
                .set("denoising", h.denoising)
                .set("klByT", f64s(&h.kl_by_t))
                .set("dims", c.config.data_dim() as f64)
                .set("T", c.schedule.t_max as f64);
            if let Some(e) = &report.data_entropy_per_dim {
                o = o.set("dataEntropyPerDim", e.mean).set("dataEntropyStdError", e.std_error);
            }
            if let Some((gap, se)) = report.gap {
                o = o.set("gapPerDim", gap).set("gapStdError", se);
            }
            if let Some(oh) = &report.oracle {
                o = o.set("oracleNegElboPerDim", oh.neg_elbo_per_dim).set("oracleStdError", oh.std_error);
            }
            if let Some((gap, se)) = report.oracle_gap {
                o = o.set("oracleGapPerDim", gap).set("oracleGapStdError", se);
            }
            if let Some((rounds, precise, done)) = refined {
                o = o.set("rounds", rounds as f64).set("precise", precise).set("refined", done).set("targetStdError", crate::engine::held_out_pool::TARGET_STD_ERROR);
            }
            Ok(o.build())
        })
    }

    /// An NCSN's error per noise level against the exact noise-conditional score (ring8): options
    /// `{points: 512, seed: 3}`; returns `{sigmas, relativeError}` (E‖s_θ − ∇log q_σ‖² / E‖∇log q_σ‖²
    /// at each σ of the ladder, on held-out points noised by σ).
    #[wasm_bindgen(js_name = scoreErrorByLevel)]
    pub fn score_error_by_level(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<LevelErrorOptions>(&options);
        promise(async move {
            let o = read?;
            let points = count("points", o.points, 512, 1, 100_000)?;
            let seed = seed(o.seed, 3)?;
            let st = state.get()?;
            let c = &st.core;
            if c.config.ncsn.is_none() {
                return Err(InputError::new("ncsn", Rule::OneOf(vec!["{sigmaMax, sigmaMin, levels}".into()]), Some("none: a diffusion model".into())).into());
            }
            let levels = match c.score_error_by_level(points, seed).await {
                None => return Err(InputError::one_of("dataset", c.dataset_name(), &["ring8"]).into()),
                Some(r) => r?,
            };
            Ok(Obj::new()
                .set("sigmas", f64s(&levels.iter().map(|l| l.0).collect::<Vec<_>>()))
                .set("relativeError", finite_all("relativeError", &levels.iter().map(|l| l.1).collect::<Vec<_>>())?)
                .build())
        })
    }

    /// A diffusion model's (ring8) score error per t against the exact score of the mixture: options
    /// `{points: 512, seed: 3, ts}` (`ts`: t's in 1..=T, at most 1000; default 16 log-spaced over 1..=T,
    /// `defaults().scoreErrorByT`); returns `{ts, relativeError}` (E‖ŝ_θ − ∇log q_t‖² / E‖∇log q_t‖² at
    /// each t, on held-out x_0 noised by (1.72), the prediction converted to the score). An NCSN is
    /// refused (its measure is `scoreErrorByLevel`).
    #[wasm_bindgen(js_name = scoreErrorByT)]
    pub fn score_error_by_t(&self, options: JsValue) -> js_sys::Promise {
        use crate::engine::score_error::{default_score_ts, SCORE_POINTS, SCORE_SEED};
        let state = self.state.clone();
        let read = config::<TErrorOptions>(&options);
        promise(async move {
            let o = read?;
            let points = count("points", o.points, SCORE_POINTS, 1, 100_000)?;
            let seed = seed(o.seed, SCORE_SEED)?;
            let st = state.get()?;
            let c = &st.core;
            if c.config.ncsn.is_some() {
                return Err(InputError::new("ncsn", Rule::OneOf(vec!["none (a diffusion model; an NCSN has scoreErrorByLevel)".into()]), Some("{sigmaMax, sigmaMin, levels}".into())).into());
            }
            let t_max = c.schedule.t_max;
            let ts = match &o.ts {
                None => default_score_ts(t_max),
                Some(v) => {
                    crate::numerics::error::check_nonempty("ts", v.len())?;
                    if v.len() > 1000 {
                        return Err(InputError::length("ts", v.len(), "at most 1000 t's").into());
                    }
                    v.iter().enumerate().map(|(i, t)| integer(&format!("ts[{i}]"), *t, 1, t_max as u64).map(|t| t as usize)).collect::<Result<Vec<_>, _>>()?
                }
            };
            let n = points.min(c.heldout.len() / c.config.data_dim());
            crate::numerics::budget::check_job("points", points as f64, n as f64 * ts.len() as f64 * c.step_work() / c.config.batch_size as f64 / 3.0, "points × ts.length × the network's multiply-adds")?;
            let errors = match c.score_error_by_t(points, seed, &ts).await {
                None => return Err(InputError::one_of("dataset", c.dataset_name(), &["ring8"]).into()),
                Some(r) => r?,
            };
            Ok(Obj::new()
                .set("ts", f64s(&errors.iter().map(|e| e.0 as f64).collect::<Vec<_>>()))
                .set("relativeError", finite_all("relativeError", &errors.iter().map(|e| e.1).collect::<Vec<_>>())?)
                .build())
        })
    }

    /// The probability-flow ODE log-likelihood (Song et al. 2021, eq. 13 and App. D.2) of held-out
    /// points under the network as it is now, read as the VP SDE its linear schedule discretises
    /// (a cosine schedule or an NCSN is refused). Options `{points: 256, steps: 50, method: "rk4" |
    /// "heun" | "euler", seed: 0}` (`defaults().trainerLikelihood`; `seed` picks the points; the
    /// solver runs `steps` and `steps/2` for its error). Resolves to `{logLikelihoodPerDim,
    /// stdErrorPerDim, solverError (per dim), nfe, points, ms}` in nats/dim, and for ring8
    /// `{oracleLogLikelihoodPerDim, exactLogDensityPerDim, gapPerDim, gapStdError}` (the exact
    /// oracle through the same solver; the mixture's exact log q; (log q − log p_θ)/D paired).
    pub fn likelihood(&self, options: JsValue) -> js_sys::Promise {
        use crate::engine::sde_evaluate::{LIKELIHOOD_METHOD, LIKELIHOOD_POINTS, LIKELIHOOD_SEED, LIKELIHOOD_STEPS};
        let state = self.state.clone();
        let read = config::<LikelihoodOptions>(&options);
        promise(async move {
            let o = read?;
            let points = count("points", o.points, LIKELIHOOD_POINTS, 1, crate::data::toy::MAX_POINTS)?;
            let steps = count("steps", o.steps, LIKELIHOOD_STEPS, 2, crate::diffusion::flow_ode::MAX_STEPS)?;
            let method = match o.method.as_deref() {
                None => LIKELIHOOD_METHOD,
                Some(m) => crate::diffusion::flow_ode::OdeMethod::parse(m)?,
            };
            let seed = seed(o.seed, LIKELIHOOD_SEED)?;
            let st = state.get()?;
            let t0 = js_sys::Date::now();
            let r = st.core.likelihood(points, steps, method, seed).await?;
            let n = r.network;
            let mut out = Obj::new()
                .set("logLikelihoodPerDim", n.log_likelihood_per_dim)
                .set("stdErrorPerDim", n.std_error_per_dim)
                .set("solverError", n.solver_error_per_dim)
                .set("nfe", r.nfe as f64)
                .set("points", r.per_point.len() as f64);
            let mut check = vec![n.log_likelihood_per_dim, n.std_error_per_dim, n.solver_error_per_dim];
            if let (Some(oracle), Some((exact, _)), Some((gap, gap_se))) = (r.oracle, r.exact_log_density_per_dim, r.gap) {
                out = out.set("oracleLogLikelihoodPerDim", oracle.log_likelihood_per_dim).set("exactLogDensityPerDim", exact).set("gapPerDim", gap).set("gapStdError", gap_se);
                check.extend([oracle.log_likelihood_per_dim, exact, gap, gap_se]);
            }
            finite_all("logLikelihoodPerDim", &check)?;
            Ok(out.set("ms", js_sys::Date::now() - t0).build())
        })
    }

    /// Sample quality against the number of network evaluations: every sampler of `samplers`
    /// ("ddpm", "ddim", "reverse_sde", "ode_euler", "ode_heun") at every NFE of `nfes`, with the
    /// network as the VP SDE's model, from one prior draw; MMD² against the held-out points.
    /// Options `{nfes: [5, 10, 20, 50, 100] (those ≤ T), samplers: all, particles: 1000, seed: 0}`
    /// (`defaults().trainerQuality`). Resolves to `{nfes, samplers: {name: Float64Array (MMD² per
    /// NFE)}, evaluations: {name: Float64Array}, floor, particles}`; `floor` is the MMD² of as many
    /// training points (what a perfect sampler scores).
    #[wasm_bindgen(js_name = qualityVsSteps)]
    pub fn quality_vs_steps(&self, options: JsValue) -> js_sys::Promise {
        use crate::diffusion::sde_samplers::{SamplerFamily, MAX_NFE};
        use crate::engine::sde_evaluate::{QUALITY_PARTICLES, QUALITY_SEED};
        let state = self.state.clone();
        let read = config::<QualityOptions>(&options);
        promise(async move {
            let o = read?;
            let t_max = state.get()?.core.schedule.t_max;
            let nfes = match &o.nfes {
                None => crate::engine::sde_evaluate::default_nfes(t_max),
                Some(v) => {
                    if v.len() > 64 {
                        return Err(InputError::length("nfes", v.len(), "at most 64 values").into());
                    }
                    v.iter().enumerate().map(|(i, n)| integer(&format!("nfes[{i}]"), *n, 1, MAX_NFE as u64).map(|n| n as usize)).collect::<Result<Vec<_>, _>>()?
                }
            };
            let families = match &o.samplers {
                None => SamplerFamily::ALL.to_vec(),
                Some(v) => v.iter().map(|s| SamplerFamily::parse(s)).collect::<Result<Vec<_>, _>>()?,
            };
            let particles = count("particles", o.particles, QUALITY_PARTICLES, 2, crate::data::toy::MAX_POINTS)?;
            let seed = seed(o.seed, QUALITY_SEED)?;
            let st = state.get()?;
            let q = st.core.quality_vs_steps(&families, &nfes, particles, seed).await?;
            let (mut by_name, mut evals) = (Obj::new(), Obj::new());
            for ((f, row), e) in q.families.iter().zip(&q.mmd2).zip(&q.evaluations) {
                by_name = by_name.set(f.name(), finite_all("mmd2", row)?);
                evals = evals.set(f.name(), f64s(&e.iter().map(|v| *v as f64).collect::<Vec<_>>()));
            }
            Ok(Obj::new()
                .set("nfes", f64s(&q.nfes.iter().map(|v| *v as f64).collect::<Vec<_>>()))
                .set("samplers", by_name.build())
                .set("evaluations", evals.build())
                .set("floor", q.floor)
                .set("particles", q.particles as f64)
                .build())
        })
    }

    /// A few-step batch of samples of the network as it is now (issue 19; DDIM for a diffusion
    /// network, Euler for a flow network), from the same seeded x_T every call: options
    /// `{particles: 256, nfe: 10, seed: 19}` (`defaults().live`). Resolves to `{samples:
    /// Float64Array (particles × D), reference: Float64Array (as many held-out points), dim, mmd2,
    /// floor, nfe, sampler, step}`; `mmd2` against 512 held-out points, `floor` the same for as many
    /// training points.
    #[wasm_bindgen(js_name = liveSamples)]
    pub fn live_samples(&self, options: JsValue) -> js_sys::Promise {
        use crate::engine::live_samples as l;
        let state = self.state.clone();
        let read = config::<LiveOptions>(&options);
        promise(async move {
            let o = read?;
            let particles = count("particles", o.particles, l::LIVE_PARTICLES, 2, l::LIVE_MAX_PARTICLES)?;
            let nfe = count("nfe", o.nfe, l::LIVE_NFE, 1, l::LIVE_MAX_NFE)?;
            let seed = seed(o.seed, l::LIVE_SEED)?;
            let st = state.get()?;
            let r = st.core.live_samples(particles, nfe, seed).await?;
            Ok(Obj::new()
                .set("samples", finite_all("samples", &r.samples)?)
                .set("reference", f64s(&r.reference))
                .set("dim", st.core.config.data_dim() as f64)
                .set("mmd2", r.mmd2)
                .set("floor", r.floor)
                .set("nfe", r.nfe as f64)
                .set("sampler", r.sampler)
                .set("step", r.step as f64)
                .build())
        })
    }

    /// The animation's frames for this trainer's network (2-D data): options as the free
    /// `flowPath` (`path` defaults to the network's own sampler: "ddim", or "flow" for a flow
    /// network); the density is the kernel estimate of the particles.
    #[wasm_bindgen(js_name = flowPath)]
    pub fn flow_path(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<super::flow::PathOptions>(&options);
        promise(async move {
            let o = read?;
            if let Some(m) = o.model() {
                return Err(InputError::one_of("model", m, &["(none: this trainer's network)"]).into());
            }
            let st = state.get()?;
            if st.core.config.data_dim() != 2 {
                return Err(InputError::new("dataset", Rule::OneOf(vec!["a 2-D data set".into()]), Some(st.core.dataset_name().into())).into());
            }
            let p = st.core.predictor();
            let cfg = o.config(crate::engine::nfe_samplers::FewStep::default_for(&p))?;
            let f = crate::engine::flow_path::flow_path(&p, &st.core.schedule, cfg, None).await?;
            Ok(super::flow::path_object(&f, cfg.kind))
        })
    }

    /// A reverse chain driven by this trainer's network as it is now (a snapshot of the weights),
    /// on the trainer's schedule: see `Chain`. For ring8 the chain also knows the exact mixture,
    /// for sample quality.
    pub fn chain(&self, config_value: JsValue) -> JsResult<Chain> {
        let st = self.state.get()?;
        let c = &st.core;
        Chain::build(&config_value, c.schedule.clone(), c.config.data_dim(), c.predictor(), c.mixture(), false)
    }

    /// The consistency (1.45–1.47) and denoising-matching (1.62) ELBO of one x_0 for this
    /// trainer's network as it is now: the same config and result as the free `elboForms`, without
    /// `model`. Asks the network at every t for all trajectories (T forward passes).
    #[wasm_bindgen(js_name = elboForms)]
    pub fn elbo_forms(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<FormsOptions>(&options);
        promise(async move {
            let o = read?;
            let (schedule, dims, predictor) = {
                let st = state.get()?;
                (st.core.schedule.clone(), st.core.config.data_dim(), st.core.predictor())
            };
            if o.model.is_some() {
                return Err(InputError::new("model", Rule::UnknownField(vec!["x0".into(), "samples".into(), "seed".into(), "variance".into()]), None).into());
            }
            forms(&predictor, &schedule, dims, &o.inputs(dims)?).await
        })
    }

    /// DDPM (every t, σ² = β) against DDIM (η = 0, 50 steps) with this trainer's network from the
    /// same seed, so the same x_T (checked), scored against held-out data (the trainer's data set,
    /// or `dataset`, or the reader's `reference` points). Options `{particles: 2000, seed: 0,
    /// dataset?, reference?}`. Resolves to `{ddpm: {state, steps, ms, mmd2, modeWeightError},
    /// ddim: {…}, sameStart, floor}`.
    pub fn compare(&self, options: JsValue) -> js_sys::Promise {
        let state = self.state.clone();
        let read = config::<CompareOptions>(&options);
        promise(async move {
            let o = read?;
            let st = state.get()?;
            let c = &st.core;
            let reference = reference(&o, c.config.data_dim(), &c.config.data)?;
            let particles = count("particles", o.particles, 2000, 2, crate::engine::chain::MAX_PARTICLES)?;
            let clock = || js_sys::Date::now();
            let m = c.mixture();
            let r = compare::ddpm_vs_ddim(&c.schedule, &c.predictor(), m.as_ref(), c.config.data_dim(), particles, seed(o.seed, 0)?, &reference, &clock)
                .await
                ?;
            Ok(comparison_object(&r))
        })
    }

    /// The same comparison as `compare(options)` as a job: `advance()` one work budget at a time,
    /// then `result()` (see `Comparison`). It samples with a snapshot of the network as it is now.
    pub fn comparison(&self, options: JsValue) -> JsResult<super::compare::Comparison> {
        let o: CompareOptions = config(&options)?;
        let st = self.state.get()?;
        let c = &st.core;
        let reference = reference(&o, c.config.data_dim(), &c.config.data)?;
        let particles = count("particles", o.particles, 2000, 2, crate::engine::chain::MAX_PARTICLES)?;
        let predictor = c.predictor();
        let run = compare::ComparisonRun::new(&c.schedule, predictor.cost_per_point(), c.mixture().as_ref(), c.config.data_dim(), particles, seed(o.seed, 0)?, &reference)?;
        Ok(super::compare::Comparison::new(run, predictor))
    }

    /// The weights as a versioned checkpoint (`Uint8Array`).
    pub fn save(&self) -> js_sys::Promise {
        let state = self.state.clone();
        promise(async move {
            let st = state.get_mut()?;
            let bytes = st.core.save().await?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Load a checkpoint made by `save()`; a checkpoint of another network, parameterization or
    /// schedule is refused with a message saying what differs. Returns the checkpoint's header.
    pub fn load(&self, #[wasm_bindgen(unchecked_param_type = "Uint8Array | number[]")] bytes: JsValue) -> JsResult<JsValue> {
        let bytes = &arg_bytes(&bytes, "bytes")?;
        let mut st = self.state.get_mut()?;
        let h = st.core.load(bytes)?;
        Ok(Obj::new()
            .set("dataset", h.dataset.as_str())
            .set("parameterization", h.parameterization.as_str())
            .set("weighting", h.weighting.as_str())
            .set("steps", h.steps as f64)
            .set("T", h.t_max as f64)
            .build())
    }
}

/// A statistic of no steps (training stopped at once) is `null`, not NaN.
fn finite_or_null(v: f64) -> JsValue {
    if v.is_finite() { JsValue::from_f64(v) } else { JsValue::NULL }
}

fn reference(o: &CompareOptions, dim: usize, own: &DataSource) -> Result<Reference, InputError> {
    Reference::choose(o.dataset.as_deref(), o.reference.as_ref(), dim, Some(own))
}
