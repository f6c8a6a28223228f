//! Diffusion Lab: the mathematics of the seed documents in exact f64, and the engine that runs it
//! in the browser. The modules follow the seeds; the layers only ever import downwards:
//! `numerics` ← `vae`, `diffusion`, `score`, `data` ← `engine` (burn lives only here) ← `web`.

pub mod derivation; // the seeds' derivations line by line, every step checked at the reader's point
pub mod data; // seeded 2-D data sets and the 8×8 digits
pub mod diffusion; // seed 002 §1.3–1.5: schedule, forward, posterior, ELBO, parameterizations, oracle, samplers
pub mod engine;
pub mod numerics; // errors, the seeded RNG, Monte Carlo estimates, Gaussian helpers
pub mod score; // seed 003: score matching (2.12–2.24), Langevin and annealed Langevin, the σ ladder
pub mod vae; // seed 002 §1.1–1.2: the ELBO of a linear-Gaussian VAE (1.1–1.25) // burn: backend, network, training, evaluation, checkpoints, the steppable chain

// The one module that talks to JavaScript.
#[cfg(target_arch = "wasm32")]
pub mod web;
