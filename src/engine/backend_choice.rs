//! Which device trains a given model faster, decided by measurement (issue 14): a few warm
//! training steps of the reader's model on each device, timed, and the faster one kept.
//!
//! Availability alone must not decide. A tiny MLP is often faster on the CPU than on a GPU (every
//! step pays kernel launches and an asynchronous read-back of its loss), and a software adapter
//! such as SwiftShader — what a machine without a GPU may expose as WebGPU — runs the same step
//! ~100× slower than the CPU backend. A GPU that loses is never used silently: the page shows
//! both figures.

#[cfg(feature = "engine")]
use crate::engine::backend::{Backend, BackendKind};
#[cfg(feature = "engine")]
use crate::engine::train::Trainer;
#[cfg(feature = "engine")]
use crate::engine::train_config::TrainConfig;

/// How long to measure one device: `warmup` untimed steps (shader compilation, first
/// allocations), then timed steps until `budget_ms` have passed — at least `min_steps`, at most
/// `max_steps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasurePlan {
    pub warmup: usize,
    pub min_steps: usize,
    pub max_steps: usize,
    pub budget_ms: f64,
}

impl Default for MeasurePlan {
    /// About half a second per device on the CPU; on a slow GPU the two minimum steps decide.
    fn default() -> Self {
        Self { warmup: 2, min_steps: 2, max_steps: 500, budget_ms: 400.0 }
    }
}

/// A GPU must be this many times faster than the CPU to be chosen: at a near tie the CPU is kept
/// (always present, no device to lose, no read-back latency for the chain).
pub const GPU_MARGIN: f64 = 1.1;

/// One device's timed steps.
#[cfg(feature = "engine")]
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub kind: BackendKind,
    pub adapter: String,
    /// timed steps (the warm-up excluded) and the milliseconds they took
    pub steps: usize,
    pub ms: f64,
}

#[cfg(feature = "engine")]
impl Measurement {
    pub fn steps_per_sec(&self) -> f64 {
        self.steps as f64 / (self.ms.max(1e-9) / 1000.0)
    }
}

/// Train a throwaway copy of `config` (same shape, same batch size; its weights are discarded) on
/// `backend` by `plan`, timing with `now` (milliseconds, any origin: the caller's clock —
/// `performance.now()` in a browser). A step that fails (a lost device, a non-finite loss) is an
/// error naming the device.
#[cfg(feature = "engine")]
pub async fn measure(config: &TrainConfig, backend: &Backend, plan: MeasurePlan, now: &dyn Fn() -> f64) -> Result<Measurement, String> {
    let mut trainer = Trainer::new(config.clone(), &backend.device).map_err(|e| e.to_string())?;
    let name = backend.kind.name();
    let step = |r: crate::engine::train::RunStats| match r.stopped {
        Some(why) if r.steps == 0 => Err(format!("{name}: {why}")),
        _ => Ok(r.steps),
    };
    for _ in 0..plan.warmup {
        step(trainer.run(1).await)?;
    }
    let t0 = now();
    let mut steps = 0;
    while steps < plan.min_steps.max(1) || (now() - t0 < plan.budget_ms && steps < plan.max_steps) {
        steps += step(trainer.run(1).await)?;
    }
    Ok(Measurement { kind: backend.kind, adapter: backend.adapter.clone(), steps, ms: now() - t0 })
}

/// The device to train on: the GPU only when it measured at least [`GPU_MARGIN`] × the CPU's
/// steps per second; the CPU when the GPU is missing, failed, or slower.
#[cfg(feature = "engine")]
pub fn choose(cpu: &Measurement, gpu: Option<&Result<Measurement, String>>) -> BackendKind {
    match gpu {
        Some(Ok(g)) if g.steps_per_sec() >= GPU_MARGIN * cpu.steps_per_sec() => BackendKind::WebGpu,
        _ => BackendKind::Cpu,
    }
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;
    use crate::engine::backend::{block_on, init_cpu};
    use std::cell::Cell;

    fn small() -> TrainConfig {
        let mut c = TrainConfig::toy(Dataset::ring8_default());
        c.n_train = 64;
        c.n_heldout = 16;
        c.batch_size = 8;
        c.model.width = 8;
        c
    }

    fn m(kind: BackendKind, steps: usize, ms: f64) -> Measurement {
        Measurement { kind, adapter: String::new(), steps, ms }
    }

    #[test]
    fn the_timed_loop_stops_at_the_budget_on_a_fake_clock() {
        // a clock that advances 30 ms at each reading: t0 = 30; after the two minimum steps it
        // reads 60, 90, 120 (30, 60, 90 ms < 100: three more steps), then 150 (120 ms: stop), and
        // the elapsed time is read once more: 180 − 30 = 150 ms for 5 steps
        let t = Cell::new(0.0);
        let now = || {
            t.set(t.get() + 30.0);
            t.get()
        };
        let plan = MeasurePlan { warmup: 1, min_steps: 2, max_steps: 100, budget_ms: 100.0 };
        let r = block_on(measure(&small(), &init_cpu(), plan, &now)).unwrap();
        assert_eq!((r.steps, r.ms), (5, 150.0), "{r:?}");
        assert_eq!(r.kind, BackendKind::Cpu);
        // the cap and the minimum both hold
        let capped = block_on(measure(&small(), &init_cpu(), MeasurePlan { max_steps: 3, ..plan }, &now)).unwrap();
        assert_eq!(capped.steps, 3);
        let floor = block_on(measure(&small(), &init_cpu(), MeasurePlan { min_steps: 6, budget_ms: 0.0, ..plan }, &now)).unwrap();
        assert_eq!(floor.steps, 6);
    }

    #[test]
    fn a_real_clock_measures_a_finite_positive_speed() {
        let start = std::time::Instant::now();
        let now = || start.elapsed().as_secs_f64() * 1000.0;
        let r = block_on(measure(&small(), &init_cpu(), MeasurePlan { budget_ms: 50.0, ..MeasurePlan::default() }, &now)).unwrap();
        assert!(r.steps >= 2 && r.ms >= 50.0 && r.steps_per_sec().is_finite() && r.steps_per_sec() > 0.0, "{r:?}");
    }

    #[test]
    fn an_invalid_config_is_an_error_not_a_measurement() {
        let mut c = small();
        c.batch_size = 0;
        let now = || 0.0;
        assert!(block_on(measure(&c, &init_cpu(), MeasurePlan::default(), &now)).unwrap_err().contains("batchSize"));
    }

    #[test]
    fn the_gpu_is_chosen_only_when_it_measured_clearly_faster() {
        let cpu = m(BackendKind::Cpu, 50, 1000.0); // 50 steps/s
        assert_eq!(choose(&cpu, Some(&Ok(m(BackendKind::WebGpu, 100, 1000.0)))), BackendKind::WebGpu);
        assert_eq!(choose(&cpu, Some(&Ok(m(BackendKind::WebGpu, 54, 1000.0)))), BackendKind::Cpu, "within the margin: the CPU stays");
        assert_eq!(choose(&cpu, Some(&Ok(m(BackendKind::WebGpu, 2, 3400.0)))), BackendKind::Cpu, "SwiftShader-like: slower");
        assert_eq!(choose(&cpu, Some(&Err("lost".into()))), BackendKind::Cpu);
        assert_eq!(choose(&cpu, None), BackendKind::Cpu);
        // and the rule compares speeds, not step counts: 100 steps in 10 s is slower than 50 in 1 s
        assert_eq!(choose(&cpu, Some(&Ok(m(BackendKind::WebGpu, 100, 10_000.0)))), BackendKind::Cpu);
    }
}
