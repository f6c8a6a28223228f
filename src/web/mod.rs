//! The wasm boundary: everything JavaScript can call, one file per export group. It reads and
//! validates (configs through serde, see [`convert`]), delegates to the core, and converts the
//! results; nothing here computes. Errors leave as JS `Error`s with `code` and `params`.

mod convert;
mod handle;

pub mod backend; // probeWebGpu, probeCpu, initBackend
pub mod chain; // Chain: the steppable reverse chain; compareSamplers, mmd2
pub mod defaults; // defaults(), choices(), errorCodes(): one source for every default
pub mod forms; // elboForms: consistency (1.45–1.47) vs denoising matching (1.62)
pub mod gaussian; // gaussianKl, log-densities, decoders
pub mod mixture; // Mixture (the exact oracle), sampleDataset, validatePoints
pub mod noising; // noiseDataset: (1.73) against (1.63)
pub mod schedule; // Schedule: the forward process, posterior, parameterizations, ELBO terms
pub mod score; // scoreMatching, energyScores, langevinCompare
pub mod trainer; // Trainer: training, held-out ELBO, checkpoints, its chain and comparisons
pub mod tweedie; // tweedie1d
pub mod vae; // vaeElbo, vaeGradients, KL identities

pub use backend::*;
pub use chain::*;
pub use defaults::*;
pub use forms::*;
pub use gaussian::*;
pub use mixture::*;
pub use noising::*;
pub use schedule::Schedule;
pub use score::*;
pub use trainer::*;
pub use tweedie::*;
pub use vae::*;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
