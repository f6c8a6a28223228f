//! The reverse chain as a stepping state: N particles moved from x_T to x_0 (or through a Langevin
//! run) one step at a time, with `step`, `step_back` and `run_to`, and what the inspector shows at
//! the current step.
//!
//! Reproducibility: the noise of step k is drawn from its own generator seeded by (seed, k), so any
//! step can be recomputed bit for bit. The trajectory is kept (every state, or every `stride`-th
//! one when N·D·steps is large), so stepping back restores the earlier state exactly: from memory,
//! or by recomputing the few steps since the nearest kept state with the same predictions and noise.

use crate::numerics::error::{check_count, check_range, short_number, InputError, Interval, Result, Rule};

/// The most particles one chain may carry.
pub const MAX_PARTICLES: usize = 1_000_000;
use crate::numerics::gaussian::kl_diagonal;
use crate::diffusion::posterior::q_posterior;
use crate::engine::failure::EngineFailure;
use crate::engine::predictor::Predictor;
use crate::numerics::rng::Rng;
use crate::diffusion::sampler::{annealed_step_size, ddim_step, ddim_timesteps, ddpm_step, langevin_step, sigma_ladder, ReverseStep};
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// Which sampler moves the particles.
#[derive(Debug, Clone, PartialEq)]
pub enum SamplerKind {
    /// DDPM ancestral sampling (Algorithm 2) over every t = T..1, σ_t² = β_t or β̃_t.
    Ddpm { variance: ModelVariance },
    /// DDIM over `steps` timesteps spread over T..1 (η = 0: deterministic).
    Ddim { eta: f64, steps: usize },
    /// Langevin dynamics on a fixed score: the data's own (σ = 0) (seed 003, §2.1).
    Langevin { step_size: f64, steps: usize },
    /// Annealed Langevin (NCSN, 2.2.6): `levels` σ's from `sigma_max` down to `sigma_min`, geometric,
    /// `steps_per_level` steps at α_i = ε σ_i²/σ_L² each.
    Annealed { sigma_max: f64, sigma_min: f64, levels: usize, steps_per_level: usize, eps: f64 },
}

impl SamplerKind {
    pub const NAMES: [&'static str; 4] = ["ddpm", "ddim", "langevin", "annealed"];

    /// The sampler of this name with its default settings (the page's, exported by
    /// `defaults().chain`): DDPM with σ² = β̃; DDIM with η = 0 over 50 steps (at most T); Langevin
    /// with α = 0.004 for 300 steps; annealed Langevin from σ = 3 to 0.05 in 10 levels of 30 steps,
    /// ε = 2e-3.
    pub fn default_for(name: &str, t_max: usize) -> Option<Self> {
        Some(match name {
            "ddpm" => SamplerKind::Ddpm { variance: ModelVariance::BetaTilde },
            "ddim" => SamplerKind::Ddim { eta: 0.0, steps: 50.min(t_max) },
            "langevin" => SamplerKind::Langevin { step_size: 0.004, steps: 300 },
            "annealed" => SamplerKind::Annealed { sigma_max: 3.0, sigma_min: 0.05, levels: 10, steps_per_level: 30, eps: 2e-3 },
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            SamplerKind::Ddpm { .. } => "ddpm",
            SamplerKind::Ddim { .. } => "ddim",
            SamplerKind::Langevin { .. } => "langevin",
            SamplerKind::Annealed { .. } => "annealed",
        }
    }
}

/// Where the particles start.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// N(0, std² I): x_T for DDPM/DDIM (std = 1)
    Gaussian { std: f64 },
    /// uniform on [−h, h]^D: NCSN's start for Langevin
    Uniform { half_width: f64 },
    /// forward then reverse: these x_0 (N × D) noised to x_{t_start} by q(x_t|x_0) (1.72), so the
    /// true posterior q(x_{t−1}|x_t,x_0) is known at every step
    Forward { x0: Vec<f64> },
}

impl Init {
    pub const NAMES: [&'static str; 3] = ["gaussian", "uniform", "forward"];
    /// x_T ~ N(0, I)
    pub const GAUSSIAN_SCALE: f64 = 1.0;
    /// Langevin starts uniform on [−3, 3]^D
    pub const UNIFORM_HALF_WIDTH: f64 = 3.0;
}

/// Everything a chain needs; validated by [`Chain::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConfig {
    pub sampler: SamplerKind,
    pub particles: usize,
    pub dim: usize,
    pub seed: u64,
    pub init: Init,
    /// DDPM/DDIM: the first t (default T); forward-then-reverse noises x_0 to this t
    pub t_start: Option<usize>,
}

impl ChainConfig {
    /// The default number of particles.
    pub const PARTICLES: usize = 1000;
}

/// One step of the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepPlan {
    Ddpm { t: usize },
    Ddim { t: usize, t_prev: usize },
    /// a Langevin step at noise level σ (0: the data's score) with step size α
    Langevin { level: usize, sigma: f64, step_size: f64 },
}

/// What the inspector shows for the step from the current state (all N particles, N × D each):
/// where it starts, and the step's outcome (for Langevin, x̂_0 = x + σ² s by Tweedie and ε̂ = −σ s).
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// the state the step starts from (x_t)
    pub x: Vec<f64>,
    /// μ_θ, σ_t, the predictions and the state the step leads to (`step.prev`)
    pub step: ReverseStep,
}

/// The true posterior q(x_{t−1}|x_t,x_0) of one particle in forward-then-reverse mode, beside the
/// model's p_θ(x_{t−1}|x_t) = N(μ_θ, σ_t² I), with KL(q ‖ p_θ) in nats (none at t = 1).
#[derive(Debug, Clone, PartialEq)]
pub struct PosteriorView {
    pub x0: Vec<f64>,
    pub mean: Vec<f64>,
    pub variance: f64,
    pub model_mean: Vec<f64>,
    pub model_variance: f64,
    pub kl: Option<f64>,
}

/// Most f64 values the trajectory keeps before it thins to every `stride`-th state (64 MiB).
const TRAJECTORY_BUDGET: usize = 8 << 20;

pub struct Chain {
    pub config: ChainConfig,
    pub schedule: NoiseSchedule,
    plan: Vec<StepPlan>,
    position: usize,
    state: Vec<f64>,
    /// kept[k / stride] = the state at position k, for k a multiple of stride
    kept: Vec<Vec<f64>>,
    stride: usize,
    /// the inspector's view of the step from the current position, once computed
    view: Option<StepView>,
}

impl Chain {
    /// Validate the config and draw the initial particles.
    pub fn new(config: ChainConfig, schedule: NoiseSchedule) -> Result<Self> {
        let (n, d) = (config.particles, config.dim);
        check_count("particles", n, 1, MAX_PARTICLES)?;
        check_count("dim", d, 1, 4096)?;
        let t_start = config.t_start.unwrap_or(schedule.t_max);
        schedule.check_t_in("tStart", t_start, 1)?;
        let plan = plan(&config.sampler, t_start)?;
        let mut rng = Rng::new(config.seed);
        let state: Vec<f64> = match &config.init {
            Init::Gaussian { std } => {
                crate::numerics::error::check_positive("initScale", *std)?;
                rng.normals(n * d).into_iter().map(|z| std * z).collect()
            }
            Init::Uniform { half_width } => {
                crate::numerics::error::check_positive("initScale", *half_width)?;
                (0..n * d).map(|_| rng.uniform_in(-half_width, *half_width)).collect()
            }
            Init::Forward { x0 } => {
                if x0.len() != n * d {
                    return Err(InputError::length("x0", x0.len(), format!("particles × dim = {n} × {d} = {}", n * d)));
                }
                crate::numerics::error::check_finite("x0", x0)?;
                if matches!(config.sampler, SamplerKind::Langevin { .. } | SamplerKind::Annealed { .. }) {
                    return Err(InputError::new("sampler", Rule::NeedsSampler, Some(config.sampler.name().into())));
                }
                let (a, s) = (schedule.alpha_bar(t_start).sqrt(), (1.0 - schedule.alpha_bar(t_start)).sqrt());
                x0.iter().zip(rng.normals(n * d)).map(|(x, z)| a * x + s * z).collect() // (1.72)
            }
        };
        let stride = ((n * d * (plan.len() + 1)).div_ceil(TRAJECTORY_BUDGET)).max(1);
        Ok(Self { config, schedule, plan, position: 0, kept: vec![state.clone()], state, stride, view: None })
    }

    /// The number of steps in the chain (positions run 0..=len).
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    pub fn position(&self) -> usize {
        self.position
    }

    /// The current particles (N × D).
    pub fn state(&self) -> &[f64] {
        &self.state
    }

    /// The plan of the step from the current position (None at the end).
    pub fn current_step(&self) -> Option<StepPlan> {
        self.plan.get(self.position).copied()
    }

    /// The t of the current state for DDPM/DDIM (0 at the end: x_0), the Langevin iteration else.
    pub fn t(&self) -> usize {
        match self.plan.get(self.position) {
            Some(StepPlan::Ddpm { t }) | Some(StepPlan::Ddim { t, .. }) => *t,
            Some(StepPlan::Langevin { .. }) => self.position,
            None => match self.plan.last() {
                Some(StepPlan::Langevin { .. }) => self.position,
                _ => 0,
            },
        }
    }

    /// The noise level σ of the current Langevin step (0 for plain Langevin; None otherwise).
    pub fn sigma_level(&self) -> Option<(usize, f64)> {
        match self.plan.get(self.position) {
            Some(StepPlan::Langevin { level, sigma, .. }) => Some((*level, *sigma)),
            _ => None,
        }
    }

    /// The (σ, step size) of each Langevin level as the plan runs them (one entry per level, in order).
    pub fn levels(&self) -> Vec<(f64, f64)> {
        let mut out: Vec<(usize, f64, f64)> = Vec::new();
        for p in &self.plan {
            if let StepPlan::Langevin { level, sigma, step_size } = p {
                if out.last().map_or(true, |l| l.0 != *level) {
                    out.push((*level, *sigma, *step_size));
                }
            }
        }
        out.into_iter().map(|(_, s, a)| (s, a)).collect()
    }

    /// The step size of every Langevin step, the σ ladder (annealed), or nothing.
    pub fn sigmas(&self) -> Vec<f64> {
        match &self.config.sampler {
            SamplerKind::Annealed { sigma_max, sigma_min, levels, .. } => sigma_ladder(*sigma_max, *sigma_min, *levels),
            _ => Vec::new(),
        }
    }

    fn noise(&self, k: usize) -> Vec<f64> {
        let mut rng = Rng::new(self.config.seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.normals(self.state.len())
    }

    /// The step from position k applied to state x.
    async fn compute(&self, k: usize, x: &[f64], predictor: &Predictor) -> std::result::Result<StepView, EngineFailure> {
        let (s, d) = (&self.schedule, self.config.dim);
        let z = self.noise(k);
        match self.plan[k] {
            StepPlan::Ddpm { t } => {
                let variance = match self.config.sampler {
                    SamplerKind::Ddpm { variance } => variance,
                    _ => ModelVariance::BetaTilde,
                };
                let pred = predictor.predict(s, x, d, t).await?;
                Ok(StepView { x: x.to_vec(), step: ddpm_step(s, predictor.param(), x, d, t, &pred, variance, &z)? })
            }
            StepPlan::Ddim { t, t_prev } => {
                let eta = match self.config.sampler {
                    SamplerKind::Ddim { eta, .. } => eta,
                    _ => 0.0,
                };
                let pred = predictor.predict(s, x, d, t).await?;
                Ok(StepView { x: x.to_vec(), step: ddim_step(s, predictor.param(), x, d, t, t_prev, &pred, eta, &z)? })
            }
            StepPlan::Langevin { sigma, step_size, .. } => {
                let score = predictor.score_sigma(s, x, d, sigma).await?;
                if let Some(i) = score.iter().position(|v| !v.is_finite()) {
                    let _ = i;
                    return Err(InputError::new("score", Rule::NonFinitePrediction { t: k + 1 }, None).into());
                }
                let (prev, mean) = langevin_step(x, &score, step_size, &z);
                let x0 = x.iter().zip(&score).map(|(x, s)| x + sigma * sigma * s).collect(); // Tweedie (1.121) for x̃ = x + σε
                let eps = score.iter().map(|s| -sigma * s).collect(); // (2.23): ∇log q_σ(x̃|x) = −ε/σ
                Ok(StepView { x: x.to_vec(), step: ReverseStep { prev, mean, sigma: step_size.sqrt(), x0, eps, score } })
            }
        }
    }

    /// The inspector's view of the step from the current position (None at the end).
    pub async fn inspect(&mut self, predictor: &Predictor) -> std::result::Result<Option<&StepView>, EngineFailure> {
        if self.position >= self.plan.len() {
            return Ok(None);
        }
        if self.view.is_none() {
            let view = self.compute(self.position, &self.state, predictor).await?;
            self.view = Some(view);
        }
        Ok(self.view.as_ref())
    }

    /// Take one step; returns the view of the step taken (None at the end). A non-finite result
    /// stops with a message and leaves the state as it was.
    pub async fn step(&mut self, predictor: &Predictor) -> std::result::Result<Option<StepView>, EngineFailure> {
        if self.inspect(predictor).await?.is_none() {
            return Ok(None);
        }
        let view = self.view.take().expect("inspected");
        if let Some(i) = view.step.prev.iter().position(|v| !v.is_finite()) {
            let _ = i;
            // the step itself overflowed (e.g. a Langevin step size far too large): name what the reader set
            let field = match self.config.sampler {
                SamplerKind::Langevin { .. } => "stepSize",
                SamplerKind::Annealed { .. } => "eps",
                _ => "initScale",
            };
            return Err(InputError::new(field, Rule::NonFinitePrediction { t: self.position + 1 }, None).into());
        }
        self.position += 1;
        self.state = view.step.prev.clone();
        if self.position.is_multiple_of(self.stride) {
            let slot = self.position / self.stride;
            if self.kept.len() == slot {
                self.kept.push(self.state.clone());
            }
        }
        Ok(Some(view))
    }

    /// Go back one step, to exactly the earlier state. Returns false at position 0.
    pub async fn step_back(&mut self, predictor: &Predictor) -> std::result::Result<bool, EngineFailure> {
        if self.position == 0 {
            return Ok(false);
        }
        let target = self.position - 1;
        let base = target - target % self.stride;
        let mut x = self.kept[base / self.stride].clone();
        for k in base..target {
            x = self.compute(k, &x, predictor).await?.step.prev;
        }
        self.state = x;
        self.position = target;
        self.view = None;
        Ok(true)
    }

    /// Step forward or back until the position is `target` (clamped to 0..=len).
    pub async fn run_to(&mut self, target: usize, predictor: &Predictor) -> std::result::Result<(), EngineFailure> {
        let target = target.min(self.plan.len());
        if target < self.position {
            // jump to the nearest kept state at or before the target, then step forward
            let base = target - target % self.stride;
            if base / self.stride < self.kept.len() {
                self.state = self.kept[base / self.stride].clone();
                self.position = base;
                self.view = None;
            }
        }
        while self.position < target {
            self.step(predictor).await?;
        }
        Ok(())
    }

    /// [`Chain::run_to`], but at most one work budget of steps: what a caller that must stay
    /// responsive asks for, again and again until it returns true (and it can stop in between).
    pub async fn run_toward(&mut self, target: usize, predictor: &Predictor) -> std::result::Result<bool, EngineFailure> {
        let target = target.min(self.plan.len());
        let per_step = (self.state.len() / self.config.dim.max(1)) as f64 * predictor.cost_per_point().max(1.0);
        let steps = ((crate::numerics::budget::MAX_WORK / per_step) as usize).max(1);
        let stop = if target > self.position { (self.position + steps).min(target) } else { target };
        self.run_to(stop, predictor).await?;
        Ok(self.position == target)
    }

    /// The position whose t (DDPM/DDIM) is the largest ≤ `t`: for a slider over t.
    pub fn position_of_t(&self, t: usize) -> usize {
        self.plan
            .iter()
            .position(|p| match p {
                StepPlan::Ddpm { t: tp } | StepPlan::Ddim { t: tp, .. } => *tp <= t,
                StepPlan::Langevin { .. } => false,
            })
            .unwrap_or(self.plan.len())
    }

    /// The score the current step uses, at arbitrary points (row-major, D each): the vector field
    /// ∇log q at this t (or σ), from the network or the oracle. At the end, that of the last step.
    pub async fn score_field(&self, points: &[f64], predictor: &Predictor) -> std::result::Result<Vec<f64>, EngineFailure> {
        let d = self.config.dim;
        if points.len() % d != 0 {
            return Err(InputError::length("points", points.len(), format!("whole points of dimension {d}")).into());
        }
        let k = self.position.min(self.plan.len().saturating_sub(1));
        match self.plan.get(k) {
            Some(StepPlan::Ddpm { t }) | Some(StepPlan::Ddim { t, .. }) => {
                let pred = predictor.predict(&self.schedule, points, d, *t).await?;
                let (_, _, score) = crate::diffusion::sampler::all_forms(&self.schedule, predictor.param(), points, d, *t, &pred)?;
                Ok(score)
            }
            Some(StepPlan::Langevin { sigma, .. }) => predictor.score_sigma(&self.schedule, points, d, *sigma).await,
            None => Ok(Vec::new()),
        }
    }

    /// In forward-then-reverse mode, the true posterior of particle i at the current step beside
    /// the model's p_θ (DDPM steps), with KL(q ‖ p_θ) (1.62's summand).
    pub async fn posterior(&mut self, i: usize, predictor: &Predictor) -> std::result::Result<Option<PosteriorView>, EngineFailure> {
        let d = self.config.dim;
        let x0 = match &self.config.init {
            Init::Forward { x0 } => {
                if i >= self.config.particles {
                    return Err(InputError::integer("particle", i as f64, 0, self.config.particles as u64 - 1).into());
                }
                x0[i * d..(i + 1) * d].to_vec()
            }
            _ => return Ok(None),
        };
        let t = match self.current_step() {
            Some(StepPlan::Ddpm { t }) => t,
            _ => return Ok(None),
        };
        let variance = match self.config.sampler {
            SamplerKind::Ddpm { variance } => variance,
            _ => return Ok(None),
        };
        let x_t = self.state[i * d..(i + 1) * d].to_vec();
        let view = self.inspect(predictor).await?.expect("a step remains").clone();
        let q = q_posterior(&self.schedule, &x_t, &x0, t)?;
        let model_mean = view.step.mean[i * d..(i + 1) * d].to_vec();
        let model_variance = self.schedule.model_variance(t, variance);
        let kl = if t > 1 { Some(kl_diagonal(&q.mean, &[q.variance], &model_mean, &[model_variance])?) } else { None };
        Ok(Some(PosteriorView { x0, mean: q.mean, variance: q.variance, model_mean, model_variance, kl }))
    }
}

/// The steps of a sampler, validated.
fn plan(sampler: &SamplerKind, t_start: usize) -> Result<Vec<StepPlan>> {
    let positive = |name: &str, v: f64| crate::numerics::error::check_positive(name, v);
    let count = |name: &str, v: usize, hi: usize| check_count(name, v, 1, hi);
    Ok(match sampler {
        SamplerKind::Ddpm { .. } => (1..=t_start).rev().map(|t| StepPlan::Ddpm { t }).collect(),
        SamplerKind::Ddim { eta, steps } => {
            check_range("eta", *eta, Interval::closed(0.0, 1.0))?;
            count("steps", *steps, t_start)?;
            let ts = ddim_timesteps(t_start, *steps);
            ts.iter().enumerate().map(|(i, &t)| StepPlan::Ddim { t, t_prev: ts.get(i + 1).copied().unwrap_or(0) }).collect()
        }
        SamplerKind::Langevin { step_size, steps } => {
            positive("stepSize", *step_size)?;
            count("steps", *steps, 1_000_000)?;
            (0..*steps).map(|_| StepPlan::Langevin { level: 0, sigma: 0.0, step_size: *step_size }).collect()
        }
        SamplerKind::Annealed { sigma_max, sigma_min, levels, steps_per_level, eps } => {
            positive("sigmaMax", *sigma_max)?;
            positive("sigmaMin", *sigma_min)?;
            positive("eps", *eps)?;
            if sigma_min >= sigma_max {
                return Err(InputError::at("sigmaMin", Rule::LessThan { other: "sigmaMax".into(), other_value: short_number(*sigma_max) }, *sigma_min));
            }
            count("levels", *levels, 10_000)?;
            count("stepsPerLevel", *steps_per_level, 100_000)?;
            if levels * steps_per_level > 1_000_000 {
                return Err(InputError::at("stepsPerLevel", Rule::TooMuchWork { max: "levels × stepsPerLevel ≤ 1000000".into() }, *steps_per_level as f64));
            }
            let ladder = sigma_ladder(*sigma_max, *sigma_min, *levels);
            let last = *ladder.last().expect("levels ≥ 1");
            ladder
                .iter()
                .enumerate()
                .flat_map(|(i, &sigma)| (0..*steps_per_level).map(move |_| StepPlan::Langevin { level: i, sigma, step_size: annealed_step_size(*eps, sigma, last) }))
                .collect()
        }
    })
}
