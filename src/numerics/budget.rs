//! What one call may ask for: the work and memory budgets that sizes from the caller are checked
//! against before anything is allocated or run, with the budget named in the message. One source
//! for these limits; a long job is asked for in pieces (the page's workers call `run(n)`,
//! `step()` and `runTo` chunk by chunk and can stop between them).

use super::error::{short_number, InputError, Result, Rule};

/// Elementary operations one call may do (one kernel evaluation, one mixture component at one
/// point, one multiply-add of a network): about a second of wasm on a laptop core.
pub const MAX_WORK: f64 = 1e9;

/// Operations of one asynchronous job that a worker runs in the background (a whole sampler
/// comparison through a network, a held-out estimate): about a minute in wasm.
pub const MAX_JOB_WORK: f64 = 100.0 * MAX_WORK;

/// Numbers (f64) one call may allocate for its state or its result: 2^24, 128 MiB.
pub const MAX_VALUES: f64 = 16_777_216.0;

/// Refuse `field = value` when the `work` it asks for (`formula`, in words) exceeds [`MAX_WORK`].
pub fn check_work(field: &str, value: f64, work: f64, formula: &str) -> Result<()> {
    check(field, value, work, MAX_WORK, formula)
}

/// [`check_work`] for an asynchronous job, against [`MAX_JOB_WORK`].
pub fn check_job(field: &str, value: f64, work: f64, formula: &str) -> Result<()> {
    check(field, value, work, MAX_JOB_WORK, formula)
}

/// Refuse `field = value` when the numbers it would allocate exceed [`MAX_VALUES`].
pub fn check_values(field: &str, value: f64, values: f64, formula: &str) -> Result<()> {
    check(field, value, values, MAX_VALUES, formula)
}

fn check(field: &str, value: f64, amount: f64, max: f64, formula: &str) -> Result<()> {
    if amount <= max {
        Ok(())
    } else {
        Err(InputError::at(field, Rule::TooMuchWork { max: format!("{formula} ≤ {}", short_number(max)) }, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_above_and_names_it() {
        assert!(check_work("n", 10.0, MAX_WORK, "n × d").is_ok());
        let e = check_work("n", 1e6, MAX_WORK * 1.01, "n × d").unwrap_err();
        assert_eq!(e.field, "n");
        assert!(e.message.contains("n × d ≤ 1000000000"), "{}", e.message);
        assert!(check_values("n", 1.0, MAX_VALUES + 1.0, "n").is_err());
    }
}
