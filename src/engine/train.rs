//! Training a denoiser with burn: DDPM's Algorithm 1 (t uniform in 1..=T, one noise draw per
//! example) on one of the three objectives with L_simple or ELBO weights, optimised by Adam.
//!
//! Batches (x_0 choice, t, ε) are drawn on the host from the seeded RNG, so a run is reproducible
//! from its seed on a given backend. Every read of a device tensor is asynchronous.

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use crate::diffusion::elbo::Decoder;
use crate::engine::embedding::embedding_table;
use crate::engine::evaluate::{self, EvalConfig, HeldOut, LOSS_BINS};
use crate::engine::held_out_pool::{HeldOutPool, MAX_PASSES, MIN_POINTS, TARGET_STD_ERROR};
use crate::diffusion::oracle::GaussianMixture;
use crate::engine::failure::EngineFailure;
use crate::numerics::error::{InputError, Result, Rule};
use crate::numerics::montecarlo::Estimate;
use crate::engine::model::{read, rows, Denoiser};
use crate::diffusion::objective::{target, weights_by_t};
use crate::engine::t_sampler::LossAwareSampler;
use crate::engine::train_config::{ema_decay, DataSource, TSampling, TrainConfig};
use crate::numerics::rng::Rng;
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// The loss statistics of one `run(n)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStats {
    /// steps completed in this call
    pub steps: usize,
    /// the trainer's total step count afterwards
    pub total_steps: usize,
    /// the loss of each completed step (mean over the batch)
    pub losses: Vec<f64>,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// set when a non-finite loss stopped the run; the last good weights are kept
    pub stopped: Option<String>,
    /// the device failed (a read-back error: a lost GPU, out of memory); the weights are those
    /// before the failed step, and the caller may move them to another device
    pub device_failed: bool,
}

/// The Monte Carlo size and seed of the data's entropy in [`Trainer::held_out_report`].
pub const ENTROPY_SAMPLES: usize = 20_000;
pub const ENTROPY_SEED: u64 = 7;

/// See [`Trainer::held_out_report`]; gaps are (mean, standard error) in nats/dim.
#[derive(Debug, Clone)]
pub struct HeldOutReport {
    pub network: HeldOut,
    pub data_entropy_per_dim: Option<Estimate>,
    pub gap: Option<(f64, f64)>,
    pub oracle: Option<HeldOut>,
    pub oracle_gap: Option<(f64, f64)>,
}

/// One step of the refined held-out estimate: the pooled report so far, the rounds pooled,
/// whether every standard error is within `TARGET_STD_ERROR` (on enough points), and whether to stop.
#[derive(Debug, Clone)]
pub struct Refined {
    pub report: HeldOutReport,
    pub rounds: usize,
    pub precise: bool,
    pub done: bool,
}

/// A training run in progress.
pub struct Trainer {
    pub config: TrainConfig,
    pub schedule: NoiseSchedule,
    /// the device as given (inference runs here) and with autodiff (training)
    base_device: Device,
    device: Device,
    model: Denoiser,
    /// the moving average of the weights (on the inference device), when `config.ema` asks for
    /// one: it is the model everything but the optimiser sees; and its updates since start or load
    ema: Option<Denoiser>,
    ema_updates: usize,
    /// the loss-aware t sampler, when `config.t_sampling` asks for one
    t_sampler: Option<LossAwareSampler>,
    optim: ModuleOptimizer,
    train: Vec<f64>,
    pub heldout: Vec<f64>,
    emb: Vec<f32>,
    weights: Vec<f64>,
    /// per noise index (t, or the NCSN level): x_t = a·x_0 + s·ε — (√ᾱ_t, √(1 − ᾱ_t)) (1.72), or (1, σ_i) (2.17)
    noise: Vec<(f64, f64)>,
    rng: Rng,
    step: usize,
    /// Σ loss and count per t-bin (bin = (t − 1)·LOSS_BINS / T) over the whole run
    bin_sum: Vec<f64>,
    bin_count: Vec<usize>,
    failed: Option<String>,
    /// the refined held-out estimate of the model as it is at `.0.0` steps with variance `.0.1`:
    /// the network's pool and, for a known mixture, the exact oracle's on the same draws
    refined: Option<((usize, ModelVariance), HeldOutPool, Option<HeldOutPool>)>,
}

impl Trainer {
    /// Validate the config, draw the data and initialise the network on `device` (autodiff is
    /// enabled on it here).
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self> {
        let schedule = config.validate()?;
        let (train, heldout) = config.datasets()?;
        let base_device = device.clone();
        let device = device.clone().autodiff();
        let model = config.model.init(&device, config.seed);
        let (emb, weights, noise): (Vec<f32>, Vec<f64>, Vec<(f64, f64)>) = match &config.ncsn {
            None if config.flow => {
                // rectified flow: x_τ = (1 − τ) x₀ + τ ε at τ = t/T, plain MSE on the velocity
                let t_max = schedule.t_max;
                let m = |t: usize| crate::diffusion::flow_matching::marginal(t as f64 / t_max as f64);
                (embedding_table(t_max, config.model.time_dim), vec![1.0 / config.data_dim() as f64; t_max], (1..=t_max).map(|t| (m(t).mean_scale, m(t).std)).collect())
            }
            None => (
                embedding_table(schedule.t_max, config.model.time_dim),
                weights_by_t(&schedule, config.parameterization, config.weighting, config.data_dim()),
                (0..schedule.t_max).map(|i| (schedule.sqrt_alphas_cumprod[i], schedule.sqrt_one_minus_alphas_cumprod[i])).collect(),
            ),
            Some(l) => {
                let sigmas = l.sigmas();
                let d = config.data_dim() as f64;
                (embedding_table(l.levels, config.model.time_dim), sigmas.iter().map(|s| s * s / d).collect(), sigmas.iter().map(|s| (1.0, *s)).collect())
            }
        };
        let rng = Rng::new(config.seed.wrapping_add(1));
        let t_sampler = match config.t_sampling {
            TSampling::Uniform => None,
            TSampling::LossAware { uniform } => Some(LossAwareSampler::new(noise.len(), uniform)),
        };
        Ok(Self {
            config,
            schedule,
            base_device,
            device,
            model,
            ema: None,
            ema_updates: 0,
            t_sampler,
            optim: AdamConfig::new().init(),
            train,
            heldout,
            emb,
            weights,
            noise,
            rng,
            step: 0,
            bin_sum: vec![0.0; LOSS_BINS],
            bin_count: vec![0; LOSS_BINS],
            failed: None,
            refined: None,
        })
    }

    /// The training points (row-major), as drawn at the start.
    pub fn train_points(&self) -> &[f64] {
        &self.train
    }

    pub fn step_count(&self) -> usize {
        self.step
    }

    /// The next 64 bits the batch generator would draw (from a copy; nothing is consumed): two
    /// trainers that drew the same batches so far agree on it (the race checks this).
    pub fn next_draw(&self) -> u64 {
        self.rng.clone().next_u64()
    }

    /// The network for inference (no autodiff): the moving average of the weights when the config
    /// keeps one (and a step has been taken since the start or the last load), else the weights
    /// themselves. The held-out estimates, the chain's predictor, every measure and `save` use it.
    pub fn model(&self) -> Denoiser {
        match &self.ema {
            Some(ema) => ema.clone(),
            None => self.model.valid(),
        }
    }

    /// The weights the optimiser moves (no autodiff), whatever `model()` answers.
    pub fn raw_model(&self) -> Denoiser {
        self.model.valid()
    }

    /// Replace the network's weights (e.g. from a checkpoint); the optimiser starts afresh, and so
    /// does the moving average (from these weights, with its warm-up).
    pub fn set_weights(&mut self, weights: &[(Vec<f32>, Vec<f32>)], step: usize) {
        self.model = Denoiser::from_weights(&self.config.model, weights, &self.device);
        self.ema = None;
        self.ema_updates = 0;
        self.optim = AdamConfig::new().init();
        self.step = step;
        self.failed = None;
    }

    /// Mean training loss per t-bin so far (NaN where a bin saw no example).
    pub fn loss_by_t(&self) -> Vec<f64> {
        self.bin_sum.iter().zip(&self.bin_count).map(|(s, c)| if *c == 0 { f64::NAN } else { s / *c as f64 }).collect()
    }

    /// What the network's output means, as checkpoints name it: "x0", "eps", "score", or
    /// "velocity" for flow matching.
    pub fn parameterization_name(&self) -> &'static str {
        if self.config.flow {
            "velocity"
        } else {
            self.config.parameterization.name()
        }
    }

    /// The data set's name for checkpoints and reports.
    pub fn dataset_name(&self) -> &'static str {
        match &self.config.data {
            DataSource::Toy(d) => d.name(),
            DataSource::Digits => "digits",
            DataSource::Points { .. } => "points",
        }
    }

    /// The current network as the reverse chain's predictor.
    pub fn predictor(&self) -> crate::engine::predictor::Predictor {
        use crate::engine::predictor::Predictor;
        let (model, device, time_dim) = (self.model(), self.base_device.clone(), self.config.model.time_dim);
        match &self.config.ncsn {
            Some(l) => Predictor::NoiseConditional { model, device, sigmas: l.sigmas(), time_dim },
            None if self.config.flow => Predictor::Velocity { model, device, levels: self.schedule.t_max, time_dim },
            None => Predictor::Network { model, device, param: self.config.parameterization, time_dim },
        }
    }

    /// An NCSN's error per noise level against the exact noise-conditional score of its data
    /// (item 47; ring8 only): at each σ_i of the ladder, x̃ = x + σ_i ε for `points` held-out x, and
    /// E‖s_θ(x̃, σ_i) − ∇log q_σ_i(x̃)‖² / E‖∇log q_σ_i(x̃)‖² (each level's own scale, so levels compare).
    /// None for a diffusion model or data without an exact mixture.
    pub async fn score_error_by_level(&self, points: usize, seed: u64) -> Option<std::result::Result<Vec<(f64, f64)>, EngineFailure>> {
        let (ladder, mixture) = (self.config.ncsn.as_ref()?, self.mixture()?);
        let d = self.config.data_dim();
        let n = points.min(self.heldout.len() / d).max(1);
        let x = &self.heldout[..n * d];
        let (p, oracle) = (self.predictor(), crate::engine::predictor::Predictor::Oracle(mixture));
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for sigma in ladder.sigmas() {
            let noisy: Vec<f64> = x.iter().zip(rng.normals(x.len())).map(|(x, z)| x + sigma * z).collect();
            let a = match p.score_sigma(&self.schedule, &noisy, d, sigma).await {
                Ok(a) => a,
                Err(e) => return Some(Err(e)),
            };
            let b = oracle.score_sigma(&self.schedule, &noisy, d, sigma).await.expect("the exact oracle never fails");
            let num: f64 = a.iter().zip(&b).map(|(a, b)| (a - b) * (a - b)).sum();
            let den: f64 = b.iter().map(|b| b * b).sum();
            out.push((sigma, num / den));
        }
        Some(Ok(out))
    }

    /// What the network is conditioned on: the β_t of the diffusion chain, or the NCSN's σ ladder.
    pub fn noise_levels(&self) -> Vec<f64> {
        match &self.config.ncsn {
            Some(l) => l.sigmas(),
            None => self.schedule.betas.clone(),
        }
    }

    pub fn schedule_name(&self) -> &'static str {
        if self.config.ncsn.is_some() {
            "ncsn"
        } else {
            self.config.schedule.name()
        }
    }

    /// The decoder p_θ(x_0|x_1) for this data: DDPM's discretized one for the 8-bit digits,
    /// a Gaussian for continuous data.
    pub fn decoder(&self) -> Decoder {
        if matches!(self.config.data, DataSource::Digits) {
            Decoder::Discretized
        } else {
            Decoder::Gaussian
        }
    }

    /// The data's mixture, where the data is one (ring8): the exact oracle and the true density.
    pub fn mixture(&self) -> Option<GaussianMixture> {
        match &self.config.data {
            DataSource::Toy(d) => d.mixture(),
            _ => None,
        }
    }

    /// The held-out −ELBO per dimension of the current network (see [`crate::engine::evaluate`]).
    pub async fn held_out(&self, eval: EvalConfig, variance: ModelVariance) -> std::result::Result<HeldOut, EngineFailure> {
        self.check_elbo()?;
        let plan = evaluate::plan(&self.schedule, &self.heldout, self.config.data_dim(), eval);
        self.network_on(&plan, &self.heldout, variance).await
    }

    /// The ELBO belongs to the diffusion chain: an NCSN or a flow-matching network has none.
    fn check_elbo(&self) -> Result<()> {
        if self.config.ncsn.is_some() {
            return Err(InputError::new("ELBO", Rule::NotForNcsn, None));
        }
        if self.config.flow {
            return Err(InputError::new("ELBO", Rule::NotForFlow, None));
        }
        Ok(())
    }

    /// The network's estimate on `plan`, drawn for the held-out `points`.
    async fn network_on(&self, plan: &evaluate::ElboPlan, points: &[f64], variance: ModelVariance) -> std::result::Result<HeldOut, EngineFailure> {
        let preds = evaluate::network_predictions(&self.model(), &self.base_device, self.config.model.time_dim, plan).await.map_err(EngineFailure::Device)?;
        Ok(evaluate::score_plan(plan, &preds, points, &self.schedule, self.config.parameterization, self.decoder(), variance)?)
    }

    /// The exact oracle's estimate on the same plan, where the data is a known mixture.
    fn oracle_on(&self, plan: &evaluate::ElboPlan, points: &[f64], variance: ModelVariance) -> Option<Result<HeldOut>> {
        let mixture = self.mixture()?;
        let preds = evaluate::oracle_predictions(&mixture, &self.schedule, self.config.parameterization, plan);
        Some(evaluate::score_plan(plan, &preds, points, &self.schedule, self.config.parameterization, self.decoder(), variance))
    }

    /// For data from a known mixture: the paired gap −ELBO − (−log q(x_0)) per dimension of an
    /// estimate made on this trainer's held-out points, with its standard error (nats/dim).
    pub fn entropy_gap(&self, h: &HeldOut) -> Option<(f64, f64)> {
        let mixture = self.mixture()?;
        let d = self.config.data_dim();
        let log_q: Vec<f64> = self.heldout.chunks(d).take(h.points).map(|x| mixture.log_density(x, 1.0)).collect();
        Some(evaluate::paired_gap(&h.per_point, &log_q, d))
    }

    /// The same estimate with the exact oracle in place of the network, where the data is a known
    /// mixture (ring8): the floor the network could reach with this schedule and variance.
    pub fn oracle_held_out(&self, eval: EvalConfig, variance: ModelVariance) -> Option<Result<HeldOut>> {
        if self.config.ncsn.is_some() || self.config.flow {
            return None;
        }
        self.mixture()?; // none to compare with: no plan drawn
        let plan = evaluate::plan(&self.schedule, &self.heldout, self.config.data_dim(), eval);
        self.oracle_on(&plan, &self.heldout, variance)
    }

    /// Everything the page shows after a held-out estimate: the network's −ELBO, and for a known
    /// mixture the data's entropy per dimension (seeded Monte Carlo), the paired gap to it, and
    /// the exact oracle's −ELBO and gap on the same draws.
    pub async fn held_out_report(&self, eval: EvalConfig, variance: ModelVariance) -> std::result::Result<HeldOutReport, EngineFailure> {
        let network = self.held_out(eval, variance).await?;
        let oracle = self.oracle_held_out(eval, variance).transpose()?;
        Ok(self.report(network, oracle)?)
    }

    /// One more piece of the refined held-out estimate of the model as it is now (`per_call`
    /// points at every t, in order, then fresh draws of the same points): the pooled report, the
    /// rounds pooled so far, and whether it is done — the network's −ELBO (and for a known
    /// mixture both gaps) within `TARGET_STD_ERROR`, or `MAX_PASSES` passes made. A new step
    /// count or variance starts a new pool.
    pub async fn refine_held_out(&mut self, per_call: usize, variance: ModelVariance) -> std::result::Result<Refined, EngineFailure> {
        self.check_elbo()?;
        let d = self.config.data_dim();
        let n = self.heldout.len() / d;
        let key = (self.step, variance);
        if self.refined.as_ref().map(|r| r.0) != Some(key) {
            let oracle = self.mixture().map(|_| HeldOutPool::new(n));
            self.refined = Some((key, HeldOutPool::new(n), oracle));
        }
        let (offset, points, pass) = self.refined.as_ref().expect("set above").1.next_slice(per_call);
        // every t; a seed of its own for every slice of every pass: slices must not share their noise
        // draws (the same ε for point j of every slice would not average out), and a second pass
        // draws new noise for the same points
        let eval = EvalConfig { points, t_samples: 0, seed: EvalConfig::default().seed.wrapping_add(1 + (pass * n + offset) as u64) };
        let slice = self.heldout[offset * d..(offset + points) * d].to_vec();
        let plan = evaluate::plan(&self.schedule, &slice, d, eval);
        let network = self.network_on(&plan, &slice, variance).await?;
        let oracle = self.oracle_on(&plan, &slice, variance).transpose()?;
        let (_, pool, oracle_pool) = self.refined.as_mut().expect("set above");
        pool.add(&network, offset);
        if let (Some(p), Some(o)) = (oracle_pool.as_mut(), &oracle) {
            p.add(o, offset);
        }
        let (rounds, passes) = (pool.rounds, pool.passes());
        let network = pool.estimate().expect("one round added");
        let oracle = oracle_pool.as_ref().and_then(|p| p.estimate());
        let report = self.report(network, oracle)?;
        let within = |se: f64| se <= TARGET_STD_ERROR;
        let covered = self.refined.as_ref().map_or(0, |r| r.1.covered());
        let precise = covered >= MIN_POINTS.min(n)
            && within(report.network.std_error)
            && report.gap.is_none_or(|g| within(g.1))
            && report.oracle_gap.is_none_or(|g| within(g.1));
        Ok(Refined { report, rounds, precise, done: precise || passes >= MAX_PASSES })
    }

    /// The report of a network estimate (and the oracle's on the same draws): entropy and gaps.
    fn report(&self, network: HeldOut, oracle: Option<HeldOut>) -> Result<HeldOutReport> {
        let d = self.config.data_dim() as f64;
        let data_entropy_per_dim = match self.mixture() {
            Some(m) => {
                let e = m.entropy(ENTROPY_SAMPLES, ENTROPY_SEED)?;
                Some(Estimate { mean: e.mean / d, std_error: e.std_error / d, variance: e.variance / (d * d), samples: e.samples })
            }
            None => None,
        };
        let gap = self.entropy_gap(&network);
        let oracle_gap = oracle.as_ref().and_then(|o| self.entropy_gap(o));
        Ok(HeldOutReport { network, data_entropy_per_dim, gap, oracle, oracle_gap })
    }

    /// The current weights as a versioned checkpoint (see [`crate::engine::checkpoint`]): those of
    /// `model()`, so with a moving average the checkpoint holds the averaged weights as the
    /// network's own (the format is unchanged; a load restarts the average from them).
    pub async fn save(&self) -> std::result::Result<Vec<u8>, String> {
        let weights = self.model().weights().await?;
        let c = &self.config;
        let header = crate::engine::checkpoint::CheckpointHeader {
            format: 1,
            data_dim: c.model.data_dim,
            width: c.model.width,
            depth: c.model.depth,
            time_dim: c.model.time_dim,
            parameterization: self.parameterization_name().into(),
            weighting: c.weighting.name().into(),
            schedule: if c.ncsn.is_some() { "ncsn".into() } else { c.schedule.name().into() },
            t_max: self.noise_levels().len(),
            betas: self.noise_levels(),
            dataset: self.dataset_name().into(),
            steps: self.step,
            seed: c.seed,
        };
        Ok(crate::engine::checkpoint::to_bytes(&header, &weights))
    }

    /// Load weights saved by [`Trainer::save`]: the network's shape must match this trainer's,
    /// and so must the parameterization and schedule (the weights mean nothing under others).
    pub fn load(&mut self, bytes: &[u8]) -> Result<crate::engine::checkpoint::CheckpointHeader> {
        let (h, w) = crate::engine::checkpoint::from_bytes(bytes, Some(&self.config.model))?;
        if h.parameterization != self.parameterization_name() {
            return Err(InputError::new(
                "checkpoint",
                Rule::CheckpointMismatch { what: "parameterization", file: h.parameterization.clone(), model: self.parameterization_name().into() },
                None,
            ));
        }
        let mine = self.noise_levels();
        let same = h.betas.len() == mine.len() && h.betas.iter().zip(&mine).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs());
        if !same {
            return Err(InputError::new(
                "checkpoint",
                Rule::CheckpointMismatch { what: "schedule", file: format!("{} T = {}", h.schedule, h.t_max), model: format!("{} T = {}", self.schedule_name(), mine.len()) },
                None,
            ));
        }
        self.set_weights(&w, h.steps);
        Ok(h)
    }

    /// One batch of DDPM's Algorithm 1, drawn on the host: (x_t, embedding, target, weight, t,
    /// importance weight 1/(T·p(t)): None when t is uniform).
    #[allow(clippy::type_complexity)]
    fn batch(&mut self) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<usize>, Option<Vec<f64>>) {
        let (b, d, e) = (self.config.batch_size, self.config.data_dim(), self.config.model.time_dim);
        let n = self.train.len() / d;
        let (mut xt, mut emb, mut tgt, mut w, mut ts) =
            (Vec::with_capacity(b * d), Vec::with_capacity(b * e), Vec::with_capacity(b * d), Vec::with_capacity(b), Vec::with_capacity(b));
        if let Some(s) = self.t_sampler.as_mut() {
            s.refresh();
        }
        let mut importance = self.t_sampler.as_ref().map(|_| Vec::with_capacity(b));
        // with antithetic noise, every odd example repeats the one before it with −ε
        let mut mirror: Option<(usize, usize, f64, Vec<f64>)> = None;
        for k in 0..b {
            let (i, t, weight, eps) = match mirror.take() {
                Some((i, t, weight, eps)) => (i, t, weight, eps.iter().map(|z| -z).collect()),
                None => {
                    let i = (self.rng.next_u64() % n as u64) as usize; // x_0 ~ data
                    let (t, weight) = match &self.t_sampler {
                        Some(s) => s.draw(&mut self.rng), // t ~ p(t), weighted by 1/(T·p(t))
                        None => (1 + (self.rng.next_u64() % self.noise.len() as u64) as usize, 1.0), // t ~ U{1..T} (or the level i)
                    };
                    let eps = self.rng.normals(d); // ε ~ N(0, I)
                    if self.config.antithetic && k + 1 < b {
                        mirror = Some((i, t, weight, eps.clone()));
                    }
                    (i, t, weight, eps)
                }
            };
            if let Some(iw) = importance.as_mut() {
                iw.push(weight);
            }
            let x0 = &self.train[i * d..(i + 1) * d];
            let (a, s) = self.noise[t - 1];
            xt.extend(x0.iter().zip(&eps).map(|(x, z)| (a * x + s * z) as f32)); // (1.72), or x̃ = x + σε (2.17)
            emb.extend_from_slice(&self.emb[(t - 1) * e..t * e]);
            if self.config.ncsn.is_some() {
                tgt.extend(eps.iter().map(|z| (-z / s) as f32)); // ∇log q_σ(x̃|x) = −ε/σ (2.23)
            } else if self.config.flow {
                tgt.extend(crate::diffusion::flow_matching::target(x0, &eps).iter().map(|v| *v as f32)); // ε − x₀
            } else {
                tgt.extend(target(&self.schedule, self.config.parameterization, t, x0, &eps).iter().map(|v| *v as f32));
            }
            w.push(self.weights[t - 1] as f32);
            ts.push(t);
        }
        (xt, emb, tgt, w, ts, importance)
    }

    /// θ̄ ← d·θ̄ + (1 − d)·θ with d = [`ema_decay`] at this update (the first copies θ).
    fn update_ema(&mut self, decay: f64) {
        self.ema_updates += 1;
        let d = ema_decay(decay, self.ema_updates);
        let current = self.model.valid();
        self.ema = Some(match self.ema.take() {
            None => current,
            Some(ema) => blend(ema, current, d),
        });
    }

    /// Run up to `n` optimisation steps. A non-finite loss stops the run with a message naming
    /// the step, and the weights of the last step whose loss was finite are kept.
    /// The multiply-adds of one step (forward and backward ≈ 3 × forward): the budget of `run(n)`.
    pub fn step_work(&self) -> f64 {
        let (w, depth) = (self.config.model.width as f64, self.config.model.depth as f64);
        let d = (self.config.data_dim() + self.config.model.time_dim) as f64;
        3.0 * self.config.batch_size as f64 * (d * w + depth * w * w + w * self.config.data_dim() as f64)
    }

    pub async fn run(&mut self, n: usize) -> RunStats {
        let mut losses = Vec::with_capacity(n);
        let mut stopped = self.failed.clone();
        let mut device_failed = false;
        let (b, d, e) = (self.config.batch_size, self.config.data_dim(), self.config.model.time_dim);
        let bins = LOSS_BINS;
        for _ in 0..n {
            if stopped.is_some() {
                break;
            }
            let (xt, emb, tgt, w, ts, importance) = self.batch();
            let dev = &self.device;
            let xt = rows(xt, d, dev); // [b, D]
            let emb = rows(emb, e, dev); // [b, E]
            let tgt = rows(tgt, d, dev); // [b, D]
            let w = rows(w, 1, dev); // [b, 1]
            let before = self.model.clone();
            let pred = self.model.forward(xt, emb); // [b, D]
            let per_example = (pred - tgt).square().sum_dim(1) * w; // [b, 1]: the objective's loss of each example
            let loss = match &importance {
                None => per_example.clone().mean(), // [1]
                // (1/b) Σ L_i/(T·p(t_i)): the same objective in expectation (see t_sampler)
                Some(iw) => (per_example.clone() * rows(iw.iter().map(|v| *v as f32).collect(), 1, dev)).mean(), // [1]
            };
            let grads = GradientsParams::from_grads(loss.backward(), &self.model);
            let values = match read(per_example.detach()).await {
                Ok(v) => v,
                Err(e) => {
                    self.model = before; // the step never completed
                    device_failed = true;
                    stopped = Some(format!("the device failed at step {}: {e}", self.step + 1));
                    break;
                }
            };
            let mean = match &importance {
                None => values.iter().map(|v| *v as f64).sum::<f64>() / b as f64,
                Some(iw) => values.iter().zip(iw).map(|(v, w)| *v as f64 * w).sum::<f64>() / b as f64,
            };
            if !mean.is_finite() {
                self.model = before; // these weights gave a finite loss one step ago
                stopped = Some(format!(
                    "the loss became {} at step {}: training stopped and the weights of step {} are kept (try a smaller learning rate, or rescale the data)",
                    mean,
                    self.step + 1,
                    self.step
                ));
                break;
            }
            let rate = self.config.lr_schedule.rate(self.config.learning_rate, self.step);
            self.model = self.optim.step(rate, self.model.clone(), grads);
            self.step += 1;
            if let Some(decay) = self.config.ema {
                self.update_ema(decay);
            }
            for (v, t) in values.iter().zip(&ts) {
                let k = (t - 1) * bins / self.noise.len();
                self.bin_sum[k] += *v as f64;
                self.bin_count[k] += 1;
                if let Some(s) = self.t_sampler.as_mut() {
                    s.record(*t, *v as f64);
                }
            }
            losses.push(mean);
        }
        if !device_failed {
            self.failed = stopped.clone();
        }
        let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for l in &losses {
            min = min.min(*l);
            max = max.max(*l);
            sum += l;
        }
        let mean = if losses.is_empty() { f64::NAN } else { sum / losses.len() as f64 };
        RunStats { steps: losses.len(), total_steps: self.step, losses, mean, min, max, stopped, device_failed }
    }
}

/// The layer-by-layer blend d·a + (1 − d)·b of two networks of one shape (the moving average's update).
fn blend(a: Denoiser, b: Denoiser, d: f64) -> Denoiser {
    use burn::module::Param;
    let layers = a
        .layers
        .into_iter()
        .zip(b.layers)
        .map(|(la, lb)| burn::nn::Linear {
            weight: Param::from_tensor(la.weight.val() * d + lb.weight.val() * (1.0 - d)),
            bias: match (la.bias, lb.bias) {
                (Some(x), Some(y)) => Some(Param::from_tensor(x.val() * d + y.val() * (1.0 - d))),
                _ => None,
            },
        })
        .collect();
    Denoiser { layers }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;
    use crate::engine::backend::{block_on, init_cpu};
    use crate::engine::train_config::LrSchedule;

    /// A small, fast ring8 trainer: 2 × 16 MLP, T = 100, batch 32.
    fn small(edit: impl FnOnce(&mut TrainConfig)) -> Trainer {
        let mut c = TrainConfig::toy(Dataset::ring8_default());
        (c.t_max, c.schedule) = (100, crate::diffusion::schedule::BetaSchedule::linear_default(100));
        (c.n_train, c.n_heldout, c.batch_size, c.seed) = (256, 64, 32, 4);
        (c.model.width, c.model.depth, c.model.time_dim) = (16, 2, 8);
        (c.learning_rate, c.lr_schedule, c.ema, c.t_sampling, c.antithetic) = (1e-2, LrSchedule::Constant, None, TSampling::Uniform, false);
        edit(&mut c);
        Trainer::new(c, &init_cpu().device).unwrap()
    }

    fn flat(w: Vec<(Vec<f32>, Vec<f32>)>) -> Vec<f64> {
        w.into_iter().flat_map(|(w, b)| w.into_iter().chain(b)).map(f64::from).collect()
    }

    fn weights(m: &Denoiser) -> Vec<f64> {
        flat(block_on(m.weights()).unwrap())
    }

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn the_moving_average_follows_its_recursion_and_decay_zero_is_no_average() {
        // decay 0: θ̄ = θ after every step, bit for bit — the same network as no average at all
        let (mut none, mut zero) = (small(|_| {}), small(|c| c.ema = Some(0.0)));
        block_on(none.run(6));
        block_on(zero.run(6));
        assert_eq!(weights(&none.model()), weights(&zero.model()));
        // decay 0.9: θ̄_n = d_n θ̄_{n−1} + (1 − d_n) θ_n with d_n = min(0.9, (1 + n)/(10 + n)), θ̄_1 = θ_1,
        // replayed on the host from the raw weights after each step
        let mut tr = small(|c| c.ema = Some(0.9));
        let (mut expected, mut no_warmup) = (Vec::new(), Vec::new());
        for n in 1..=12 {
            block_on(tr.run(1));
            let raw = weights(&tr.raw_model());
            if n == 1 {
                (expected, no_warmup) = (raw.clone(), raw.clone());
            } else {
                let d = ema_decay(0.9, n);
                expected = expected.iter().zip(&raw).map(|(e, r)| d * e + (1.0 - d) * r).collect();
                no_warmup = no_warmup.iter().zip(&raw).map(|(e, r)| 0.9 * e + 0.1 * r).collect();
            }
        }
        let ema = weights(&tr.model());
        let raw = weights(&tr.raw_model());
        let (err, off_raw, off_plain) = (max_diff(&ema, &expected), max_diff(&ema, &raw), max_diff(&ema, &no_warmup));
        eprintln!("|EMA − recursion| {err:.2e}; |EMA − raw| {off_raw:.2e}; |EMA − no-warm-up recursion| {off_plain:.2e}");
        assert!(err < 1e-6, "the average is the recursion (f32 rounding only): {err}");
        // the checks can fail: the average is not the raw weights, nor the recursion without its warm-up
        assert!(off_raw > 100.0 * err.max(1e-7), "{off_raw}");
        assert!(off_plain > 100.0 * err.max(1e-7), "{off_plain}");
        assert_eq!(ema_decay(0.999, 1), 2.0 / 11.0);
        assert_eq!(ema_decay(0.9, 1000), 0.9);
    }

    #[test]
    fn a_checkpoint_holds_the_average_and_a_load_restarts_it_from_there() {
        let mut tr = small(|c| c.ema = Some(0.9));
        block_on(tr.run(8));
        let (ema, raw) = (weights(&tr.model()), weights(&tr.raw_model()));
        let bytes = block_on(tr.save()).unwrap();
        let mut plain = small(|_| {});
        plain.load(&bytes).unwrap(); // the format is unchanged: a trainer without an average loads it
        assert_eq!(weights(&plain.model()), ema);
        assert!(max_diff(&weights(&plain.model()), &raw) > 1e-5, "the checkpoint is the average, not the raw weights");
        // loaded into a trainer with an average: model() is the loaded weights until it steps again
        let mut again = small(|c| c.ema = Some(0.9));
        again.load(&bytes).unwrap();
        assert_eq!(weights(&again.model()), ema);
        block_on(again.run(1)); // the first update copies the weights the optimiser moved
        assert_eq!(weights(&again.model()), weights(&again.raw_model()));
    }

    #[test]
    fn the_learning_rate_schedule_has_its_values_at_named_steps_and_the_trainer_follows_it() {
        let s = LrSchedule::WarmupCosine { warmup: 100, total: 1100, floor: 0.1 };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(s.rate(2.0, 0), 0.02)); // base·1/warmup
        assert!(close(s.rate(2.0, 49), 1.0)); // halfway up
        assert!(close(s.rate(2.0, 99), 2.0)); // the peak at the end of the warm-up
        assert!(close(s.rate(2.0, 100), 2.0)); // the cosine starts at the peak
        assert!(close(s.rate(2.0, 600), 2.0 * (0.1 + 0.9 * 0.5))); // halfway down: (peak + floor)/2
        assert!(close(s.rate(2.0, 350), 2.0 * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI / 4.0).cos()))));
        assert!(close(s.rate(2.0, 1100), 0.2) && close(s.rate(2.0, 50_000), 0.2)); // held at the floor
        assert!((1..1100).all(|k| s.rate(1.0, k) <= s.rate(1.0, k - 1) + 1e-15 || k < 100), "non-increasing after the warm-up");
        for k in [0, 5999, 6000, 8999, 9000, 20_000] {
            assert_eq!(LrSchedule::StepDecay.rate(3e-3, k), crate::engine::train_config::step_decay(3e-3, k));
            assert_eq!(LrSchedule::Constant.rate(3e-3, k), 3e-3);
        }
        assert!(LrSchedule::WarmupCosine { warmup: 5, total: 5, floor: 0.1 }.validate().is_err(), "warm-up must end before the total");
        // the trainer uses the schedule: a rate of 0 from step 2 on (floor 0) leaves the weights where
        // step 2 put them, while the constant rate keeps moving them
        let mut stops = small(|c| c.lr_schedule = LrSchedule::WarmupCosine { warmup: 0, total: 2, floor: 0.0 });
        let mut constant = small(|_| {});
        for tr in [&mut stops, &mut constant] {
            block_on(tr.run(2));
        }
        let (a, b) = (weights(&stops.raw_model()), weights(&constant.raw_model()));
        assert!(max_diff(&a, &b) > 0.0, "step 2 already ran at half the rate");
        block_on(stops.run(3));
        block_on(constant.run(3));
        assert_eq!(weights(&stops.raw_model()), a, "rate 0 from step 2 on: no change");
        assert!(max_diff(&weights(&constant.raw_model()), &b) > 1e-4, "a constant rate moves them");
    }

    #[test]
    fn antithetic_batches_come_in_mirrored_pairs_and_plain_ones_do_not() {
        let paired = |antithetic: bool| {
            let mut tr = small(|c| c.antithetic = antithetic);
            let (_, _, tgt, _, ts, _) = tr.batch();
            let b = ts.len();
            // (x_0, t, ε) and (x_0, t, −ε): the same t, targets summing to 0, x_t's averaging to √ᾱ_t·x_0
            let mut worst: f64 = 0.0;
            for k in (0..b).step_by(2) {
                let same_t = ts[k] == ts[k + 1];
                let target_sum = (0..2).map(|j| (tgt[2 * k + j] + tgt[2 * k + 2 + j]).abs() as f64).fold(0.0, f64::max);
                worst = worst.max(if same_t { target_sum } else { f64::INFINITY });
            }
            worst
        };
        assert!(paired(true) < 1e-6, "{}", paired(true));
        assert!(paired(false) > 0.1, "the check can fail: independent draws are not mirrored");
        // and the run trains: finite losses, every t still drawn
        let mut tr = small(|c| c.antithetic = true);
        let r = block_on(tr.run(20));
        assert!(r.stopped.is_none() && r.mean.is_finite());
    }

    #[test]
    fn loss_aware_sampling_draws_more_where_the_loss_is_and_reports_the_same_objective() {
        // after its history fills (every t seen 10 times), small t — where L_simple's ε loss is
        // large — is drawn more often than large t, whose loss is near 0
        let mut tr = small(|c| c.t_sampling = TSampling::LossAware { uniform: 0.1 });
        block_on(tr.run(150));
        let before = (tr.bin_count[0], tr.bin_count[LOSS_BINS - 1]);
        block_on(tr.run(150));
        let first = tr.bin_count[0] - before.0;
        let last = tr.bin_count[LOSS_BINS - 1] - before.1;
        eprintln!("examples in the first t-bin {first}, in the last {last} (150 steps of 32)");
        assert!(first > 3 * last, "{first} vs {last}");
        let mut uniform = small(|_| {});
        block_on(uniform.run(300));
        let (u0, u1) = (uniform.bin_count[0] as f64, uniform.bin_count[LOSS_BINS - 1] as f64);
        assert!(u0 < 1.5 * u1 && u1 < 1.5 * u0, "the check can fail: uniform t fills the bins evenly ({u0}, {u1})");
        // the per-t losses it shows are the objective's (not the importance-weighted) ones
        let (a, b) = (tr.loss_by_t(), uniform.loss_by_t());
        assert!(a[0] > 3.0 * a[LOSS_BINS - 1] && b[0] > 3.0 * b[LOSS_BINS - 1]);
    }
}
