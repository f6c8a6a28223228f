//! A data set noised to step t two ways, and the check that the two agree (seed 002, 1.63–1.73):
//! by the closed form q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) (1.73), one draw per point, and by
//! iterating the one-step kernel q(x_k | x_{k−1}) = N(√α_k x_{k−1}, β_k I) (1.63) for k = 1..t
//! with fresh noise at every step. Under both, the residual r = x_t − √ᾱ_t x_0 is N(0, (1 − ᾱ_t) I):
//! its mean and second moment per coordinate are estimated (± standard error) both ways and compared
//! with the exact values, and the second moment is tracked step by step along the iterated chain.

use crate::numerics::error::{InputError, Result, Rule};
use crate::numerics::montecarlo::Estimate;
use crate::numerics::rng::Rng;
use crate::diffusion::schedule::NoiseSchedule;

/// At most this many normal draws (points × coordinates × steps) per call.
pub const MAX_DRAWS: usize = 40_000_000;

/// The residual r = x_t − √ᾱ_t x_0 of one coordinate, estimated from all points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidualMoments {
    /// E[r], exactly 0
    pub mean: Estimate,
    /// E[r²], exactly 1 − ᾱ_t
    pub second_moment: Estimate,
}

impl ResidualMoments {
    fn of(x_t: &[f64], x0: &[f64], dim: usize, j: usize, scale: f64) -> Self {
        let r: Vec<f64> = x_t
            .iter()
            .skip(j)
            .step_by(dim)
            .zip(x0.iter().skip(j).step_by(dim))
            .map(|(x, x0)| x - scale * x0)
            .collect();
        let r2: Vec<f64> = r.iter().map(|v| v * v).collect();
        ResidualMoments {
            mean: Estimate::of(&r),
            second_moment: Estimate::of(&r2),
        }
    }
}

/// The data set at step t by the closed form and by the iterated chain, with the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisedSet {
    pub dim: usize,
    pub t: usize,
    /// ᾱ_t and the exact residual variance 1 − ᾱ_t
    pub alpha_bar: f64,
    pub variance: f64,
    /// row-major points: x_t by (1.73), and by t steps of (1.63)
    pub closed: Vec<f64>,
    pub iterated: Vec<f64>,
    /// per coordinate
    pub closed_moments: Vec<ResidualMoments>,
    pub iterated_moments: Vec<ResidualMoments>,
    /// for k = 1..=t: the exact 1 − ᾱ_k, and the mean over points and coordinates of r_k² both ways
    pub variance_by_step: Vec<f64>,
    pub closed_by_step: Vec<f64>,
    pub iterated_by_step: Vec<f64>,
    /// the largest |z| of any estimate from its exact value, and of closed − iterated (independent draws)
    pub max_z_exact: f64,
    pub max_z_between: f64,
}

/// Noise the points `x0` (row-major, `dim` coordinates each) to step `t` both ways, from `seed`.
pub fn noise_both_ways(
    s: &NoiseSchedule,
    x0: &[f64],
    dim: usize,
    t: usize,
    seed: u64,
) -> Result<NoisedSet> {
    s.check_t(t)?;
    let n = crate::numerics::error::check_points("points", x0, dim, MAX_DRAWS)?;
    if n < 2 {
        return Err(InputError::integer("n", n as f64, 2, (MAX_DRAWS / (dim * t).max(1)) as u64));
    }
    if n * dim * t > MAX_DRAWS {
        return Err(InputError::at("n", Rule::TooMuchWork { max: format!("points × coordinates × t ≤ {MAX_DRAWS}") }, n as f64));
    }
    // independent streams: the closed form's draws and the chain's
    let mut closed_rng = Rng::new(seed);
    let mut chain_rng = Rng::new(seed ^ 0x5DEE_CE66_D1A4_F87D);
    let mean_sq = |x: &[f64], scale: f64| {
        x.iter()
            .zip(x0)
            .map(|(x, x0)| (x - scale * x0).powi(2))
            .sum::<f64>()
            / x.len() as f64
    };

    let mut chain = x0.to_vec();
    let (mut variance_by_step, mut closed_by_step, mut iterated_by_step) = (
        Vec::with_capacity(t),
        Vec::with_capacity(t),
        Vec::with_capacity(t),
    );
    let mut closed = Vec::new();
    for k in 1..=t {
        let (a, b) = (s.alpha(k).sqrt(), s.beta(k).sqrt());
        for x in chain.iter_mut() {
            *x = a * *x + b * chain_rng.normal(); // (1.63)
        }
        let (scale, sd) = (s.alpha_bar(k).sqrt(), (1.0 - s.alpha_bar(k)).sqrt());
        closed = x0
            .iter()
            .map(|x| scale * x + sd * closed_rng.normal())
            .collect(); // (1.73)
        variance_by_step.push(1.0 - s.alpha_bar(k));
        closed_by_step.push(mean_sq(&closed, scale));
        iterated_by_step.push(mean_sq(&chain, scale));
    }
    let scale = s.alpha_bar(t).sqrt();
    let variance = 1.0 - s.alpha_bar(t);
    let moments = |x: &[f64]| {
        (0..dim)
            .map(|j| ResidualMoments::of(x, x0, dim, j, scale))
            .collect::<Vec<_>>()
    };
    let (closed_moments, iterated_moments) = (moments(&closed), moments(&chain));
    let mut max_z_exact: f64 = 0.0;
    let mut max_z_between: f64 = 0.0;
    for (c, i) in closed_moments.iter().zip(&iterated_moments) {
        for (e, exact) in [
            (c.mean, 0.0),
            (i.mean, 0.0),
            (c.second_moment, variance),
            (i.second_moment, variance),
        ] {
            max_z_exact = max_z_exact.max(e.z_score(exact));
        }
        for (a, b) in [(c.mean, i.mean), (c.second_moment, i.second_moment)] {
            let se = (a.std_error.powi(2) + b.std_error.powi(2)).sqrt();
            max_z_between = max_z_between.max(if a.mean == b.mean {
                0.0
            } else {
                (a.mean - b.mean).abs() / se
            });
        }
    }
    Ok(NoisedSet {
        dim,
        t,
        alpha_bar: s.alpha_bar(t),
        variance,
        closed,
        iterated: chain,
        closed_moments,
        iterated_moments,
        variance_by_step,
        closed_by_step,
        iterated_by_step,
        max_z_exact,
        max_z_between,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::Dataset;

    fn moons(n: usize) -> Vec<f64> {
        Dataset::by_name("moons").unwrap().sample(n, 3).unwrap()
    }

    #[test]
    fn closed_form_and_iterated_chain_agree_with_the_exact_law() {
        let s = NoiseSchedule::ddpm_default();
        let x0 = moons(4000);
        for t in [1, 10, 300, 1000] {
            let r = noise_both_ways(&s, &x0, 2, t, 11).unwrap();
            assert!(
                r.max_z_exact < 4.5,
                "t = {t}: an estimate is {} s.e. from its exact value",
                r.max_z_exact
            );
            assert!(
                r.max_z_between < 4.5,
                "t = {t}: closed and iterated differ by {} s.e.",
                r.max_z_between
            );
            assert!((r.variance - (1.0 - s.alpha_bar(t))).abs() < 1e-15);
            assert_eq!(r.variance_by_step.len(), t);
            // step by step, both stay within a few per cent of 1 − ᾱ_k once it is not tiny
            for k in (0..t).step_by(37) {
                let v = r.variance_by_step[k];
                assert!(
                    (r.iterated_by_step[k] / v - 1.0).abs() < 0.12,
                    "k = {}: {} vs {v}",
                    k + 1,
                    r.iterated_by_step[k]
                );
                assert!(
                    (r.closed_by_step[k] / v - 1.0).abs() < 0.12,
                    "k = {}: {} vs {v}",
                    k + 1,
                    r.closed_by_step[k]
                );
            }
        }
    }

    #[test]
    fn a_wrong_kernel_is_caught() {
        // the check can fail: scale the chain's noise by √2 (variance 2β_k) and the moments disagree
        let s = NoiseSchedule::ddpm_default();
        let x0 = moons(4000);
        let right = noise_both_ways(&s, &x0, 2, 200, 5).unwrap();
        let mut rng = Rng::new(9);
        let mut chain = x0.clone();
        for k in 1..=200 {
            for x in chain.iter_mut() {
                *x = s.alpha(k).sqrt() * *x + (2.0 * s.beta(k)).sqrt() * rng.normal();
            }
        }
        let wrong = ResidualMoments::of(&chain, &x0, 2, 0, s.alpha_bar(200).sqrt());
        assert!(wrong.second_moment.z_score(right.variance) > 20.0);
    }

    #[test]
    fn reproducible_and_bad_input_is_refused() {
        let s = NoiseSchedule::ddpm_default();
        let x0 = moons(100);
        assert_eq!(
            noise_both_ways(&s, &x0, 2, 50, 1).unwrap(),
            noise_both_ways(&s, &x0, 2, 50, 1).unwrap()
        );
        assert_ne!(
            noise_both_ways(&s, &x0, 2, 50, 1).unwrap().closed,
            noise_both_ways(&s, &x0, 2, 50, 2).unwrap().closed
        );
        assert!(noise_both_ways(&s, &x0, 2, 0, 1)
            .unwrap_err()
            .to_string()
            .contains("t = 0"));
        assert!(noise_both_ways(&s, &x0, 2, 1001, 1).is_err());
        assert!(noise_both_ways(&s, &x0[..2], 2, 5, 1)
            .unwrap_err()
            .to_string()
            .contains("n = 1 is out of range: n must be an integer in 2..=")); // moments need at least 2 points
        assert!(noise_both_ways(&s, &[0.0, f64::NAN, 1.0, 1.0], 2, 5, 1).is_err());
        let big = vec![0.0; 2 * 30_000];
        assert!(noise_both_ways(&s, &big, 2, 1000, 1)
            .unwrap_err()
            .to_string()
            .contains("asks for too much work: at most points × coordinates × t")); // exceeds the cap
    }
}
