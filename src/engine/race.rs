//! The three parameterizations raced (issue 17, item 4): an x_0-, an ε- and a score-predicting
//! network trained side by side from one config and one seed — the same initial weights and the
//! same batches (x_0, t, ε), checked by [`Race::same_batches`] — so the one thing that differs is
//! what the network is asked to output.
//!
//! The seeds' claim: with ELBO weights at σ_t² = β̃_t, the three regressions (1.100), (1.119) and
//! (1.140) are one and the same function of the mean, λ_t‖prediction − target‖² =
//! ‖μ_θ − μ_q‖²/(2σ_t²), the KL of (1.62) — so the three losses of a step are equal when the
//! three networks imply the same μ_θ. The race lets the reader watch it: each network's
//! μ_θ(x_t, t) (1.96, 1.115, 1.134) at a point they pick, moving towards the exact oracle's μ
//! (E[ε|x_t] of the mixture put into (1.115)), and the three held-out −ELBOs (on the same draws,
//! paired) approaching each other and the oracle's floor.
//!
//! Weighting: the race defaults to [`RACE_WEIGHTING`] = ELBO, the seeds' exact equivalence; it
//! trains stably at the default learning rate on ring8 (tests/training.rs measures it). What the
//! page may claim is what is measured: equal objectives in μ_θ, equal optima (the oracle's μ),
//! and −ELBOs that converge to each other — not equal trajectories, since the same loss in μ is a
//! different function of the weights for each output (x_0 prediction's gradients at small t are
//! ᾱ_{t−1}β_t²/(1 − ᾱ_t)² times larger per unit of output, ε's are uniform).
// (without the engine only the settings and constants are compiled)
#![cfg_attr(not(feature = "engine"), allow(unused_imports))]

#[cfg(feature = "engine")]
use burn::prelude::Device;

use crate::diffusion::objective::Weighting;
use crate::diffusion::parameterization::{model_mean, Prediction};
use crate::diffusion::schedule::ModelVariance;
use crate::engine::evaluate::{EvalConfig, HeldOut};
#[cfg(feature = "engine")]
use crate::engine::failure::EngineFailure;
#[cfg(feature = "engine")]
use crate::engine::train::{RunStats, Trainer};
use crate::engine::train_config::TrainConfig;
#[cfg(feature = "engine")]
use crate::numerics::error::{check_points, Result};

/// The runners, in this order everywhere (arrays of three are indexed by it).
pub const PARAMETERIZATIONS: [Prediction; 3] = [Prediction::X0, Prediction::Eps, Prediction::Score];

/// The race's default weighting: the ELBO's, under which the three objectives are one function of μ_θ.
pub const RACE_WEIGHTING: Weighting = Weighting::Elbo;

/// The variance σ_t² of the race's held-out −ELBO: β̃_t, the one the ELBO weights are computed with.
pub const RACE_VARIANCE: ModelVariance = ModelVariance::BetaTilde;

/// The most points one [`Race::means_at`] call may ask about.
pub const MAX_MEAN_POINTS: usize = 4096;

/// Three trainers, one per parameterization, that differ in nothing else.
#[cfg(feature = "engine")]
pub struct Race {
    /// in [`PARAMETERIZATIONS`] order
    pub trainers: [Trainer; 3],
}

/// μ at the same (x_t, t) for each network and the exact oracle (row-major, D per point).
#[derive(Debug, Clone)]
pub struct RaceMeans {
    /// in [`PARAMETERIZATIONS`] order
    pub networks: [Vec<f64>; 3],
    /// the oracle's μ, where the data is a known mixture
    pub oracle: Option<Vec<f64>>,
    /// σ_t of p_θ(x_{t−1}|x_t) with σ_t² = β̃_t ([`RACE_VARIANCE`]; at t = 1 the clipped value)
    pub sigma: f64,
    /// the distance to the oracle in units of σ_t, per network: √(mean over the points of
    /// ‖μ_θ − μ_oracle‖²) / σ_t — √(2 KL) between p_θ(x_{t−1}|x_t) and the oracle's, the quantity
    /// the ELBO charges (1.62) (raw distances shrink with β_t and say little across t)
    pub distance: Option<[f64; 3]>,
}

/// The three held-out −ELBOs per dimension, on the same draws, and the oracle's on them too.
#[derive(Debug, Clone)]
pub struct RaceHeldOut {
    /// in [`PARAMETERIZATIONS`] order
    pub networks: [HeldOut; 3],
    pub oracle: Option<HeldOut>,
    /// the largest paired difference between two networks' −ELBOs (same points, same noise),
    /// with the standard error of that difference: (mean, standard error) per dimension
    pub spread: (f64, f64),
}

/// The mean and standard error of a − b over paired points.
pub fn paired_difference(a: &[f64], b: &[f64]) -> (f64, f64) {
    let n = a.len().min(b.len()).max(1);
    let g: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
    let mean = g.iter().sum::<f64>() / n as f64;
    let var = if n > 1 { g.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    (mean, (var / n as f64).sqrt())
}

/// The race's config on a data set's defaults: [`TrainConfig::toy`] with [`RACE_WEIGHTING`] and
/// the plain recipe (uniform t: the runners' batches must stay the same).
pub fn race_config(dataset: crate::data::toy::Dataset) -> TrainConfig {
    TrainConfig { weighting: RACE_WEIGHTING, ..TrainConfig::toy(dataset).plain_recipe() }
}

#[cfg(feature = "engine")]
impl Race {
    /// Three trainers on `config`, which differ only in the parameterization (whatever `config`
    /// names is replaced); one seed, so the same initial weights and the same batches.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self> {
        let s = config.seed;
        Self::with_seeds(config, [s; 3], device)
    }

    /// The same with a seed per runner: a race whose batches (and data, and initial weights)
    /// differ, which [`Race::same_batches`] must tell apart — for the tests.
    pub fn with_seeds(config: TrainConfig, seeds: [u64; 3], device: &Device) -> Result<Self> {
        let make = |i: usize| Trainer::new(TrainConfig { parameterization: PARAMETERIZATIONS[i], seed: seeds[i], ..config.clone() }, device);
        Ok(Self { trainers: [make(0)?, make(1)?, make(2)?] })
    }

    /// Whether the three have drawn the same batches so far: the same held-out data and the same
    /// state of the batch generator (the next draw each would make), which holds only if every
    /// (x_0, t, ε) drawn so far was the same — the draws do not depend on the parameterization.
    pub fn same_batches(&self) -> bool {
        let [a, b, c] = &self.trainers;
        let next = a.next_draw();
        a.heldout == b.heldout && a.heldout == c.heldout && b.next_draw() == next && c.next_draw() == next && a.step_count() == b.step_count() && a.step_count() == c.step_count()
    }

    /// The multiply-adds of one step of all three.
    pub fn step_work(&self) -> f64 {
        self.trainers.iter().map(|t| t.step_work()).sum()
    }

    pub fn step_count(&self) -> usize {
        self.trainers[0].step_count()
    }

    /// `steps` optimisation steps of each, one after the other.
    pub async fn run(&mut self, steps: usize) -> [RunStats; 3] {
        let [a, b, c] = &mut self.trainers;
        [a.run(steps).await, b.run(steps).await, c.run(steps).await]
    }

    /// Each network's μ_θ(x_t, t) by its own formula (1.96, 1.115, 1.134), and the exact oracle's
    /// μ: E[ε|x_t] of the mixture put into (1.115). `x_t`: points row-major, D each; t in 1..=T.
    pub async fn means_at(&self, x_t: &[f64], t: usize) -> std::result::Result<RaceMeans, EngineFailure> {
        let tr = &self.trainers[1];
        let (s, d) = (&tr.schedule, tr.config.data_dim());
        s.check_t(t)?;
        let n = check_points("x", x_t, d, MAX_MEAN_POINTS)?;
        let mut networks: [Vec<f64>; 3] = Default::default();
        for (i, tr) in self.trainers.iter().enumerate() {
            let p = tr.predictor();
            let pred = p.predict(s, x_t, d, t).await?;
            let mut mu = Vec::with_capacity(x_t.len());
            for (x, pr) in x_t.chunks(d).zip(pred.chunks(d)) {
                mu.extend(model_mean(s, PARAMETERIZATIONS[i], x, t, pr)?);
            }
            networks[i] = mu;
        }
        let oracle = match tr.mixture() {
            None => None,
            Some(m) => {
                let eps = m.predict(Prediction::Eps, x_t, s.alpha_bar(t));
                let mut mu = Vec::with_capacity(x_t.len());
                for (x, e) in x_t.chunks(d).zip(eps.chunks(d)) {
                    mu.extend(model_mean(s, Prediction::Eps, x, t, e)?); // (1.115) with the exact E[ε|x_t]
                }
                Some(mu)
            }
        };
        let sigma = s.model_variance(t, RACE_VARIANCE).sqrt();
        let distance = oracle.as_ref().map(|o| {
            let rms = |mu: &[f64]| (mu.iter().zip(o).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n as f64).sqrt() / sigma;
            [rms(&networks[0]), rms(&networks[1]), rms(&networks[2])]
        });
        Ok(RaceMeans { networks, oracle, sigma, distance })
    }

    /// Each network's held-out −ELBO per dimension (see [`Trainer::held_out`]) on the same plan —
    /// the same points, t's and noise, since the three trainers share their held-out data and
    /// `eval` — and the exact oracle's on it (ring8), with `variance` as σ_t².
    pub async fn held_out(&self, eval: EvalConfig, variance: ModelVariance) -> std::result::Result<RaceHeldOut, EngineFailure> {
        let [a, b, c] = &self.trainers;
        let networks = [a.held_out(eval, variance).await?, b.held_out(eval, variance).await?, c.held_out(eval, variance).await?];
        let oracle = b.oracle_held_out(eval, variance).transpose()?;
        let mut spread = (0.0, 0.0);
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            let (m, se) = paired_difference(&networks[i].per_point, &networks[j].per_point);
            if m.abs() >= spread.0 {
                spread = (m.abs(), se);
            }
        }
        Ok(RaceHeldOut { networks, oracle, spread })
    }
}
