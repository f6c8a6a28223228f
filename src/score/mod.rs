//! Score-based generative models (seed 003), in plain f64: no burn, no wasm.

pub mod matching; // energy and score (2.12–2.13), explicit / implicit / denoising score matching (2.14–2.24)
