//! One source for every default and every choice: `defaults()` and `choices()` export what the
//! engine itself uses, so the page reads them instead of declaring numbers of its own;
//! `errorCodes()` lists the codes an error can carry (the page's catalogues must have each).

use wasm_bindgen::prelude::*;

use super::convert::{names, Obj};
use crate::data::toy::Dataset;
use crate::diffusion::elbo::Decoder;
use crate::diffusion::objective::Weighting;
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::schedule::{BetaSchedule, ModelVariance, MAX_T, MIN_T};
use crate::engine::chain::{ChainConfig, Init, SamplerKind, MAX_PARTICLES};
use crate::engine::compare::{self, LangevinSetup};
use crate::engine::evaluate::{EvalConfig, LOSS_BINS};
use crate::engine::train_config::{LrSchedule, TSampling, TrainConfig};
use crate::numerics::error::Rule;

/// The valid names for every choice: `{schedules, parameterizations, variances, decoders, datasets,
/// samplers, inits, weightings, sdeKinds, odeMethods, sdeSamplers, lrSchedules, tSamplings}`.
#[wasm_bindgen(js_name = choices)]
pub fn choices() -> JsValue {
    Obj::new()
        .set("schedules", names(&BetaSchedule::NAMES))
        .set("parameterizations", names(&Prediction::NAMES))
        .set("variances", names(&ModelVariance::NAMES))
        .set("decoders", names(&Decoder::NAMES))
        .set("datasets", names(&Dataset::NAMES))
        .set("samplers", names(&SamplerKind::NAMES))
        .set("inits", names(&Init::NAMES))
        .set("weightings", names(&Weighting::NAMES))
        .set("sdeKinds", names(&crate::diffusion::sde::Sde::NAMES))
        .set("odeMethods", names(&crate::diffusion::flow_ode::OdeMethod::NAMES))
        .set("sdeSamplers", names(&crate::diffusion::sde_samplers::SamplerFamily::NAMES))
        .set("lrSchedules", names(&LrSchedule::NAMES))
        .set("tSamplings", names(&TSampling::NAMES))
        .build()
}

/// `{kind, warmup, total, floor}`: the numbers are the warm-up cosine's (this schedule's when it
/// is one, else what asking for the kind alone gives).
fn lr_schedule(s: &LrSchedule) -> JsValue {
    let numbers = match s {
        LrSchedule::WarmupCosine { .. } => s.clone(),
        _ => LrSchedule::WARMUP_COSINE_DEFAULT,
    };
    let LrSchedule::WarmupCosine { warmup, total, floor } = numbers else { unreachable!("a warm-up cosine") };
    Obj::new().set("kind", s.name()).set("warmup", warmup as f64).set("total", total as f64).set("floor", floor).build()
}

/// `{kind, uniform}` (the loss-aware sampler's uniform share, whichever kind is the default).
fn t_sampling(s: &TSampling) -> JsValue {
    let uniform = match s {
        TSampling::LossAware { uniform } => *uniform,
        TSampling::Uniform => TSampling::LOSS_AWARE_UNIFORM,
    };
    Obj::new().set("kind", s.name()).set("uniform", uniform).build()
}

/// Every code an engine error can carry (`error.code`); each has `error.<code>` in the page's catalogues.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> JsValue {
    names(&Rule::CODES).into()
}

/// What an error's data can name: `{codes, hints, reasons}` (catalogue keys `error.<code>`,
/// `hint.<hint>`, `reason.<reason>`).
#[wasm_bindgen(js_name = errorVocabulary)]
pub fn error_vocabulary() -> JsValue {
    use crate::numerics::error::{HINTS, REASONS};
    Obj::new().set("codes", names(&Rule::CODES)).set("hints", names(&HINTS)).set("reasons", names(&REASONS)).build()
}

fn sampler(kind: &SamplerKind) -> Obj {
    match kind {
        SamplerKind::Ddpm { variance } => Obj::new().set("variance", variance.name()),
        SamplerKind::Ddim { eta, steps } => Obj::new().set("eta", *eta).set("steps", *steps as f64),
        SamplerKind::Langevin { step_size, steps } => Obj::new().set("stepSize", *step_size).set("steps", *steps as f64),
        SamplerKind::Annealed { sigma_max, sigma_min, levels, steps_per_level, eps } => {
            Obj::new().set("sigmaMax", *sigma_max).set("sigmaMin", *sigma_min).set("levels", *levels as f64).set("stepsPerLevel", *steps_per_level as f64).set("eps", *eps)
        }
    }
}

/// The engine's defaults, as the engine uses them: `{derivation, schedule, train, heldOut, chain,
/// compare, langevin, ranges, trainerLikelihood, trainerQuality, …}` (`derivation.theta` per
/// derivation name).
#[wasm_bindgen(js_name = defaults)]
pub fn defaults() -> JsValue {
    let t = TrainConfig::toy(Dataset::ring8_default());
    let BetaSchedule::Linear { beta_start, beta_end } = BetaSchedule::linear_default(t.t_max) else { unreachable!() };
    let BetaSchedule::Cosine { s, max_beta } = BetaSchedule::cosine_default() else { unreachable!() };
    let schedule = Obj::new().set("kind", "linear").set("T", t.t_max as f64).set("betaStart", beta_start).set("betaEnd", beta_end).set("s", s).set("maxBeta", max_beta).build();
    let train = Obj::new()
        .set("dataset", "ring8")
        .set("T", t.t_max as f64)
        .set("parameterization", t.parameterization.name())
        .set("weighting", t.weighting.name())
        .set("learningRate", t.learning_rate)
        .set("lrSchedule", lr_schedule(&t.lr_schedule))
        .set("ema", t.ema.unwrap_or(0.0))
        .set("tSampling", t_sampling(&t.t_sampling))
        .set("antithetic", t.antithetic)
        .set("batchSize", t.batch_size as f64)
        .set("seed", t.seed as f64)
        .set("width", t.model.width as f64)
        .set("depth", t.model.depth as f64)
        .set("timeDim", t.model.time_dim as f64)
        .set("train", t.n_train as f64)
        .set("heldout", t.n_heldout as f64)
        .set("lossBins", LOSS_BINS as f64)
        .build();
    let e = EvalConfig::default();
    let held_out = Obj::new().set("points", e.points as f64).set("tSamples", e.t_samples as f64).set("variance", "beta_tilde").build();
    let mut chain = Obj::new().set("particles", ChainConfig::PARTICLES as f64).set("seed", 0.0).set("initScale", Obj::new().set("gaussian", Init::GAUSSIAN_SCALE).set("uniform", Init::UNIFORM_HALF_WIDTH).build());
    for name in SamplerKind::NAMES {
        chain = chain.set(name, sampler(&SamplerKind::default_for(name, t.t_max).expect("a known sampler")).build());
    }
    let compare = Obj::new()
        .set("particles", 2000.0)
        .set("ddimSteps", compare::DDIM_STEPS as f64)
        .set("referencePoints", compare::REFERENCE_POINTS as f64)
        .set("referenceSeed", compare::REFERENCE_SEED as f64)
        .set("floorSeed", compare::FLOOR_SEED as f64)
        .build();
    let l = LangevinSetup::default();
    let (s_max, s_min, levels, per_level, eps) = compare::ANNEALED;
    let langevin = Obj::new()
        .set("light", l.light)
        .set("particles", l.particles as f64)
        .set("steps", l.steps as f64)
        .set("seed", l.seed as f64)
        .set("stepSize", compare::PLAIN_STEP_SIZE)
        .set("annealed", Obj::new().set("sigmaMax", s_max).set("sigmaMin", s_min).set("levels", levels as f64).set("stepsPerLevel", per_level as f64).set("eps", eps).build())
        .build();
    let range = |lo: f64, hi: f64| Obj::new().set("min", lo).set("max", hi).build();
    let ranges = Obj::new()
        .set("T", range(MIN_T as f64, MAX_T as f64))
        .set("particles", range(1.0, MAX_PARTICLES as f64))
        .set("points", range(1.0, crate::data::toy::MAX_POINTS as f64))
        .build();
    let d = crate::derivation::Inputs::default();
    let thetas = crate::derivation::NAMES.iter().fold(Obj::new(), |o, n| o.set(n, super::convert::f64s(&crate::derivation::default_theta(n))));
    let derivation = Obj::new()
        .set("x0", super::convert::f64s(&d.x0))
        .set("t", d.t as f64)
        .set("seed", d.seed as f64)
        .set("sigma", d.sigma)
        .set("samples", d.samples as f64)
        .set("theta", thetas.build())
        .build();
    let race_config = crate::engine::race::race_config(Dataset::ring8_default());
    let race = Obj::new()
        .set("dataset", "ring8")
        .set("weighting", race_config.weighting.name())
        .set("variance", crate::engine::race::RACE_VARIANCE.name())
        .set("seed", race_config.seed as f64)
        .set("learningRate", race_config.learning_rate)
        .set("batchSize", race_config.batch_size as f64)
        .set("parameterizations", names(&crate::engine::race::PARAMETERIZATIONS.map(|p| p.name())))
        .set("maxMeanPoints", crate::engine::race::MAX_MEAN_POINTS as f64)
        .build();
    let score_error_by_t = Obj::new()
        .set("points", crate::engine::score_error::SCORE_POINTS as f64)
        .set("seed", crate::engine::score_error::SCORE_SEED as f64)
        .set("ts", super::convert::f64s(&crate::engine::score_error::default_score_ts(t.t_max).iter().map(|v| *v as f64).collect::<Vec<_>>()))
        .build();
    let (trainer_likelihood, trainer_quality) = {
        use crate::engine::sde_evaluate as e;
        let likelihood = Obj::new()
            .set("points", e::LIKELIHOOD_POINTS as f64)
            .set("steps", e::LIKELIHOOD_STEPS as f64)
            .set("method", e::LIKELIHOOD_METHOD.name())
            .set("seed", e::LIKELIHOOD_SEED as f64)
            .set("tEps", e::LIKELIHOOD_T_EPS)
            .build();
        let quality = Obj::new()
            .set("nfes", super::convert::f64s(&e::QUALITY_NFES.map(|v| v as f64)))
            .set("samplers", names(&crate::diffusion::sde_samplers::SamplerFamily::NAMES))
            .set("particles", e::QUALITY_PARTICLES as f64)
            .set("seed", e::QUALITY_SEED as f64)
            .build();
        (likelihood, quality)
    };
    let backend_choice = {
        let p = crate::engine::backend_choice::MeasurePlan::default();
        Obj::new()
            .set("budgetMs", p.budget_ms)
            .set("warmup", p.warmup as f64)
            .set("minSteps", p.min_steps as f64)
            .set("maxSteps", p.max_steps as f64)
            .set("margin", crate::engine::backend_choice::GPU_MARGIN)
            .build()
    };
    let live = {
        use crate::engine::live_samples as l;
        Obj::new().set("particles", l::LIVE_PARTICLES as f64).set("nfe", l::LIVE_NFE as f64).set("seed", l::LIVE_SEED as f64).set("reference", l::LIVE_REFERENCE as f64).build()
    };
    let flow_path = {
        use crate::engine::flow_path as p;
        Obj::new()
            .set("frames", p::PATH_FRAMES as f64)
            .set("particles", p::PATH_PARTICLES as f64)
            .set("lattice", p::PATH_LATTICE as f64)
            .set("grid", p::PATH_GRID as f64)
            .set("extent", p::PATH_EXTENT)
            .set("latticeExtent", p::PATH_LATTICE_EXTENT)
            .set("seed", p::PATH_SEED as f64)
            .set("paths", names(&["ddim", "flow"]))
            .build()
    };
    let flow = {
        use crate::engine::flow_compare as f;
        let c = f::flow_config(Dataset::ring8_default());
        Obj::new()
            .set("dataset", "ring8")
            .set("seed", c.seed as f64)
            .set("steps", f::FLOW_STEPS as f64)
            .set("nfes", super::convert::f64s(&f::FLOW_NFES.map(|v| v as f64)))
            .set("particles", f::FLOW_PARTICLES as f64)
            .set("sampleSeed", f::FLOW_SEED as f64)
            .set("samplers", names(&crate::engine::nfe_samplers::FewStep::NAMES))
            .build()
    };
    Obj::new()
        .set("live", live) // live samples while training (issue 19)
        .set("flowPath", flow_path) // the animated reverse process (issue 19)
        .set("flow", flow) // flow matching beside diffusion (issue 19)
        .set("backendChoice", backend_choice) // measureBackends (issue 14)
        .set("sde", super::sde::defaults_object()) // the SDE view with the exact oracle (issue 17)
        .set("trainerLikelihood", trainer_likelihood)
        .set("trainerQuality", trainer_quality)
        .set("race", race)
        .set("scoreErrorByT", score_error_by_t)
        .set("derivation", derivation)
        .set("schedule", schedule)
        .set("train", train)
        .set("heldOut", held_out)
        .set("chain", chain.build())
        .set("compare", compare)
        .set("langevin", langevin)
        .set("ranges", ranges)
        .build()
}
