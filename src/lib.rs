//! Diffusion Lab: the mathematics of the seed documents in exact f64, and the engine that runs it
//! in the browser. Module order follows the seeds.

// The numerics core: plain f64, no burn, no wasm, no I/O.
pub mod error;
pub mod rng;
pub mod montecarlo; // Monte Carlo estimates with standard errors (after (1.24))
pub mod vae; // the ELBO of a linear-Gaussian VAE, exact and by Monte Carlo (1.1–1.25)
pub mod schedule; // β_t, ᾱ_t, SNR, posterior coefficients
pub mod forward; // q(x_t | x_{t−1}) (1.63) and q(x_t | x_0) (1.72–1.73)
pub mod noising; // a data set noised by the closed form and by the iterated chain, compared
pub mod posterior; // q(x_{t−1} | x_t, x_0) (1.74–1.89)
pub mod gaussian; // KL (1.23), log-densities, the decoders of L_0
pub mod parameterization; // x_0, ε, score: conversions, μ_θ, loss weights (1.96–1.143)
pub mod elbo; // the terms of (1.62)
pub mod elbo_forms; // consistency (1.45–1.47) vs denoising-matching (1.62) ELBO by Monte Carlo
pub mod oracle; // exact Gaussian-mixture q(x_t), score, Tweedie (1.121–1.125)
pub mod tweedie; // Tweedie's formula in one dimension by quadrature (1.120–1.121)
pub mod data; // seeded 2-D data sets
pub mod digits; // the 8×8 handwritten digits, on the 8-bit grid
pub mod embedding; // sinusoidal timestep embedding (DDPM)
pub mod objective; // x_0 / ε / score targets, L_simple vs ELBO weights
pub mod score_matching; // energy and score (2.12–2.13), explicit / implicit / denoising score matching (2.14–2.24)
pub mod sampler; // reverse steps: DDPM (Algorithm 2), DDIM, Langevin and annealed Langevin (§2.2.6)
pub mod quality; // sample quality: MMD, log-density and mode weights under a mixture

// The engine: burn devices (WebGPU and CPU), the network, training.
pub mod backend;
pub mod model; // the denoising MLP on (x_t, embedding of t)
pub mod train; // Algorithm 1 with Adam: the stepping trainer
pub mod evaluate; // held-out −ELBO per dimension, KL per t
pub mod checkpoint; // versioned weights as bytes
pub mod predictor; // the network or the exact oracle, as the chain asks them
pub mod chain; // the steppable reverse chain: step, step_back, run_to, inspector data

// The one module that talks to JavaScript.
#[cfg(target_arch = "wasm32")]
pub mod web;
