//! The one error type of the numerics core: a rejected input, with a message a person can act on.
//!
//! Every message names the parameter and the range it must lie in, e.g.
//! `t = 0 is out of range: t must be an integer in 1..=1000`. The wasm boundary turns it into a
//! `JsError` with the same text.

use std::fmt;

/// A rejected input. `param` is the name the caller used; `message` is the full sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub param: String,
    pub message: String,
}

impl InputError {
    pub fn new(param: &str, message: impl Into<String>) -> Self {
        Self { param: param.to_string(), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

pub type Result<T> = std::result::Result<T, InputError>;

/// Every value of `values` must be finite.
pub fn check_finite(param: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(InputError::new(
            param,
            format!("{param}[{i}] = {} is not a finite number: every value of {param} must be finite", values[i]),
        )),
    }
}

/// A single finite number.
pub fn check_finite_scalar(param: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(InputError::new(param, format!("{param} = {value} is not a finite number")))
    }
}

/// A number strictly positive and finite (variances, standard deviations).
pub fn check_positive(param: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(InputError::new(param, format!("{param} = {value} is out of range: {param} must be a finite number > 0")))
    }
}

/// Two arrays that must have the same length.
pub fn check_same_len(param: &str, len: usize, other: &str, other_len: usize) -> Result<()> {
    if len == other_len {
        Ok(())
    } else {
        Err(InputError::new(
            param,
            format!("{param} has length {len} but {other} has length {other_len}: the lengths must match"),
        ))
    }
}

/// A non-empty array.
pub fn check_nonempty(param: &str, len: usize) -> Result<()> {
    if len > 0 {
        Ok(())
    } else {
        Err(InputError::new(param, format!("{param} is empty: it needs at least one value")))
    }
}
