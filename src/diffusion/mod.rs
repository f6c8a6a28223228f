//! Variational diffusion models and DDPM (seed 002 §1.3–1.5), in plain f64: no burn, no wasm.
//! The modules in the order of the seed.

pub mod elbo; // the terms of the denoising-matching ELBO (1.62)
pub mod elbo_forms; // consistency (1.45–1.47) vs denoising-matching (1.62) ELBO by Monte Carlo
pub mod flow_matching; // rectified flow x_τ = (1 − τ)x₀ + τε: its velocity from x̂₀, ε̂ or the score, Euler sampling
pub mod flow_ode; // the probability-flow ODE's exact likelihood, a pull-based solver (Song et al. 2021, eq. 13)
pub mod forward; // q(x_t | x_{t−1}) (1.63) and q(x_t | x_0) (1.72–1.73)
pub mod noising; // a data set noised by the closed form and by the iterated chain, compared
pub mod objective; // x_0 / ε / score targets, L_simple vs ELBO weights (1.100, 1.119, 1.140)
pub mod oracle; // the exact Gaussian-mixture q(x_t), its score and Tweedie means (1.121–1.125)
pub mod parameterization; // x_0, ε, score: conversions, μ_θ, loss weights (1.96–1.143)
pub mod posterior; // q(x_{t−1} | x_t, x_0) (1.74–1.89)
pub mod quality;
pub mod sampler; // reverse steps: DDPM (Algorithm 2), DDIM, Langevin and annealed Langevin
pub mod schedule; // β_t, ᾱ_t, SNR, posterior coefficients (1.63–1.89)
pub mod sde; // VE, VP and sub-VP SDEs, their discretisations, DDPM and NCSN as discretised SDEs (Song et al. 2021)
pub mod sde_samplers; // DDPM, DDIM, reverse SDE and PF-ODE samplers against NFE, pull-based; quality vs steps
pub mod tweedie; // Tweedie's formula in one dimension by quadrature (1.120–1.121) // sample quality: MMD, log-density and mode weights under a mixture
