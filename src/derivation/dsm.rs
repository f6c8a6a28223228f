//! (being written)
use super::{Derivation, Inputs};
use crate::numerics::error::Result;

pub fn evaluate(_: &Inputs) -> Result<Derivation> {
    super::unwritten("dsm")
}
