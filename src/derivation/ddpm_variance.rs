//! Seed 001 (the DDPM notes): L_{t−1} = KL(q(x_{t−1} | x_t, x₀) ‖ N(μ_θ, σ_t² I)) = ‖μ̃_t − μ_θ‖²/(2σ_t²) + C
//! for the two fixed variances σ_t² = β_t and σ_t² = β̃_t, and the weight that turns
//! L_simple = ‖ε − ε̂‖² into L_{t−1} − C; then the optimality of the two variances: the true reverse
//! variance Var(x_{t−1} | x_t) of 1-D Gaussian data N(0, v) is β̃_t at v = 0 and β_t at v = 1, and
//! above β_t for v > 1 (the ring's data has v ≈ 2.04 per coordinate). Also the printed slips of
//! 001 around μ̃_t and β̃_t, and 002's (1.154).
//!
//! The model is the exact oracle of the 8-Gaussian ring: x̂₀ = E[x₀ | x_t], μ_θ by (1.97)/(1.88).

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::sampler::ddpm_step;
use crate::diffusion::schedule::ModelVariance;
use crate::numerics::gaussian::normal_kl;

/// The schedule's numbers at t.
struct At {
    a: f64,    // α_t
    beta: f64, // β_t
    ab: f64,   // ᾱ_t
    ap: f64,   // ᾱ_{t−1}
    x0: Vec<f64>,
    xt: Vec<f64>,
    x0_hat: Vec<f64>, // the oracle's E[x₀ | x_t]
}

fn at(p: &DiffusionPoint) -> At {
    let xt = p.x_t();
    let x0_hat = p.mixture.posterior_mean_x0(&xt, p.alpha_bar());
    At { a: p.alpha(), beta: p.beta(), ab: p.alpha_bar(), ap: p.alpha_bar_prev(), x0: p.x0.clone(), xt, x0_hat }
}

impl At {
    /// μ̃_t(x_t, x₀) of 001's eq. (6): √ᾱ_{t−1} β_t/(1 − ᾱ_t) x₀ + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) x_t.
    fn mu_tilde(&self, x0: &[f64]) -> Vec<f64> {
        let (c0, ct) = (self.ap.sqrt() * self.beta / (1.0 - self.ab), self.a.sqrt() * (1.0 - self.ap) / (1.0 - self.ab));
        x0.iter().zip(&self.xt).map(|(x0, xt)| c0 * x0 + ct * xt).collect()
    }
    /// μ_θ by (1.97)/(1.88): μ_q's formula with x̂₀ for x₀, written with 1 − α_t.
    fn mu_theta(&self) -> Vec<f64> {
        let d = 1.0 - self.ab;
        self.x0_hat.iter().zip(&self.xt).map(|(x0, xt)| (self.a.sqrt() * (1.0 - self.ap) * xt + self.ap.sqrt() * (1.0 - self.a) * x0) / d).collect()
    }
    /// β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t (001's eq. (7))
    fn beta_tilde(&self) -> f64 {
        (1.0 - self.ap) / (1.0 - self.ab) * self.beta
    }
    /// ε̂ from x̂₀, inverting x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (1.105)
    fn eps_hat(&self) -> Vec<f64> {
        self.xt.iter().zip(&self.x0_hat).map(|(xt, x0)| (xt - self.ab.sqrt() * x0) / (1.0 - self.ab).sqrt()).collect()
    }
    /// μ_θ by (1.115) from ε̂: x_t/√α_t − (1 − α_t)/(√(1 − ᾱ_t) √α_t) ε̂
    fn mu_theta_eps(&self) -> Vec<f64> {
        let c = (1.0 - self.a) / ((1.0 - self.ab).sqrt() * self.a.sqrt());
        self.xt.iter().zip(self.eps_hat()).map(|(xt, e)| xt / self.a.sqrt() - c * e).collect()
    }
}

/// L_{t−1} by the general Gaussian KL (001's proof), one coordinate at a time: Σ_i KL(N(μ̃_i, β̃_t) ‖ N(μ_θ,i, σ²)).
fn kl(c: &At, var: f64) -> f64 {
    c.mu_tilde(&c.x0).iter().zip(c.mu_theta()).map(|(m, n)| normal_kl(*m, c.beta_tilde(), n, var)).sum()
}

/// ‖μ̃_t − μ_θ‖² / (2σ²)
fn mse(c: &At, var: f64) -> f64 {
    c.mu_tilde(&c.x0).iter().zip(c.mu_theta()).map(|(m, n)| (m - n).powi(2)).sum::<f64>() / (2.0 * var)
}

/// C = (d/2)(β̃/σ² − 1 − log(β̃/σ²)), the part of the KL that does not depend on θ (001's proof).
fn constant(d: usize, beta_tilde: f64, var: f64) -> f64 {
    let r = beta_tilde / var;
    0.5 * d as f64 * (r - 1.0 - r.ln())
}

/// w_t ‖ε − ε̂‖² with w_t = β_t² / (2σ² α_t (1 − ᾱ_t)) (001's last display), ε the point's noise.
fn weighted(c: &At, eps: &[f64], var: f64) -> f64 {
    let w = c.beta * c.beta / (2.0 * var * c.a * (1.0 - c.ab));
    w * eps.iter().zip(c.eps_hat()).map(|(e, h)| (e - h).powi(2)).sum::<f64>()
}

/// Var(x_{t−1} | x_t) for 1-D data x₀ ~ N(0, v), by conditioning the Gaussian pair (x_{t−1}, x_t):
/// Var_s = ᾱ_s v + 1 − ᾱ_s, Cov = √α_t Var_{t−1}, Var(x_{t−1} | x_t) = Var_{t−1} − Cov²/Var_t.
fn true_var(c: &At, v: f64) -> f64 {
    let var_prev = c.ap * v + 1.0 - c.ap;
    let var_t = c.ab * v + 1.0 - c.ab;
    let cov = c.a.sqrt() * var_prev;
    var_prev - cov * cov / var_t
}

/// The ring's variance per coordinate, from the mixture: Σ_k π_k (m_k² + S_k) − (Σ_k π_k m_k)²,
/// averaged over the coordinates (radius²/2 + std² = 2.04 for the default ring).
fn data_variance(p: &DiffusionPoint) -> f64 {
    let m = &p.mixture;
    let per: Vec<f64> = (0..m.dim)
        .map(|i| {
            let mean: f64 = (0..m.components()).map(|k| m.weights[k] * m.means[k][i]).sum();
            let second: f64 = (0..m.components()).map(|k| m.weights[k] * (m.means[k][i].powi(2) + m.variances[k][i])).sum();
            second - mean * mean
        })
        .collect();
    per.iter().sum::<f64>() / per.len() as f64
}

pub const ITEMS: &[u8] = &[25, 27, 33, 34];

/// The page's inputs: x0 (2 numbers in [-10, 10]), t in 2..=1000, seed.
pub fn evaluate(i: &super::Inputs) -> crate::numerics::error::Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 2)?;
    Ok(derive(&p, None))
}

/// w_t for t = 1..=T with σ_t² = β_t or β̃_t (β̃_2 at t = 1, as `ModelVariance::BetaTilde`).
fn weight_series(p: &DiffusionPoint, choice: ModelVariance) -> Vec<f64> {
    let s = &p.schedule;
    (1..=s.t_max).map(|t| s.beta(t).powi(2) / (2.0 * s.model_variance(t, choice) * s.alpha(t) * (1.0 - s.alpha_bar(t)))).collect()
}

/// The derivation at `p` (t ≥ 2).
pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    let mut b = Builder::new("ddpm_variance", ITEMS, p, tamper);
    // the posterior q(x_{t−1} | x_t, x₀) of 001
    let mu_tilde = b.line("mu_tilde", "001 (6)", |p| {
        let c = at(p);
        c.mu_tilde(&c.x0)
    });
    let mu_cond = b.line("mu_tilde_conditioning", "001 (6)", |p| {
        // E[x_{t−1} | x_t, x₀] of the Gaussian pair: √ᾱ_{t−1} x₀ + Cov/Var (x_t − √ᾱ_t x₀),
        // Cov = √α_t (1 − ᾱ_{t−1}), Var = 1 − ᾱ_t
        let c = at(p);
        let g = c.a.sqrt() * (1.0 - c.ap) / (1.0 - c.ab);
        c.x0.iter().zip(&c.xt).map(|(x0, xt)| c.ap.sqrt() * x0 + g * (xt - c.ab.sqrt() * x0)).collect()
    });
    let mu_swapped = b.line("mu_tilde_printed", "001 proof", |p| {
        // as printed at the end of 001's proof: the x₀ and x_t coefficients swapped
        let c = at(p);
        let (c0, ct) = (c.a.sqrt() * (1.0 - c.ap) / (1.0 - c.ab), c.ap.sqrt() * c.beta / (1.0 - c.ab));
        c.x0.iter().zip(&c.xt).map(|(x0, xt)| c0 * x0 + ct * xt).collect()
    });
    let beta_tilde = b.line("beta_tilde", "001 (7)", |p| vec![at(p).beta_tilde()]);
    let beta_tilde_printed = b.line("beta_tilde_printed", "001 table", |p| {
        let c = at(p);
        vec![(1.0 - c.ap) / (1.0 - c.ab)]
    });
    let beta = b.line("beta", "001", |p| vec![p.beta()]);
    // the model's mean
    let mu_theta = b.line("mu_theta", "1.97", |p| at(p).mu_theta());
    let mu_theta_eps = b.line("mu_theta_eps", "1.115", |p| at(p).mu_theta_eps());
    // L_{t−1} for σ² = β_t and σ² = β̃_t
    let kl_beta = b.line("kl_beta", "001 L_{t−1}", |p| vec![kl(&at(p), p.beta())]);
    let mse_beta = b.line("mse_beta", "001 L_{t−1}", |p| vec![mse(&at(p), p.beta())]);
    let kl_tilde = b.line("kl_beta_tilde", "001 L_{t−1}", |p| {
        let c = at(p);
        vec![kl(&c, c.beta_tilde())]
    });
    let mse_tilde = b.line("mse_beta_tilde", "001 L_{t−1}", |p| {
        let c = at(p);
        vec![mse(&c, c.beta_tilde())]
    });
    let w_beta = b.line("weighted_beta", "001 L_{t−1} − C", |p| vec![weighted(&at(p), &p.eps, p.beta())]);
    let w_tilde = b.line("weighted_beta_tilde", "001 L_{t−1} − C", |p| {
        let c = at(p);
        vec![weighted(&c, &p.eps, c.beta_tilde())]
    });
    // the optimal variances: the true reverse variance of Gaussian data N(0, v)
    let var_point = b.line("true_var_point", "001 §3.2", |p| vec![true_var(&at(p), 0.0)]);
    let var_unit = b.line("true_var_unit", "001 §3.2", |p| vec![true_var(&at(p), 1.0)]);
    let var_ring = b.line("true_var_ring", "001 §3.2", |p| vec![true_var(&at(p), data_variance(p))]);
    let var_ring_closed = b.line("true_var_ring_closed", "001 §3.2", |p| {
        // Var_t − α_t Var_{t−1} = 1 − α_t, so Var(x_{t−1} | x_t) = β_t (1 + ᾱ_{t−1}(v − 1)) / (1 + ᾱ_t(v − 1))
        let (c, v) = (at(p), data_variance(p));
        vec![c.beta * (1.0 + c.ap * (v - 1.0)) / (1.0 + c.ab * (v - 1.0))]
    });
    let claimed = b.line("claimed_between", "001 §3.2", |p| {
        // what 'β̃_t ≤ Var(x_{t−1} | x_t) ≤ β_t' would allow: the same variance clamped to [β̃_t, β_t]
        let c = at(p);
        vec![true_var(&c, data_variance(p)).clamp(c.beta_tilde(), c.beta)]
    });
    // Algorithm 2 and (1.154)
    let sample = b.line("sample_algorithm_2", "Alg. 2", |p| {
        let c = at(p);
        let sigma = c.beta_tilde().sqrt();
        c.mu_theta_eps().iter().zip(&p.z).map(|(m, z)| m + sigma * z).collect()
    });
    let engine = b.line("engine_step", "Alg. 2", |p| {
        let c = at(p);
        ddpm_step(&p.schedule, Prediction::X0, &c.xt, c.xt.len(), p.t, &c.x0_hat, ModelVariance::BetaTilde, &p.z).map(|s| s.prev).unwrap_or_else(|_| vec![f64::NAN; c.xt.len()])
    });
    let printed_1_154 = b.line("sample_1_154_printed", "1.154", |p| {
        // as printed: the variance σ_q²(t) = (1 − α)(1 − ᾱ_{t−1})/(1 − ᾱ_t) multiplies z where σ_t belongs
        let c = at(p);
        let var = (1.0 - c.a) * (1.0 - c.ap) / (1.0 - c.ab);
        c.mu_theta_eps().iter().zip(&p.z).map(|(m, z)| m + var * z).collect()
    });

    let c = at(p);
    let d = p.x0.len();
    let c_beta = constant(d, c.beta_tilde(), c.beta);
    let c_tilde = constant(d, c.beta_tilde(), c.beta_tilde());
    b.step("mu_tilde_conditioning", mu_cond, mu_tilde, Relation::Equal);
    b.step("slip_mu_tilde_swapped", mu_tilde, mu_swapped, Relation::Slip);
    b.step("slip_beta_tilde_without_beta", beta_tilde, beta_tilde_printed, Relation::Slip);
    b.step("mu_theta_eps_form", mu_theta_eps, mu_theta, Relation::Equal);
    b.step("constant_beta", kl_beta, mse_beta, Relation::PlusConstant { constant: vec![c_beta], of: "θ" });
    b.step("constant_beta_tilde", kl_tilde, mse_tilde, Relation::PlusConstant { constant: vec![c_tilde], of: "θ" });
    b.step("weight_beta", w_beta, mse_beta, Relation::Equal);
    b.step("weight_beta_tilde", w_tilde, mse_tilde, Relation::Equal);
    b.step("optimal_point", var_point, beta_tilde, Relation::Equal);
    b.step("optimal_unit", var_unit, beta, Relation::Equal);
    b.step("ring_closed_form", var_ring, var_ring_closed, Relation::Equal);
    // the variances are of size β_t (1e-4 … 2e-2) and agree to rounding (~1e-19) when they agree:
    // the slip needs a difference above 1e-12, not above the default 1e-9 meant for numbers of size 1
    b.step_within("slip_between", var_ring, claimed, Relation::Slip, 1e-12);
    b.step("engine_sampler", sample, engine, Relation::Equal);
    b.step("slip_1_154", sample, printed_1_154, Relation::Slip);

    b.series("t", (1..=p.schedule.t_max).map(|t| t as f64).collect());
    b.series("weight_beta", weight_series(p, ModelVariance::Beta));
    b.series("weight_beta_tilde", weight_series(p, ModelVariance::BetaTilde));
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    fn point(x0: Vec<f64>, t: usize, seed: u64) -> DiffusionPoint {
        DiffusionPoint::new(x0, t, seed, 2).unwrap()
    }

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in [(vec![1.5, -0.4], 100, 1), (vec![-2.0, 0.1], 2, 7), (vec![0.3, 2.2], 500, 3), (vec![-0.7, -1.9], 1000, 11), (vec![10.0, -10.0], 3, 5)] {
            let p = point(x0, t, seed);
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    #[test]
    fn the_slips_are_exposed_with_visible_numbers() {
        for t in [2, 10, 100, 1000] {
            let d = derive(&point(vec![1.0, -1.0], t, 2), None);
            for k in ["slip_mu_tilde_swapped", "slip_beta_tilde_without_beta", "slip_between", "slip_1_154"] {
                assert!(d.step(k).holds, "{k} at t = {t}");
            }
            // the true variance of N(0, 2.04) data lies above β_t: the 'between β̃ and β' claim fails
            let (v, beta) = (d.line("true_var_ring").value[0], d.line("beta").value[0]);
            assert!(v > beta && d.line("claimed_between").value[0] == beta && d.step("slip_between").residual > 1e-10, "t = {t}: {v} vs {beta}");
        }
        let d = derive(&point(vec![1.0, -1.0], 100, 2), None);
        assert!(d.step("slip_beta_tilde_without_beta").residual > 0.3);
        assert!(d.step("slip_mu_tilde_swapped").residual > 1e-3);
    }

    #[test]
    fn the_wrong_constant_or_a_kl_at_another_t_fails() {
        let p = point(vec![1.5, -0.4], 100, 1);
        let d = derive(&p, None);
        // C for σ² = β is positive (visibly so at small t, where β̃_t/β_t is far from 1); for σ² = β̃ it is zero
        let c_at = |d: &Derivation| match &d.step("constant_beta").relation {
            Relation::PlusConstant { constant, .. } => constant[0],
            _ => f64::NAN,
        };
        assert!(c_at(&d) > 0.0 && c_at(&derive(&point(vec![1.5, -0.4], 2, 1), None)) > 0.1);
        assert!(matches!(&d.step("constant_beta_tilde").relation, Relation::PlusConstant { constant, .. } if constant[0] == 0.0));
        // the β-KL evaluated with the previous step's schedule numbers breaks 'constant_beta' only
        let mut other = p.clone();
        other.t = 99;
        let k = d.lines.iter().position(|l| l.key == "kl_beta").unwrap();
        let e = derive(&p, Some((k, &other)));
        assert!(!e.step("constant_beta").holds && e.step("constant_beta_tilde").holds && e.step("weight_beta").holds);
    }

    #[test]
    fn every_line_moves_with_the_point_and_the_series_cover_t() {
        let d = derive(&point(vec![1.0, -1.0], 50, 2), None);
        let e = derive(&point(vec![1.2, -1.0], 60, 3), None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
        let s = |n: &str| d.series.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        let (w_b, w_bt, t) = (s("weight_beta"), s("weight_beta_tilde"), s("t"));
        assert!(w_b.len() == 1000 && w_bt.len() == 1000 && t[0] == 1.0 && t[999] == 1000.0);
        // the series at the point's t is the weight of its line: w_t ‖ε − ε̂‖² / ‖ε − ε̂‖²
        let c = at(&point(vec![1.0, -1.0], 50, 2));
        let err: f64 = point(vec![1.0, -1.0], 50, 2).eps.iter().zip(c.eps_hat()).map(|(a, b)| (a - b).powi(2)).sum();
        assert!((w_b[49] * err - d.line("weighted_beta").value[0]).abs() < 1e-12 * (1.0 + w_b[49] * err));
        assert!(w_b.iter().zip(&w_bt).all(|(b, bt)| b.is_finite() && bt >= b), "σ² = β̃ ≤ β gives the larger weight");
        assert!(evaluate(&crate::derivation::Inputs { t: 1, ..Default::default() }).unwrap_err().field == "t");
        assert!(evaluate(&crate::derivation::Inputs { x0: vec![11.0, 0.0], ..Default::default() }).unwrap_err().field == "x0[0]");
    }
}
