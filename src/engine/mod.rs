//! The engine: everything that runs a network, on burn (WebGPU or CPU). burn appears only here,
//! and only with the `engine` cargo feature: without it (the mathematics module the page loads
//! first) this module keeps the parts that run on the exact oracle — the chain, the comparisons,
//! the SDE queries — and the plain settings and constants that `defaults()` states.

#[cfg(feature = "engine")]
pub mod backend; // the burn devices: WebGPU and the CPU (flex)
pub mod backend_choice; // the faster device for a model, by timing a few warm steps on each
pub mod failure; // a rejected input or a failed device
pub mod embedding; // sinusoidal timestep embedding (DDPM)
#[cfg(feature = "engine")]
pub mod model; // the denoising MLP on (x_t, embedding of t)
pub mod denoiser_config; // the network's shape (plain data: the defaults need it without burn)
pub mod train_config; // a training run's settings, their defaults and their validation
#[cfg(feature = "engine")]
pub mod train; // Algorithm 1 with Adam: the stepping trainer
pub mod t_sampler; // t importance-sampled by the per-t loss, reweighted so the objective is unchanged
pub mod evaluate; // held-out −ELBO per dimension, KL per t
pub mod held_out_pool; // that estimate refined piece by piece, pooled per point
pub mod checkpoint; // versioned weights as bytes
pub mod predictor; // the network or the exact oracle, as the chain asks them
pub mod chain; // the steppable reverse chain: step, step_back, run_to, inspector data
pub mod compare; // DDPM against DDIM, plain against annealed Langevin, from one seed
pub mod race; // x_0, ε and score networks trained side by side on the same batches
pub mod score_error; // the learned score against the exact one, per t
pub mod sde_queries; // ε̂ and its divergence at a continuous SDE time, from the network or the oracle
pub mod nfe_samplers; // DDPM, DDIM and rectified flow's Euler at a stated NFE, from a given x_T
pub mod live_samples; // a few-step batch of samples of the training network and its MMD²
pub mod flow_path; // the reverse process as animation frames: particles, a deforming lattice, the density of x_t
pub mod flow_compare; // a diffusion and a flow-matching network from one seed, at equal NFE; their velocities
pub mod sde_evaluate; // the network as a VP SDE: PF-ODE log-likelihood, sample quality against NFE
