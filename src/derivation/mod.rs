//! The seeds' derivations line by line, at the reader's point (plain f64: no burn, no wasm).
//! Each file evaluates one derivation's lines as the seed writes them and checks every step:
//! equal, equal in expectation, equal up to a constant computed on its own, or a printed slip.

pub mod consistency; // (1.36)–(1.49) the consistency form, the marginalisation lemma
pub mod ddpm_variance; // DDPM: L_{t−1} = ‖μ̃ − μ_θ‖²/2σ_t² + C for σ_t² = β_t or β̃_t; the true reverse variance
pub mod decoder; // DDPM's L_0: the discretized decoder's bins by quadrature, their sum 1
pub mod denoising; // (1.50)–(1.62) the denoising-matching form: Bayes' trick, the telescoping cancellation
pub mod dsm; // (2.18)–(2.24) denoising score matching
pub mod flow_matching; // rectified flow: the velocity from x̂₀, ε̂ and the score, DDPM's ε, the continuity equation
pub mod hvae; // (1.26)–(1.32) the Markov hierarchical VAE on a two-level linear-Gaussian model
pub mod integration_by_parts; // (2.14) → (2.15) explicit to implicit score matching
pub mod parameterizations; // (1.96)–(1.140) μ_θ and the loss with x₀, ε or the score
pub mod point; // the reader's x₀, t and noise draws; the exact oracle as the model
pub mod posterior; // (1.74)–(1.89) Bayes' rule and completing the square
pub mod steps; // lines, steps, the builder, and the test that every line can break a step
pub mod tweedie; // (1.120)–(1.125), (1.141)–(1.143) Tweedie's formula and the score as −E[ε|x_t]/√(1−ᾱ)

use crate::numerics::error::{InputError, Result};
pub use steps::Derivation;

/// What the page can set; each derivation reads the fields it needs (README's JS API lists which).
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// the data point x₀ (the HVAE's observed x: its first coordinate)
    pub x0: Vec<f64>,
    /// the step of the linear DDPM schedule (T = 1000)
    pub t: usize,
    /// the seed of every noise draw
    pub seed: u64,
    /// the noise level σ of score matching
    pub sigma: f64,
    /// the model's parameters where the derivation has one: a Gaussian score model's mean (2) and
    /// variance (1) for score matching; the HVAE encoder's two gains
    pub theta: Vec<f64>,
    /// Monte Carlo draws for the lines that are expectations
    pub samples: usize,
}

impl Default for Inputs {
    fn default() -> Self {
        Self { x0: vec![1.5, -0.4], t: 100, seed: 1, sigma: 0.5, theta: vec![], samples: 4000 }
    }
}

/// The derivations, in the seeds' order.
pub const NAMES: [&str; 11] = ["hvae", "consistency", "denoising", "posterior", "parameterizations", "tweedie", "ddpm_variance", "decoder", "by_parts", "dsm", "flow_matching"];

/// One derivation by name, at the reader's inputs.
pub fn evaluate(name: &str, inputs: &Inputs) -> Result<Derivation> {
    match name {
        "hvae" => hvae::evaluate(inputs),
        "consistency" => consistency::evaluate(inputs),
        "denoising" => denoising::evaluate(inputs),
        "posterior" => posterior::evaluate(inputs),
        "parameterizations" => parameterizations::evaluate(inputs),
        "tweedie" => tweedie::evaluate(inputs),
        "ddpm_variance" => ddpm_variance::evaluate(inputs),
        "decoder" => decoder::evaluate(inputs),
        "by_parts" => integration_by_parts::evaluate(inputs),
        "dsm" => dsm::evaluate(inputs),
        "flow_matching" => flow_matching::evaluate(inputs),
        other => Err(InputError::one_of("name", other, &NAMES)),
    }
}

/// The model parameters θ a derivation starts from (empty where it has none).
pub fn default_theta(name: &str) -> Vec<f64> {
    match name {
        "hvae" => hvae::DEFAULT_THETA.to_vec(),
        "by_parts" | "dsm" => integration_by_parts::DEFAULT_THETA.to_vec(),
        _ => vec![],
    }
}
