//! What a training run is: the data, the schedule (or NCSN's σ ladder), the objective, the
//! network's shape and the optimiser's settings, with every default in one place and one
//! `validate` that checks them all before any work.

use crate::data::digits::Digits;
use crate::data::toy::Dataset;
use crate::diffusion::objective::Weighting;
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule};
use crate::engine::denoiser_config::DenoiserConfig;
use crate::numerics::error::{check_count, check_range, short_number, InputError, Interval, Result, Rule};
use crate::numerics::rng::Rng;

/// Where the training data comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A seeded 2-D set (`n_train` + `n_heldout` points are drawn).
    Toy(Dataset),
    /// The 8×8 digits (1,797 images), shuffled by the seed and split.
    Digits,
    /// Points the reader supplied: row-major, `dim` coordinates each.
    Points { points: Vec<f64>, dim: usize },
}

/// Everything a training run needs; `validate` checks it before any work.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    pub data: DataSource,
    pub n_train: usize,
    pub n_heldout: usize,
    pub schedule: BetaSchedule,
    pub t_max: usize,
    pub parameterization: Prediction,
    pub weighting: Weighting,
    pub model: DenoiserConfig,
    /// the peak learning rate; `lr_schedule` says how it moves with the step
    pub learning_rate: f64,
    pub lr_schedule: LrSchedule,
    /// the decay of an exponential moving average of the weights, which then is the model
    /// (evaluation, the chain, checkpoints); None: the raw weights (see [`ema_decay`])
    pub ema: Option<f64>,
    /// how t is drawn for each example (uniform, or importance-sampled by the per-t loss)
    pub t_sampling: TSampling,
    /// antithetic noise: the examples come in pairs (x_0, t, ε) and (x_0, t, −ε). Each ε is still
    /// N(0, I), so the objective is unchanged in expectation; at small t, where x_t ≈ √ᾱ_t·x_0, the
    /// pair's unpredictable target ±ε cancels in the gradient to first order in √(1 − ᾱ_t)
    pub antithetic: bool,
    pub batch_size: usize,
    pub seed: u64,
    /// Train a noise-conditional score network (NCSN) by denoising score matching over this σ
    /// ladder instead of the diffusion chain: x̃ = x + σ_i z, target −z/σ_i, weight λ(σ_i) = σ_i²
    /// (2.17, 2.23–2.25). The network is told the level i, and predicts the score.
    pub ncsn: Option<SigmaLadder>,
    /// Train by flow matching on rectified flow's straight path instead (src/diffusion/flow_matching.rs):
    /// x_τ = (1 − τ) x₀ + τ ε at τ = t/T, t drawn as for the chain, target ε − x₀, weight 1/D
    /// (plain MSE); the network is told t and predicts the velocity.
    pub flow: bool,
}

/// NCSN's geometric noise ladder σ_1 > … > σ_L (see [`crate::diffusion::sampler::sigma_ladder`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaLadder {
    pub sigma_max: f64,
    pub sigma_min: f64,
    pub levels: usize,
}

impl Default for SigmaLadder {
    /// NCSN's ladder here: σ from 3 to 0.05 in 10 levels.
    fn default() -> Self {
        Self { sigma_max: 3.0, sigma_min: 0.05, levels: 10 }
    }
}

impl SigmaLadder {
    pub fn sigmas(&self) -> Vec<f64> {
        crate::diffusion::sampler::sigma_ladder(self.sigma_max, self.sigma_min, self.levels)
    }
}

impl TrainConfig {
    /// The defaults for a 2-D set: 4096 training and 2048 held-out points (enough for a held-out
    /// −ELBO with a standard error ≤ 0.02 nats/dim), linear schedule with T = 1000, ε-prediction
    /// with L_simple, 3 × 128 MLP, batch 256, and the time-to-entropy recipe measured by
    /// `examples/recipe.rs` (ring8 within 0.1 nats/dim of its entropy in ~2000 steps instead of
    /// ~6500 at batch 512): Adam with a peak of [`RECIPE_LEARNING_RATE`] on [`RECIPE_LR_SCHEDULE`],
    /// the moving average [`RECIPE_EMA`] as the model, t importance-sampled by the loss
    /// ([`RECIPE_T_SAMPLING`]) and antithetic noise pairs.
    pub fn toy(dataset: Dataset) -> Self {
        Self {
            data: DataSource::Toy(dataset),
            n_train: 4096,
            n_heldout: 2048,
            schedule: BetaSchedule::linear_default(1000),
            t_max: 1000,
            parameterization: Prediction::Eps,
            weighting: Weighting::Simple,
            model: DenoiserConfig::new(2),
            learning_rate: RECIPE_LEARNING_RATE,
            lr_schedule: RECIPE_LR_SCHEDULE,
            ema: Some(RECIPE_EMA),
            t_sampling: RECIPE_T_SAMPLING,
            antithetic: true,
            batch_size: 256,
            seed: 0,
            ncsn: None,
            flow: false,
        }
    }

    /// The defaults for the digits: 1,500 training and 297 held-out images, a 3 × 256 MLP, the
    /// plain recipe (the 2-D recipe was not measured on them).
    pub fn digits() -> Self {
        Self { data: DataSource::Digits, n_train: 1500, n_heldout: 297, model: DenoiserConfig::digits(), ..Self::toy(Dataset::ring8_default()).plain_recipe() }
    }

    /// The same run with DDPM's Algorithm 1 as it stands: Adam at [`PLAIN_LEARNING_RATE`] held
    /// constant, the raw weights as the model, t ~ U{1..T}, independent noise draws (the digits,
    /// NCSN and the race of parameterizations, whose runners must draw the same batches).
    pub fn plain_recipe(self) -> Self {
        Self { learning_rate: PLAIN_LEARNING_RATE, lr_schedule: LrSchedule::Constant, ema: None, t_sampling: TSampling::Uniform, antithetic: false, ..self }
    }

    /// The data dimension D.
    pub fn data_dim(&self) -> usize {
        match &self.data {
            DataSource::Toy(_) => 2,
            DataSource::Digits => crate::data::digits::PIXELS,
            DataSource::Points { dim, .. } => *dim,
        }
    }

    /// Check every field; messages name the field and its range.
    pub fn validate(&self) -> Result<NoiseSchedule> {
        let range = check_count;
        range("batchSize", self.batch_size, 1, 65_536)?;
        range("width", self.model.width, 1, 4096)?;
        range("depth", self.model.depth, 1, 32)?;
        range("timeDim", self.model.time_dim, 2, 1024)?;
        if self.model.time_dim % 2 != 0 {
            return Err(InputError::at("timeDim", Rule::Type("even_integer"), self.model.time_dim as f64).with_hint("even_time_dim"));
        }
        check_range("learningRate", self.learning_rate, Interval::open_closed(0.0, 1.0))?;
        self.lr_schedule.validate()?;
        if let Some(d) = self.ema {
            check_range("ema", d, Interval::closed_open(0.0, 1.0))?;
        }
        if let TSampling::LossAware { uniform } = self.t_sampling {
            check_range("tSampling.uniform", uniform, Interval::open_closed(0.0, 1.0))?; // (an NCSN's levels are sampled the same way)
        }
        range("heldout", self.n_heldout, 1, 100_000)?;
        // memory: the weights (and Adam's two moments), and one batch's activations
        let (w, depth) = (self.model.width as f64, self.model.depth as f64);
        crate::numerics::budget::check_values("width", w, 3.0 * w * w * depth, "3 × width² × depth (the weights and Adam's moments)")?;
        crate::numerics::budget::check_values("batchSize", self.batch_size as f64, 4.0 * self.batch_size as f64 * w * (depth + 1.0), "4 × batchSize × width × (depth + 1) (a batch's activations and gradients)")?;
        match &self.data {
            DataSource::Toy(d) => {
                range("train", self.n_train, 2, 1_000_000)?;
                d.sample(1, 0)?; // validates the data set's parameters
            }
            DataSource::Digits => {
                let total = Digits::load().count();
                range("train", self.n_train, 2, total.saturating_sub(self.n_heldout).max(2))?;
            }
            DataSource::Points { points, dim } => {
                let n = crate::data::toy::validate_points(points, *dim)?;
                if n < 4 {
                    return Err(InputError::length("points", points.len(), format!("at least 4 points of {dim} coordinates")).with_hint("held_out"));
                }
            }
        }
        if self.model.data_dim != self.data_dim() {
            return Err(InputError::new("dim", Rule::Mismatch { other: format!("the data's dimension {}", self.data_dim()) }, Some(self.model.data_dim.to_string())));
        }
        if let Some(l) = &self.ncsn {
            crate::numerics::error::check_positive("sigmaMax", l.sigma_max)?;
            crate::numerics::error::check_positive("sigmaMin", l.sigma_min)?;
            if l.sigma_min >= l.sigma_max {
                return Err(InputError::at("sigmaMin", Rule::LessThan { other: "sigmaMax".into(), other_value: short_number(l.sigma_max) }, l.sigma_min));
            }
            range("levels", l.levels, 1, 1000)?;
            if self.parameterization != Prediction::Score {
                return Err(InputError::one_of("parameterization", self.parameterization.name(), &["score"]));
            }
            if self.weighting != Weighting::Simple {
                return Err(InputError::one_of("weighting", self.weighting.name(), &["simple"]));
            }
        }
        if self.flow {
            if self.ncsn.is_some() {
                return Err(InputError::new("ncsn", Rule::OneOf(vec!["none (flow matching has its own path)".into()]), Some("{sigmaMax, sigmaMin, levels}".into())));
            }
            if self.weighting != Weighting::Simple {
                return Err(InputError::one_of("weighting", self.weighting.name(), &["simple"]));
            }
        }
        NoiseSchedule::new(self.schedule.clone(), self.t_max)
    }

    /// The training and held-out sets (row-major, D values each), drawn or split by the seed.
    pub fn datasets(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let d = self.data_dim();
        match &self.data {
            DataSource::Toy(ds) => {
                let all = ds.sample(self.n_train + self.n_heldout, self.seed)?;
                let (a, b) = all.split_at(self.n_train * d);
                Ok((a.to_vec(), b.to_vec()))
            }
            DataSource::Digits => {
                let x = Digits::load().scaled();
                let order = permutation(x.len() / d, self.seed);
                let pick = |idx: &[usize]| idx.iter().flat_map(|&i| x[i * d..(i + 1) * d].iter().copied()).collect::<Vec<_>>();
                Ok((pick(&order[..self.n_train]), pick(&order[self.n_train..self.n_train + self.n_heldout])))
            }
            DataSource::Points { points, dim } => {
                let n = points.len() / dim;
                let order = permutation(n, self.seed);
                let held = self.n_heldout.min(n / 4).max(1);
                let pick = |idx: &[usize]| idx.iter().flat_map(|&i| points[i * dim..(i + 1) * dim].iter().copied()).collect::<Vec<_>>();
                Ok((pick(&order[held..]), pick(&order[..held])))
            }
        }
    }
}

/// The 2-D recipe's peak learning rate (see [`TrainConfig::toy`]; examples/recipe.rs measured 5e-3,
/// 1e-2, 2e-2, 3e-2: 2e-2 and 3e-2 tie, and the lower is kept for the other parameterizations).
pub const RECIPE_LEARNING_RATE: f64 = 2e-2;
/// Its schedule: 100 warm-up steps, then a cosine to 2% of the peak at step 2000 (the page's
/// default run), held there after.
pub const RECIPE_LR_SCHEDULE: LrSchedule = LrSchedule::WarmupCosine { warmup: 100, total: 2000, floor: 0.02 };
/// Its moving average's decay (reached after ~9000 steps: before that the warm-up of [`ema_decay`]
/// averages over roughly the last n/9 steps).
pub const RECIPE_EMA: f64 = 0.999;
/// Its t sampling: by the loss, with a tenth uniform.
pub const RECIPE_T_SAMPLING: TSampling = TSampling::LossAware { uniform: TSampling::LOSS_AWARE_UNIFORM };
/// The plain recipe's constant learning rate (the 2-D default before the recipe).
pub const PLAIN_LEARNING_RATE: f64 = 1e-3;

/// How the learning rate moves with the step: `rate(base, step)` is the rate of the step with
/// 0-based index `step` (the trainer's step count before it), `base` the config's peak rate.
#[derive(Debug, Clone, PartialEq)]
pub enum LrSchedule {
    /// `base` at every step
    Constant,
    /// [`step_decay`]: base to 6000 steps, base/5 to 9000, then base/25
    StepDecay,
    /// a linear warm-up base·(step + 1)/warmup over the first `warmup` steps, then half a cosine
    /// from base down to floor·base at step `total`, held at floor·base after it (SGDR's
    /// annealing, Loshchilov & Hutter 2017, with a warm-up)
    WarmupCosine { warmup: usize, total: usize, floor: f64 },
}

impl LrSchedule {
    pub const NAMES: [&'static str; 3] = ["constant", "step_decay", "warmup_cosine"];
    /// The warm-up cosine's numbers when only its kind is asked for.
    pub const WARMUP_COSINE_DEFAULT: LrSchedule = RECIPE_LR_SCHEDULE;

    pub fn name(&self) -> &'static str {
        match self {
            LrSchedule::Constant => "constant",
            LrSchedule::StepDecay => "step_decay",
            LrSchedule::WarmupCosine { .. } => "warmup_cosine",
        }
    }

    /// The learning rate of the step with 0-based index `step`.
    pub fn rate(&self, base: f64, step: usize) -> f64 {
        match *self {
            LrSchedule::Constant => base,
            LrSchedule::StepDecay => step_decay(base, step),
            LrSchedule::WarmupCosine { warmup, total, floor } => {
                if step < warmup {
                    base * (step + 1) as f64 / warmup as f64
                } else if step >= total {
                    base * floor
                } else {
                    let progress = (step - warmup) as f64 / (total - warmup) as f64; // [0, 1)
                    base * (floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
                }
            }
        }
    }

    /// Its numbers: 0 ≤ warmup < total, floor in [0, 1].
    pub fn validate(&self) -> Result<()> {
        if let LrSchedule::WarmupCosine { warmup, total, floor } = *self {
            check_count("lrSchedule.total", total, 1, 100_000_000)?;
            check_count("lrSchedule.warmup", warmup, 0, total - 1)?;
            check_range("lrSchedule.floor", floor, Interval::closed(0.0, 1.0))?;
        }
        Ok(())
    }
}

/// The decay of the weights' moving average at its `n`-th update (1-based) since the start or a
/// load: min(decay, (1 + n)/(10 + n)), the warm-up of TensorFlow's ExponentialMovingAverage with
/// `num_updates`, so the average does not drag the random initial weights along for ~1/(1 − decay)
/// steps. θ̄ ← d·θ̄ + (1 − d)·θ after every optimiser step; the first update (d = 2/11) starts from
/// the weights themselves.
pub fn ema_decay(decay: f64, n: usize) -> f64 {
    decay.min((1.0 + n as f64) / (10.0 + n as f64))
}

/// How each example's t is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum TSampling {
    /// t ~ U{1..T}, DDPM's Algorithm 1
    Uniform,
    /// t drawn from p(t) ∝ √E[L_t²] per bin of t (Nichol & Dhariwal 2021, §3.3), mixed with
    /// `uniform` of the uniform distribution, each example's loss weighted by 1/(T·p(t)) so the
    /// objective (1/T) Σ_t E[L_t] is unchanged in expectation (see [`crate::engine::t_sampler`])
    LossAware { uniform: f64 },
}

impl TSampling {
    pub const NAMES: [&'static str; 2] = ["uniform", "loss_aware"];
    /// The uniform share of the loss-aware sampler when only its kind is asked for.
    pub const LOSS_AWARE_UNIFORM: f64 = 0.1;

    pub fn name(&self) -> &'static str {
        match self {
            TSampling::Uniform => "uniform",
            TSampling::LossAware { .. } => "loss_aware",
        }
    }
}

/// The learning-rate schedule of the shipped 2-D checkpoints and of the time-to-entropy benchmark:
/// `base` for 6000 steps, base/5 to 9000, then base/25 (piecewise constant; Adam keeps its moments).
pub fn step_decay(base: f64, step: usize) -> f64 {
    match step {
        0..6000 => base,
        6000..9000 => base / 5.0,
        _ => base / 25.0,
    }
}

/// A seeded Fisher–Yates permutation of 0..n.
pub(crate) fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed ^ 0x5EED_0F_D1617);
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}
