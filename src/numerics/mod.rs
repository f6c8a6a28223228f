//! The numerical ground floor: plain f64, no burn, no wasm, no I/O.

pub mod budget; // the work and memory one call may ask for
pub mod error; // the one error type: the field, its rule, the offending value
pub mod gaussian;
pub mod montecarlo; // estimates with standard errors (after (1.24))
pub mod quadrature; // Simpson in log space: a density's normaliser, mean and variance
pub mod rng; // the documented seeded generator every draw comes from // KL (1.23), log-densities, the decoders of L_0
