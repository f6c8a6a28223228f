//! (1.120)–(1.125) and (1.141)–(1.143): Tweedie's formula at the reader's x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε,
//! the data q(x₀) being the ring of 8 Gaussians. Three independent computations meet:
//! - E[x₀ | x_t] (1.120) by quadrature of ∫ x₀ q(x₀) q(x_t|x₀) dx₀ / ∫ q(x₀) q(x_t|x₀) dx₀ over the
//!   plane: for each (diagonal) component of the ring the 2-D Simpson rule on a tensor grid is the
//!   product of two 1-D rules, each grid centred on its integrand's peak (found by Newton steps on
//!   finite differences) and spanning ±12 of its widths, however narrow the likelihood is at small t;
//! - the score ∇log q(x_t) by central differences of the marginal log-density (1.73 per component);
//! - the oracle's closed forms (E[x₀|x_t], E[ε|x_t], the score; src/diffusion/oracle.rs).
//!
//! Tweedie (1.123)–(1.125) turns the finite-difference score into E[x₀|x_t]; (1.141)–(1.143) say the
//! same score is −E[ε|x_t]/√(1 − ᾱ_t) — for the posterior mean of the noise, not the ε drawn, which
//! the last slip step shows. (1.120)'s claim that the posterior mean is the MSE estimator is the
//! quadrature's E‖x₀ − g‖² at another estimator, the prior mean g = E[x₀] that ignores x_t,
//! exceeding that at E[x₀|x_t] by ‖g − E[x₀|x_t]‖² (with E[x₀|x_t] from the closed form).

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::numerics::gaussian::log_normal;
use crate::numerics::quadrature::log_integral_moments;

pub const ITEMS: &[u8] = &[28, 30, 31, 32];

/// The stated accuracy of the quadrature and the finite differences (relative, as the steps measure).
pub const ACCURACY: f64 = 1e-9;

/// The posterior q(x₀ | x_t) by quadrature: per component k of the ring its weight and, per
/// coordinate, the mean and variance of the normalised integrand.
struct Quadrature {
    weight: Vec<f64>,
    mean: Vec<[f64; 2]>,
    var: Vec<[f64; 2]>,
}

impl Quadrature {
    /// E[x₀ | x_t]
    fn mean(&self) -> Vec<f64> {
        (0..2).map(|j| self.weight.iter().zip(&self.mean).map(|(w, m)| w * m[j]).sum()).collect()
    }

    /// E[‖x₀ − g‖² | x_t]
    fn mse(&self, g: &[f64]) -> f64 {
        (0..self.weight.len()).map(|k| self.weight[k] * (0..2).map(|j| self.var[k][j] + (self.mean[k][j] - g[j]).powi(2)).sum::<f64>()).sum()
    }
}

/// The peak of a log-concave 1-D integrand and its width 1/√(−(log f)''), by Newton steps on
/// central differences from `start` with the trial width `width`.
fn peak(log_f: &impl Fn(f64) -> f64, start: f64, width: f64) -> (f64, f64) {
    let (mut u, mut w) = (start, width);
    for _ in 0..4 {
        let h = 0.5 * w;
        let (a, c, z) = (log_f(u - h), log_f(u), log_f(u + h));
        let (d1, d2) = ((z - a) / (2.0 * h), (z - 2.0 * c + a) / (h * h));
        if !(d2 < 0.0 && d2.is_finite() && d1.is_finite()) {
            break;
        }
        u -= d1 / d2;
        w = 1.0 / (-d2).sqrt();
    }
    (u, w)
}

fn quadrature(p: &DiffusionPoint) -> Quadrature {
    let (ab, xt) = (p.alpha_bar(), p.x_t());
    let m = &p.mixture;
    let mut log_w = vec![0.0; m.components()];
    let mut mean = vec![[0.0; 2]; m.components()];
    let mut var = vec![[0.0; 2]; m.components()];
    for k in 0..m.components() {
        log_w[k] = m.weights[k].ln();
        for j in 0..2 {
            let (mu, s) = (m.means[k][j], m.variances[k][j]);
            // q(x₀) q(x_t | x₀) along coordinate j, for component k
            let log_f = |u: f64| log_normal(u, mu, s) + log_normal(xt[j], ab.sqrt() * u, 1.0 - ab);
            let (c, w) = peak(&log_f, mu, s.sqrt());
            let (l, mj, vj) = log_integral_moments(log_f, c - 12.0 * w, c + 12.0 * w, 2400);
            log_w[k] += l;
            mean[k][j] = mj;
            var[k][j] = vj;
        }
    }
    let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = log_w.iter().map(|l| (l - top).exp()).sum();
    Quadrature { weight: log_w.iter().map(|l| (l - top).exp() / z).collect(), mean, var }
}

/// ∇log q(x_t) by the five-point central difference of the marginal log-density, step 10⁻³ of the
/// narrowest component width of q(x_t).
fn score_fd(p: &DiffusionPoint) -> Vec<f64> {
    let (ab, xt) = (p.alpha_bar(), p.x_t());
    let narrow = p.mixture.variances.iter().flatten().cloned().fold(f64::INFINITY, f64::min);
    let h = 1e-3 * (ab * narrow + 1.0 - ab).sqrt();
    (0..2)
        .map(|i| {
            let at = |d: f64| {
                let mut y = xt.clone();
                y[i] += d;
                p.mixture.log_density(&y, ab)
            };
            (-at(2.0 * h) + 8.0 * at(h) - 8.0 * at(-h) + at(-2.0 * h)) / (12.0 * h)
        })
        .collect()
}

/// E[x₀] = Σ_k π_k m_k, the estimate of x₀ that ignores x_t.
fn prior_mean(p: &DiffusionPoint) -> Vec<f64> {
    (0..2).map(|j| p.mixture.weights.iter().zip(&p.mixture.means).map(|(w, m)| w * m[j]).sum()).collect()
}

/// Deliberate faults a test switches on to see the named step fail.
#[derive(Clone, Copy, Default)]
struct Faults {
    /// Tweedie with the standard deviation √(1 − ᾱ_t) where the variance 1 − ᾱ_t belongs
    std_for_variance: bool,
}

/// The page's inputs: x0, t (1..=T), seed.
pub fn evaluate(i: &super::Inputs) -> crate::numerics::error::Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 1)?;
    Ok(derive(&p, None))
}

pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    build(p, tamper, Faults::default())
}

fn build(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>, faults: Faults) -> Derivation {
    let main = quadrature(p);
    let with = |q: &DiffusionPoint, f: &dyn Fn(&Quadrature) -> Vec<f64>| {
        if std::ptr::eq(q, p) {
            f(&main)
        } else {
            f(&quadrature(q))
        }
    };
    let var = |q: &DiffusionPoint| if faults.std_for_variance { (1.0 - q.alpha_bar()).sqrt() } else { 1.0 - q.alpha_bar() };
    let mut b = Builder::new("tweedie", ITEMS, p, tamper);

    let l_mean = b.line("posterior_mean", "1.120", |q| with(q, &|r| r.mean()));
    let l_mean_mu = b.line("mean_of_mu", "1.122–1.123", |q| with(q, &|r| r.mean().iter().map(|m| q.alpha_bar().sqrt() * m).collect()));
    let l_score = b.line("score_fd", "1.123", score_fd);
    let l_score_oracle = b.line("score_closed_form", "1.123", |q| q.mixture.score(&q.x_t(), q.alpha_bar()));
    let l_tweedie = b.line("tweedie_1_123", "1.123", |q| {
        let (xt, s) = (q.x_t(), score_fd(q));
        xt.iter().zip(&s).map(|(x, s)| x + var(q) * s).collect()
    });
    let l_x0 = b.line("x0_1_125", "1.124–1.125", |q| {
        let (xt, s) = (q.x_t(), score_fd(q));
        xt.iter().zip(&s).map(|(x, s)| (x + var(q) * s) / q.alpha_bar().sqrt()).collect()
    });
    let l_x0_oracle = b.line("x0_closed_form", "1.125", |q| q.mixture.posterior_mean_x0(&q.x_t(), q.alpha_bar()));
    let l_eps = b.line("eps_mean", "1.141", |q| {
        let (ab, xt) = (q.alpha_bar(), q.x_t());
        with(q, &|r| r.mean().iter().zip(&xt).map(|(m, x)| (x - ab.sqrt() * m) / (1.0 - ab).sqrt()).collect())
    });
    let l_eps_score = b.line("eps_from_score", "1.142", |q| score_fd(q).iter().map(|s| -(1.0 - q.alpha_bar()).sqrt() * s).collect());
    let l_eps_oracle = b.line("eps_closed_form", "1.143", |q| q.mixture.posterior_mean_eps(&q.x_t(), q.alpha_bar()));
    let l_drawn = b.line("score_drawn_eps", "1.143", |q| q.eps.iter().map(|e| -e / (1.0 - q.alpha_bar()).sqrt()).collect());
    let l_mse = b.line("mse_posterior_mean", "1.120", |q| with(q, &|r| vec![r.mse(&r.mean())]));
    let l_mse_prior = b.line("mse_prior_mean", "1.120", |q| with(q, &|r| vec![r.mse(&prior_mean(q))]));

    // the estimate that ignores x_t, E[x₀], misses E[x₀|x_t] (the oracle's closed form) by this much
    let excess: f64 = {
        let e = p.mixture.posterior_mean_x0(&p.x_t(), p.alpha_bar());
        prior_mean(p).iter().zip(&e).map(|(g, e)| (g - e).powi(2)).sum()
    };
    b.step_within("finite_differences", l_score, l_score_oracle, Relation::Equal, ACCURACY);
    b.step_within("tweedie_1_123", l_mean_mu, l_tweedie, Relation::Equal, ACCURACY);
    b.step_within("tweedie_1_125", l_mean, l_x0, Relation::Equal, ACCURACY);
    b.step_within("closed_form_x0", l_x0, l_x0_oracle, Relation::Equal, ACCURACY);
    b.step_within("score_is_noise", l_eps, l_eps_score, Relation::Equal, ACCURACY);
    b.step_within("closed_form_eps", l_eps, l_eps_oracle, Relation::Equal, ACCURACY);
    b.step("drawn_noise", l_score, l_drawn, Relation::Slip);
    b.step_within("mse_minimum", l_mse_prior, l_mse, Relation::PlusConstant { constant: vec![excess], of: "x_0" }, ACCURACY);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in POINTS {
            let p = DiffusionPoint::new(x0.to_vec(), t, seed, 1).unwrap();
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    const POINTS: [([f64; 2], usize, u64); 10] = [([1.5, -0.4], 100, 1), ([-2.0, 0.1], 1, 7), ([0.3, 2.2], 2, 3), ([-0.7, -1.9], 1000, 11), ([10.0, -10.0], 1, 5), ([9.0, 9.5], 40, 2), ([0.0, 0.0], 600, 9), ([10.0, 10.0], 1000, 4), ([-10.0, 3.0], 5, 6), ([-5.0, -8.0], 300, 8)];

    #[test]
    fn every_step_holds_across_t_and_far_from_the_ring() {
        for x0 in [[1.5, -0.4], [10.0, 10.0], [-10.0, 3.0], [0.0, 0.0]] {
            for t in (1..=1000).step_by(37).chain([1000]) {
                let d = derive(&DiffusionPoint::new(x0.to_vec(), t, 4, 1).unwrap(), None);
                for s in &d.steps {
                    assert!(s.holds, "{x0:?} t = {t}: {} residual {}", s.key, s.residual);
                }
            }
        }
    }

    #[test]
    fn the_drawn_noise_is_not_the_score_and_a_wrong_variance_fails() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 50, 2, 1).unwrap();
        let d = derive(&p, None);
        assert!(d.holds());
        assert!(d.step("drawn_noise").residual > 1e-2, "the drawn ε differs visibly: {}", d.step("drawn_noise").residual);
        assert!(d.line("mse_prior_mean").value[0] > d.line("mse_posterior_mean").value[0] + 0.1);
        let f = build(&p, None, Faults { std_for_variance: true });
        assert!(!f.step("tweedie_1_125").holds && !f.step("tweedie_1_123").holds && !f.step("closed_form_x0").holds);
        assert!(f.step("finite_differences").holds && f.step("score_is_noise").holds);
        // every line moves with the point
        let q = DiffusionPoint::new(vec![1.2, -1.0], 60, 3, 1).unwrap();
        let e = derive(&q, None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
    }

    #[test]
    fn inputs_are_validated_by_field() {
        use crate::derivation::Inputs;
        assert!(evaluate(&Inputs { t: 1, ..Inputs::default() }).unwrap().holds());
        assert_eq!(evaluate(&Inputs { t: 0, ..Inputs::default() }).unwrap_err().field, "t");
        assert_eq!(evaluate(&Inputs { t: 1001, ..Inputs::default() }).unwrap_err().field, "t");
        assert_eq!(evaluate(&Inputs { x0: vec![0.0, 11.0], ..Inputs::default() }).unwrap_err().field, "x0[1]");
        assert_eq!(evaluate(&Inputs { x0: vec![f64::NAN, 0.0], ..Inputs::default() }).unwrap_err().field, "x0[0]");
        assert_eq!(evaluate(&Inputs { x0: vec![0.0], ..Inputs::default() }).unwrap_err().field, "x0");
    }

    #[test]
    fn evaluate_is_fast_enough_for_the_page() {
        let t = std::time::Instant::now();
        let _ = evaluate(&crate::derivation::Inputs::default()).unwrap();
        eprintln!("tweedie: {:?}", t.elapsed());
    }
}
