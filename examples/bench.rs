//! Native training speed on burn's CPU backend (flex):  cargo run --example bench
//! Prints steps/s for the default 2-D model (3 × 128) at batch 256 and 2048. A benchmark, not a test.
use diffusion_lab::backend::{block_on, init_cpu};
use diffusion_lab::data::Dataset;
use diffusion_lab::train::{TrainConfig, Trainer};

fn main() {
    let device = init_cpu().device;
    for batch in [256, 2048] {
        let mut c = TrainConfig::toy(Dataset::ring8_default());
        c.batch_size = batch;
        let mut tr = Trainer::new(c, &device).unwrap();
        block_on(tr.run(5)); // warm-up
        let steps = if batch == 256 { 400 } else { 60 };
        let t0 = std::time::Instant::now();
        block_on(tr.run(steps));
        let s = t0.elapsed().as_secs_f64();
        println!("native flex CPU, batch {batch:5}: {:8.1} steps/s ({:.2} ms/step)", steps as f64 / s, 1000.0 * s / steps as f64);
    }
}
