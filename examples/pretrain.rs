//! Train the checkpoints the page loads on first visit, reproducibly from their seeds on burn's
//! CPU backend:  cargo run --example pretrain   (writes www/checkpoints/*.dlckpt)
use diffusion_lab::engine::backend::{block_on, init_cpu};
use diffusion_lab::data::toy::Dataset;
use diffusion_lab::engine::evaluate::EvalConfig;
use diffusion_lab::diffusion::schedule::ModelVariance;
use diffusion_lab::engine::train::Trainer;
use diffusion_lab::engine::train_config::{step_decay, TrainConfig};

fn main() {
    let device = init_cpu().device;
    // the 2-D sets: batch 512, Adam 2e-3 with step_decay (the time-to-entropy recipe of examples/bench.rs)
    // (the plain recipe: the rate set per chunk below is the whole schedule, as when they were trained)
    let toy = |name: &str| TrainConfig { batch_size: 512, learning_rate: 2e-3, ..TrainConfig::toy(Dataset::by_name(name).unwrap()).plain_recipe() };
    let jobs: Vec<(&str, TrainConfig, usize)> = vec![("ring8-eps", toy("ring8"), 9000), ("moons-eps", toy("moons"), 9000), ("digits-eps", TrainConfig::digits(), 3000)];
    for (name, config, steps) in jobs {
        let t0 = std::time::Instant::now();
        let mut tr = Trainer::new(config, &device).expect("valid defaults");
        let base = tr.config.learning_rate;
        let mut stats = block_on(tr.run(0));
        while tr.step_count() < steps {
            tr.config.learning_rate = if name == "digits-eps" { base } else { step_decay(base, tr.step_count()) };
            let s = block_on(tr.run(500.min(steps - tr.step_count())));
            stats.losses.extend(s.losses);
            stats.stopped = s.stopped.or(stats.stopped);
        }
        assert!(stats.stopped.is_none(), "{name}: {:?}", stats.stopped);
        let eval = EvalConfig { points: 512, t_samples: 0, seed: 12345 };
        let h = block_on(tr.held_out(eval, ModelVariance::Beta)).unwrap();
        let gap = tr.entropy_gap(&h).map(|(g, se)| format!(", {g:.3} ± {se:.3} above the entropy")).unwrap_or_default();
        let bytes = block_on(tr.save()).unwrap();
        let path = format!("www/checkpoints/{name}.dlckpt");
        std::fs::write(&path, &bytes).expect("write the checkpoint");
        println!(
            "{path}: {steps} steps in {:.1} s, final loss {:.4}, held-out −ELBO (σ² = β) {:.3} ± {:.3} {}{gap}, {} bytes",
            t0.elapsed().as_secs_f64(), stats.losses[steps - 1], h.neg_elbo_per_dim, h.std_error, h.unit, bytes.len()
        );
    }
}
