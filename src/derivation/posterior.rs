//! (1.74)–(1.89): the posterior q(x_{t−1} | x_t, x₀) by Bayes' rule and completing the square, each
//! line evaluated as the seed writes it at the reader's x₀, t, x_t and a point x_{t−1}, per coordinate
//! (the covariances are diagonal, so each coordinate is its own 1-D product of Gaussians).
//! The last lines normalise the product numerically (Simpson, on a grid that does not use μ_q) and
//! compare its mean and variance with (1.88)–(1.89).

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::numerics::gaussian::log_normal;
use crate::numerics::quadrature::log_integral_moments;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The per-coordinate quantities every line reads.
struct At {
    a: f64,  // α_t
    ab: f64, // ᾱ_t
    ap: f64, // ᾱ_{t−1}
    x0: Vec<f64>,
    xt: Vec<f64>,
    y: Vec<f64>, // x_{t−1}
}

fn at(p: &DiffusionPoint) -> At {
    let (a, ab, ap) = (p.alpha(), p.alpha_bar(), p.alpha_bar_prev());
    let xt = p.x_t();
    // x_{t−1}: a draw near where the posterior puts its mass, from the point's own z
    // (x_t/√α_t pulled towards √ᾱ_{t−1} x₀; no line's formula is used to place it)
    let y = xt.iter().zip(&p.x0).zip(&p.z).map(|((xt, x0), z)| 0.5 * (xt / a.sqrt() + ap.sqrt() * x0) + ((1.0 - a) * (1.0 - ap) / (1.0 - ab)).sqrt() * z).collect();
    At { a, ab, ap, x0: p.x0.clone(), xt, y }
}

fn per(c: &At, f: impl Fn(f64, f64, f64) -> f64) -> Vec<f64> {
    (0..c.x0.len()).map(|i| f(c.x0[i], c.xt[i], c.y[i])).collect()
}

/// μ_q (1.88) and σ_q² (1.89) as the seed prints them.
fn mu_q(c: &At, x0: f64, xt: f64) -> f64 {
    (c.a.sqrt() * (1.0 - c.ap) * xt + c.ap.sqrt() * (1.0 - c.a) * x0) / (1.0 - c.ab)
}
fn var_q(c: &At) -> f64 {
    (1.0 - c.a) * (1.0 - c.ap) / (1.0 - c.ab)
}

/// The exponent of (1.77) at x_{t−1} = y.
fn exponent(c: &At, x0: f64, xt: f64, y: f64) -> f64 {
    -0.5 * ((xt - c.a.sqrt() * y).powi(2) / (1.0 - c.a) + (y - c.ap.sqrt() * x0).powi(2) / (1.0 - c.ap) - (xt - c.ab.sqrt() * x0).powi(2) / (1.0 - c.ab))
}

/// The product of (1.75) normalised by Simpson's rule in x_{t−1}: (log density at y, mean, variance).
/// The grid spans both factors' centres (x_t/√α_t and √ᾱ_{t−1} x₀) with 12 widths of the narrower one.
fn quadrature(c: &At, x0: f64, xt: f64, y: f64) -> (f64, f64, f64) {
    let (c1, w1) = (xt / c.a.sqrt(), ((1.0 - c.a) / c.a).sqrt());
    let (c2, w2) = (c.ap.sqrt() * x0, (1.0 - c.ap).sqrt());
    let w = w1.min(w2);
    let (lo, hi) = (c1.min(c2) - 12.0 * w, c1.max(c2) + 12.0 * w);
    let n = (((hi - lo) / (w / 60.0)).ceil() as usize).clamp(2_000, 400_000);
    let (log_z, mean, var) = log_integral_moments(|v| exponent(c, x0, xt, v), lo, hi, n);
    (exponent(c, x0, xt, y) - log_z, mean, var)
}

pub const ITEMS: &[u8] = &[17];

/// The page's inputs: x0, t (≥ 2), seed.
pub fn evaluate(i: &super::Inputs) -> crate::numerics::error::Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 2)?;
    Ok(derive(&p, None))
}

/// The derivation at `p` (t ≥ 2: at t = 1 the posterior is the point x₀ itself).
pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    let mut b = Builder::new("posterior", ITEMS, p, tamper);
    let bayes = b.line("bayes", "1.74–1.75", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| log_normal(xt, c.a.sqrt() * y, 1.0 - c.a) + log_normal(y, c.ap.sqrt() * x0, 1.0 - c.ap) - log_normal(xt, c.ab.sqrt() * x0, 1.0 - c.ab))
    });
    let expo = b.line("exponent", "1.76–1.77", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| exponent(&c, x0, xt, y))
    });
    let printed = b.line("printed_1_78", "1.78", |p| {
        // as printed: the minus before 2√ᾱ_{t−1} x_{t−1} x₀ is lost
        let c = at(p);
        per(&c, |x0, xt, y| {
            let cst = -(xt * xt / (1.0 - c.a) + c.ap * x0 * x0 / (1.0 - c.ap) - (xt - c.ab.sqrt() * x0).powi(2) / (1.0 - c.ab));
            -0.5 * ((-2.0 * c.a.sqrt() * xt * y + c.a * y * y) / (1.0 - c.a) + (y * y + 2.0 * c.ap.sqrt() * y * x0) / (1.0 - c.ap)) - 0.5 * cst
        })
    });
    let expanded = b.line("expanded", "1.79", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| -0.5 * (-2.0 * c.a.sqrt() * xt * y / (1.0 - c.a) + c.a * y * y / (1.0 - c.a) + y * y / (1.0 - c.ap) - 2.0 * c.ap.sqrt() * y * x0 / (1.0 - c.ap)))
    });
    let prec80 = b.line("precision_1_80", "1.80", |p| {
        let c = at(p);
        per(&c, |_, _, _| c.a / (1.0 - c.a) + 1.0 / (1.0 - c.ap))
    });
    let prec83 = b.line("precision_1_83", "1.81–1.83", |p| {
        let c = at(p);
        per(&c, |_, _, _| (1.0 - c.ab) / ((1.0 - c.a) * (1.0 - c.ap)))
    });
    let collected = b.line("collected", "1.83", |p| {
        let c = at(p);
        let prec = (1.0 - c.ab) / ((1.0 - c.a) * (1.0 - c.ap));
        per(&c, |x0, xt, y| -0.5 * (prec * y * y - 2.0 * (c.a.sqrt() * xt / (1.0 - c.a) + c.ap.sqrt() * x0 / (1.0 - c.ap)) * y))
    });
    let square = b.line("square", "1.84–1.87", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| -0.5 * (y - mu_q(&c, x0, xt)).powi(2) / var_q(&c))
    });
    let gaussian = b.line("gaussian", "1.87", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| log_normal(y, mu_q(&c, x0, xt), var_q(&c)))
    });
    let quad = b.line("quadrature", "1.87", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| quadrature(&c, x0, xt, y).0)
    });
    let mean_quad = b.line("mean_quadrature", "1.87", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| quadrature(&c, x0, xt, y).1)
    });
    let mean88 = b.line("mean_1_88", "1.88", |p| {
        let c = at(p);
        per(&c, |x0, xt, _| mu_q(&c, x0, xt))
    });
    let var_quad = b.line("variance_quadrature", "1.87", |p| {
        let c = at(p);
        per(&c, |x0, xt, y| quadrature(&c, x0, xt, y).2)
    });
    let var89 = b.line("variance_1_89", "1.89", |p| {
        let c = at(p);
        per(&c, |_, _, _| var_q(&c))
    });
    let engine = b.line("engine", "1.88", |p| {
        // the engine's own coefficients (what the chain and the ELBO use), from the schedule's arrays
        let s = &p.schedule;
        let xt = p.x_t();
        p.x0.iter().zip(&xt).map(|(x0, xt)| s.posterior_mean_coef1[p.t - 1] * x0 + s.posterior_mean_coef2[p.t - 1] * xt).collect()
    });

    // the constants each "∝" drops, each from its own formula
    let c = at(p);
    let log_normalisers = -0.5 * (LN_2PI + (1.0 - c.a).ln()) - 0.5 * (LN_2PI + (1.0 - c.ap).ln()) + 0.5 * (LN_2PI + (1.0 - c.ab).ln());
    let c_xt_x0 = per(&c, |x0, xt, _| -0.5 * (xt * xt / (1.0 - c.a) + c.ap * x0 * x0 / (1.0 - c.ap) - (xt - c.ab.sqrt() * x0).powi(2) / (1.0 - c.ab)));
    let half_mu2 = per(&c, |x0, xt, _| 0.5 * mu_q(&c, x0, xt).powi(2) / var_q(&c));
    let log_norm_q = per(&c, |_, _, _| -0.5 * (LN_2PI + var_q(&c).ln()));
    b.step("normalisers", bayes, expo, Relation::PlusConstant { constant: vec![log_normalisers; 2], of: "x_{t-1}" });
    b.step("slip_1_78", expo, printed, Relation::Slip);
    b.step("expand", expo, expanded, Relation::PlusConstant { constant: c_xt_x0, of: "x_{t-1}" });
    b.step("common_denominator", prec80, prec83, Relation::Equal);
    b.step("collect", expanded, collected, Relation::Equal);
    b.step("complete_square", collected, square, Relation::PlusConstant { constant: half_mu2, of: "x_{t-1}" });
    b.step("normalise", gaussian, square, Relation::PlusConstant { constant: log_norm_q, of: "x_{t-1}" });
    b.step("bayes_is_gaussian", bayes, gaussian, Relation::Equal);
    b.step_within("quadrature_density", quad, gaussian, Relation::Equal, 1e-7);
    b.step_within("quadrature_mean", mean_quad, mean88, Relation::Equal, 1e-7);
    b.step_within("quadrature_variance", var_quad, var89, Relation::Equal, 1e-7);
    b.step("engine_mean", engine, mean88, Relation::Equal);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in [(vec![1.5, -0.4], 10, 1), (vec![-2.0, 0.1], 2, 7), (vec![0.3, 2.2], 500, 3), (vec![-0.7, -1.9], 1000, 11)] {
            let p = DiffusionPoint::new(x0, t, seed, 2).unwrap();
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    #[test]
    fn the_printed_1_78_is_exposed_and_a_wrong_mean_fails() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 50, 2, 2).unwrap();
        let d = derive(&p, None);
        let s = d.step("slip_1_78");
        assert!(s.holds && s.residual > 1e-3, "the printed (1.78) differs visibly: {}", s.residual);
        // every line moves with the point
        let q = DiffusionPoint::new(vec![1.2, -1.0], 60, 2, 2).unwrap();
        let e = derive(&q, None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
    }
}
