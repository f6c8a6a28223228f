//! The wasm boundary: everything JavaScript can call, one file per export group. It reads and
//! validates (configs through serde, see [`convert`]), delegates to the core, and converts the
//! results; nothing here computes. Errors leave as JS `Error`s with `code` and `params`.

mod convert;
mod handle;

#[cfg(feature = "engine")]
pub mod backend; // probeWebGpu, probeCpu, initBackend, measureBackends
pub mod chain; // Chain: the steppable reverse chain; compareSamplers, mmd2
pub mod compare; // Comparison: DDPM against DDIM one work budget at a time (progress, stop)
pub mod defaults; // defaults(), choices(), errorCodes(): one source for every default
pub mod derivation; // derivation(), derivationNames(): the seeds' derivations line by line
pub mod flow; // flowPath: the reverse process as animation frames, with the exact oracle
#[cfg(feature = "engine")]
pub mod flow_compare; // FlowComparison: a diffusion and a flow-matching network from one seed
pub mod forms; // elboForms: consistency (1.45–1.47) vs denoising matching (1.62)
pub mod gaussian; // gaussianKl, log-densities, decoders
pub mod mixture; // Mixture (the exact oracle), sampleDataset, validatePoints
pub mod noising; // noiseDataset: (1.73) against (1.63)
#[cfg(feature = "engine")]
pub mod race; // Race: x0, eps and score networks trained side by side on the same batches
pub mod schedule; // Schedule: the forward process, posterior, parameterizations, ELBO terms
pub mod score; // scoreMatching, energyScores, langevinCompare
pub mod sde; // sde, sdeCorrespondence, pfOdeLikelihood, qualityVsSteps: the SDE view with the exact oracle
pub mod steps; // langevinStep, annealedLangevin: pure Langevin steps on the caller's noise
#[cfg(feature = "engine")]
pub mod trainer; // Trainer: training, held-out ELBO, checkpoints, its chain and comparisons
pub mod tweedie; // tweedie1d
pub mod vae; // vaeElbo, vaeGradients, KL identities
pub mod webgpu; // webGpuAvailable

#[cfg(feature = "engine")]
pub use backend::*;
pub use chain::*;
pub use compare::Comparison;
pub use defaults::*;
pub use derivation::*;
pub use flow::*;
#[cfg(feature = "engine")]
pub use flow_compare::FlowComparison;
pub use forms::*;
pub use gaussian::*;
pub use mixture::*;
pub use noising::*;
#[cfg(feature = "engine")]
pub use race::Race;
pub use schedule::Schedule;
pub use score::*;
pub use sde::*;
pub use steps::*;
#[cfg(feature = "engine")]
pub use trainer::*;
pub use tweedie::*;
pub use vae::*;
pub use webgpu::*;

use wasm_bindgen::prelude::*;

// Run the static constructors once, here. Without an explicit call, wasm-ld wraps every export
// in a "command export" that re-runs them on each call — every JS value the glue hands over
// (each array element read, each property set) paid ~0.2 ms for it. Referencing
// `__wasm_call_ctors` tells wasm-ld the module runs them itself.
#[cfg(all(target_arch = "wasm32", not(feature = "command-exports")))]
extern "C" {
    fn __wasm_call_ctors();
}

#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(all(target_arch = "wasm32", not(feature = "command-exports")))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: the linker-made constructor list, run exactly once before anything else here
        ONCE.call_once(|| unsafe { __wasm_call_ctors() });
    }
    console_error_panic_hook::set_once();
}
