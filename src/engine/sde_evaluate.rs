//! A trained diffusion network seen as the VP SDE it discretises (Song et al. 2021): the exact
//! log-likelihood of held-out points through the probability-flow ODE (their eq. 13 and
//! Appendix D.2, `diffusion::flow_ode`), and the quality of its samples against the number of
//! network evaluations for DDPM, DDIM, the reverse SDE and the PF-ODE (`diffusion::sde_samplers`).
//!
//! DDPM's linear schedule β_i = β_start + (i − 1)/(T − 1)·(β_end − β_start) is the VP SDE with
//! β(t) = β_min + t(β_max − β_min), β_min = T·β_start, β_max = T·β_end, N = T (β_i = β(t_i)/N,
//! Song et al. eq. 10–11); the network trained at step i is asked at index 1 + t(N − 1). The
//! cosine schedule is not a discretised VP SDE of this family: refused.
// (without the engine only the oracle's half is compiled; the network's imports rest unused)
#![cfg_attr(not(feature = "engine"), allow(unused_imports, unused_variables, dead_code))]

use crate::diffusion::flow_ode::{oracle_likelihood, LikelihoodSolver, OdeMethod};
use crate::diffusion::quality::{mmd2_at_most, MMD_MAX_POINTS};
use crate::diffusion::schedule::BetaSchedule;
use crate::diffusion::sde::Sde;
use crate::diffusion::sde_samplers::{SamplerFamily, SamplerRun, SAMPLING_T_EPS};
use crate::engine::failure::EngineFailure;
use crate::engine::sde_queries::{answer, answer_eps};
#[cfg(feature = "engine")]
use crate::engine::train::Trainer;
use crate::numerics::budget::check_job;
use crate::numerics::error::{check_count, check_nonempty, InputError, Result, Rule};
use crate::numerics::rng::Rng;

/// Where the likelihood's integration starts. score_sde takes 1e-5 for networks trained in
/// continuous time; a network trained on DDPM's steps never saw a noise level below step 1's
/// √β_1 = 0.01, the VP std at t ≈ 1e-3. Asked below it, its ε̂/std blows up and the flow turns
/// stiff (ring8, 3000 steps, RK4 with 50 steps: solver error 0.27 nats/dim from 1e-5, 0.05 from
/// 1e-3, the likelihood itself within 0.02), while the density of the data blurred by std 0.01 is
/// the data's own to ~1e-3 nats/dim (the exact mixture, `flow_ode`'s tests).
pub const LIKELIHOOD_T_EPS: f64 = 1e-3;
/// The likelihood's defaults: held-out points, fine steps (the coarse pass takes half), method, seed.
pub const LIKELIHOOD_POINTS: usize = 256;
pub const LIKELIHOOD_STEPS: usize = 50;
pub const LIKELIHOOD_METHOD: OdeMethod = OdeMethod::Rk4;
pub const LIKELIHOOD_SEED: u64 = 0;
/// Quality against NFE: the defaults (every family at each of these NFEs, from one prior draw).
pub const QUALITY_NFES: [usize; 5] = [5, 10, 20, 50, 100];
pub const QUALITY_PARTICLES: usize = 1000;
pub const QUALITY_SEED: u64 = 0;

/// The fixed cost of one network call (upload, dispatch, read-back), counted as 1e6 multiply-adds
/// in the work budgets as `trainer.run` counts a step: many tiny calls are slow too.
const CALL_WORK: f64 = 1e6;

/// The default NFEs that a schedule of `n` steps allows for every family (DDPM and DDIM take at
/// most N); just N if none does.
pub fn default_nfes(n: usize) -> Vec<usize> {
    let v: Vec<usize> = QUALITY_NFES.iter().copied().filter(|&k| k <= n).collect();
    if v.is_empty() { vec![n.max(2)] } else { v }
}

/// A PF-ODE log-likelihood, nats per dimension: mean over points, its standard error, the solver's
/// error (mean |fine − coarse| / D).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowEstimate {
    pub log_likelihood_per_dim: f64,
    pub std_error_per_dim: f64,
    pub solver_error_per_dim: f64,
}

/// [`Trainer::likelihood`]'s answer.
#[derive(Debug, Clone)]
pub struct LikelihoodReport {
    /// the held-out points used (row-major, D each)
    pub x: Vec<f64>,
    pub dim: usize,
    pub network: FlowEstimate,
    /// log p_θ(x)/D of each point (fine pass)
    pub per_point: Vec<f64>,
    /// network evaluations of the fine pass, and of both passes
    pub nfe: usize,
    pub total_nfe: usize,
    /// for a known mixture (ring8): the exact oracle through the same solver, the mixture's exact
    /// mean log q(x)/D at these points with its standard error, and the paired gap
    /// (log q(x) − log p_θ(x))/D with its standard error (an estimate of KL(data ‖ p_θ)/D ≥ 0)
    pub oracle: Option<FlowEstimate>,
    pub exact_log_density_per_dim: Option<(f64, f64)>,
    pub gap: Option<(f64, f64)>,
}

/// [`Trainer::quality_vs_steps`]'s answer: MMD² per family (rows) and NFE (columns).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkQuality {
    pub families: Vec<SamplerFamily>,
    pub nfes: Vec<usize>,
    pub mmd2: Vec<Vec<f64>>,
    /// the evaluations each run took (Heun: two per step, 2⌊nfe/2⌋)
    pub evaluations: Vec<Vec<usize>>,
    /// MMD² of `particles` training points against the same held-out points: a perfect sampler's score
    pub floor: f64,
    pub particles: usize,
}

/// Mean and standard error of the mean.
fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, (var / n).sqrt())
}

/// `k` distinct rows of `points` (all if k ≥ their number), chosen by a seeded partial shuffle.
fn choose_rows(points: &[f64], dim: usize, k: usize, seed: u64) -> Vec<f64> {
    let n = points.len() / dim;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(seed);
    let k = k.min(n);
    for i in 0..k {
        let j = i + (rng.next_u64() % (n - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx[..k].iter().flat_map(|&i| points[i * dim..(i + 1) * dim].iter().copied()).collect()
}

#[cfg(feature = "engine")]
impl Trainer {
    /// The VP SDE this trainer's chain discretises: linear β_start..β_end over T steps is
    /// β_min = T·β_start, β_max = T·β_end, N = T. Refused for an NCSN (`field`) and for the cosine
    /// schedule (`schedule`).
    pub fn vp_sde(&self, field: &str) -> Result<Sde> {
        if self.config.ncsn.is_some() {
            return Err(InputError::new(field, Rule::NotForNcsn, None));
        }
        match self.config.schedule {
            BetaSchedule::Linear { beta_start, beta_end } => {
                let n = self.schedule.t_max;
                Ok(Sde::Vp { beta_min: n as f64 * beta_start, beta_max: n as f64 * beta_end, n })
            }
            _ => Err(InputError::new("schedule", Rule::Mismatch { other: "a VP SDE: only the linear schedule discretises one (β_i = β(t_i)/N)".into() }, Some(self.config.schedule.name().into()))),
        }
    }

    /// The work of one network evaluation at one point, with its divergence (the D tangents ride
    /// along: about D + 1 forward passes) or without.
    fn evaluation_work(&self, divergence: bool) -> f64 {
        let per = self.model().multiply_adds() as f64;
        if divergence { per * (self.config.data_dim() + 1) as f64 } else { per }
    }

    /// The probability-flow ODE log-likelihood (nats/dim) of `points` held-out points (chosen by
    /// `seed`; all of them if fewer) under the current network, integrated from
    /// [`LIKELIHOOD_T_EPS`] to 1 with `steps` steps of `method` (and `steps/2` for the solver's
    /// error), the prior N(0, I) at t = 1 and the exact divergence of ε̂. For ring8 also the exact
    /// oracle through the same solver and the mixture's exact log density at the same points.
    pub async fn likelihood(&self, points: usize, steps: usize, method: OdeMethod, seed: u64) -> std::result::Result<LikelihoodReport, EngineFailure> {
        let sde = self.vp_sde("likelihood")?;
        let d = self.config.data_dim();
        check_count("points", points, 1, crate::data::toy::MAX_POINTS)?;
        let n = points.min(self.heldout.len() / d);
        let x = choose_rows(&self.heldout, d, n, seed);
        let mut solver = LikelihoodSolver::new(sde, &x, d, steps, method, LIKELIHOOD_T_EPS)?;
        let evals = solver.total_evaluations() as f64;
        check_job("steps", steps as f64, evals * (n as f64 * self.evaluation_work(true) + CALL_WORK), "steps × 1.5 × stages × (points × (D + 1) × (the network's multiply-adds) + 1e6)")?;
        let predictor = self.predictor();
        while let Some(q) = solver.query() {
            let (eps, div) = answer(&predictor, &q).await?;
            solver.answer(&eps, &div)?;
        }
        let l = solver.finish()?;
        let per_point: Vec<f64> = l.log_p.iter().map(|v| v / d as f64).collect();
        let (mean, se) = mean_se(&per_point);
        let network = FlowEstimate { log_likelihood_per_dim: mean, std_error_per_dim: se, solver_error_per_dim: l.solver_error / d as f64 };
        let (mut oracle, mut exact, mut gap) = (None, None, None);
        if let Some(m) = self.mixture() {
            let o = oracle_likelihood(&m, sde, &x, steps, method, LIKELIHOOD_T_EPS)?;
            let (om, ose) = mean_se(&o.log_p.iter().map(|v| v / d as f64).collect::<Vec<_>>());
            oracle = Some(FlowEstimate { log_likelihood_per_dim: om, std_error_per_dim: ose, solver_error_per_dim: o.solver_error / d as f64 });
            let log_q: Vec<f64> = x.chunks(d).map(|p| m.log_density(p, 1.0) / d as f64).collect();
            exact = Some(mean_se(&log_q));
            gap = Some(mean_se(&log_q.iter().zip(&per_point).map(|(q, p)| q - p).collect::<Vec<_>>()));
        }
        Ok(LikelihoodReport { x, dim: d, network, per_point, nfe: l.nfe, total_nfe: l.total_nfe, oracle, exact_log_density_per_dim: exact, gap })
    }

    /// Sample quality against the number of network evaluations: for every family and every NFE,
    /// `particles` samples of the current network from one prior draw x_1 ~ N(0, I) (`seed`; the
    /// samplers' noise from a seed derived from it, the same for every run), scored by MMD²
    /// (`quality::mmd2_at_most`) against this trainer's held-out points, beside the floor: the
    /// MMD² of `particles` training points against the same held-out points.
    pub async fn quality_vs_steps(&self, families: &[SamplerFamily], nfes: &[usize], particles: usize, seed: u64) -> std::result::Result<NetworkQuality, EngineFailure> {
        let sde = self.vp_sde("qualityVsSteps")?;
        check_nonempty("samplers", families.len())?;
        check_nonempty("nfes", nfes.len())?;
        check_count("particles", particles, 2, crate::data::toy::MAX_POINTS)?;
        // every (family, NFE) is valid before any work: the run's own check, named as the caller's field
        let d = self.config.data_dim();
        for (i, &nfe) in nfes.iter().enumerate() {
            for &family in families {
                SamplerRun::new(family, sde, vec![0.0; d], d, nfe, 0, SAMPLING_T_EPS)
                    .map_err(|e| if e.field == "nfe" { InputError::new(&format!("nfes[{i}]"), e.rule, e.value) } else { e })?;
            }
        }
        let runs = families.len() as f64 * nfes.iter().sum::<usize>() as f64;
        // the network's evaluations, and an MMD² (≤ 2000 rows each side, three kernels) per run
        let mmd_work = 3.0 * (MMD_MAX_POINTS * MMD_MAX_POINTS * 3) as f64;
        check_job("particles", particles as f64, runs * (particles as f64 * self.evaluation_work(false) + CALL_WORK) + families.len() as f64 * nfes.len() as f64 * mmd_work, "samplers × Σ nfes × (particles × (the network's multiply-adds) + 1e6)")?;
        let x_t = sde.prior_sample(particles, d, &mut Rng::new(seed));
        let noise_seed = seed ^ 0x94D0_49BB_1331_11EB;
        let train = self.train_points();
        let floor = mmd2_at_most(&train[..particles.min(train.len() / d) * d], &self.heldout, d, MMD_MAX_POINTS)?.0;
        let predictor = self.predictor();
        let (mut mmd2, mut evaluations) = (Vec::new(), Vec::new());
        for &family in families {
            let (mut row, mut evals) = (Vec::new(), Vec::new());
            for &nfe in nfes {
                let mut run = SamplerRun::new(family, sde, x_t.clone(), d, nfe, noise_seed, SAMPLING_T_EPS)?;
                while let Some(q) = run.query() {
                    let eps = answer_eps(&predictor, &q).await?;
                    run.answer(&eps)?;
                }
                evals.push(run.evaluations());
                row.push(mmd2_at_most(&run.finish(), &self.heldout, d, MMD_MAX_POINTS)?.0);
            }
            mmd2.push(row);
            evaluations.push(evals);
        }
        Ok(NetworkQuality { families: families.to_vec(), nfes: nfes.to_vec(), mmd2, evaluations, floor, particles })
    }
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;
    use crate::engine::backend::{block_on, init_cpu};
    use crate::engine::train_config::TrainConfig;

    fn small(t_max: usize) -> TrainConfig {
        let mut c = TrainConfig::toy(Dataset::ring8_default());
        c.t_max = t_max;
        c.schedule = BetaSchedule::linear_default(t_max);
        c.n_train = 256;
        c.n_heldout = 64;
        c.model.width = 16;
        c
    }

    #[test]
    fn the_linear_schedule_is_the_vp_sde_and_the_cosine_one_is_refused() {
        let device = init_cpu().device;
        for t_max in [1000, 100] {
            let tr = Trainer::new(small(t_max), &device).unwrap();
            let sde = tr.vp_sde("likelihood").unwrap();
            let abar = sde.discrete_alphas_cumprod();
            assert_eq!(abar.len(), t_max);
            for (a, b) in abar.iter().zip(&tr.schedule.alphas_cumprod) {
                assert!((a - b).abs() < 1e-12 * b.max(1e-300) + 1e-15, "T = {t_max}: {a} vs {b}");
            }
        }
        assert_eq!(Trainer::new(small(1000), &device).unwrap().vp_sde("x").unwrap(), Sde::vp_default());
        let mut c = small(1000);
        c.schedule = BetaSchedule::cosine_default();
        let e = Trainer::new(c, &device).unwrap().vp_sde("likelihood").unwrap_err();
        assert!(e.field == "schedule" && e.message.contains("linear") && e.message.len() <= 220, "{}", e.message);
        let mut c = small(1000);
        c.ncsn = Some(crate::engine::train_config::SigmaLadder::default());
        c.parameterization = crate::diffusion::parameterization::Prediction::Score;
        let tr = Trainer::new(c, &device).unwrap();
        let e = block_on(tr.likelihood(4, 4, OdeMethod::Euler, 0)).unwrap_err().to_string();
        assert!(e.contains("noise-conditional"), "{e}");
    }

    #[test]
    fn the_likelihood_reports_what_the_solver_and_the_mixture_give() {
        let device = init_cpu().device;
        let tr = Trainer::new(small(100), &device).unwrap();
        let r = block_on(tr.likelihood(8, 6, OdeMethod::Heun, 1)).unwrap();
        assert_eq!((r.x.len(), r.per_point.len(), r.nfe, r.total_nfe), (16, 8, 12, 18));
        // the points are held-out rows, distinct
        let rows: Vec<&[f64]> = r.x.chunks(2).collect();
        assert!(rows.iter().all(|p| tr.heldout.chunks(2).any(|h| h == *p)));
        assert!((1..8).all(|i| rows[i] != rows[0]));
        // the exact density and the gap are computed at those very points
        let m = tr.mixture().unwrap();
        let q: f64 = rows.iter().map(|p| m.log_density(p, 1.0) / 2.0).sum::<f64>() / 8.0;
        assert!((r.exact_log_density_per_dim.unwrap().0 - q).abs() < 1e-12);
        assert!((r.gap.unwrap().0 - (q - r.network.log_likelihood_per_dim)).abs() < 1e-9);
        assert!(r.oracle.unwrap().log_likelihood_per_dim.is_finite());
        // another seed, other points
        assert_ne!(block_on(tr.likelihood(8, 6, OdeMethod::Heun, 2)).unwrap().x, r.x);
        // bounded work, named fields
        assert_eq!(block_on(tr.likelihood(0, 6, OdeMethod::Heun, 1)).unwrap_err().to_string().split(' ').next(), Some("points"));
        assert!(block_on(tr.likelihood(8, 1, OdeMethod::Heun, 1)).unwrap_err().to_string().starts_with("steps"));
        let e = block_on(tr.likelihood(64, 100_000, OdeMethod::Rk4, 1)).unwrap_err().to_string();
        assert!(e.starts_with("steps") && e.contains("too much work"), "{e}");
        // many tiny calls count too: 2 points, 20 000 RK4 steps (120 000 calls)
        assert!(block_on(tr.likelihood(2, 20_000, OdeMethod::Rk4, 1)).unwrap_err().to_string().contains("too much work"));
    }

    #[test]
    fn quality_against_nfe_runs_every_family_and_names_bad_requests() {
        let device = init_cpu().device;
        let tr = Trainer::new(small(100), &device).unwrap();
        let q = block_on(tr.quality_vs_steps(&SamplerFamily::ALL, &[2, 5], 50, 3)).unwrap();
        assert_eq!((q.mmd2.len(), q.mmd2[0].len()), (5, 2));
        assert!(q.mmd2.iter().flatten().all(|v| v.is_finite()) && q.floor.is_finite());
        assert_eq!(q.evaluations[1], vec![2, 5]); // DDIM: one evaluation per step
        assert!(q.evaluations.iter().flatten().zip([2, 5].iter().cycle()).all(|(e, n)| e <= n), "{:?}", q.evaluations); // never more than asked
        // an untrained network samples far from the data: well above the floor
        assert!(q.mmd2.iter().flatten().all(|v| *v > q.floor + 0.01), "{:?} vs floor {}", q.mmd2, q.floor);
        let err = |f: &[SamplerFamily], n: &[usize], p: usize| block_on(tr.quality_vs_steps(f, n, p, 0)).unwrap_err().to_string();
        assert!(err(&[SamplerFamily::Ddpm], &[5, 101], 10).starts_with("nfes[1]"));
        assert!(err(&[SamplerFamily::OdeEuler], &[0], 10).starts_with("nfes[0]"));
        assert!(err(&[], &[5], 10).starts_with("samplers"));
        assert!(err(&[SamplerFamily::Ddim], &[], 10).starts_with("nfes"));
        assert!(err(&[SamplerFamily::OdeEuler], &[5], 1).starts_with("particles"));
        assert!(err(&SamplerFamily::ALL, &[100; 8], 100_000).contains("too much work"));
    }
}
