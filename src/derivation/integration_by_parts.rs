//! (2.14) → (2.15): explicit score matching becomes implicit score matching by integration by parts.
//! The data p is the ring of 8 Gaussians (its exact score ∇log p: the oracle's formula, evaluated by
//! [`Mix`]), the model is the score of a Gaussian, s_θ(x) = −(x − m)/v with θ = (m₁, m₂, v).
//!
//! The lines are Monte Carlo estimates over seeded draws x ~ p: the explicit and implicit objectives
//! on the same draws A (common random numbers, as src/score/matching.rs does), the trace term of the
//! integration by parts on independent draws B. Per draw, (2.14) − (2.15) − ½‖∇log p‖² is
//! −(∇log p)ᵀs_θ − tr ∇ₓs_θ, which has mean zero only by the integration by parts: so
//! "(2.14) = (2.15) + C" holds to Z_MAX of its standard errors, at the reader's θ and at a second θ′
//! with the same C. C = ½E_p‖∇log p‖² is checked against a quadrature in polar coordinates
//! ([`fisher_information`]). The seed's last line of (2.15), ‖½ s_θ‖², is evaluated as printed.

use super::steps::{mean_se, Builder, Derivation, Relation, Z_MAX};
use super::Inputs;
use crate::data::toy::ring8_mixture;
use crate::diffusion::oracle::GaussianMixture;
use crate::numerics::error::{check_count, check_range, InputError, Interval, Result};
use crate::numerics::rng::Rng;

pub const ITEMS: &[u8] = &[40, 41];

/// θ = (m₁, m₂, v) when the page sends none.
pub const DEFAULT_THETA: [f64; 3] = [0.3, -0.2, 2.0];
/// The model's mean m (theta[0], theta[1]).
pub const MEAN_RANGE: Interval = Interval::closed(-10.0, 10.0);
/// The model's variance v (theta[2]): small enough to make s_θ steep, large enough to stay finite.
pub const VARIANCE_RANGE: Interval = Interval::closed(1e-3, 100.0);
/// Monte Carlo draws per line.
pub const SAMPLES_MIN: usize = 100;
pub const SAMPLES_MAX: usize = 100_000;

/// The ring's radius and component standard deviation (src/derivation/point.rs uses the same ring).
const RING_RADIUS: f64 = 2.0;
const RING_STD: f64 = 0.2;

/// The reader's point for score matching: the data (the ring), the model's θ, the noise level σ
/// (denoising score matching only), the seed and the number of draws.
#[derive(Debug, Clone)]
pub struct ScorePoint {
    pub radius: f64,
    pub std: f64,
    pub mixture: GaussianMixture,
    pub theta: [f64; 3],
    pub sigma: f64,
    pub seed: u64,
    pub samples: usize,
}

impl ScorePoint {
    /// The ring of 8 Gaussians as data; θ, σ, seed and samples unchecked (see [`ScorePoint::from_inputs`]).
    pub fn new(theta: [f64; 3], sigma: f64, seed: u64, samples: usize) -> Self {
        Self::with_ring(RING_RADIUS, RING_STD, theta, sigma, seed, samples)
    }

    fn with_ring(radius: f64, std: f64, theta: [f64; 3], sigma: f64, seed: u64, samples: usize) -> Self {
        let mixture = ring8_mixture(radius, std, &[1.0; 8]).expect("the ring's parameters are valid");
        Self { radius, std, mixture, theta, sigma, seed, samples }
    }

    /// The page's θ (empty: [`DEFAULT_THETA`]), seed and samples, each validated; σ is read and
    /// checked against `sigma_range` when the derivation uses it.
    pub fn from_inputs(i: &Inputs, sigma_range: Option<Interval>) -> Result<Self> {
        let theta = if i.theta.is_empty() {
            DEFAULT_THETA
        } else if i.theta.len() == 3 {
            [i.theta[0], i.theta[1], i.theta[2]]
        } else {
            return Err(InputError::length("theta", i.theta.len(), "3 (m₁, m₂, v)"));
        };
        check_range("theta[0]", theta[0], MEAN_RANGE)?;
        check_range("theta[1]", theta[1], MEAN_RANGE)?;
        check_range("theta[2]", theta[2], VARIANCE_RANGE)?;
        check_count("samples", i.samples, SAMPLES_MIN, SAMPLES_MAX)?;
        let sigma = match sigma_range {
            Some(r) => {
                check_range("sigma", i.sigma, r)?;
                i.sigma
            }
            None => 0.0,
        };
        Ok(Self::new(theta, sigma, i.seed, i.samples))
    }

    /// The same point moved: another θ (mean shifted, variance × 0.3), σ × 1.3, another seed and a
    /// wider ring (std × 1.25). Tests hand it to one line to see a step fail.
    pub fn broken(&self) -> Self {
        let th = [self.theta[0] + 0.37, self.theta[1] + 0.37, 0.3 * self.theta[2]];
        Self::with_ring(self.radius, 1.25 * self.std, th, 1.3 * self.sigma, self.seed.wrapping_add(1), self.samples)
    }
}

/// The second θ′ at which the constant is shown again: the mean moved by (1, −1), the variance doubled.
pub fn theta2(th: [f64; 3]) -> [f64; 3] {
    [th[0] + 1.0, th[1] - 1.0, 2.0 * th[2]]
}

/// s_θ(x) = −(x − m)/v, the score of N(m, v I).
pub(super) fn model_score(th: &[f64; 3], x: &[f64]) -> [f64; 2] {
    [-(x[0] - th[0]) / th[2], -(x[1] - th[1]) / th[2]]
}

/// tr ∇ₓ s_θ(x) by central differences of s_θ (the model's Jacobian is never written out).
pub(super) fn trace_jacobian_fd(th: &[f64; 3], x: &[f64]) -> f64 {
    let h = 1e-3 * th[2].sqrt();
    (0..2)
        .map(|i| {
            let (mut a, mut b) = ([x[0], x[1]], [x[0], x[1]]);
            a[i] += h;
            b[i] -= h;
            (model_score(th, &a)[i] - model_score(th, &b)[i]) / (2.0 * h)
        })
        .sum()
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(super) fn sq(a: &[f64]) -> f64 {
    dot(a, a)
}

/// n draws of x ~ the data (rows of 2).
pub(super) fn data_draws(m: &GaussianMixture, n: usize, rng: &mut Rng) -> Vec<[f64; 2]> {
    m.sample(n, rng).chunks(2).map(|r| [r[0], r[1]]).collect()
}

/// A Monte Carlo line's value and standard error from one number per draw.
pub(super) fn mc(values: impl Iterator<Item = f64>) -> (Vec<f64>, Vec<f64>) {
    let rows: Vec<Vec<f64>> = values.map(|v| vec![v]).collect();
    mean_se(&rows)
}

/// A 2-D mixture of diagonal Gaussians, widened by an extra variance σ² (σ = 0: the mixture
/// itself), evaluated without allocating: the log-density and the score at a point. The same
/// mathematics as the oracle's `log_density` and `score_sigma` (a test compares them), cheap enough
/// for the page's thousands of draws.
pub(super) struct Mix {
    log_norm: Vec<f64>,
    means: Vec<[f64; 2]>,
    var: Vec<[f64; 2]>,
}

impl Mix {
    pub(super) fn new(m: &GaussianMixture, sigma: f64) -> Self {
        let var: Vec<[f64; 2]> = m.variances.iter().map(|v| [v[0] + sigma * sigma, v[1] + sigma * sigma]).collect();
        let log_norm = m.weights.iter().zip(&var).map(|(w, v)| w.ln() - 0.5 * ((2.0 * std::f64::consts::PI * v[0]).ln() + (2.0 * std::f64::consts::PI * v[1]).ln())).collect();
        Self { log_norm, means: m.means.iter().map(|r| [r[0], r[1]]).collect(), var }
    }

    /// (log q(x), ∇log q(x))
    pub(super) fn eval(&self, x: &[f64; 2]) -> (f64, [f64; 2]) {
        let mut top = f64::NEG_INFINITY;
        let mut logs = [0.0; 16];
        let k = self.means.len();
        let logs: &mut [f64] = if k <= 16 { &mut logs[..k] } else { return self.eval_many(x) };
        for (j, l) in logs.iter_mut().enumerate() {
            let (m, v) = (&self.means[j], &self.var[j]);
            *l = self.log_norm[j] - 0.5 * ((x[0] - m[0]).powi(2) / v[0] + (x[1] - m[1]).powi(2) / v[1]);
            top = top.max(*l);
        }
        let (mut z, mut g) = (0.0, [0.0; 2]);
        for (j, l) in logs.iter().enumerate() {
            let (m, v) = (&self.means[j], &self.var[j]);
            let e = (l - top).exp();
            z += e;
            g[0] -= e * (x[0] - m[0]) / v[0];
            g[1] -= e * (x[1] - m[1]) / v[1];
        }
        (top + z.ln(), [g[0] / z, g[1] / z])
    }

    fn eval_many(&self, x: &[f64; 2]) -> (f64, [f64; 2]) {
        let logs: Vec<f64> = (0..self.means.len())
            .map(|j| self.log_norm[j] - 0.5 * ((x[0] - self.means[j][0]).powi(2) / self.var[j][0] + (x[1] - self.means[j][1]).powi(2) / self.var[j][1]))
            .collect();
        let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let (mut z, mut g) = (0.0, [0.0; 2]);
        for (j, l) in logs.iter().enumerate() {
            let e = (l - top).exp();
            z += e;
            g[0] -= e * (x[0] - self.means[j][0]) / self.var[j][0];
            g[1] -= e * (x[1] - self.means[j][1]) / self.var[j][1];
        }
        (top + z.ln(), [g[0] / z, g[1] / z])
    }

    pub(super) fn score(&self, x: &[f64; 2]) -> [f64; 2] {
        self.eval(x).1
    }

    pub(super) fn density(&self, x: &[f64; 2]) -> f64 {
        self.eval(x).0.exp()
    }
}

/// ∫ q(x) ‖∇log q(x)‖² dx, the Fisher information of q = the ring mixture convolved with
/// N(0, σ² I) (σ = 0: the ring itself), by quadrature in polar coordinates: Simpson in r over the
/// ring's radius ± 12 widths (w² = the component variance + σ², step w/12), the periodic trapezoid
/// rule in the angle over one of the eight identical sectors (the ring of equal weights is symmetric
/// under rotation by 2π/8), its step at the ring's radius the width over which the score switches
/// between neighbouring components. Accurate to ~1e−6 relative (the tests compare a Cartesian sum
/// and D/w² for one Gaussian).
pub fn fisher_information(m: &GaussianMixture, sigma: f64) -> f64 {
    let q = Mix::new(m, sigma);
    let k = m.components();
    let var = m.variances[0][0] + sigma * sigma;
    let w = var.sqrt();
    let radius = m.means[0].iter().map(|v| v * v).sum::<f64>().sqrt();
    let (lo, hi) = ((radius - 12.0 * w).max(0.0), radius + 12.0 * w);
    let n_r = ((((hi - lo) / (w / 12.0)).ceil() as usize).max(64) + 1) / 2 * 2;
    let h = (hi - lo) / n_r as f64;
    // the score switches between neighbouring components over ~var/(distance between means)
    let gap = 2.0 * radius * (std::f64::consts::PI / k as f64).sin();
    let switch = (var / gap.max(1e-12)).min(w);
    let sector = 2.0 * std::f64::consts::PI / k as f64;
    let n_phi = ((sector * radius.max(w) / switch).ceil() as usize).clamp(16, 1024);
    let mut total = 0.0;
    for a in 0..n_phi {
        let phi = sector * a as f64 / n_phi as f64;
        let (c, s) = (phi.cos(), phi.sin());
        let mut ring = 0.0;
        for i in 0..=n_r {
            let r = lo + h * i as f64;
            let (log_q, g) = q.eval(&[r * c, r * s]);
            let wt = if i == 0 || i == n_r { 1.0 } else if i % 2 == 1 { 4.0 } else { 2.0 };
            ring += wt * r * log_q.exp() * sq(&g);
        }
        total += ring * h / 3.0;
    }
    total * sector / n_phi as f64 * k as f64
}

/// The draws every line reads, and the data's score at the draws A.
struct Work {
    a: Vec<[f64; 2]>,
    score_a: Vec<[f64; 2]>,
    b: Vec<[f64; 2]>,
}

fn work(p: &ScorePoint) -> Work {
    let mut rng = Rng::new(p.seed);
    let a = data_draws(&p.mixture, p.samples, &mut rng);
    let b = data_draws(&p.mixture, p.samples, &mut rng);
    let q = Mix::new(&p.mixture, 0.0);
    let score_a = a.iter().map(|x| q.score(x)).collect();
    Work { a, score_a, b }
}

/// ½ E_p‖∇log p − s_θ‖² over the draws A (2.14, halved as the seed does before (2.15)).
fn explicit(w: &Work, th: &[f64; 3]) -> (Vec<f64>, Vec<f64>) {
    mc(w.a.iter().zip(&w.score_a).map(|(x, g)| {
        let s = model_score(th, x);
        0.5 * ((g[0] - s[0]).powi(2) + (g[1] - s[1]).powi(2))
    }))
}

/// E_p[½‖s_θ‖² + tr ∇ₓ s_θ] over the same draws A (2.15, with the ½ where it belongs).
fn implicit(w: &Work, th: &[f64; 3]) -> (Vec<f64>, Vec<f64>) {
    mc(w.a.iter().map(|x| 0.5 * sq(&model_score(th, x)) + trace_jacobian_fd(th, x)))
}

/// The tolerance of "(2.14) − (2.15) = C" on the draws A: what is left per draw,
/// −(∇log p)ᵀ s_θ − tr ∇ₓ s_θ, has mean zero only by the integration by parts, so the step holds to
/// Z_MAX of its standard errors (in the step's relative units).
fn by_parts_tolerance(w: &Work, th: &[f64; 3], explicit: f64, implicit: f64) -> f64 {
    let (_, se) = mc(w.a.iter().zip(&w.score_a).map(|(x, g)| -dot(g, &model_score(th, x)) - trace_jacobian_fd(th, x)));
    Z_MAX * se[0] / (1.0 + explicit.abs().max(implicit.abs()))
}

/// Deliberate faults a test switches on to see the named step fail.
#[derive(Clone, Copy, Default)]
struct Faults {
    /// the constant without its ½ (E_p‖∇log p‖², the constant of L rather than of ½L)
    constant_without_half: bool,
}

/// The page's inputs: theta ([m₁, m₂, v]; empty: the default), seed, samples.
pub fn evaluate(i: &Inputs) -> Result<Derivation> {
    let p = ScorePoint::from_inputs(i, None)?;
    Ok(derive(&p, None))
}

pub fn derive(p: &ScorePoint, tamper: Option<(usize, &ScorePoint)>) -> Derivation {
    build(p, tamper, Faults::default())
}

fn build(p: &ScorePoint, tamper: Option<(usize, &ScorePoint)>, faults: Faults) -> Derivation {
    let main = work(p);
    // each line reads the draws of the point it is handed (recomputed only for a tampered line)
    let with = |q: &ScorePoint, f: &dyn Fn(&Work, &ScorePoint) -> (Vec<f64>, Vec<f64>)| {
        if std::ptr::eq(q, p) {
            f(&main, q)
        } else {
            f(&work(q), q)
        }
    };
    let mut b = Builder::new("by_parts", ITEMS, p, tamper);

    let mut v = [0.0; 4]; // the values of explicit, implicit, explicit_theta2, implicit_theta2
    let l_explicit = b.estimate("explicit", "2.14", |q| {
        let r = with(q, &|w, q| explicit(w, &q.theta));
        v[0] = r.0[0];
        r
    });
    let l_expanded = b.estimate("expanded", "2.14", |q| {
        with(q, &|w, q| {
            // ½E‖∇log p‖² + ½E‖s_θ‖² − E[(∇log p)ᵀ s_θ], each term its own mean
            let n = w.a.len() as f64;
            let (mut t1, mut t2, mut t3) = (0.0, 0.0, 0.0);
            for (x, g) in w.a.iter().zip(&w.score_a) {
                let s = model_score(&q.theta, x);
                t1 += 0.5 * sq(g) / n;
                t2 += 0.5 * sq(&s) / n;
                t3 -= dot(g, &s) / n;
            }
            let (_, se) = mc(w.a.iter().zip(&w.score_a).map(|(x, g)| {
                let s = model_score(&q.theta, x);
                0.5 * sq(g) + 0.5 * sq(&s) - dot(g, &s)
            }));
            (vec![t1 + t2 + t3], se)
        })
    });
    let l_cross = b.estimate("cross", "2.14", |q| with(q, &|w, q| mc(w.a.iter().zip(&w.score_a).map(|(x, g)| -dot(g, &model_score(&q.theta, x))))));
    let l_by_parts = b.estimate("by_parts", "2.14", |q| with(q, &|w, q| mc(w.b.iter().map(|x| trace_jacobian_fd(&q.theta, x)))));
    let l_implicit = b.estimate("implicit", "2.15", |q| {
        let r = with(q, &|w, q| implicit(w, &q.theta));
        v[1] = r.0[0];
        r
    });
    let l_printed = b.estimate("printed_2_15", "2.15", |q| {
        with(q, &|w, q| mc(w.a.iter().map(|x| sq(&model_score(&q.theta, x).map(|v| 0.5 * v)) + trace_jacobian_fd(&q.theta, x))))
    });
    let l_explicit2 = b.estimate("explicit_theta2", "2.14", |q| {
        let r = with(q, &|w, q| explicit(w, &theta2(q.theta)));
        v[2] = r.0[0];
        r
    });
    let l_implicit2 = b.estimate("implicit_theta2", "2.15", |q| {
        let r = with(q, &|w, q| implicit(w, &theta2(q.theta)));
        v[3] = r.0[0];
        r
    });
    let l_constant_mc = b.estimate("constant", "2.14", |q| with(q, &|w, _| mc(w.score_a.iter().map(|g| 0.5 * sq(g)))));
    let l_constant = b.line("constant_quadrature", "2.14", |q| vec![0.5 * fisher_information(&q.mixture, 0.0)]);

    // the constant of "(2.14) = (2.15) + C": ½‖∇log p‖² over the same draws A, from its own formula;
    // it does not involve θ, so the same number serves at θ′
    let half = if faults.constant_without_half { 1.0 } else { 0.5 };
    let c: f64 = main.score_a.iter().map(|g| half * sq(g)).sum::<f64>() / main.a.len() as f64;
    let tol = by_parts_tolerance(&main, &p.theta, v[0], v[1]);
    let tol2 = by_parts_tolerance(&main, &theta2(p.theta), v[2], v[3]);
    b.step("expand", l_explicit, l_expanded, Relation::Equal);
    b.step("integrate_by_parts", l_cross, l_by_parts, Relation::Expectation);
    b.step_within("drop_constant", l_explicit, l_implicit, Relation::PlusConstant { constant: vec![c], of: "θ" }, tol);
    b.step("slip_2_15", l_implicit, l_printed, Relation::Slip);
    b.step_within("same_constant", l_explicit2, l_implicit2, Relation::PlusConstant { constant: vec![c], of: "θ" }, tol2);
    b.step("constant_quadrature", l_constant_mc, l_constant, Relation::Expectation);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    fn point(theta: [f64; 3], seed: u64) -> ScorePoint {
        ScorePoint::new(theta, 0.0, seed, 4000)
    }

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (theta, seed) in [(DEFAULT_THETA, 1), ([-1.5, 2.0, 0.3], 7), ([2.5, -1.5, 8.0], 3), ([0.0, 0.0, 0.01], 11)] {
            let p = point(theta, seed);
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    #[test]
    fn the_printed_2_15_is_exposed_and_a_wrong_constant_fails() {
        let p = point(DEFAULT_THETA, 2);
        let d = derive(&p, None);
        assert!(d.holds());
        let s = d.step("slip_2_15");
        assert!(s.holds && s.residual > 1e-2, "the printed ‖½ s_θ‖² differs visibly: {}", s.residual);
        // the constant of L instead of ½L breaks both constant steps
        let f = build(&p, None, Faults { constant_without_half: true });
        assert!(!f.step("drop_constant").holds && !f.step("same_constant").holds);
        assert!(f.step("expand").holds && f.step("integrate_by_parts").holds);
        // every line moves with the point
        let q = ScorePoint::with_ring(RING_RADIUS, 0.3, [0.5, -0.1, 1.5], 0.0, 3, 4000);
        let e = derive(&q, None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
    }

    #[test]
    fn the_constant_is_the_fisher_information_of_the_ring() {
        // a single wide component: E‖∇log N(0, vI)‖² = D/v, whatever the quadrature's sectors
        let g = GaussianMixture::new(vec![1.0; 8], vec![vec![0.0, 0.0]; 8], vec![vec![0.7, 0.7]; 8]).unwrap();
        for (sigma, want) in [(0.0, 2.0 / 0.7), (1.2, 2.0 / (0.7 + 1.44))] {
            let got = fisher_information(&g, sigma);
            assert!((got - want).abs() < 1e-6 * want, "σ = {sigma}: {got} vs {want}");
        }
        // the ring: a brute-force Cartesian sum with the oracle's score and density agrees
        let p = point(DEFAULT_THETA, 1);
        for sigma in [0.0, 0.5] {
            let h = 0.02;
            let wide = GaussianMixture::new(p.mixture.weights.clone(), p.mixture.means.clone(), vec![vec![0.04 + sigma * sigma; 2]; 8]).unwrap();
            let mut brute = 0.0;
            for i in -250..=250 {
                for j in -250..=250 {
                    let x = [i as f64 * h, j as f64 * h];
                    brute += wide.density(&x, 1.0) * sq(&wide.score(&x, 1.0)) * h * h;
                }
            }
            let quad = fisher_information(&p.mixture, sigma);
            assert!((quad - brute).abs() < 1e-5 * brute, "σ = {sigma}: {quad} vs {brute}");
        }
    }

    #[test]
    fn the_fast_mixture_is_the_oracle() {
        let p = point(DEFAULT_THETA, 1);
        for sigma in [0.0, 0.01, 0.5, 10.0] {
            let (q, wide) = (Mix::new(&p.mixture, sigma), GaussianMixture::new(p.mixture.weights.clone(), p.mixture.means.clone(), vec![vec![0.04 + sigma * sigma; 2]; 8]).unwrap());
            for x in [[0.3, -0.8], [2.5, 1.0], [-9.0, 7.0], [1.414, 1.414]] {
                let (l, g) = q.eval(&x);
                let (lo, go) = (wide.log_density(&x, 1.0), p.mixture.score_sigma(&x, sigma));
                assert!((l - lo).abs() < 1e-12 * (1.0 + lo.abs()), "σ = {sigma} x = {x:?}: {l} vs {lo}");
                for i in 0..2 {
                    assert!((g[i] - go[i]).abs() < 1e-10 * (1.0 + go[i].abs()), "σ = {sigma} x = {x:?}: {g:?} vs {go:?}");
                }
            }
        }
    }

    #[test]
    fn rejects_bad_inputs_by_field() {
        let ok = Inputs { theta: vec![0.3, -0.2, 2.0], ..Inputs::default() };
        assert!(evaluate(&ok).unwrap().holds());
        assert!(evaluate(&Inputs::default()).is_ok(), "an empty θ is the default");
        for (theta, field) in [(vec![0.0, 0.0, 0.0], "theta[2]"), (vec![11.0, 0.0, 1.0], "theta[0]"), (vec![0.0, f64::NAN, 1.0], "theta[1]"), (vec![1.0], "theta")] {
            let e = evaluate(&Inputs { theta, ..ok.clone() }).unwrap_err();
            assert_eq!(e.field, field);
        }
        assert_eq!(evaluate(&Inputs { samples: 5, ..ok.clone() }).unwrap_err().field, "samples");
    }

    #[test]
    fn evaluate_is_fast_enough_for_the_page() {
        let t = std::time::Instant::now();
        let _ = evaluate(&Inputs { theta: DEFAULT_THETA.to_vec(), ..Inputs::default() }).unwrap();
        eprintln!("integration_by_parts: {:?}", t.elapsed());
    }
}
