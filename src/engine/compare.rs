//! Two experiments that set samplers side by side from one seed, scored against held-out data:
//!
//! - **DDPM against DDIM**: DDPM's ancestral chain (Algorithm 2, 1000 steps, σ_t² = β_t, (1.115))
//!   and DDIM (η = 0, 50 steps) from the same seed, hence the same x_T (checked), driven by the same
//!   predictor (a network or the exact oracle).
//! - **plain against annealed Langevin** on an unbalanced two-Gaussian mixture, both on its exact
//!   score from the same uniform starting points: plain Langevin (seed 003 §2.1) keeps the split its
//!   starting points had; annealing through large σ first (§2.2.6) recovers the weights.
//!
//! The reference data is drawn from the data set, or resampled from the reader's own points.

use crate::data::toy::Dataset;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::quality::{self, mixture_quality};
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};
use crate::engine::chain::{Chain, ChainConfig, Init, SamplerKind};
use crate::engine::failure::EngineFailure;
use crate::engine::predictor::Predictor;
use crate::engine::train_config::DataSource;
use crate::numerics::error::{check_count, check_range, InputError, Interval, Result, Rule};
use crate::numerics::rng::Rng;

/// How many reference points score a sample, and the seeds of the reference and of the floor
/// (a second data sample: the MMD² two samples of the data itself have).
pub const REFERENCE_POINTS: usize = 1000;
pub const REFERENCE_SEED: u64 = 777;
pub const FLOOR_SEED: u64 = 778;

/// Where held-out data comes from.
#[derive(Debug, Clone)]
pub enum Reference {
    Dataset(Dataset),
    /// the reader's points (row-major, `dim` each), drawn with replacement
    Points { points: Vec<f64>, dim: usize },
}

impl Reference {
    /// The reader's `points` if given, else the data set named, else the training data `own`.
    pub fn choose(dataset: Option<&str>, points: Option<&Vec<f64>>, dim: usize, own: Option<&DataSource>) -> Result<Reference> {
        if let Some(p) = points {
            return Ok(Reference::Points { points: p.clone(), dim });
        }
        match (dataset, own) {
            (Some(name), _) => Ok(Reference::Dataset(Dataset::by_name(name)?)),
            (None, Some(DataSource::Toy(d))) => Ok(Reference::Dataset(d.clone())),
            (None, Some(DataSource::Points { points, dim })) => Ok(Reference::Points { points: points.clone(), dim: *dim }),
            (None, _) => Err(InputError::new("reference", Rule::Missing, None)),
        }
    }

    /// The held-out sample a run of `n` particles is scored against ([`REFERENCE_POINTS`] points,
    /// [`REFERENCE_SEED`]) and its floor: the MMD² of a second data sample of n points
    /// ([`FLOOR_SEED`]) to it.
    pub fn held_out_and_floor(&self, n: usize, dim: usize) -> Result<(Vec<f64>, f64)> {
        let refs = self.draw(REFERENCE_POINTS, REFERENCE_SEED)?;
        let floor = quality::mmd2_at_most(&self.draw(n.max(2), FLOOR_SEED)?, &refs, dim, quality::MMD_MAX_POINTS)?.0;
        Ok((refs, floor))
    }

    /// n seeded draws (row-major).
    pub fn draw(&self, n: usize, seed: u64) -> Result<Vec<f64>> {
        match self {
            Reference::Dataset(d) => d.sample(n, seed),
            Reference::Points { points, dim } => {
                crate::data::toy::validate_points(points, *dim)?;
                Ok(resample(points, *dim, n, seed))
            }
        }
    }
}

/// n rows drawn with replacement from row-major points, by the crate's seeded generator.
pub fn resample(points: &[f64], dim: usize, n: usize, seed: u64) -> Vec<f64> {
    let rows = (points.len() / dim) as u64;
    let mut rng = Rng::new(seed);
    (0..n).flat_map(|_| {
        let k = (rng.next_u64() % rows) as usize;
        points[k * dim..(k + 1) * dim].to_vec()
    })
    .collect()
}

/// One sampler's run from x_T to x_0.
#[derive(Debug, Clone)]
pub struct SamplerRun {
    pub state: Vec<f64>,
    pub steps: usize,
    /// milliseconds, by the caller's clock
    pub ms: f64,
    pub mmd2: f64,
    pub mode_weight_error: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct SamplerComparison {
    pub ddpm: SamplerRun,
    pub ddim: SamplerRun,
    /// both chains started from the same x_T
    pub same_start: bool,
    /// MMD² of a second data sample of the same size to the reference
    pub floor: f64,
}

/// DDIM's step count in the comparison.
pub const DDIM_STEPS: usize = 50;

/// The DDPM-against-DDIM comparison as a job that runs one work budget at a time ([`advance`]),
/// so a caller that must stay responsive can report progress between budgets and stop it: DDPM
/// (every t, σ² = β) then DDIM (η = 0, [`DDIM_STEPS`]), `particles` particles from `seed`, the
/// same x_T for both (checked).
///
/// [`advance`]: ComparisonRun::advance
pub struct ComparisonRun {
    mixture: Option<GaussianMixture>,
    dim: usize,
    refs: Vec<f64>,
    floor: f64,
    chains: Vec<Chain>,
    same_start: bool,
    ms: [f64; 2],
    current: usize,
}

impl ComparisonRun {
    /// Check the job's size against the work budget (`cost_per_point`: one prediction's
    /// multiply-adds, [`Predictor::cost_per_point`]) and set both chains at x_T.
    pub fn new(schedule: &NoiseSchedule, cost_per_point: f64, mixture: Option<&GaussianMixture>, dim: usize, particles: usize, seed: u64, reference: &Reference) -> Result<Self> {
        // DDPM takes every t, each a prediction for every particle
        crate::numerics::budget::check_job("particles", particles as f64, particles as f64 * (schedule.t_max + DDIM_STEPS) as f64 * cost_per_point, "particles × (T + DDIM steps) × (one prediction's multiply-adds)")?;
        let (refs, floor) = reference.held_out_and_floor(particles, dim)?;
        let samplers = [SamplerKind::Ddpm { variance: ModelVariance::Beta }, SamplerKind::Ddim { eta: 0.0, steps: DDIM_STEPS.min(schedule.t_max) }];
        let chains = samplers
            .into_iter()
            .map(|sampler| Chain::new(ChainConfig { sampler, particles, dim, seed, init: Init::Gaussian { std: 1.0 }, t_start: None }, schedule.clone()))
            .collect::<Result<Vec<_>>>()?;
        let same_start = chains[0].state() == chains[1].state();
        Ok(Self { mixture: mixture.cloned(), dim, refs, floor, chains, same_start, ms: [0.0; 2], current: 0 })
    }

    /// Steps taken so far over both chains, and the total (T + DDIM's steps).
    pub fn progress(&self) -> (usize, usize) {
        (self.chains.iter().map(|c| c.position()).sum(), self.chains.iter().map(|c| c.len()).sum())
    }

    /// The sampler now running ("ddpm", then "ddim"; "done" at the end).
    pub fn running(&self) -> &'static str {
        ["ddpm", "ddim", "done"][self.current.min(2)]
    }

    pub fn is_done(&self) -> bool {
        self.current >= self.chains.len()
    }

    /// At most one work budget of steps of the running chain (`clock`: milliseconds, by which each
    /// sampler's time is counted). True once both chains have reached x_0.
    pub async fn advance(&mut self, predictor: &Predictor, clock: &dyn Fn() -> f64) -> std::result::Result<bool, EngineFailure> {
        if let Some(chain) = self.chains.get_mut(self.current) {
            let t0 = clock();
            let end = chain.len();
            let reached = chain.run_toward(end, predictor).await?;
            self.ms[self.current] += clock() - t0;
            if reached {
                self.current += 1;
            }
        }
        Ok(self.is_done())
    }

    /// Both samples scored against the reference (MMD² on at most [`quality::MMD_MAX_POINTS`]
    /// rows of each) and, for a mixture, the mode weights. Refused before the end.
    pub fn finish(&self) -> Result<SamplerComparison> {
        if !self.is_done() {
            let (done, total) = self.progress();
            // still running: advance() until it says done
            return Err(InputError::new("comparison", Rule::Busy, Some(format!("{done} of {total} steps"))));
        }
        let run = |k: usize| -> Result<SamplerRun> {
            let state = self.chains[k].state().to_vec();
            let mmd2 = quality::mmd2_at_most(&state, &self.refs, self.dim, quality::MMD_MAX_POINTS)?.0;
            let mode_weight_error = match &self.mixture {
                Some(m) => Some(mixture_quality(m, &state)?.mode_weight_error),
                None => None,
            };
            Ok(SamplerRun { state, steps: self.chains[k].len(), ms: self.ms[k], mmd2, mode_weight_error })
        };
        Ok(SamplerComparison { ddpm: run(0)?, ddim: run(1)?, same_start: self.same_start, floor: self.floor })
    }
}

/// [`ComparisonRun`] to the end in one call (`clock` gives milliseconds: the page's
/// `performance.now`, or `Instant` natively).
#[allow(clippy::too_many_arguments)]
pub async fn ddpm_vs_ddim(
    schedule: &NoiseSchedule,
    predictor: &Predictor,
    mixture: Option<&GaussianMixture>,
    dim: usize,
    particles: usize,
    seed: u64,
    reference: &Reference,
    clock: &dyn Fn() -> f64,
) -> std::result::Result<SamplerComparison, EngineFailure> {
    let mut run = ComparisonRun::new(schedule, predictor.cost_per_point(), mixture, dim, particles, seed, reference)?;
    while !run.advance(predictor, clock).await? {}
    Ok(run.finish()?)
}

/// The Langevin comparison's settings: the weight of the light mode and the run's size.
#[derive(Debug, Clone, PartialEq)]
pub struct LangevinSetup {
    pub light: f64,
    pub particles: usize,
    /// plain Langevin's steps (annealed: `ANNEALED_LEVELS` × `ANNEALED_STEPS_PER_LEVEL`)
    pub steps: usize,
    pub seed: u64,
}

impl Default for LangevinSetup {
    fn default() -> Self {
        Self { light: 0.2, particles: 2000, steps: 1000, seed: 0 }
    }
}

/// The two modes of the Langevin comparison, and their shared variance.
pub const LANGEVIN_MEANS: [[f64; 2]; 2] = [[-2.0, -2.0], [2.0, 2.0]];
pub const LANGEVIN_VARIANCE: f64 = 0.25;
/// plain Langevin's step size α (x ← x + α/2 ∇log p + √α z)
pub const PLAIN_STEP_SIZE: f64 = 0.01;
/// annealed Langevin's ladder and step: σ from 4 to 0.1 in 8 levels, 50 steps each, ε = 2e-3
pub const ANNEALED: (f64, f64, usize, usize, f64) = (4.0, 0.1, 8, 50, 2e-3);
/// the starting points: uniform on [−4, 4]²
pub const LANGEVIN_INIT_HALF_WIDTH: f64 = 4.0;

#[derive(Debug, Clone)]
pub struct LangevinRun {
    pub state: Vec<f64>,
    /// the positions at which the share was recorded, and the share of particles in the light mode there
    pub at: Vec<usize>,
    pub share: Vec<f64>,
    pub length: usize,
    pub mode_fractions: Vec<f64>,
    pub mode_weight_error: f64,
    pub mmd2: f64,
    /// (σ, step size) of each level as the chain ran them (annealed; plain Langevin: one level, σ = 0)
    pub levels: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct LangevinComparison {
    pub weights: [f64; 2],
    pub plain: LangevinRun,
    pub annealed: LangevinRun,
    pub floor: f64,
}

/// The share of particles nearer the light mode (−2, −2) than the heavy one (2, 2).
pub fn share_of_light(x: &[f64]) -> f64 {
    let n = x.len() / 2;
    x.chunks(2).filter(|p| p[0] + p[1] < 0.0).count() as f64 / n.max(1) as f64
}

/// Plain against annealed Langevin on the exact score of w N((−2,−2), ¼I) + (1 − w) N((2,2), ¼I).
pub async fn langevin_compare(setup: &LangevinSetup) -> Result<LangevinComparison> {
    check_range("light", setup.light, Interval::open(0.0, 1.0))?;
    check_count("particles", setup.particles, 2, 100_000)?;
    check_count("steps", setup.steps, 1, 100_000)?;
    // two runs (the annealed one at most as long), two components, two coordinates each step
    crate::numerics::budget::check_work("steps", setup.steps as f64, setup.particles as f64 * setup.steps as f64 * 40.0, "particles × steps × 40")?;
    let w = setup.light;
    let v = vec![LANGEVIN_VARIANCE; 2];
    let m = GaussianMixture::new(vec![w, 1.0 - w], LANGEVIN_MEANS.iter().map(|p| p.to_vec()).collect(), vec![v.clone(), v])?;
    let refs = m.sample(REFERENCE_POINTS, &mut Rng::new(REFERENCE_SEED));
    let floor = quality::mmd2_at_most(&m.sample(setup.particles, &mut Rng::new(FLOOR_SEED)), &refs, 2, quality::MMD_MAX_POINTS)?.0;
    let oracle = Predictor::Oracle(m.clone());
    // any schedule: Langevin samplers do not use it
    let schedule = NoiseSchedule::new(crate::diffusion::schedule::BetaSchedule::linear_default(1000), 1000)?;
    let (s_max, s_min, levels, per_level, eps) = ANNEALED;
    let mut runs = Vec::new();
    for sampler in [
        SamplerKind::Langevin { step_size: PLAIN_STEP_SIZE, steps: setup.steps },
        SamplerKind::Annealed { sigma_max: s_max, sigma_min: s_min, levels, steps_per_level: per_level, eps },
    ] {
        let config = ChainConfig { sampler, particles: setup.particles, dim: 2, seed: setup.seed, init: Init::Uniform { half_width: LANGEVIN_INIT_HALF_WIDTH }, t_start: None };
        let mut chain = Chain::new(config, schedule.clone())?;
        let every = (chain.len() / 60).max(1);
        let (mut at, mut share) = (vec![0], vec![share_of_light(chain.state())]);
        let mut p = every;
        loop {
            let p_now = p.min(chain.len());
            chain.run_to(p_now, &oracle).await.expect("the exact oracle never fails");
            at.push(p_now);
            share.push(share_of_light(chain.state()));
            if p_now == chain.len() {
                break;
            }
            p += every;
        }
        let state = chain.state().to_vec();
        let q = mixture_quality(&m, &state)?;
        runs.push(LangevinRun { levels: chain.levels(), mmd2: quality::mmd2_at_most(&state, &refs, 2, quality::MMD_MAX_POINTS)?.0, state, at, share, length: chain.len(), mode_fractions: q.mode_fractions, mode_weight_error: q.mode_weight_error });
    }
    let annealed = runs.pop().expect("two runs");
    let plain = runs.pop().expect("two runs");
    Ok(LangevinComparison { weights: [w, 1.0 - w], plain, annealed, floor })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::engine::backend::block_on;

    #[test]
    fn annealing_recovers_the_weights_that_plain_langevin_misses() {
        let r = block_on(langevin_compare(&LangevinSetup { particles: 1000, ..LangevinSetup::default() })).unwrap();
        // uniform starting points split about evenly, and plain Langevin keeps that split (0.5 vs 0.2)
        assert!(r.plain.mode_weight_error > 0.15, "plain {}", r.plain.mode_weight_error);
        assert!(r.annealed.mode_weight_error < 0.06, "annealed {}", r.annealed.mode_weight_error);
        assert!(r.annealed.mmd2 < r.plain.mmd2);
        assert_eq!(r.plain.at.first(), Some(&0));
        assert_eq!(r.plain.at.last(), Some(&r.plain.length));
        assert_eq!(r.plain.at.len(), r.plain.share.len());
    }

    #[test]
    fn a_balanced_mixture_shows_no_difference_to_annealing() {
        // the check can fail: with equal weights plain Langevin is right too
        let r = block_on(langevin_compare(&LangevinSetup { light: 0.5, particles: 1000, ..LangevinSetup::default() })).unwrap();
        assert!(r.plain.mode_weight_error < 0.08, "plain {}", r.plain.mode_weight_error);
    }

    #[test]
    fn bad_settings_name_their_field() {
        assert_eq!(block_on(langevin_compare(&LangevinSetup { light: 1.0, ..LangevinSetup::default() })).unwrap_err().field, "light");
        assert_eq!(block_on(langevin_compare(&LangevinSetup { particles: 1, ..LangevinSetup::default() })).unwrap_err().field, "particles");
    }

    #[test]
    fn the_job_cut_into_budgets_equals_the_comparison_in_one_call_and_refuses_to_finish_early() {
        // an (untrained) 3 × 128 network: a work budget holds ~60 of its steps at 400 particles,
        // so the 1050 steps take many calls
        let s = NoiseSchedule::new(crate::diffusion::schedule::BetaSchedule::linear_default(1000), 1000).unwrap();
        let device = crate::engine::backend::init_cpu().device;
        let config = crate::engine::model::DenoiserConfig::new(2);
        let predictor = Predictor::Network { model: config.init(&device, 4), device, param: crate::diffusion::parameterization::Prediction::Eps, time_dim: config.time_dim };
        let reference = Reference::Dataset(Dataset::ring8_default());
        let clock = || 0.0;
        let mut run = ComparisonRun::new(&s, predictor.cost_per_point(), None, 2, 400, 5, &reference).unwrap();
        assert_eq!(run.progress(), (0, 1000 + DDIM_STEPS));
        assert_eq!(run.finish().unwrap_err().field, "comparison");
        let (mut last, mut calls) = (0, 0);
        while !block_on(run.advance(&predictor, &clock)).unwrap() {
            let (done, total) = run.progress();
            assert!(done > last && done < total, "{done} after {last} of {total}");
            last = done;
            calls += 1;
        }
        assert!(calls >= 10, "cut into {calls} budgets only");
        assert_eq!(run.running(), "done");
        let cut = run.finish().unwrap();
        let whole = block_on(ddpm_vs_ddim(&s, &predictor, None, 2, 400, 5, &reference, &clock)).unwrap();
        assert_eq!(cut.ddpm.state, whole.ddpm.state);
        assert_eq!(cut.ddim.state, whole.ddim.state);
        assert_eq!((cut.ddpm.mmd2, cut.ddim.mmd2, cut.floor), (whole.ddpm.mmd2, whole.ddim.mmd2, whole.floor));
        assert!(cut.same_start);
    }

    #[test]
    fn ddpm_and_ddim_start_from_the_same_noise_and_both_reach_the_data() {
        let m = Dataset::ring8_default().mixture().unwrap();
        let s = NoiseSchedule::new(crate::diffusion::schedule::BetaSchedule::linear_default(1000), 1000).unwrap();
        let clock = || 0.0;
        let r = block_on(ddpm_vs_ddim(&s, &Predictor::Oracle(m.clone()), Some(&m), 2, 400, 3, &Reference::Dataset(Dataset::ring8_default()), &clock)).unwrap();
        assert!(r.same_start);
        assert_eq!((r.ddpm.steps, r.ddim.steps), (1000, DDIM_STEPS));
        for run in [&r.ddpm, &r.ddim] {
            assert!(run.mmd2 < 0.02 + 5.0 * r.floor.abs(), "mmd2 {} floor {}", run.mmd2, r.floor);
            assert!(run.mode_weight_error.unwrap() < 0.1);
        }
        // and it can fail: scored against other data, the same samples are far off
        let far = block_on(ddpm_vs_ddim(&s, &Predictor::Oracle(m.clone()), Some(&m), 2, 400, 3, &Reference::Dataset(Dataset::by_name("moons").unwrap()), &clock)).unwrap();
        assert!(far.ddim.mmd2 > 10.0 * r.ddim.mmd2.max(1e-3), "{} vs {}", far.ddim.mmd2, r.ddim.mmd2);
    }

    #[test]
    fn resampling_draws_only_the_given_rows() {
        let pts = [0.0, 1.0, 5.0, 6.0, -3.0, 2.0];
        let r = resample(&pts, 2, 50, 9);
        assert_eq!(r.len(), 100);
        for p in r.chunks(2) {
            assert!(pts.chunks(2).any(|q| q == p));
        }
        assert_ne!(resample(&pts, 2, 50, 9), resample(&pts, 2, 50, 10));
    }
}
