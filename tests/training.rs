//! Native training tests on burn's CPU backend: each objective learns the 8-Gaussian mixture.
#![cfg(not(target_arch = "wasm32"))]

use diffusion_lab::backend::{block_on, init_cpu};
use diffusion_lab::data::Dataset;
use diffusion_lab::elbo::Decoder;
use diffusion_lab::evaluate::{held_out_elbo, EvalConfig, HeldOut};
use diffusion_lab::objective::Weighting;
use diffusion_lab::parameterization::Prediction;
use diffusion_lab::schedule::BetaSchedule;
use diffusion_lab::train::{TrainConfig, Trainer};

fn config(param: Prediction, weighting: Weighting) -> TrainConfig {
    let mut c = TrainConfig::toy(Dataset::ring8_default());
    c.t_max = 100;
    c.schedule = BetaSchedule::linear_default(100);
    c.parameterization = param;
    c.weighting = weighting;
    c.n_train = 2048;
    c.n_heldout = 256;
    c.seed = 3;
    c
}

fn evaluate(tr: &Trainer) -> HeldOut {
    let eval = EvalConfig { points: 256, t_samples: 0, seed: 9 };
    block_on(held_out_elbo(&tr.model(), tr.inference_device(), &tr.schedule, tr.config.parameterization, tr.config.model.time_dim, &tr.heldout, 2, Decoder::Gaussian, eval)).unwrap()
}

#[test]
fn each_objective_improves_the_held_out_elbo() {
    let device = init_cpu().device;
    let mut finals = Vec::new();
    for param in [Prediction::Eps, Prediction::X0, Prediction::Score] {
        let mut tr = Trainer::new(config(param, Weighting::Simple), &device).unwrap();
        let before = evaluate(&tr);
        let t0 = std::time::Instant::now();
        let stats = block_on(tr.run(400));
        assert_eq!(stats.steps, 400, "{:?}", stats.stopped);
        let after = evaluate(&tr);
        eprintln!(
            "{param:?}: −ELBO {:.3} ± {:.3} → {:.3} ± {:.3} nats/dim; loss {:.4} → {:.4}; {:.1} steps/s",
            before.neg_elbo_per_dim, before.std_error, after.neg_elbo_per_dim, after.std_error,
            stats.losses[0], stats.losses[399], 400.0 / t0.elapsed().as_secs_f64()
        );
        assert!(after.neg_elbo_per_dim < before.neg_elbo_per_dim - 1.0, "{param:?} did not learn");
        finals.push(after.neg_elbo_per_dim);
    }
}
