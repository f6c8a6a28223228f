//! Flow matching's velocity, ε and the score at the reader's point (src/diffusion/flow_matching.rs):
//! x_τ = (1 − τ) x₀ + τ ε with τ = t/T, the data the ring of 8 Gaussians, the exact oracle as the
//! model. Independent computations meet:
//! - x̂₀ = E[x₀ | x_τ] from each component's Gaussian posterior (the oracle's closed form);
//! - ε̂ = −τ ∇log p_τ(x) (1.143 on this path) with the score by central differences of the exact
//!   log-density p_τ (a mixture of N((1 − τ) μ_k, (1 − τ)² Σ_k + τ² I));
//! - the velocity three ways: ε̂ − x̂₀, (ε̂ − x)/(1 − τ), −(x + τ∇log p_τ)/(1 − τ);
//! - the variance-preserving chain's ε̂ at ᾱ = (1 − τ)²/c², x/c (c² = (1 − τ)² + τ²);
//! - the continuity equation ∂_τ log p_τ = −∇·v − v·∇log p_τ, both sides by finite differences:
//!   the velocity really transports the density, which no rearrangement of the formulas implies.

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::diffusion::flow_matching::{marginal, velocity_from_eps, velocity_from_pair, velocity_from_score, vp_equivalent};
use crate::numerics::error::{InputError, Result};

/// Tweedie's items: ε̂ and x̂₀ from the score (1.123–1.125, 1.141–1.143), on this path.
pub const ITEMS: &[u8] = &[31, 32];

/// The stated accuracy of the finite differences (relative, as the steps measure).
pub const ACCURACY: f64 = 1e-7;

fn tau(p: &DiffusionPoint) -> f64 {
    p.t as f64 / p.schedule.t_max as f64
}

/// x_τ = (1 − τ) x₀ + τ ε
fn x_tau(p: &DiffusionPoint) -> Vec<f64> {
    crate::diffusion::flow_matching::interpolate(&p.x0, &p.eps, tau(p))
}

fn log_p(p: &DiffusionPoint, x: &[f64], tau: f64) -> f64 {
    p.mixture.log_density_at(x, marginal(tau))
}

/// The narrowest standard deviation of a component of p_τ.
fn width(p: &DiffusionPoint, tau: f64) -> f64 {
    let narrow = p.mixture.variances.iter().flatten().cloned().fold(f64::INFINITY, f64::min);
    ((1.0 - tau).powi(2) * narrow + tau * tau).sqrt()
}

/// The five-point central difference of f at 0 with step h.
fn diff(f: impl Fn(f64) -> f64, h: f64) -> f64 {
    (-f(2.0 * h) + 8.0 * f(h) - 8.0 * f(-h) + f(-2.0 * h)) / (12.0 * h)
}

/// ∇log p_τ(x) by central differences.
fn score_fd(p: &DiffusionPoint, x: &[f64], tau: f64) -> Vec<f64> {
    let h = 1e-3 * width(p, tau);
    (0..x.len())
        .map(|i| {
            diff(
                |d| {
                    let mut y = x.to_vec();
                    y[i] += d;
                    log_p(p, &y, tau)
                },
                h,
            )
        })
        .collect()
}

/// The oracle's x̂₀ at (x, τ).
fn x0_hat(p: &DiffusionPoint, x: &[f64], tau: f64) -> Vec<f64> {
    p.mixture.posterior_mean_x0_at(x, marginal(tau))
}

/// The velocity from the oracle's x̂₀ alone: ε̂ = (x − (1 − τ) x̂₀)/τ, v = ε̂ − x̂₀.
fn velocity(p: &DiffusionPoint, x: &[f64], tau: f64) -> Vec<f64> {
    crate::diffusion::flow_matching::oracle_velocity(&p.mixture, x, tau)
}

/// The page's inputs: x0, t (1..T−1: τ = t/T < 1), seed.
pub fn evaluate(i: &super::Inputs) -> Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 1)?;
    if p.t >= p.schedule.t_max {
        return Err(InputError::integer("t", p.t as f64, 1, p.schedule.t_max as u64 - 1));
    }
    Ok(derive(&p, None))
}

pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    let mut b = Builder::new("flow_matching", ITEMS, p, tamper);
    let l_x = b.line("x_tau", "RF", x_tau);
    let l_x0 = b.line("x0_mean", "1.125", |q| x0_hat(q, &x_tau(q), tau(q)));
    let l_eps = b.line("eps_score", "1.143", |q| score_fd(q, &x_tau(q), tau(q)).iter().map(|s| -tau(q) * s).collect());
    let l_mix = b.line("recombined", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        let (x0, s) = (x0_hat(q, &x, t), score_fd(q, &x, t));
        x0.iter().zip(&s).map(|(x0, s)| (1.0 - t) * x0 - t * t * s).collect()
    });
    let l_pair = b.line("v_pair", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        let eps: Vec<f64> = score_fd(q, &x, t).iter().map(|s| -t * s).collect();
        velocity_from_pair(&x0_hat(q, &x, t), &eps)
    });
    let l_veps = b.line("v_eps", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        let eps: Vec<f64> = score_fd(q, &x, t).iter().map(|s| -t * s).collect();
        velocity_from_eps(&x, t, &eps)
    });
    let l_vscore = b.line("v_score", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        velocity_from_score(&x, t, &q.mixture.score_at(&x, marginal(t)))
    });
    let l_v = b.line("v_oracle", "RF", |q| velocity(q, &x_tau(q), tau(q)));
    let l_vp = b.line("eps_vp", "1.143", |q| {
        let (ab, xv) = vp_equivalent(&x_tau(q), tau(q));
        q.mixture.posterior_mean_eps(&xv, ab)
    });
    let l_x0v = b.line("x0_from_velocity", "1.125", |q| {
        let (x, t) = (x_tau(q), tau(q));
        let v = velocity_from_score(&x, t, &q.mixture.score_at(&x, marginal(t)));
        crate::diffusion::flow_matching::x0_and_eps_from_velocity(&x, t, &v).0
    });
    let l_dt = b.line("dlogp_dtau", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        vec![diff(|d| log_p(q, &x, t + d), 1e-4 * t.min(1.0 - t))]
    });
    let l_flux = b.line("transport", "RF", |q| {
        let (x, t) = (x_tau(q), tau(q));
        let h = 1e-3 * width(q, t);
        let div: f64 = (0..x.len())
            .map(|i| {
                diff(
                    |d| {
                        let mut y = x.clone();
                        y[i] += d;
                        velocity(q, &y, t)[i]
                    },
                    h,
                )
            })
            .sum();
        let (v, s) = (velocity(q, &x, t), score_fd(q, &x, t));
        vec![-div - v.iter().zip(&s).map(|(v, s)| v * s).sum::<f64>()]
    });
    b.step_within("mean_of_the_line", l_x, l_mix, Relation::Equal, ACCURACY);
    b.step_within("velocity_from_eps", l_pair, l_veps, Relation::Equal, ACCURACY);
    b.step_within("velocity_from_score", l_veps, l_vscore, Relation::Equal, ACCURACY);
    b.step_within("closed_form_velocity", l_pair, l_v, Relation::Equal, ACCURACY);
    b.step_within("same_noise_as_ddpm", l_eps, l_vp, Relation::Equal, ACCURACY);
    b.step_within("tweedie_on_the_path", l_x0, l_x0v, Relation::Equal, ACCURACY);
    b.step_within("continuity", l_dt, l_flux, Relation::Equal, ACCURACY);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    const POINTS: [([f64; 2], usize, u64); 8] = [([1.5, -0.4], 100, 1), ([-2.0, 0.1], 1, 7), ([0.3, 2.2], 500, 3), ([-0.7, -1.9], 999, 11), ([10.0, -10.0], 3, 5), ([0.0, 0.0], 600, 9), ([-10.0, 3.0], 900, 6), ([2.0, 0.0], 50, 8)];

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in POINTS {
            let p = DiffusionPoint::new(x0.to_vec(), t, seed, 1).unwrap();
            let mut broken = p.broken();
            if broken.t >= 1000 {
                broken.t = 998;
            }
            assert_checks_can_fail(&p, &broken, derive);
        }
    }

    #[test]
    fn every_step_holds_across_tau() {
        for x0 in [[1.5, -0.4], [10.0, 10.0], [0.0, 0.0]] {
            for t in (1..1000).step_by(41).chain([999]) {
                let d = derive(&DiffusionPoint::new(x0.to_vec(), t, 4, 1).unwrap(), None);
                for s in &d.steps {
                    assert!(s.holds, "{x0:?} t = {t}: {} residual {}", s.key, s.residual);
                }
            }
        }
    }

    /// A velocity with the wrong sign, or the ε of the drawn noise instead of its posterior mean,
    /// breaks the continuity equation: it is a check of the velocity, not of algebra.
    #[test]
    fn a_wrong_velocity_fails_the_continuity_equation() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 400, 2, 1).unwrap();
        let (x, t) = (x_tau(&p), tau(&p));
        let d = derive(&p, None);
        let lhs = d.line("dlogp_dtau").value[0];
        let flux = |v: &[f64], div: f64| -div - v.iter().zip(score_fd(&p, &x, t)).map(|(v, s)| v * s).sum::<f64>();
        let v = velocity(&p, &x, t);
        let drawn = crate::diffusion::flow_matching::target(&p.x0, &p.eps); // the one example's ε − x₀
        let h = 1e-3 * width(&p, t);
        let div_of = |sign: f64| (0..2).map(|i| diff(|e| { let mut y = x.clone(); y[i] += e; sign * velocity(&p, &y, t)[i] }, h)).sum::<f64>();
        let neg: Vec<f64> = v.iter().map(|v| -v).collect();
        assert!((flux(&v, div_of(1.0)) - lhs).abs() < 1e-6 * (1.0 + lhs.abs()));
        assert!((flux(&neg, div_of(-1.0)) - lhs).abs() > 1e-2, "the reversed velocity would transport the density too");
        assert!((flux(&drawn, 0.0) - lhs).abs() > 1e-2);
    }

    #[test]
    fn inputs_are_validated_by_field() {
        use crate::derivation::Inputs;
        assert!(evaluate(&Inputs::default()).unwrap().holds());
        assert_eq!(evaluate(&Inputs { t: 1000, ..Inputs::default() }).unwrap_err().field, "t");
        assert_eq!(evaluate(&Inputs { t: 0, ..Inputs::default() }).unwrap_err().field, "t");
        assert_eq!(evaluate(&Inputs { x0: vec![0.0, 11.0], ..Inputs::default() }).unwrap_err().field, "x0[1]");
    }
}
