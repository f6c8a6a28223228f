//! Train the checkpoints the page loads on first visit, reproducibly from their seeds on burn's
//! CPU backend:  cargo run --example pretrain   (writes www/checkpoints/*.dlckpt)
use diffusion_lab::backend::{block_on, init_cpu};
use diffusion_lab::data::Dataset;
use diffusion_lab::evaluate::EvalConfig;
use diffusion_lab::schedule::ModelVariance;
use diffusion_lab::train::{TrainConfig, Trainer};

fn main() {
    let device = init_cpu().device;
    let jobs: Vec<(&str, TrainConfig, usize)> = vec![
        ("ring8-eps", TrainConfig::toy(Dataset::ring8_default()), 6000),
        ("moons-eps", TrainConfig::toy(Dataset::by_name("moons").unwrap()), 6000),
        ("digits-eps", TrainConfig::digits(), 3000),
    ];
    for (name, config, steps) in jobs {
        let t0 = std::time::Instant::now();
        let mut tr = Trainer::new(config, &device).expect("valid defaults");
        let stats = block_on(tr.run(steps));
        assert!(stats.stopped.is_none(), "{name}: {:?}", stats.stopped);
                let h = block_on(tr.held_out(EvalConfig::default(), ModelVariance::BetaTilde)).unwrap();
        let bytes = block_on(tr.save()).unwrap();
        let path = format!("www/checkpoints/{name}.dlckpt");
        std::fs::write(&path, &bytes).expect("write the checkpoint");
        println!(
            "{path}: {steps} steps in {:.1} s, final loss {:.4}, held-out −ELBO {:.3} ± {:.3} {}, {} bytes",
            t0.elapsed().as_secs_f64(), stats.losses[steps - 1], h.neg_elbo_per_dim, h.std_error, h.unit, bytes.len()
        );
    }
}
