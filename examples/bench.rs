//! Native benchmarks on burn's CPU backend (flex):  cargo run --example bench [-- part]
//! Numbers, not assertions. Each figure is one line `BENCH <name> <value> <unit>` (scripts/bench.sh
//! collects them); other lines are free text and never start with BENCH. Parts (all but `model` by
//! default):
//!   model    the default 2-D model's shape (`model.input_dim`, `.width`, `.depth`, `.output_dim`,
//!            `.parameters`): what tests/page/bench-tfjs.mjs rebuilds in TF.js
//!   train    training steps/s of the default 2-D model (3 × 128) at batch 256 and 2048
//!   gap      time for ring8 to reach a held-out −ELBO within 0.1 nats/dim of the data's entropy
//!   chain    ms per reverse-chain step for 1k and 10k particles, per sampler and predictor
//!   pfode    the probability-flow ODE log-likelihood of 1,000 held-out points (RK4, 50 + 25 steps,
//!            exact divergence), the network alone (moons: no oracle beside it)
use std::time::Instant;

use diffusion_lab::engine::backend::{block_on, init_cpu};
use diffusion_lab::engine::chain::{Chain, ChainConfig, Init, SamplerKind};
use diffusion_lab::data::toy::Dataset;
use diffusion_lab::engine::evaluate::EvalConfig;
use diffusion_lab::engine::predictor::Predictor;
use diffusion_lab::diffusion::schedule::ModelVariance;
use diffusion_lab::engine::train::Trainer;
use diffusion_lab::engine::train_config::{step_decay, TrainConfig};

fn main() {
    let part = std::env::args().nth(1).unwrap_or_default();
    let all = part.is_empty();
    if !all && !["model", "train", "gap", "chain", "pfode"].contains(&part.as_str()) {
        eprintln!("bench: unknown part {part:?}; the parts are model, train, gap, chain, pfode");
        std::process::exit(2);
    }
    if part == "model" {
        model();
    }
    if all || part == "train" {
        train();
    }
    if all || part == "gap" {
        gap();
    }
    if all || part == "chain" {
        chain();
    }
    if all || part == "pfode" {
        pfode();
    }
}

fn pfode() {
    let device = init_cpu().device;
    let mut c = TrainConfig::toy(Dataset::by_name("moons").unwrap());
    c.n_heldout = 1000;
    let tr = Trainer::new(c, &device).unwrap();
    let t0 = Instant::now();
    let r = block_on(tr.likelihood(1000, 50, diffusion_lab::diffusion::flow_ode::OdeMethod::Rk4, 0)).unwrap();
    let ms = 1000.0 * t0.elapsed().as_secs_f64();
    println!("pfode  {} network evaluations of {} points with their divergence, native flex CPU", r.total_nfe, r.per_point.len());
    println!("BENCH pfode.likelihood_1k {ms:.0} ms");
}

/// The shape of the default 2-D model (the one `train` times), from its config.
fn model() {
    let m = TrainConfig::toy(Dataset::ring8_default()).model;
    println!("model  {:?} (SiLU between the layers)", m.layer_sizes());
    println!("BENCH model.input_dim {} count", m.data_dim + m.time_dim);
    println!("BENCH model.width {} count", m.width);
    println!("BENCH model.depth {} count", m.depth);
    println!("BENCH model.output_dim {} count", m.data_dim);
    println!("BENCH model.parameters {} count", m.parameter_count());
}

fn train() {
    let device = init_cpu().device;
    for batch in [256, 2048] {
        let mut c = TrainConfig::toy(Dataset::ring8_default());
        c.batch_size = batch;
        let mut tr = Trainer::new(c, &device).unwrap();
        block_on(tr.run(5)); // warm-up
        let steps = if batch == 256 { 400 } else { 60 };
        let t0 = Instant::now();
        block_on(tr.run(steps));
        let s = t0.elapsed().as_secs_f64();
        println!("train  native flex CPU, batch {batch:5}: {:.2} ms/step", 1000.0 * s / steps as f64);
        println!("BENCH train.native.cpu.b{batch} {:.1} steps/s", steps as f64 / s);
    }
}

/// The recipe of the time-to-entropy figure (also run in the browser by tests/bench_web.rs, and
/// the one examples/pretrain.rs uses): ring8, ε-prediction, L_simple, batch 512, Adam 2e-3 with
/// `step_decay`; evaluated with σ_t² = β_t (the tight choice for this data) on 512 held-out
/// points, every t.
fn gap_config() -> TrainConfig {
    let mut c = TrainConfig::toy(Dataset::ring8_default()).plain_recipe(); // constant rate set per chunk below, no average, uniform t
    c.n_heldout = 512;
    c.batch_size = 512;
    c.learning_rate = 2e-3;
    c
}

fn gap() {
    let device = init_cpu().device;
    let mut tr = Trainer::new(gap_config(), &device).unwrap();
    let eval = EvalConfig { points: 512, t_samples: 0, seed: 5 };
    let (mut train_s, t_all) = (0.0, Instant::now());
    let floor = tr.oracle_held_out(eval, ModelVariance::Beta).unwrap().unwrap();
    let (fg, fse) = tr.entropy_gap(&floor).unwrap();
    println!("gap    exact oracle: {fg:.3} ± {fse:.3} nats/dim above the entropy (the floor)");
    println!("BENCH gap.native.oracle {fg:.3} nats/dim");
    for _ in 0..15 {
        tr.config.learning_rate = step_decay(2e-3, tr.step_count());
        let t0 = Instant::now();
        block_on(tr.run(1000));
        train_s += t0.elapsed().as_secs_f64();
        let h = block_on(tr.held_out(eval, ModelVariance::Beta)).unwrap();
        let (g, se) = tr.entropy_gap(&h).unwrap();
        println!("gap    {:5} steps, {train_s:6.1} s training ({:.1} s in all): −ELBO − H = {g:.3} ± {se:.3} nats/dim", tr.step_count(), t_all.elapsed().as_secs_f64());
        println!("BENCH gap.native.at{} {g:.3} nats/dim", tr.step_count());
        if g < 0.1 {
            println!("gap    reached within 0.1 nats/dim of the entropy (native flex CPU)");
            println!("BENCH gap.native.steps {} steps", tr.step_count());
            println!("BENCH gap.native.train_s {train_s:.1} s");
            return;
        }
    }
    println!("gap    not within 0.1 nats/dim after {} steps", tr.step_count());
    println!("BENCH gap.native.timeout {} steps", tr.step_count());
}

fn chain() {
    let device = init_cpu().device;
    let ring = Dataset::ring8_default().mixture().unwrap();
    let mut c = TrainConfig::toy(Dataset::ring8_default());
    c.seed = 1;
    let tr = Trainer::new(c, &device).unwrap();
    let predictors = [("oracle", Predictor::Oracle(ring)), ("network.cpu", tr.predictor())];
    let samplers = [
        SamplerKind::Ddpm { variance: ModelVariance::Beta },
        SamplerKind::Ddim { eta: 0.0, steps: 50 },
        SamplerKind::Langevin { step_size: 0.004, steps: 100 },
        SamplerKind::Annealed { sigma_max: 3.0, sigma_min: 0.05, levels: 10, steps_per_level: 10, eps: 2e-4 },
    ];
    for (pname, p) in &predictors {
        for sampler in &samplers {
            for n in [1000, 10_000] {
                let cfg = ChainConfig { sampler: sampler.clone(), particles: n, dim: 2, seed: 0, init: Init::Gaussian { std: 1.0 }, t_start: None };
                let mut ch = Chain::new(cfg, tr.schedule.clone()).unwrap();
                let steps = 20;
                let t0 = Instant::now();
                for _ in 0..steps {
                    block_on(ch.step(p)).unwrap();
                }
                let ms = 1000.0 * t0.elapsed().as_secs_f64() / steps as f64;
                println!("BENCH chain.native.{pname}.{}.p{n} {ms:.2} ms/step", sampler.name());
            }
        }
    }
}
