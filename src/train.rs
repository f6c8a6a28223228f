//! Training a denoiser with burn: DDPM's Algorithm 1 (t uniform in 1..=T, one noise draw per
//! example) on one of the three objectives with L_simple or ELBO weights, optimised by Adam.
//!
//! Batches (x_0 choice, t, ε) are drawn on the host from the seeded RNG, so a run is reproducible
//! from its seed on a given backend. Every read of a device tensor is asynchronous.

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use crate::data::Dataset;
use crate::digits::Digits;
use crate::elbo::Decoder;
use crate::embedding::embedding_table;
use crate::evaluate::{self, EvalConfig, HeldOut};
use crate::error::{InputError, Result};
use crate::model::{read, Denoiser, DenoiserConfig};
use crate::objective::{target, weights_by_t, Weighting};
use crate::parameterization::Prediction;
use crate::rng::Rng;
use crate::schedule::{BetaSchedule, ModelVariance, NoiseSchedule};

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
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
    /// Train a noise-conditional score network (NCSN) by denoising score matching over this σ
    /// ladder instead of the diffusion chain: x̃ = x + σ_i z, target −z/σ_i, weight λ(σ_i) = σ_i²
    /// (2.17, 2.23–2.25). The network is told the level i, and predicts the score.
    pub ncsn: Option<SigmaLadder>,
}

/// NCSN's geometric noise ladder σ_1 > … > σ_L (see [`crate::sampler::sigma_ladder`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaLadder {
    pub sigma_max: f64,
    pub sigma_min: f64,
    pub levels: usize,
}

impl SigmaLadder {
    pub fn sigmas(&self) -> Vec<f64> {
        crate::sampler::sigma_ladder(self.sigma_max, self.sigma_min, self.levels)
    }
}

impl TrainConfig {
    /// The defaults for a 2-D set: 4096 training and 1024 held-out points, linear schedule with
    /// T = 1000, ε-prediction with L_simple, 3 × 128 MLP, Adam 1e-3, batch 256.
    pub fn toy(dataset: Dataset) -> Self {
        Self {
            data: DataSource::Toy(dataset),
            n_train: 4096,
            n_heldout: 1024,
            schedule: BetaSchedule::linear_default(1000),
            t_max: 1000,
            parameterization: Prediction::Eps,
            weighting: Weighting::Simple,
            model: DenoiserConfig::new(2),
            learning_rate: 1e-3,
            batch_size: 256,
            seed: 0,
            ncsn: None,
        }
    }

    /// The defaults for the digits: 1,500 training and 297 held-out images, a 3 × 256 MLP.
    pub fn digits() -> Self {
        Self { data: DataSource::Digits, n_train: 1500, n_heldout: 297, model: DenoiserConfig::digits(), ..Self::toy(Dataset::ring8_default()) }
    }

    /// The data dimension D.
    pub fn data_dim(&self) -> usize {
        match &self.data {
            DataSource::Toy(_) => 2,
            DataSource::Digits => crate::digits::PIXELS,
            DataSource::Points { dim, .. } => *dim,
        }
    }

    /// Check every field; messages name the field and its range.
    pub fn validate(&self) -> Result<NoiseSchedule> {
        let range = |name: &str, v: usize, lo: usize, hi: usize| -> Result<()> {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(InputError::new(name, format!("{name} = {v} is out of range: {name} must be an integer in {lo}..={hi}")))
            }
        };
        range("batchSize", self.batch_size, 1, 65_536)?;
        range("width", self.model.width, 1, 4096)?;
        range("depth", self.model.depth, 1, 32)?;
        range("timeDim", self.model.time_dim, 2, 1024)?;
        if self.model.time_dim % 2 != 0 {
            return Err(InputError::new("timeDim", format!("timeDim = {} must be even (sine and cosine halves)", self.model.time_dim)));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(InputError::new("learningRate", format!("learningRate = {} is out of range: it must be in (0, 1]", self.learning_rate)));
        }
        range("heldout", self.n_heldout, 1, 100_000)?;
        match &self.data {
            DataSource::Toy(d) => {
                range("train", self.n_train, 2, 1_000_000)?;
                d.sample(1, 0)?; // validates the data set's parameters
            }
            DataSource::Digits => {
                let total = Digits::load().count();
                if self.n_train < 2 || self.n_train + self.n_heldout > total {
                    return Err(InputError::new(
                        "train",
                        format!("train + heldout = {} + {} must be at most the {total} digit images (and train ≥ 2)", self.n_train, self.n_heldout),
                    ));
                }
            }
            DataSource::Points { points, dim } => {
                let n = crate::data::validate_points(points, *dim)?;
                if n < 4 {
                    return Err(InputError::new("points", format!("points holds {n} points: training needs at least 4 (some are held out)")));
                }
            }
        }
        if self.model.data_dim != self.data_dim() {
            return Err(InputError::new(
                "model",
                format!("the model's data dimension {} does not match the data's {}", self.model.data_dim, self.data_dim()),
            ));
        }
        if let Some(l) = &self.ncsn {
            crate::error::check_positive("sigmaMax", l.sigma_max)?;
            crate::error::check_positive("sigmaMin", l.sigma_min)?;
            if l.sigma_min >= l.sigma_max {
                return Err(InputError::new("sigmaMin", format!("sigmaMin = {} must be smaller than sigmaMax = {}", l.sigma_min, l.sigma_max)));
            }
            range("levels", l.levels, 1, 1000)?;
            if self.parameterization != Prediction::Score {
                return Err(InputError::new("parameterization", "a noise-conditional score network (NCSN) predicts the score: use parameterization \"score\""));
            }
            if self.weighting != Weighting::Simple {
                return Err(InputError::new("weighting", "an NCSN trains with NCSN's weights λ(σ) = σ² (2.25): use weighting \"simple\""));
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
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed ^ 0x5EED_0F_D1617);
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

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

/// Number of t-bins for the training loss per t.
pub const LOSS_BINS: usize = 20;

/// A training run in progress.
pub struct Trainer {
    pub config: TrainConfig,
    pub schedule: NoiseSchedule,
    /// the device as given (inference runs here) and with autodiff (training)
    base_device: Device,
    device: Device,
    model: Denoiser,
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
        let (emb, weights, noise) = match &config.ncsn {
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
        Ok(Self {
            config,
            schedule,
            base_device,
            device,
            model,
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
        })
    }

    pub fn step_count(&self) -> usize {
        self.step
    }

    /// The network for inference (no autodiff).
    pub fn model(&self) -> Denoiser {
        self.model.valid()
    }

    /// Replace the network's weights (e.g. from a checkpoint); the optimiser starts afresh.
    pub fn set_weights(&mut self, weights: &[(Vec<f32>, Vec<f32>)], step: usize) {
        self.model = Denoiser::from_weights(&self.config.model, weights, &self.device);
        self.optim = AdamConfig::new().init();
        self.step = step;
        self.failed = None;
    }

    /// The device inference runs on (the training device without autodiff).
    pub fn inference_device(&self) -> &Device {
        &self.base_device
    }

    /// Mean training loss per t-bin so far (NaN where a bin saw no example).
    pub fn loss_by_t(&self) -> Vec<f64> {
        self.bin_sum.iter().zip(&self.bin_count).map(|(s, c)| if *c == 0 { f64::NAN } else { s / *c as f64 }).collect()
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
    pub fn predictor(&self) -> crate::predictor::Predictor {
        use crate::predictor::Predictor;
        let (model, device, time_dim) = (self.model(), self.base_device.clone(), self.config.model.time_dim);
        match &self.config.ncsn {
            Some(l) => Predictor::NoiseConditional { model, device, sigmas: l.sigmas(), time_dim },
            None => Predictor::Network { model, device, param: self.config.parameterization, time_dim },
        }
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

    /// The held-out −ELBO per dimension of the current network (see [`crate::evaluate`]).
    pub async fn held_out(&self, eval: EvalConfig, variance: ModelVariance) -> std::result::Result<HeldOut, String> {
        if self.config.ncsn.is_some() {
            return Err("the held-out ELBO belongs to the diffusion chain; a noise-conditional score network has no ELBO (its training loss is the denoising score-matching loss (2.24))".into());
        }
        let plan = evaluate::plan(&self.schedule, &self.heldout, self.config.data_dim(), eval);
        let preds = evaluate::network_predictions(&self.model(), &self.base_device, self.config.model.time_dim, &plan).await?;
        evaluate::score_plan(&plan, &preds, &self.heldout, &self.schedule, self.config.parameterization, self.decoder(), variance)
    }

    /// For data from a known mixture: the paired gap −ELBO − (−log q(x_0)) per dimension of an
    /// estimate made on this trainer's held-out points, with its standard error (nats/dim).
    pub fn entropy_gap(&self, h: &HeldOut) -> Option<(f64, f64)> {
        let mixture = match &self.config.data {
            DataSource::Toy(d) => d.mixture()?,
            _ => return None,
        };
        let d = self.config.data_dim();
        let log_q: Vec<f64> = self.heldout.chunks(d).take(h.points).map(|x| mixture.log_density(x, 1.0)).collect();
        Some(evaluate::paired_gap(&h.per_point, &log_q, d))
    }

    /// The same estimate with the exact oracle in place of the network, where the data is a known
    /// mixture (ring8): the floor the network could reach with this schedule and variance.
    pub fn oracle_held_out(&self, eval: EvalConfig, variance: ModelVariance) -> Option<std::result::Result<HeldOut, String>> {
        if self.config.ncsn.is_some() {
            return None;
        }
        let mixture = match &self.config.data {
            DataSource::Toy(d) => d.mixture()?,
            _ => return None,
        };
        let plan = evaluate::plan(&self.schedule, &self.heldout, self.config.data_dim(), eval);
        let preds = evaluate::oracle_predictions(&mixture, &self.schedule, self.config.parameterization, &plan);
        Some(evaluate::score_plan(&plan, &preds, &self.heldout, &self.schedule, self.config.parameterization, self.decoder(), variance))
    }

    /// The current weights as a versioned checkpoint (see [`crate::checkpoint`]).
    pub async fn save(&self) -> std::result::Result<Vec<u8>, String> {
        let weights = self.model.valid().weights().await?;
        let c = &self.config;
        let header = crate::checkpoint::CheckpointHeader {
            format: 1,
            data_dim: c.model.data_dim,
            width: c.model.width,
            depth: c.model.depth,
            time_dim: c.model.time_dim,
            parameterization: c.parameterization.name().into(),
            weighting: c.weighting.name().into(),
            schedule: if c.ncsn.is_some() { "ncsn".into() } else { c.schedule.name().into() },
            t_max: self.noise_levels().len(),
            betas: self.noise_levels(),
            dataset: self.dataset_name().into(),
            steps: self.step,
            seed: c.seed,
        };
        Ok(crate::checkpoint::to_bytes(&header, &weights))
    }

    /// Load weights saved by [`Trainer::save`]: the network's shape must match this trainer's,
    /// and so must the parameterization and schedule (the weights mean nothing under others).
    pub fn load(&mut self, bytes: &[u8]) -> Result<crate::checkpoint::CheckpointHeader> {
        let (h, w) = crate::checkpoint::from_bytes(bytes, Some(&self.config.model))?;
        if h.parameterization != self.config.parameterization.name() {
            return Err(InputError::new(
                "checkpoint",
                format!("the checkpoint predicts \"{}\" but this trainer predicts \"{}\"", h.parameterization, self.config.parameterization.name()),
            ));
        }
        let mine = self.noise_levels();
        let same = h.betas.len() == mine.len() && h.betas.iter().zip(&mine).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs());
        if !same {
            return Err(InputError::new(
                "checkpoint",
                format!("the checkpoint was trained with a {} schedule of T = {}, which differs from this trainer's {} schedule of T = {}", h.schedule, h.t_max, self.schedule_name(), mine.len()),
            ));
        }
        self.set_weights(&w, h.steps);
        Ok(h)
    }

    /// One batch of DDPM's Algorithm 1, drawn on the host: (x_t, embedding, target, weight, t).
    fn batch(&mut self) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<usize>) {
        let (b, d, e) = (self.config.batch_size, self.config.data_dim(), self.config.model.time_dim);
        let n = self.train.len() / d;
        let (mut xt, mut emb, mut tgt, mut w, mut ts) =
            (Vec::with_capacity(b * d), Vec::with_capacity(b * e), Vec::with_capacity(b * d), Vec::with_capacity(b), Vec::with_capacity(b));
        for _ in 0..b {
            let i = (self.rng.next_u64() % n as u64) as usize; // x_0 ~ data
            let t = 1 + (self.rng.next_u64() % self.noise.len() as u64) as usize; // t ~ U{1..T} (or the level i)
            let eps = self.rng.normals(d); // ε ~ N(0, I)
            let x0 = &self.train[i * d..(i + 1) * d];
            let (a, s) = self.noise[t - 1];
            xt.extend(x0.iter().zip(&eps).map(|(x, z)| (a * x + s * z) as f32)); // (1.72), or x̃ = x + σε (2.17)
            emb.extend_from_slice(&self.emb[(t - 1) * e..t * e]);
            if self.config.ncsn.is_some() {
                tgt.extend(eps.iter().map(|z| (-z / s) as f32)); // ∇log q_σ(x̃|x) = −ε/σ (2.23)
            } else {
                tgt.extend(target(&self.schedule, self.config.parameterization, t, x0, &eps).iter().map(|v| *v as f32));
            }
            w.push(self.weights[t - 1] as f32);
            ts.push(t);
        }
        (xt, emb, tgt, w, ts)
    }

    /// Run up to `n` optimisation steps. A non-finite loss stops the run with a message naming
    /// the step, and the weights of the last step whose loss was finite are kept.
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
            let (xt, emb, tgt, w, ts) = self.batch();
            let dev = &self.device;
            let xt = Tensor::<2>::from_data(TensorData::new(xt, [b, d]), dev); // [b, D]
            let emb = Tensor::<2>::from_data(TensorData::new(emb, [b, e]), dev); // [b, E]
            let tgt = Tensor::<2>::from_data(TensorData::new(tgt, [b, d]), dev); // [b, D]
            let w = Tensor::<2>::from_data(TensorData::new(w, [b, 1]), dev); // [b, 1]
            let before = self.model.clone();
            let pred = self.model.forward(xt, emb); // [b, D]
            let per_example = (pred - tgt).square().sum_dim(1) * w; // [b, 1]
            let loss = per_example.clone().mean(); // [1]
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
            let mean = values.iter().map(|v| *v as f64).sum::<f64>() / b as f64;
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
            self.model = self.optim.step(self.config.learning_rate, self.model.clone(), grads);
            self.step += 1;
            for (v, t) in values.iter().zip(&ts) {
                let k = (t - 1) * bins / self.noise.len();
                self.bin_sum[k] += *v as f64;
                self.bin_count[k] += 1;
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
