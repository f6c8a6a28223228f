//! Flow matching beside diffusion (issue 19): an ε-predicting diffusion network and a rectified-flow
//! network trained by the same trainer from one seed — the same data, initial weights and batches
//! (x₀, t, ε); only the noising of x₀ and the target differ (1.72 and ε, or (1 − τ)x₀ + τε and
//! ε − x₀) — then sampled at equal network evaluations: DDPM (respaced, η = 1) and DDIM (η = 0)
//! for the diffusion network, Euler on the straight path for the flow, all from one x_T, scored by
//! MMD² against held-out points. `velocity_at` sets the flow network's velocity at the reader's
//! point beside the exact one and beside the velocity the diffusion network implies through its ε̂.
// (without the engine only the constants and the config are compiled: `defaults()` states them)
#![cfg_attr(not(feature = "engine"), allow(unused_imports, dead_code))]

#[cfg(feature = "engine")]
use burn::prelude::*;

use crate::diffusion::quality::{mmd2_at_most, MMD_MAX_POINTS};
#[cfg(feature = "engine")]
use crate::engine::{failure::EngineFailure, nfe_samplers::{sample, FewStep}, train::{RunStats, Trainer}};
use crate::engine::train_config::{TSampling, TrainConfig};
use crate::numerics::error::{check_count, check_nonempty, check_range, Interval};
use crate::numerics::rng::Rng;

/// The NFEs compared, the particles and seed of each run.
pub const FLOW_NFES: [usize; 4] = [2, 5, 10, 50];
pub const FLOW_PARTICLES: usize = 500;
pub const FLOW_SEED: u64 = 23;
/// The steps the page trains both for (about 8 s on a laptop's CPU in wasm).
pub const FLOW_STEPS: usize = 1500;

/// The two runs' config: the 2-D recipe with t drawn uniformly (the loss-aware sampler would draw
/// different t for the two as their losses differ), so both draw the same batches.
pub fn flow_config(dataset: crate::data::toy::Dataset) -> TrainConfig {
    TrainConfig { t_sampling: TSampling::Uniform, ..TrainConfig::toy(dataset) }
}

/// MMD² per sampler per NFE (rows: ddpm, ddim, flow), the floor, and each sampler's samples at
/// the last NFE.
#[derive(Debug, Clone)]
pub struct EqualNfe {
    pub nfes: Vec<usize>,
    pub mmd2: [Vec<f64>; 3],
    pub samples: [Vec<f64>; 3],
    pub floor: f64,
    pub particles: usize,
}

/// The velocity at (x, τ): the flow network's, the exact oracle's (ring8), and the one the
/// diffusion network's ε̂ gives (v = (ε̂ − x)/(1 − τ)) at the diffusion step `t` whose ᾱ_t is
/// nearest the path's (1 − τ)²/((1 − τ)² + τ²).
#[derive(Debug, Clone)]
pub struct VelocityAt {
    pub tau: f64,
    pub flow: Vec<f64>,
    pub oracle: Option<Vec<f64>>,
    pub diffusion: Vec<f64>,
    pub t: usize,
    /// over [`FIELD_POINTS`] held-out x₀ noised to τ (seed [`FIELD_SEED`]): E‖v − v_exact‖² / E‖v_exact‖²
    /// for the flow network and for the ε-network's implied velocity (a mixture's data only). One point
    /// can sit where two modes pull apart and the velocity turns sharply; the field's error does not.
    pub field_error: Option<(f64, f64)>,
}

/// The held-out points and the seed of the velocity field's error in [`FlowComparison::velocity_at`].
pub const FIELD_POINTS: usize = 256;
pub const FIELD_SEED: u64 = 29;

#[cfg(feature = "engine")]
pub struct FlowComparison {
    pub diffusion: Trainer,
    pub flow: Trainer,
}

#[cfg(feature = "engine")]
impl FlowComparison {
    /// The diffusion run on `config` (ε-prediction, L_simple) and its flow twin.
    pub fn new(config: TrainConfig, device: &Device) -> crate::numerics::error::Result<Self> {
        let diffusion = TrainConfig { flow: false, parameterization: crate::diffusion::parameterization::Prediction::Eps, ..config };
        let flow = TrainConfig { flow: true, ..diffusion.clone() };
        Ok(Self { diffusion: Trainer::new(diffusion, device)?, flow: Trainer::new(flow, device)? })
    }

    /// Whether both have drawn the same batches so far (the same next draw and step count).
    pub fn same_batches(&self) -> bool {
        self.diffusion.next_draw() == self.flow.next_draw() && self.diffusion.step_count() == self.flow.step_count() && self.diffusion.heldout == self.flow.heldout
    }

    pub fn step_count(&self) -> usize {
        self.diffusion.step_count()
    }

    pub fn step_work(&self) -> f64 {
        self.diffusion.step_work() + self.flow.step_work()
    }

    /// `steps` steps of each.
    pub async fn run(&mut self, steps: usize) -> [RunStats; 2] {
        [self.diffusion.run(steps).await, self.flow.run(steps).await]
    }

    /// Every sampler at every NFE from one x_T ~ N(0, I) (`seed`).
    pub async fn at_equal_nfe(&self, nfes: &[usize], particles: usize, seed: u64) -> std::result::Result<EqualNfe, EngineFailure> {
        check_nonempty("nfes", nfes.len())?;
        check_count("particles", particles, 2, crate::engine::live_samples::LIVE_MAX_PARTICLES)?;
        for (i, n) in nfes.iter().enumerate() {
            check_count(&format!("nfes[{i}]"), *n, 1, crate::engine::nfe_samplers::MAX_NFE.min(self.diffusion.schedule.t_max))?;
        }
        crate::numerics::budget::check_job("nfes", nfes.len() as f64, 3.0 * nfes.iter().sum::<usize>() as f64 * particles as f64 * self.diffusion.predictor().cost_per_point(), "3 × Σ nfes × particles × the network's multiply-adds")?;
        let d = self.diffusion.config.data_dim();
        let x_t = Rng::new(seed).normals(particles * d);
        let held = &self.diffusion.heldout;
        let (pd, pf) = (self.diffusion.predictor(), self.flow.predictor());
        let mut mmd2: [Vec<f64>; 3] = Default::default();
        let mut samples: [Vec<f64>; 3] = Default::default();
        for (k, kind) in FewStep::ALL.iter().enumerate() {
            let p = if *kind == FewStep::Flow { &pf } else { &pd };
            for &nfe in nfes {
                let x = sample(p, &self.diffusion.schedule, *kind, x_t.clone(), d, nfe, seed ^ 0xD1CE).await?;
                mmd2[k].push(mmd2_at_most(&x, held, d, MMD_MAX_POINTS)?.0);
                samples[k] = x;
            }
        }
        let train = self.diffusion.train_points();
        let floor = mmd2_at_most(&train[..particles.min(train.len() / d) * d], held, d, MMD_MAX_POINTS)?.0;
        Ok(EqualNfe { nfes: nfes.to_vec(), mmd2, samples, floor, particles })
    }

    /// The three velocities at one point x (D coordinates), τ in (0, 1).
    pub async fn velocity_at(&self, x: &[f64], tau: f64) -> std::result::Result<VelocityAt, EngineFailure> {
        check_range("tau", tau, Interval::open(0.0, 1.0))?;
        let d = self.diffusion.config.data_dim();
        crate::numerics::error::check_same_len("x", x.len(), "the data's dimension", d)?;
        crate::numerics::error::check_finite("x", x)?;
        let flow = self.flow.predictor().velocity(x, d, tau).await?;
        let oracle = self.diffusion.mixture().map(|m| crate::diffusion::flow_matching::oracle_velocity(&m, x, tau));
        let (diffusion, t) = implied_velocity(&self.diffusion.predictor(), &self.diffusion.schedule, x, d, tau).await?;
        let field_error = match self.diffusion.mixture() {
            None => None,
            Some(m) => {
                let n = FIELD_POINTS.min(self.diffusion.heldout.len() / d);
                let x0 = &self.diffusion.heldout[..n * d];
                let xs = crate::diffusion::flow_matching::interpolate(x0, &Rng::new(FIELD_SEED).normals(n * d), tau);
                let exact = crate::diffusion::flow_matching::oracle_velocity(&m, &xs, tau);
                let learnt = self.flow.predictor().velocity(&xs, d, tau).await?;
                let implied = implied_velocity(&self.diffusion.predictor(), &self.diffusion.schedule, &xs, d, tau).await?.0;
                let norm: f64 = exact.iter().map(|v| v * v).sum();
                let err = |a: &[f64]| a.iter().zip(&exact).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / norm.max(1e-300);
                Some((err(&learnt), err(&implied)))
            }
        };
        Ok(VelocityAt { tau, flow, oracle, diffusion, t, field_error })
    }
}

/// The velocity a diffusion predictor implies at (x, τ): its ε̂ at the VP point x/c of the step t
/// whose ᾱ_t is nearest (1 − τ)²/c² (c² = (1 − τ)² + τ²), then v = (ε̂ − x)/(1 − τ); and that t.
#[cfg(feature = "engine")]
pub async fn implied_velocity(p: &crate::engine::predictor::Predictor, s: &crate::diffusion::schedule::NoiseSchedule, x: &[f64], dim: usize, tau: f64) -> std::result::Result<(Vec<f64>, usize), EngineFailure> {
    use crate::diffusion::parameterization::{convert, Prediction};
    let (ab, xv) = crate::diffusion::flow_matching::vp_equivalent(x, tau);
    let t = crate::engine::predictor::nearest_alpha_bar(s, ab);
    let pred = p.predict(s, &xv, dim, t).await?;
    let eps = convert(s, p.param(), Prediction::Eps, &xv, t, &pred)?;
    Ok((crate::diffusion::flow_matching::velocity_from_eps(x, tau, &eps), t))
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;
    use crate::engine::backend::{block_on, init_cpu};

    fn small() -> TrainConfig {
        let mut c = flow_config(Dataset::ring8_default());
        c.n_train = 2048;
        c.n_heldout = 512;
        c
    }

    /// The two draw the same batches; trained, both sample the ring at 10 evaluations; the flow
    /// network's velocity at a point is near the exact one, and so is the one the ε-network implies.
    #[test]
    fn flow_and_diffusion_train_from_one_seed_and_sample_at_equal_nfe() {
        let device = init_cpu().device;
        let mut c = FlowComparison::new(small(), &device).unwrap();
        assert!(c.same_batches());
        let untrained = block_on(c.at_equal_nfe(&[10], 200, 1)).unwrap();
        block_on(c.run(800));
        assert!(c.same_batches() && c.step_count() == 800);
        let q = block_on(c.at_equal_nfe(&[1, 10], 200, 1)).unwrap();
        for k in 0..3 {
            assert!(q.mmd2[k][1] < 0.03 && q.mmd2[k][1] < untrained.mmd2[k][0], "{k}: {:?} untrained {:?} floor {}", q.mmd2[k], untrained.mmd2[k], q.floor);
            assert_eq!(q.samples[k].len(), 400);
        }
        let v = block_on(c.velocity_at(&[1.5, 0.5], 0.5)).unwrap();
        let o = v.oracle.clone().unwrap();
        let rel = |a: &[f64]| a.iter().zip(&o).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt() / o.iter().map(|b| b * b).sum::<f64>().sqrt();
        // the flow network learns the velocity itself; the ε-network's, divided by 1 − τ, is rougher
        assert!(rel(&v.flow) < 0.1 && rel(&v.diffusion) < 0.5, "flow {:?} diffusion {:?} oracle {o:?}", v.flow, v.diffusion);
        let (ef, ed) = v.field_error.unwrap();
        eprintln!("velocity field error at τ = 0.5: flow {ef}, implied by ε {ed}");
        assert!(ef < 0.1 && ed < 0.3, "{ef} {ed}");
        for tau in [0.1, 0.9] {
            let (ef, ed) = block_on(c.velocity_at(&[1.5, 0.5], tau)).unwrap().field_error.unwrap();
            eprintln!("velocity field error at τ = {tau}: flow {ef}, implied by ε {ed}");
        }
        // the untrained pair is far off
        let fresh = FlowComparison::new(small(), &device).unwrap();
        assert!(block_on(fresh.velocity_at(&[1.5, 0.5], 0.5)).unwrap().field_error.unwrap().0 > 0.5);
        // the conversion itself is right: the exact oracle's ε̂ through it gives the exact velocity
        // (to the spacing of the diffusion steps near that ᾱ)
        let m = c.diffusion.mixture().unwrap();
        let (via_eps, t) = block_on(implied_velocity(&crate::engine::predictor::Predictor::Oracle(m), &c.diffusion.schedule, &[1.5, 0.5], 2, 0.5)).unwrap();
        assert!(rel(&via_eps) < 0.01 && t == v.t, "{via_eps:?} vs {o:?}");
        assert!(block_on(c.velocity_at(&[0.0, 0.0], 1.0)).unwrap_err().to_string().starts_with("tau"));
        assert!(block_on(c.velocity_at(&[0.0], 0.5)).unwrap_err().to_string().starts_with("x"));
        assert!(block_on(c.at_equal_nfe(&[0], 10, 1)).unwrap_err().to_string().starts_with("nfes[0]"));
        // a seed of its own for the flow would draw other batches
        let other = FlowComparison { flow: Trainer::new(TrainConfig { flow: true, seed: 5, ..small() }, &device).unwrap(), ..FlowComparison::new(small(), &device).unwrap() };
        assert!(!other.same_batches());
    }
}
