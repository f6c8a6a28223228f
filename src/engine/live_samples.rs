//! Samples from the network as it trains (issue 19): every second or so the training worker asks
//! for a few-step batch — DDIM for a diffusion network, Euler for a flow network, from the same
//! seeded x_T each time, so the reader watches the same noise points find the modes — scored by
//! MMD² against held-out points beside the floor (as many training points scored the same way).
// (without the engine only the constants are compiled: `defaults()` states them)
#![cfg_attr(not(feature = "engine"), allow(unused_imports, dead_code))]

#[cfg(feature = "engine")]
use crate::engine::{failure::EngineFailure, nfe_samplers::{sample, FewStep}, train::Trainer};
use crate::diffusion::quality::mmd2_at_most;
use crate::numerics::error::{check_count, InputError, Rule};
use crate::numerics::rng::Rng;

/// How many samples, how many network evaluations each, from which seed, against how many
/// held-out rows (evenly spaced): ~1 % of a second of training on the CPU (README, issue 19).
pub const LIVE_PARTICLES: usize = 256;
pub const LIVE_NFE: usize = 10;
pub const LIVE_SEED: u64 = 19;
pub const LIVE_REFERENCE: usize = 512;
/// The most particles and evaluations one call may ask for.
pub const LIVE_MAX_PARTICLES: usize = 4096;
pub const LIVE_MAX_NFE: usize = 100;

/// One live batch: the samples (row-major), their MMD² and the floor, the sampler and NFE, and
/// the step count of the network that drew them.
#[derive(Debug, Clone)]
pub struct LiveSamples {
    pub samples: Vec<f64>,
    /// as many held-out points, to draw the samples over
    pub reference: Vec<f64>,
    pub mmd2: f64,
    pub floor: f64,
    pub nfe: usize,
    pub sampler: &'static str,
    pub step: usize,
}

#[cfg(feature = "engine")]
impl Trainer {
    /// `particles` samples of the network as it is now, `nfe` evaluations each (see the module).
    pub async fn live_samples(&self, particles: usize, nfe: usize, seed: u64) -> std::result::Result<LiveSamples, EngineFailure> {
        if self.config.ncsn.is_some() {
            return Err(InputError::new("liveSamples", Rule::NotForNcsn, None).into());
        }
        check_count("particles", particles, 2, LIVE_MAX_PARTICLES)?;
        check_count("nfe", nfe, 1, LIVE_MAX_NFE.min(self.schedule.t_max))?;
        let d = self.config.data_dim();
        let p = self.predictor();
        let kind = FewStep::default_for(&p);
        let x_t = Rng::new(seed).normals(particles * d);
        let samples = sample(&p, &self.schedule, kind, x_t, d, nfe, seed ^ 0x5DEE_CE66).await?;
        let mmd2 = mmd2_at_most(&samples, &self.heldout, d, LIVE_REFERENCE)?.0;
        let train = self.train_points();
        let floor = mmd2_at_most(&train[..particles.min(train.len() / d) * d], &self.heldout, d, LIVE_REFERENCE)?.0;
        let reference = self.heldout[..particles.min(self.heldout.len() / d) * d].to_vec();
        Ok(LiveSamples { samples, reference, mmd2, floor, nfe, sampler: kind.name(), step: self.step_count() })
    }
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;
    use crate::engine::backend::{block_on, init_cpu};
    use crate::engine::train_config::TrainConfig;

    /// Live samples of a diffusion and of a flow network on ring8: their MMD² falls as training
    /// goes on (an untrained network's samples are far from the data); the same seed gives the same
    /// x_T, so an untouched network gives the same samples twice.
    #[test]
    fn live_samples_improve_as_the_network_trains() {
        let device = init_cpu().device;
        for flow in [false, true] {
            let mut c = TrainConfig::toy(Dataset::ring8_default());
            c.flow = flow;
            c.n_train = 2048;
            c.n_heldout = 512;
            let mut tr = Trainer::new(c, &device).unwrap();
            let before = block_on(tr.live_samples(256, LIVE_NFE, LIVE_SEED)).unwrap();
            assert_eq!(before.sampler, if flow { "flow" } else { "ddim" });
            assert_eq!(block_on(tr.live_samples(256, LIVE_NFE, LIVE_SEED)).unwrap().samples, before.samples);
            block_on(tr.run(600));
            let after = block_on(tr.live_samples(256, LIVE_NFE, LIVE_SEED)).unwrap();
            assert!(after.mmd2 < 0.5 * before.mmd2 && after.mmd2 < 0.05, "flow {flow}: {} -> {} (floor {})", before.mmd2, after.mmd2, after.floor);
            assert_eq!((after.step, after.samples.len()), (600, 512));
            assert!(block_on(tr.live_samples(1, 10, 0)).unwrap_err().to_string().starts_with("particles"));
            assert!(block_on(tr.live_samples(10, 0, 0)).unwrap_err().to_string().starts_with("nfe"));
        }
    }
}
