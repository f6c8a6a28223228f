//! (1.26)–(1.32): the Markov hierarchical VAE, with (1.1–1.2) p(x) = p(x, z)/p(z | x) and
//! (1.9–1.16) log p(x) = ELBO + KL(q ‖ p(z | x)), on a two-level linear-Gaussian model in 1-D that can
//! be solved exactly:
//!
//!   z₂ ~ N(0, 1),  z₁ | z₂ ~ N(a z₂, s₁²),  x | z₁ ~ N(b z₁, s₀²)          (the decoder, (1.26))
//!   q(z₁ | x) = N(c x, r₁²),  q(z₂ | z₁) = N(d z₁, r₂²)                   (the encoder, (1.27))
//!
//! with the reader's gains (c, d) = `theta` and observed x = `x0[0]`. Every exact line is a closed form
//! of its own (the 3-D covariance of (x, z₁, z₂), Gaussian conditioning, a 2-D Gaussian integral,
//! Gaussian expectations of quadratics); the expectations are also estimated by Monte Carlo from the
//! seed. The encoder variances are fixed away from the true posterior's, so q never equals p(z | x):
//! the Jensen gap KL(q ‖ p(z | x)) stays visibly positive at every (c, d).

use super::steps::{mean_se, Builder, Derivation, Relation};
use super::Inputs;
use crate::numerics::error::{check_count, check_finite, check_range, InputError, Interval, Result};
use crate::numerics::gaussian::{log_normal, normal_kl};
use crate::numerics::rng::Rng;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The encoder gains (c, d) when the page sends none: deliberately not the optimal ones (≈ 0.705, 0.702).
pub const DEFAULT_THETA: [f64; 2] = [0.5, 0.6];
/// The range of each gain.
pub const THETA_RANGE: Interval = Interval::closed(-5.0, 5.0);
/// The range of the observed x.
pub const X_RANGE: Interval = Interval::closed(-10.0, 10.0);
/// Monte Carlo draws allowed.
pub const SAMPLES: (usize, usize) = (100, 100_000);

/// The reader's point: the observed x, the encoder gains, the model's fixed constants, and the draws.
#[derive(Debug, Clone)]
pub struct HvaePoint {
    /// the observed x
    pub x: f64,
    /// gain of q(z₁ | x) = N(c x, r₁²)
    pub c: f64,
    /// gain of q(z₂ | z₁) = N(d z₁, r₂²)
    pub d: f64,
    /// the decoder: z₁ | z₂ ~ N(a z₂, s1), x | z₁ ~ N(b z₁, s0) (s1, s0 are variances)
    pub a: f64,
    pub s1: f64,
    pub b: f64,
    pub s0: f64,
    /// the encoder's fixed variances r₁², r₂²
    pub r1: f64,
    pub r2: f64,
    /// the standard normals of the one z drawn from q (the lines evaluated at a point z)
    pub e: [f64; 2],
    /// the seed of the Monte Carlo draws
    pub seed: u64,
    pub samples: usize,
}

impl HvaePoint {
    /// a = 0.8, s₁² = 0.5, b = 1.2, s₀² = 0.3; r₁² = r₂² = 0.25.
    pub fn new(x: f64, c: f64, d: f64, seed: u64, samples: usize) -> Self {
        let mut rng = Rng::new(seed);
        let e = [rng.normal(), rng.normal()];
        Self { x, c, d, a: 0.8, s1: 0.5, b: 1.2, s0: 0.3, r1: 0.25, r2: 0.25, e, seed, samples }
    }

    /// The same point moved: another x, other gains, other draws. Tests hand it to one line.
    pub fn broken(&self) -> Self {
        let mut q = self.clone();
        q.x = self.x + 0.37;
        q.c = self.c + 0.21;
        q.d = self.d - 0.17;
        q.e = [-0.6 * self.e[0] + 0.4, -0.5 * self.e[1] + 0.3];
        q.seed = self.seed.wrapping_add(1);
        q
    }

    /// z = (z₁, z₂) drawn from q(z₁ | x) q(z₂ | z₁) with the standard normals e.
    fn draw(&self, e: [f64; 2]) -> [f64; 2] {
        let z1 = self.c * self.x + self.r1.sqrt() * e[0];
        [z1, self.d * z1 + self.r2.sqrt() * e[1]]
    }

    /// log p(x, z₁, z₂) by the chain (1.26): log p(z₂) + log p(z₁ | z₂) + log p(x | z₁).
    fn log_joint(&self, z: [f64; 2]) -> f64 {
        log_normal(z[1], 0.0, 1.0) + log_normal(z[0], self.a * z[1], self.s1) + log_normal(self.x, self.b * z[0], self.s0)
    }

    /// log q(z₁, z₂ | x) by the chain (1.27): log q(z₁ | x) + log q(z₂ | z₁).
    fn log_q(&self, z: [f64; 2]) -> f64 {
        log_normal(z[0], self.c * self.x, self.r1) + log_normal(z[1], self.d * z[0], self.r2)
    }

    /// The covariance of (x, z₁, z₂) under the decoder: Var z₂ = 1, Var z₁ = a² + s₁²,
    /// Var x = b²(a² + s₁²) + s₀², Cov(z₁, z₂) = a, Cov(x, z₁) = b(a² + s₁²), Cov(x, z₂) = ab.
    fn joint_cov(&self) -> [[f64; 3]; 3] {
        let v1 = self.a * self.a + self.s1;
        let vx = self.b * self.b * v1 + self.s0;
        [[vx, self.b * v1, self.a * self.b], [self.b * v1, v1, self.a], [self.a * self.b, self.a, 1.0]]
    }

    /// q's mean and covariance of (z₁, z₂): (c x, d c x), [[r₁², d r₁²], [d r₁², d² r₁² + r₂²]].
    fn q_moments(&self) -> ([f64; 2], [[f64; 2]; 2]) {
        let m1 = self.c * self.x;
        ([m1, self.d * m1], [[self.r1, self.d * self.r1], [self.d * self.r1, self.d * self.d * self.r1 + self.r2]])
    }

    /// The true posterior p(z₁, z₂ | x) by Gaussian conditioning of the joint covariance:
    /// mean Σ_zx x / Σ_xx, covariance Σ_zz − Σ_zx Σ_xz / Σ_xx.
    fn posterior(&self) -> ([f64; 2], [[f64; 2]; 2]) {
        let s = self.joint_cov();
        let (sx1, sx2, sxx) = (s[0][1], s[0][2], s[0][0]);
        let mean = [sx1 / sxx * self.x, sx2 / sxx * self.x];
        let cov = [[s[1][1] - sx1 * sx1 / sxx, s[1][2] - sx1 * sx2 / sxx], [s[2][1] - sx2 * sx1 / sxx, s[2][2] - sx2 * sx2 / sxx]];
        (mean, cov)
    }

    /// The Monte Carlo rows over `samples` draws from q (own stream of the seed):
    /// [log p(x|z₁), log p(z₁|z₂) − log q(z₁|x), log p(z₂) − log q(z₂|z₁), log p(x,z) − log q(z|x)].
    fn mc_rows(&self) -> Vec<Vec<f64>> {
        let mut rng = Rng::new(self.seed ^ 0x4856_4145); // "HVAE": a stream apart from the point's own z
        (0..self.samples)
            .map(|_| {
                let z = self.draw([rng.normal(), rng.normal()]);
                let recon = log_normal(self.x, self.b * z[0], self.s0);
                let middle = log_normal(z[0], self.a * z[1], self.s1) - log_normal(z[0], self.c * self.x, self.r1);
                let prior = log_normal(z[1], 0.0, 1.0) - log_normal(z[1], self.d * z[0], self.r2);
                vec![recon, middle, prior, self.log_joint(z) - self.log_q(z)]
            })
            .collect()
    }
}

fn det2(m: &[[f64; 2]; 2]) -> f64 {
    m[0][0] * m[1][1] - m[0][1] * m[1][0]
}

fn inv2(m: &[[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let det = det2(m);
    [[m[1][1] / det, -m[0][1] / det], [-m[1][0] / det, m[0][0] / det]]
}

/// log N(v; m, S) in 2-D.
fn log_normal2(v: [f64; 2], m: [f64; 2], s: &[[f64; 2]; 2]) -> f64 {
    let p = inv2(s);
    let u = [v[0] - m[0], v[1] - m[1]];
    let quad = u[0] * (p[0][0] * u[0] + p[0][1] * u[1]) + u[1] * (p[1][0] * u[0] + p[1][1] * u[1]);
    -0.5 * (2.0 * LN_2PI + det2(s).ln() + quad)
}

/// log N(v; 0, S) in 3-D, by cofactors.
fn log_normal3(v: [f64; 3], s: &[[f64; 3]; 3]) -> f64 {
    let cof = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        s[r0][c0] * s[r1][c1] - s[r0][c1] * s[r1][c0]
    };
    let det = s[0][0] * cof(0, 0) + s[0][1] * cof(0, 1) + s[0][2] * cof(0, 2);
    let mut quad = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            // (S⁻¹)_{ij} = cof(j, i) / det (symmetric here)
            quad += v[i] * cof(j, i) / det * v[j];
        }
    }
    -0.5 * (3.0 * LN_2PI + det.ln() + quad)
}

/// (1.31) in closed form: E_q[log p(x, z₁, z₂)] from q's mean and covariance (Gaussian expectations
/// of the three quadratics of (1.26)), plus q's entropy ½ log((2πe)² |Σ_q|).
fn elbo_closed(p: &HvaePoint) -> f64 {
    let (m, s) = p.q_moments();
    let e_z2 = m[1] * m[1] + s[1][1];
    let e_z1_az2 = (m[0] - p.a * m[1]).powi(2) + s[0][0] - 2.0 * p.a * s[0][1] + p.a * p.a * s[1][1];
    let e_x_bz1 = (p.x - p.b * m[0]).powi(2) + p.b * p.b * s[0][0];
    let e_log_p = -0.5 * (3.0 * LN_2PI + p.s1.ln() + p.s0.ln() + e_z2 + e_z1_az2 / p.s1 + e_x_bz1 / p.s0);
    let entropy = 0.5 * (2.0 * (LN_2PI + 1.0) + det2(&s).ln());
    e_log_p + entropy
}

/// The three terms of (1.32), each in closed form along q's chain (first z₂ | z₁, then z₁ | x):
/// reconstruction E_{q(z₁|x)} log p(x | z₁); E_q log p(z₁ | z₂)/q(z₁ | x);
/// E_q log p(z₂)/q(z₂ | z₁) = −E_{q(z₁|x)} KL(q(z₂ | z₁) ‖ p(z₂)).
fn terms_closed(p: &HvaePoint) -> [f64; 3] {
    let m1 = p.c * p.x;
    let e_z1_sq = m1 * m1 + p.r1;
    let recon = -0.5 * (LN_2PI + p.s0.ln() + ((p.x - p.b * m1).powi(2) + p.b * p.b * p.r1) / p.s0);
    // z₁ − a z₂ = (1 − a d) z₁ − a r₂ e₂
    let e_sq = (1.0 - p.a * p.d).powi(2) * e_z1_sq + p.a * p.a * p.r2;
    let middle = -0.5 * (LN_2PI + p.s1.ln() + e_sq / p.s1) + 0.5 * (LN_2PI + 1.0 + p.r1.ln());
    // KL(N(d z₁, r₂²) ‖ N(0, 1)) = KL(N(0, r₂²) ‖ N(0, 1)) + ½ d² z₁²
    let prior = -(normal_kl(0.0, p.r2, 0.0, 1.0) + 0.5 * p.d * p.d * e_z1_sq);
    [recon, middle, prior]
}

/// KL(q(z₁, z₂ | x) ‖ p(z₁, z₂ | x)) for two 2-D Gaussians:
/// ½ [tr(Σ_p⁻¹ Σ_q) + (μ_p − μ_q)ᵀ Σ_p⁻¹ (μ_p − μ_q) − 2 + log |Σ_p|/|Σ_q|].
fn kl_posterior(p: &HvaePoint) -> f64 {
    let (mq, sq) = p.q_moments();
    let (mp, sp) = p.posterior();
    let ip = inv2(&sp);
    let tr = ip[0][0] * sq[0][0] + ip[0][1] * sq[1][0] + ip[1][0] * sq[0][1] + ip[1][1] * sq[1][1];
    let u = [mp[0] - mq[0], mp[1] - mq[1]];
    let quad = u[0] * (ip[0][0] * u[0] + ip[0][1] * u[1]) + u[1] * (ip[1][0] * u[0] + ip[1][1] * u[1]);
    0.5 * (tr + quad - 2.0 + (det2(&sp) / det2(&sq)).ln())
}

/// log ∫ p(x, z₁, z₂) dz₁ dz₂ (1.28) as a 2-D Gaussian integral of the exponent of (1.26):
/// log p(x, z) = −½ zᵀ A z + hᵀ z + k, so the integral is k + ½ hᵀ A⁻¹ h + log 2π − ½ log |A|.
fn log_integral(p: &HvaePoint) -> f64 {
    let a = [[1.0 / p.s1 + p.b * p.b / p.s0, -p.a / p.s1], [-p.a / p.s1, 1.0 + p.a * p.a / p.s1]];
    let h = [p.b * p.x / p.s0, 0.0];
    let k = -0.5 * (3.0 * LN_2PI + p.s1.ln() + p.s0.ln() + p.x * p.x / p.s0);
    let ia = inv2(&a);
    let hah = h[0] * (ia[0][0] * h[0] + ia[0][1] * h[1]) + h[1] * (ia[1][0] * h[0] + ia[1][1] * h[1]);
    k + 0.5 * hah + LN_2PI - 0.5 * det2(&a).ln()
}

pub const ITEMS: &[u8] = &[1, 2, 3, 9];

/// The page's inputs: x0[0] (x, in [-10, 10]; every coordinate sent must be finite), theta = the gains
/// (c, d) in [-5, 5] (empty: [0.5, 0.6]), seed, samples in 100..=100000.
pub fn evaluate(i: &Inputs) -> Result<Derivation> {
    if i.x0.is_empty() {
        return Err(InputError::length("x0", 0, "1 or 2 (x is x0[0])"));
    }
    check_finite("x0", &i.x0)?;
    check_range("x0[0]", i.x0[0], X_RANGE)?;
    let theta = match i.theta.len() {
        0 => DEFAULT_THETA.to_vec(),
        2 => i.theta.clone(),
        n => return Err(InputError::length("theta", n, "2 (the encoder gains c, d)")),
    };
    for (k, v) in theta.iter().enumerate() {
        check_range(&format!("theta[{k}]"), *v, THETA_RANGE)?;
    }
    check_count("samples", i.samples, SAMPLES.0, SAMPLES.1)?;
    let p = HvaePoint::new(i.x0[0], theta[0], theta[1], i.seed, i.samples);
    Ok(derive(&p, None))
}

/// The derivation at `p`.
pub fn derive(p: &HvaePoint, tamper: Option<(usize, &HvaePoint)>) -> Derivation {
    let mut b = Builder::new("hvae", ITEMS, p, tamper);
    let joint = b.line("joint_1_26", "1.26", |p| vec![p.log_joint(p.draw(p.e))]);
    let joint3 = b.line("joint_gaussian", "1.26", |p| {
        let z = p.draw(p.e);
        vec![log_normal3([p.x, z[0], z[1]], &p.joint_cov())]
    });
    let enc = b.line("encoder_1_27", "1.27", |p| vec![p.log_q(p.draw(p.e))]);
    let enc2 = b.line("encoder_gaussian", "1.27", |p| {
        let (m, s) = p.q_moments();
        vec![log_normal2(p.draw(p.e), m, &s)]
    });
    let log_px = b.line("log_px", "1.1", |p| vec![log_normal(p.x, 0.0, p.b * p.b * (p.a * p.a + p.s1) + p.s0)]);
    let bayes = b.line("bayes_1_2", "1.2", |p| {
        let z = p.draw(p.e);
        let (m, s) = p.posterior();
        vec![p.log_joint(z) - log_normal2(z, m, &s)]
    });
    let integral = b.line("integral_1_28", "1.28–1.30", |p| vec![log_integral(p)]);
    let elbo_mc = b.estimate("elbo_mc", "1.31", |p| {
        let rows: Vec<Vec<f64>> = p.mc_rows().into_iter().map(|r| vec![r[3]]).collect();
        mean_se(&rows)
    });
    let elbo = b.line("elbo_1_31", "1.31", |p| vec![elbo_closed(p)]);
    let terms = b.line("terms_1_32", "1.32", |p| terms_closed(p).to_vec());
    let terms_mc = b.estimate("terms_mc", "1.32", |p| {
        let rows: Vec<Vec<f64>> = p.mc_rows().into_iter().map(|r| r[..3].to_vec()).collect();
        mean_se(&rows)
    });
    let split = b.line("elbo_1_32", "1.32", |p| vec![terms_closed(p).iter().sum()]);
    let kl = b.line("kl_posterior", "1.15", |p| vec![kl_posterior(p)]);
    let evidence = b.line("evidence_1_15", "1.14–1.15", |p| vec![elbo_closed(p) + kl_posterior(p)]);
    let gap = b.estimate("jensen_gap_mc", "1.30–1.31", |p| {
        let rows: Vec<Vec<f64>> = p.mc_rows().into_iter().map(|r| vec![r[3]]).collect();
        let (m, se) = mean_se(&rows);
        (vec![log_integral(p) - m[0]], se)
    });

    b.step("chain_rule", joint, joint3, Relation::Equal);
    b.step("encoder_chain", enc, enc2, Relation::Equal);
    b.step("bayes_1_2", bayes, log_px, Relation::Equal);
    b.step("integral_1_28", integral, log_px, Relation::Equal);
    b.step("elbo_monte_carlo", elbo_mc, elbo, Relation::Expectation);
    b.step("terms_monte_carlo", terms_mc, terms, Relation::Expectation);
    b.step("split_1_32", split, elbo, Relation::Equal);
    b.step("evidence_1_15", evidence, log_px, Relation::Equal);
    b.step("jensen_gap", gap, kl, Relation::Expectation);
    // seed 001 prints −log L_VLB = E_q[−log p/q] with L_VLB := E_q[p/q]: the log outside the expectation
    b.step("slip_001_jensen", elbo, integral, Relation::Slip);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    fn points() -> Vec<HvaePoint> {
        vec![
            HvaePoint::new(1.5, 0.5, 0.6, 1, 4000),
            HvaePoint::new(-3.0, 0.7046, 0.7018, 7, 4000), // the optimal gains: only the variances differ
            HvaePoint::new(10.0, -5.0, 5.0, 3, 4000),      // the extremes
            HvaePoint::new(-10.0, 5.0, -5.0, 11, 100), // the fewest draws
            HvaePoint::new(0.0, 0.0, 0.0, 5, 4000),
        ]
    }

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for p in points() {
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    #[test]
    fn the_jensen_gap_is_the_posterior_kl_and_the_printed_001_bound_is_exposed() {
        let p = HvaePoint::new(1.5, 0.5, 0.6, 1, 4000);
        let d = derive(&p, None);
        let (log_px, elbo, kl) = (d.line("log_px").value[0], d.line("elbo_1_31").value[0], d.line("kl_posterior").value[0]);
        assert!(kl > 0.05 && (log_px - elbo - kl).abs() < 1e-9, "log p {log_px}, ELBO {elbo}, KL {kl}");
        let s = d.step("slip_001_jensen");
        assert!(s.holds && s.residual > 1e-3, "log E_q[p/q] differs visibly from E_q log(p/q): {}", s.residual);
        // at the optimal gains the gap is smallest but, with r₁², r₂² fixed, still positive
        let best = derive(&HvaePoint::new(1.5, 0.7046, 0.7018, 1, 4000), None);
        let kl_best = best.line("kl_posterior").value[0];
        assert!(kl_best > 0.05 && kl_best < kl, "{kl_best} vs {kl}");
        assert!(best.step("slip_001_jensen").holds);
    }

    #[test]
    fn a_marginal_without_s0_breaks_bayes_and_the_integral() {
        // p(x) with the decoder's noise s₀² forgotten: N(0, b²(a² + s₁²))
        let p = HvaePoint::new(1.5, 0.5, 0.6, 1, 4000);
        let mut wrong = p.clone();
        wrong.s0 = 1e-12;
        let k = derive(&p, None).lines.iter().position(|l| l.key == "log_px").unwrap();
        let d = derive(&p, Some((k, &wrong)));
        assert!(!d.step("bayes_1_2").holds && !d.step("integral_1_28").holds && !d.step("evidence_1_15").holds);
        assert!(d.step("chain_rule").holds && d.step("elbo_monte_carlo").holds);
    }

    #[test]
    fn every_line_moves_with_the_point_and_inputs_are_validated() {
        let d = derive(&HvaePoint::new(1.5, 0.5, 0.6, 1, 4000), None);
        let e = derive(&HvaePoint::new(1.7, 0.6, 0.4, 2, 4000), None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
        let ok = Inputs::default();
        assert!(evaluate(&ok).unwrap().holds());
        let bad = |f: &dyn Fn(&mut Inputs)| {
            let mut i = Inputs::default();
            f(&mut i);
            evaluate(&i).unwrap_err().field
        };
        assert_eq!(bad(&|i| i.x0 = vec![11.0, 0.0]), "x0[0]");
        assert_eq!(bad(&|i| i.x0 = vec![]), "x0");
        assert_eq!(bad(&|i| i.x0 = vec![1.0, f64::NAN]), "x0[1]");
        assert_eq!(bad(&|i| i.theta = vec![0.5, 6.0]), "theta[1]");
        assert_eq!(bad(&|i| i.theta = vec![f64::NAN, 0.0]), "theta[0]");
        assert_eq!(bad(&|i| i.theta = vec![1.0, 2.0, 3.0]), "theta");
        assert_eq!(bad(&|i| i.samples = 5), "samples");
        assert_eq!(bad(&|i| i.samples = 10_000_000), "samples");
    }

    #[test]
    fn the_default_inputs_hold_and_the_time_is_printed() {
        let t = std::time::Instant::now();
        let d = evaluate(&Inputs::default()).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(d.holds());
        eprintln!("hvae evaluate: {ms:.1} ms");
    }
}
