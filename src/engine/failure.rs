//! What can go wrong while the engine runs: a rejected input, or the device (a lost GPU, out of
//! memory, a failed read-back), whose own words are kept.

use crate::numerics::error::InputError;

#[derive(Debug, Clone)]
pub enum EngineFailure {
    Input(InputError),
    Device(String),
}

impl From<InputError> for EngineFailure {
    fn from(e: InputError) -> Self {
        EngineFailure::Input(e)
    }
}

impl std::fmt::Display for EngineFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineFailure::Input(e) => write!(f, "{e}"),
            EngineFailure::Device(m) => f.write_str(m),
        }
    }
}
