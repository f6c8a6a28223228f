//! Native tests of the reverse chain: samplers with the exact oracle reproduce the mixture, DDIM
//! η = 0 is deterministic, Langevin converges, annealed Langevin fixes the mode weights plain
//! Langevin gets wrong, step_back is exact, and a trained network beats an untrained one.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_lab::engine::backend::{block_on, init_cpu};
use diffusion_lab::engine::chain::{Chain, ChainConfig, Init, SamplerKind};
use diffusion_lab::data::toy::Dataset;
use diffusion_lab::diffusion::oracle::GaussianMixture;
use diffusion_lab::engine::predictor::Predictor;
use diffusion_lab::diffusion::quality::{mixture_quality, mmd2};
use diffusion_lab::numerics::rng::Rng;
use diffusion_lab::diffusion::schedule::{BetaSchedule, ModelVariance, NoiseSchedule};
use diffusion_lab::engine::train::Trainer;
use diffusion_lab::engine::train_config::TrainConfig;

fn ring() -> GaussianMixture {
    Dataset::ring8_default().mixture().unwrap()
}

fn config(sampler: SamplerKind, particles: usize, seed: u64, init: Init) -> ChainConfig {
    ChainConfig { sampler, particles, dim: 2, seed, init, t_start: None }
}

fn run(c: ChainConfig, s: NoiseSchedule, p: &Predictor) -> Vec<f64> {
    let mut chain = Chain::new(c, s).unwrap();
    let n = chain.len();
    block_on(chain.run_to(n, p)).unwrap();
    chain.state().to_vec()
}

/// MMD² of two independent data samples of this size: the floor a perfect sampler reaches.
fn floor(m: &GaussianMixture, n: usize) -> f64 {
    let a = m.sample(n, &mut Rng::new(101));
    let b = m.sample(n, &mut Rng::new(202));
    mmd2(&a, &b, 2).unwrap()
}

#[test]
fn oracle_ddpm_reproduces_the_mixture_with_either_variance() {
    let m = ring();
    let oracle = Predictor::Oracle(m.clone());
    let reference = m.sample(600, &mut Rng::new(7));
    let fl = floor(&m, 600);
    let noise = mmd2(&Rng::new(3).normals(1200), &reference, 2).unwrap();
    for variance in [ModelVariance::BetaTilde, ModelVariance::Beta] {
        let x = run(config(SamplerKind::Ddpm { variance }, 600, 1, Init::Gaussian { std: 1.0 }), NoiseSchedule::new(BetaSchedule::linear_default(200), 200).unwrap(), &oracle);
        let d = mmd2(&x, &reference, 2).unwrap();
        println!("DDPM oracle {variance:?}: MMD² {d:.5} (two data samples: {fl:.5}; pure noise: {noise:.4})");
        assert!(d < fl.abs() + 0.004, "{variance:?}: MMD² {d} vs floor {fl}");
        assert!(d < noise / 20.0);
        let q = mixture_quality(&m, &x).unwrap();
        assert!(q.mode_weight_error < 0.08, "{:?}", q.mode_fractions);
    }
}

#[test]
fn ddim_eta_zero_is_deterministic_and_reproduces_the_mixture_in_few_steps() {
    let m = ring();
    let oracle = Predictor::Oracle(m.clone());
    let s = NoiseSchedule::ddpm_default();
    let c = config(SamplerKind::Ddim { eta: 0.0, steps: 50 }, 500, 5, Init::Gaussian { std: 1.0 });
    let a = run(c.clone(), s.clone(), &oracle);
    let b = run(c.clone(), s.clone(), &oracle);
    assert_eq!(a, b, "same seed, same trajectory");
    // η = 0 adds no noise: a chain whose step noise differs but whose start is the same ends the same
    let mut other = Chain::new(c.clone(), s.clone()).unwrap();
    let view = block_on(other.inspect(&oracle)).unwrap().unwrap();
    assert_eq!(view.step.sigma, 0.0);
    let reference = m.sample(500, &mut Rng::new(8));
    let d = mmd2(&a, &reference, 2).unwrap();
    println!("DDIM η=0, 50 steps, oracle: MMD² {d:.5} (floor {:.5})", floor(&m, 500));
    assert!(d < floor(&m, 500).abs() + 0.006, "MMD² {d}");
    let with_noise = run(config(SamplerKind::Ddim { eta: 1.0, steps: 50 }, 500, 5, Init::Gaussian { std: 1.0 }), s, &oracle);
    assert_ne!(a, with_noise, "η = 1 adds noise");
}

#[test]
fn langevin_with_the_exact_score_converges_to_the_target() {
    let m = ring();
    let oracle = Predictor::Oracle(m.clone());
    let s = NoiseSchedule::ddpm_default();
    let x = run(config(SamplerKind::Langevin { step_size: 0.004, steps: 400 }, 800, 2, Init::Uniform { half_width: 3.0 }), s, &oracle);
    let q = mixture_quality(&m, &x).unwrap();
    let data = mixture_quality(&m, &m.sample(800, &mut Rng::new(9))).unwrap();
    let d = mmd2(&x, &m.sample(800, &mut Rng::new(10)), 2).unwrap();
    println!("Langevin on ring8: mean log q {:.3} (data {:.3}), MMD² {d:.5}, modes {:?}", q.mean_log_density, data.mean_log_density, q.mode_fractions);
    assert!((q.mean_log_density - data.mean_log_density).abs() < 0.15);
    assert!(d < floor(&m, 800).abs() + 0.01, "MMD² {d}");
}

#[test]
fn annealed_langevin_recovers_the_mode_weights_that_plain_langevin_gets_wrong() {
    // NCSN's example: 1/5 N((−5,−5), I) + 4/5 N((5,5), I), started uniformly on [−8, 8]²
    let m = GaussianMixture::new(vec![0.2, 0.8], vec![vec![-5.0, -5.0], vec![5.0, 5.0]], vec![vec![1.0; 2]; 2]).unwrap();
    let oracle = Predictor::Oracle(m.clone());
    let s = NoiseSchedule::ddpm_default();
    let init = Init::Uniform { half_width: 8.0 };
    let plain = run(config(SamplerKind::Langevin { step_size: 0.1, steps: 500 }, 1000, 3, init.clone()), s.clone(), &oracle);
    let annealed = run(
        config(SamplerKind::Annealed { sigma_max: 15.0, sigma_min: 0.3, levels: 10, steps_per_level: 50, eps: 0.045 }, 1000, 3, init),
        s,
        &oracle,
    );
    let (p, a) = (mixture_quality(&m, &plain).unwrap(), mixture_quality(&m, &annealed).unwrap());
    println!("mode weights (true 0.2 / 0.8): plain Langevin {:?} (error {:.3}), annealed {:?} (error {:.3})", p.mode_fractions, p.mode_weight_error, a.mode_fractions, a.mode_weight_error);
    assert!(p.mode_weight_error > 0.15, "plain Langevin should keep the uniform start's split: {:?}", p.mode_fractions);
    assert!(a.mode_weight_error < 0.05, "annealed: {:?}", a.mode_fractions);
    assert!(p.mode_weight_error > a.mode_weight_error + 0.1);
}

#[test]
fn step_back_returns_exactly_the_earlier_state() {
    let m = ring();
    let oracle = Predictor::Oracle(m.clone());
    let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
    let mut chain = Chain::new(config(SamplerKind::Ddpm { variance: ModelVariance::Beta }, 50, 11, Init::Gaussian { std: 1.0 }), s).unwrap();
    let mut states = vec![chain.state().to_vec()];
    for _ in 0..30 {
        block_on(chain.step(&oracle)).unwrap().unwrap();
        states.push(chain.state().to_vec());
    }
    assert_eq!(chain.t(), 70);
    for k in (0..30).rev() {
        assert!(block_on(chain.step_back(&oracle)).unwrap());
        assert_eq!(chain.state(), &states[k][..], "position {k}");
    }
    assert!(!block_on(chain.step_back(&oracle)).unwrap());
    block_on(chain.run_to(30, &oracle)).unwrap();
    assert_eq!(chain.state(), &states[30][..]);
    block_on(chain.run_to(12, &oracle)).unwrap();
    assert_eq!(chain.state(), &states[12][..]);
}

#[test]
fn forward_then_reverse_shows_the_true_posterior_and_its_kl() {
    let m = ring();
    let oracle = Predictor::Oracle(m.clone());
    let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
    let x0 = m.sample(20, &mut Rng::new(4));
    let mut c = config(SamplerKind::Ddpm { variance: ModelVariance::BetaTilde }, 20, 6, Init::Forward { x0: x0.clone() });
    c.t_start = Some(40);
    let mut chain = Chain::new(c, s).unwrap();
    assert_eq!(chain.t(), 40);
    let p = block_on(chain.posterior(3, &oracle)).unwrap().unwrap();
    assert_eq!(p.x0, x0[6..8].to_vec());
    assert!(p.kl.unwrap() >= 0.0 && (p.variance - p.model_variance).abs() < 1e-15);
    // the oracle's mean averages over x_0; the KL to one particle's own posterior stays finite
    assert!(p.kl.unwrap().is_finite());
    assert!(block_on(chain.posterior(20, &oracle)).is_err());
}

#[test]
fn a_trained_network_samples_better_than_an_untrained_one() {
    let device = init_cpu().device;
    let mut c = TrainConfig::toy(Dataset::ring8_default());
    c.t_max = 100;
    c.schedule = BetaSchedule::linear_default(100);
    c.seed = 2;
    let mut tr = Trainer::new(c, &device).unwrap();
    let net = |tr: &Trainer| Predictor::Network { model: tr.model(), device: device.clone(), param: tr.config.parameterization, time_dim: tr.config.model.time_dim };
    let untrained = net(&tr);
    let stats = block_on(tr.run(1500));
    assert!(stats.stopped.is_none());
    let trained = net(&tr);
    let m = ring();
    let reference = m.sample(500, &mut Rng::new(12));
    let cfg = config(SamplerKind::Ddpm { variance: ModelVariance::Beta }, 500, 1, Init::Gaussian { std: 1.0 });
    let before = mmd2(&run(cfg.clone(), tr.schedule.clone(), &untrained), &reference, 2).unwrap();
    let after_x = run(cfg, tr.schedule.clone(), &trained);
    let after = mmd2(&after_x, &reference, 2).unwrap();
    let q = mixture_quality(&m, &after_x).unwrap();
    println!("DDPM samples, MMD² to data: untrained {before:.4}, trained {after:.4} (floor {:.4}); modes {:?}", floor(&m, 500), q.mode_fractions);
    assert!(after < before / 5.0, "trained {after} vs untrained {before}");
}

#[test]
fn run_to_takes_at_most_one_work_budget_per_call_and_gets_there_by_repeating() {
    // 50 000 particles × 1000 DDPM steps is far over one call's budget: each runTo moves part way
    let s = NoiseSchedule::new(BetaSchedule::linear_default(1000), 1000).unwrap();
    let oracle = Predictor::Oracle(ring());
    let mut chain = Chain::new(config(SamplerKind::Ddpm { variance: ModelVariance::Beta }, 50_000, 3, Init::Gaussian { std: 1.0 }), s).unwrap();
    assert!(!block_on(chain.run_toward(1000, &oracle)).unwrap());
    let first = chain.position();
    assert!(first > 0 && first < 1000, "one call moved {first} of 1000 steps");
    assert!(!block_on(chain.run_toward(1000, &oracle)).unwrap());
    assert_eq!(chain.position(), 2 * first, "the next call goes on from there");
    // a small chain is not held back
    let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
    let mut small = Chain::new(config(SamplerKind::Ddpm { variance: ModelVariance::Beta }, 50, 3, Init::Gaussian { std: 1.0 }), s).unwrap();
    assert!(block_on(small.run_toward(100, &oracle)).unwrap());
    assert_eq!(small.position(), 100);
}

#[test]
fn networks_and_batches_beyond_the_memory_budget_are_refused_before_any_allocation() {
    let mut c = TrainConfig::toy(Dataset::ring8_default());
    c.model.width = 4096;
    c.model.depth = 32;
    let e = c.validate().unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.code()), ("width", "too_much_work"), "{}", e.message);
    let mut c = TrainConfig::toy(Dataset::ring8_default());
    c.model.width = 512;
    c.batch_size = 65_536;
    assert_eq!(c.validate().unwrap_err().field, "batchSize");
    assert!(TrainConfig::toy(Dataset::ring8_default()).validate().is_ok());
}
