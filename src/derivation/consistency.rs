//! (1.33)–(1.49): the variational diffusion model's ELBO in its consistency form, each line
//! evaluated as the seed writes it at the reader's x₀ on a short schedule (linear, T = 50: the
//! page's t in 1..=1000 picks τ = ⌈t·50/1000⌉ for the lines written at one t).
//!
//! The model is the exact oracle of the 8-Gaussian ring: p_θ(x_{t−1}|x_t) = N(μ_θ(x_t, t), σ_t² I)
//! with μ_θ = μ_q(x_t, x̂₀) (1.97 with 1.88), x̂₀ = E[x₀|x_t], σ_t² = β̃_t (β̃₂ at t = 1), the
//! decoder p_θ(x₀|x₁) = N(μ_θ(x₁, 1), σ₁² I) and p(x_T) = N(0, I) (1.35).
//!
//! - one trajectory x_{1:T} ~ q(·|x₀) from the seed: the log-ratio of (1.37) as written, and its
//!   regrouping (1.41)–(1.44) term by term;
//! - n/4 trajectories: the expectation (1.45) by Monte Carlo, and the terms as KLs computed per
//!   sample; n fresh draws of the two or three states each line at the reader's τ needs (1.46).
//!   The printed (1.47) takes x_t independent of x_{t+1} given x_{t−1}; the correct KL form
//!   conditions on both neighbours, q(x_t|x_{t−1}, x_{t+1}) (a Gaussian bridge), and adds the
//!   constant E[log q(x_{t+1}|x_t)/q(x_{t+1}|x_{t−1})] = (D/2) ln((1 − α_tα_{t+1})/β_{t+1});
//! - the lemma (1.48): its first line writes the chain as ∏_t q(x_t|x₀) — wrong as a density and
//!   for a term of two states, right for its conclusion about f(x_j) of one state;
//! - the prior term (1.49) by quadrature, and x_T ≈ N(0, I) (1.35).
//!
//! The building blocks ([`Chain`] and the log-densities) are shared with `denoising.rs`.

use super::point::DiffusionPoint;
use super::steps::{mean_se, Builder, Derivation, Relation, Z_MAX};
use super::Inputs;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::schedule::{BetaSchedule, ModelVariance, NoiseSchedule};
use crate::numerics::error::{check_count, Result};
use crate::numerics::gaussian::{log_normal, normal_kl};
use crate::numerics::rng::Rng;

/// The trajectories of the whole-chain lines for n draws: n/4 (each has T = 50 steps; the lines
/// written at one t draw n states of their own).
pub(super) fn trajectories(n: usize) -> usize {
    (n / 4).max(25)
}

/// The short schedule's T (the page's T = 1000 would make every Monte Carlo line 20× slower).
pub(super) const T_SHORT: usize = 50;
/// The page's t runs 1..=T_PAGE.
pub(super) const T_PAGE: usize = 1000;
/// Monte Carlo draws the page may ask for (`samples`).
pub(super) const SAMPLES: (usize, usize) = (100, 20_000);
/// D, the data's dimension.
const D: usize = 2;

/// τ = ⌈t · 50 / 1000⌉: the page's t in 1..=1000 on the short schedule (1..=50).
pub(super) fn short_t(t: usize) -> usize {
    (t * T_SHORT).div_ceil(T_PAGE).clamp(1, T_SHORT)
}

/// The linear DDPM schedule scaled to T = 50 (β from 2e-3 to 0.4).
pub(super) fn short_schedule() -> NoiseSchedule {
    NoiseSchedule::new(BetaSchedule::linear_default(T_SHORT), T_SHORT).expect("the linear default is valid at T = 50")
}

/// The reader's x₀ on the short schedule, n/4 forward trajectories from the seed and the model's
/// mean μ_θ(x_t, t) on each of their states: the draws every Monte Carlo line of the two
/// derivations reads (each line applies its own formula to them).
pub(super) struct Chain {
    pub s: NoiseSchedule,
    pub x0: Vec<f64>,
    /// τ, the reader's t on the short schedule
    pub tau: usize,
    pub n: usize,
    pub seed: u64,
    /// the oracle's tables for t = 1..=T (index t − 1)
    oracle: Vec<Oracle>,
    /// how many trajectories
    n_traj: usize,
    /// x_t of trajectory k at (k·(T + 1) + t)·D, t = 0..=T
    xs: Vec<f64>,
    /// μ_θ(x_t, t) of trajectory k at (k·T + t − 1)·D
    mu: Vec<f64>,
}

impl Chain {
    /// `n` must be in [`SAMPLES`] (checked by `evaluate`).
    pub fn new(p: &DiffusionPoint, n: usize) -> Self {
        let s = short_schedule();
        let oracle = (1..=T_SHORT).map(|t| Oracle::new(&p.mixture, s.alpha_bar(t))).collect();
        let n_traj = trajectories(n);
        // each trajectory from the seed in turn, one step at a time by (1.63): trajectory 0 (the
        // one of the exact lines) does not depend on n
        let mut rng = Rng::new(p.seed);
        let mut xs = Vec::with_capacity(n_traj * (T_SHORT + 1) * D);
        for _ in 0..n_traj {
            let mut x = p.x0.clone();
            xs.extend_from_slice(&x);
            for t in 1..=T_SHORT {
                let a = s.alpha(t);
                x.iter_mut().for_each(|v| *v = a.sqrt() * *v + (1.0 - a).sqrt() * rng.normal());
                xs.extend_from_slice(&x);
            }
        }
        let mut c = Self { s, x0: p.x0.clone(), tau: short_t(p.t), n, seed: p.seed, oracle, n_traj, xs, mu: vec![] };
        let mut mu = Vec::with_capacity(n_traj * T_SHORT * D);
        for k in 0..n_traj {
            for t in 1..=T_SHORT {
                mu.extend(c.model_mean(c.x(t, k), t));
            }
        }
        c.mu = mu;
        c
    }

    /// x_t of trajectory k, t in 0..=T (drawn with (1.63) one step at a time).
    pub fn x(&self, t: usize, k: usize) -> &[f64] {
        let i = (k * (T_SHORT + 1) + t) * D;
        &self.xs[i..i + D]
    }

    /// μ_θ(x_t, t) of trajectory k, t in 1..=T.
    pub fn mu(&self, t: usize, k: usize) -> &[f64] {
        let i = (k * T_SHORT + t - 1) * D;
        &self.mu[i..i + D]
    }

    /// μ_θ(x, t) = √ᾱ_{t−1}β_t/(1 − ᾱ_t) x̂₀ + √α_t(1 − ᾱ_{t−1})/(1 − ᾱ_t) x (1.97 with 1.88),
    /// x̂₀ = E[x₀ | x_t = x] the oracle's.
    pub fn model_mean(&self, x: &[f64], t: usize) -> [f64; D] {
        let h = self.oracle[t - 1].x0_hat(x);
        let (c1, c2) = (self.s.posterior_mean_coef1[t - 1], self.s.posterior_mean_coef2[t - 1]);
        [c1 * h[0] + c2 * x[0], c1 * h[1] + c2 * x[1]]
    }

    /// σ_t² of p_θ(x_{t−1}|x_t): β̃_t, β̃₂ at t = 1.
    pub fn var(&self, t: usize) -> f64 {
        self.s.model_variance(t, ModelVariance::BetaTilde)
    }

    /// log p_θ(x_{t−1} = prev | x_t) = log N(prev; mu, σ_t² I), mu = μ_θ(x_t, t).
    pub fn ln_p(&self, prev: &[f64], mu: &[f64], t: usize) -> f64 {
        ln_gauss(prev, |i| mu[i], self.var(t))
    }

    /// log q(x_t = x | x_{t−1} = prev) = log N(x; √α_t prev, (1 − α_t) I) (1.34, corrected)
    pub fn ln_q_step(&self, x: &[f64], prev: &[f64], t: usize) -> f64 {
        let a = self.s.alpha(t);
        ln_gauss(x, |i| a.sqrt() * prev[i], 1.0 - a)
    }

    /// log q(x_t = x | x₀) = log N(x; √ᾱ_t x₀, (1 − ᾱ_t) I) (1.73), t ≥ 1
    pub fn ln_q_marginal(&self, x: &[f64], t: usize) -> f64 {
        let ab = self.s.alpha_bar(t);
        ln_gauss(x, |i| ab.sqrt() * self.x0[i], 1.0 - ab)
    }

    /// log q(x_{t−1} = prev | x_t = x, x₀) = log N(prev; μ_q, σ_q² I) (1.87–1.89), t ≥ 2
    pub fn ln_q_posterior(&self, prev: &[f64], x: &[f64], t: usize) -> f64 {
        let m = self.posterior_mean(x, t);
        ln_gauss(prev, |i| m[i], self.s.posterior_var(t))
    }

    /// μ_q(x_t, x₀) = (√α_t(1 − ᾱ_{t−1}) x_t + √ᾱ_{t−1}(1 − α_t) x₀)/(1 − ᾱ_t) (1.88), as printed
    pub fn posterior_mean(&self, x: &[f64], t: usize) -> Vec<f64> {
        let (a, ab, ap) = (self.s.alpha(t), self.s.alpha_bar(t), self.s.alpha_bar(t - 1));
        (0..D).map(|i| (a.sqrt() * (1.0 - ap) * x[i] + ap.sqrt() * (1.0 - a) * self.x0[i]) / (1.0 - ab)).collect()
    }

    /// A fresh draw of x_t ~ q(x_t|x₀) by (1.72), t ≥ 0 (x₀ itself at t = 0).
    pub fn draw_marginal(&self, t: usize, rng: &mut Rng) -> Vec<f64> {
        let ab = self.s.alpha_bar(t);
        self.x0.iter().map(|x| ab.sqrt() * x + (1.0 - ab).sqrt() * rng.normal()).collect()
    }

    /// A fresh draw of x_t ~ q(x_t|x_{t−1} = prev) by (1.63).
    pub fn draw_step(&self, prev: &[f64], t: usize, rng: &mut Rng) -> Vec<f64> {
        let a = self.s.alpha(t);
        prev.iter().map(|x| a.sqrt() * x + (1.0 - a).sqrt() * rng.normal()).collect()
    }

    /// How many trajectories there are (n/4: each has T = 50 steps).
    pub fn n_traj(&self) -> usize {
        self.n_traj
    }

    /// A Monte Carlo line over the trajectories: (mean, standard error) of f(k).
    pub fn over_trajectories(&self, f: impl Fn(usize) -> Vec<f64>) -> (Vec<f64>, Vec<f64>) {
        mean_se(&(0..self.n_traj).map(f).collect::<Vec<_>>())
    }

    /// A Monte Carlo line over n fresh draws from the seed's stream `stream`.
    pub fn over_draws(&self, stream: u64, mut f: impl FnMut(&mut Rng) -> Vec<f64>) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        mean_se(&(0..self.n).map(|_| f(&mut rng)).collect::<Vec<_>>())
    }
}

/// The oracle E[x₀ | x_t] of a mixture of diagonal Gaussians at one ᾱ_t, its per-component
/// constants tabulated once ([`GaussianMixture::posterior_mean_x0`] with no allocation per call:
/// the trajectories ask for it n·T times). Component k of q(x_t): N(√ᾱ m_k, ᾱ S_k + 1 − ᾱ).
struct Oracle {
    /// per component: log π_k − ½ Σ_i log(2π v_ki)
    log_norm: Vec<f64>,
    /// per component and coordinate: √ᾱ m_ki, 1/v_ki, m_ki, √ᾱ S_ki / v_ki
    centre: Vec<[f64; D]>,
    precision: Vec<[f64; D]>,
    mean: Vec<[f64; D]>,
    gain: Vec<[f64; D]>,
}

impl Oracle {
    fn new(m: &GaussianMixture, alpha_bar: f64) -> Self {
        let a = alpha_bar.sqrt();
        let k = m.components();
        let mut o = Oracle { log_norm: vec![], centre: vec![], precision: vec![], mean: vec![], gain: vec![] };
        for c in 0..k {
            let v: Vec<f64> = (0..D).map(|i| alpha_bar * m.variances[c][i] + 1.0 - alpha_bar).collect();
            o.log_norm.push(m.weights[c].ln() - 0.5 * v.iter().map(|v| (2.0 * std::f64::consts::PI * v).ln()).sum::<f64>());
            o.centre.push([a * m.means[c][0], a * m.means[c][1]]);
            o.precision.push([1.0 / v[0], 1.0 / v[1]]);
            o.mean.push([m.means[c][0], m.means[c][1]]);
            o.gain.push([a * m.variances[c][0] / v[0], a * m.variances[c][1] / v[1]]);
        }
        o
    }

    /// Σ_k r_k(x) (m_k + √ᾱ S_k (x − √ᾱ m_k) / v_k), r_k the responsibilities.
    fn x0_hat(&self, x: &[f64]) -> [f64; D] {
        let k = self.log_norm.len();
        let mut top = f64::NEG_INFINITY;
        let mut lj = [0.0; 64];
        let lj = if k <= 64 { &mut lj[..k] } else { return [f64::NAN; D] };
        for c in 0..k {
            let (d0, d1) = (x[0] - self.centre[c][0], x[1] - self.centre[c][1]);
            lj[c] = self.log_norm[c] - 0.5 * (d0 * d0 * self.precision[c][0] + d1 * d1 * self.precision[c][1]);
            top = top.max(lj[c]);
        }
        let (mut z, mut out) = (0.0, [0.0; D]);
        for c in 0..k {
            let w = (lj[c] - top).exp();
            z += w;
            for i in 0..D {
                out[i] += w * (self.mean[c][i] + self.gain[c][i] * (x[i] - self.centre[c][i]));
            }
        }
        [out[0] / z, out[1] / z]
    }
}

/// The chain at the reader's point and, for a test's tampered line, at the other point.
pub(super) struct Chains<'a> {
    p: &'a DiffusionPoint,
    pub main: Chain,
    other: Option<Chain>,
}

impl<'a> Chains<'a> {
    pub fn new(p: &'a DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>, n: usize) -> Self {
        Self { p, main: Chain::new(p, n), other: tamper.map(|(_, q)| Chain::new(q, n)) }
    }
    /// The chain of the point a line is evaluated at.
    pub fn at(&self, q: &DiffusionPoint) -> &Chain {
        match &self.other {
            Some(o) if !std::ptr::eq(q, self.p) => o,
            _ => &self.main,
        }
    }
}

/// log N(x; 0, I), the prior p(x_T) (1.35).
pub(super) fn ln_prior(x: &[f64]) -> f64 {
    ln_gauss(x, |_| 0.0, 1.0)
}

/// log N(x; m, v I) in D dimensions: −½ (D log 2πv + ‖x − m‖²/v).
fn ln_gauss(x: &[f64], m: impl Fn(usize) -> f64, v: f64) -> f64 {
    let q: f64 = (0..D).map(|i| (x[i] - m(i)).powi(2)).sum();
    -0.5 * (D as f64 * (LN_2PI + v.ln()) + q / v)
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Composite Simpson's rule for ∫ f over [lo, hi] with n (even) panels.
pub(super) fn simpson(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    let n = n.max(2) + n % 2;
    let h = (hi - lo) / n as f64;
    let mut s = f(lo) + f(hi);
    for i in 1..n {
        s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(lo + h * i as f64);
    }
    s * h / 3.0
}

/// ∫ N(x; m, v) g(x) dx by Simpson over m ± 12√v (a Gaussian expectation of a smooth g).
pub(super) fn gauss_quad(m: f64, v: f64, g: impl Fn(f64) -> f64, n: usize) -> f64 {
    let w = 12.0 * v.sqrt();
    simpson(|x| log_normal(x, m, v).exp() * g(x), m - w, m + w, n)
}

/// A slip between two Monte Carlo lines: it "holds" when the lines differ by more than Z_MAX
/// combined standard errors (so noise alone cannot expose it).
fn slip_between(b: &mut Builder<'_, DiffusionPoint>, key: &'static str, from: (usize, f64, f64), to: (usize, f64, f64)) {
    let tol = Z_MAX * (from.2.powi(2) + to.2.powi(2)).sqrt() / (1.0 + from.1.abs().max(to.1.abs()));
    b.step_within(key, from.0, to.0, Relation::Slip, tol);
}

/// Write a Monte Carlo line's scalar value and error into `out` and pass them on.
fn keep(out: &mut (f64, f64), r: (Vec<f64>, Vec<f64>)) -> (Vec<f64>, Vec<f64>) {
    *out = (r.0[0], r.1[0]);
    r
}

/// The bridge q(x_t | x_{t−1}, x_{t+1}) per coordinate: (mean, variance), t in 1..T.
/// Precision 1/β_t + α_{t+1}/β_{t+1}; its inverse is β_tβ_{t+1}/(1 − α_tα_{t+1}).
fn bridge(s: &NoiseSchedule, prev: f64, next: f64, t: usize) -> (f64, f64) {
    let (b, b1, a, a1) = (s.beta(t), s.beta(t + 1), s.alpha(t), s.alpha(t + 1));
    let v = b * b1 / (1.0 - a * a1);
    (v * (a.sqrt() * prev / b + a1.sqrt() * next / b1), v)
}

/// The constant the bridge leaves: E[log q(x_{t+1}|x_t) − log q(x_{t+1}|x_{t−1})] = (D/2) ln((1 − α_tα_{t+1})/β_{t+1}).
fn bridge_constant(s: &NoiseSchedule, t: usize) -> f64 {
    0.5 * D as f64 * ((1.0 - s.alpha(t) * s.alpha(t + 1)) / s.beta(t + 1)).ln()
}

/// −KL(q(x_t|x_{t−1}, x_{t+1}) ‖ p_θ(x_t|x_{t+1})) + the bridge constant: one sample of the
/// corrected (1.47) term, mu = μ_θ(x_{t+1}, t + 1).
fn corrected_term(c: &Chain, prev: &[f64], next: &[f64], mu: &[f64], t: usize) -> f64 {
    let kl: f64 = (0..D)
        .map(|i| {
            let (m, v) = bridge(&c.s, prev[i], next[i], t);
            normal_kl(m, v, mu[i], c.var(t + 1))
        })
        .sum();
    bridge_constant(&c.s, t) - kl
}

/// −KL(q(x_t|x_{t−1}) ‖ p_θ(x_t|x_{t+1})): one sample of the (1.47) term as printed.
fn printed_term(c: &Chain, prev: &[f64], mu: &[f64], t: usize) -> f64 {
    let a = c.s.alpha(t);
    -(0..D).map(|i| normal_kl(a.sqrt() * prev[i], 1.0 - a, mu[i], c.var(t + 1))).sum::<f64>()
}

/// −KL(q(x_T|x_{T−1}) ‖ N(0, I)) at x_{T−1} = prev (1.49).
fn prior_kl_at(s: &NoiseSchedule, prev: &[f64]) -> f64 {
    let a = s.alpha(s.t_max);
    -(0..D).map(|i| normal_kl(a.sqrt() * prev[i], 1.0 - a, 0.0, 1.0)).sum::<f64>()
}

pub const ITEMS: &[u8] = &[10, 11, 12, 13];

/// Draws in the examples and tests (the page sends `samples`, default 4000).
pub const DEFAULT_SAMPLES: usize = 4000;

/// The page's inputs: x0 (2 coordinates in [−10, 10]), t (1..=1000, read as τ = ⌈t/20⌉ on T = 50),
/// seed, samples (100..=20000).
pub fn evaluate(i: &Inputs) -> Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 1)?;
    check_count("samples", i.samples, SAMPLES.0, SAMPLES.1)?;
    Ok(derive_with(&p, None, i.samples))
}

/// The derivation at `p` with the default number of draws.
pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    derive_with(p, tamper, DEFAULT_SAMPLES)
}

/// The derivation at `p` with n trajectories (and n fresh draws for each line written at one t).
pub fn derive_with(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>, n: usize) -> Derivation {
    let chains = Chains::new(p, tamper, n);
    let at = |q: &DiffusionPoint| chains.at(q);
    let tm = T_SHORT;
    let mut b = Builder::new("consistency", ITEMS, p, tamper);

    // ---- (1.33)–(1.34): the encoder on one trajectory (k = 0)
    let chain = b.line("chain_1_33", "1.33", |q| {
        let c = at(q);
        vec![(1..=tm).map(|t| c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum()]
    });
    let printed34 = b.line("printed_1_34", "1.34", |q| {
        // as printed: the left side is the whole chain q(x_{1:T}|x₀), the right side one factor
        let c = at(q);
        vec![c.ln_q_step(c.x(c.tau, 0), c.x(c.tau - 1, 0), c.tau)]
    });

    // ---- (1.36)–(1.44) on the same trajectory
    let weight = b.line("log_weight_1_37", "1.36–1.40", |q| {
        // log p(x_{0:T}) with (1.35) minus log q(x_{1:T}|x₀) with (1.33)
        let c = at(q);
        let log_p = ln_prior(c.x(tm, 0)) + (1..=tm).map(|t| c.ln_p(c.x(t - 1, 0), c.mu(t, 0), t)).sum::<f64>();
        let log_q: f64 = (1..=tm).map(|t| c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum();
        vec![log_p - log_q]
    });
    let regrouped = b.line("regrouped_1_44", "1.41–1.44", |q| {
        let c = at(q);
        let recon = c.ln_p(c.x(0, 0), c.mu(1, 0), 1);
        let prior = ln_prior(c.x(tm, 0)) - c.ln_q_step(c.x(tm, 0), c.x(tm - 1, 0), tm);
        let terms: f64 = (1..tm).map(|t| c.ln_p(c.x(t, 0), c.mu(t + 1, 0), t + 1) - c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum();
        vec![recon + prior + terms]
    });

    // ---- (1.45)–(1.47) over n trajectories
    let mut kl_form_v = (0.0, 0.0);
    let mut printed_v = (0.0, 0.0);
    let elbo45 = b.estimate("elbo_1_45", "1.45", |q| {
        let c = at(q);
        c.over_trajectories(|k| {
            let recon = c.ln_p(c.x(0, k), c.mu(1, k), 1);
            let prior = ln_prior(c.x(tm, k)) - c.ln_q_step(c.x(tm, k), c.x(tm - 1, k), tm);
            let terms: f64 = (1..tm).map(|t| c.ln_p(c.x(t, k), c.mu(t + 1, k), t + 1) - c.ln_q_step(c.x(t, k), c.x(t - 1, k), t)).sum();
            vec![recon + prior + terms]
        })
    });
    let kl_form = b.estimate("elbo_kl_form", "1.46–1.47", |q| {
        // every term as a KL per sample: the prior term (1.49), the consistency terms through the bridge
        let c = at(q);
        keep(
            &mut kl_form_v,
            c.over_trajectories(|k| {
                let recon = c.ln_p(c.x(0, k), c.mu(1, k), 1);
                let terms: f64 = (1..tm).map(|t| corrected_term(c, c.x(t - 1, k), c.x(t + 1, k), c.mu(t + 1, k), t)).sum();
                vec![recon + prior_kl_at(&c.s, c.x(tm - 1, k)) + terms]
            }),
        )
    });
    let printed47 = b.estimate("elbo_1_47_printed", "1.47", |q| {
        let c = at(q);
        keep(
            &mut printed_v,
            c.over_trajectories(|k| {
                let recon = c.ln_p(c.x(0, k), c.mu(1, k), 1);
                let terms: f64 = (1..tm).map(|t| printed_term(c, c.x(t - 1, k), c.mu(t + 1, k), t)).sum();
                vec![recon + prior_kl_at(&c.s, c.x(tm - 1, k)) + terms]
            }),
        )
    });

    // ---- the term at the reader's τ (1 ≤ τ ≤ T − 1; τ = T reads T − 1)
    let tau_c = |c: &Chain| c.tau.min(tm - 1);
    let term45 = b.estimate("term_1_45", "1.45", |q| {
        let c = at(q);
        let t = tau_c(c);
        c.over_trajectories(|k| vec![c.ln_p(c.x(t, k), c.mu(t + 1, k), t + 1) - c.ln_q_step(c.x(t, k), c.x(t - 1, k), t)])
    });
    let term46 = b.estimate("term_1_46", "1.46", |q| {
        // fresh (x_{τ−1}, x_τ, x_{τ+1}) ~ q(x_{τ−1}, x_τ, x_{τ+1}|x₀): (1.72) then (1.63) twice
        let c = at(q);
        let t = tau_c(c);
        c.over_draws(1, |r| {
            let prev = c.draw_marginal(t - 1, r);
            let x = c.draw_step(&prev, t, r);
            let next = c.draw_step(&x, t + 1, r);
            vec![c.ln_p(&x, &c.model_mean(&next, t + 1), t + 1) - c.ln_q_step(&x, &prev, t)]
        })
    });
    // fresh (x_{τ−1}, x_{τ+1}) ~ q(x_{τ−1}, x_{τ+1}|x₀): (1.72), then the two steps merged (1.69)
    let pair = |c: &Chain, t: usize, r: &mut Rng| -> (Vec<f64>, Vec<f64>) {
        let prev = c.draw_marginal(t - 1, r);
        let a2 = c.s.alpha(t) * c.s.alpha(t + 1);
        let next = prev.iter().map(|x| a2.sqrt() * x + (1.0 - a2).sqrt() * r.normal()).collect();
        (prev, next)
    };
    let mut corrected_t = (0.0, 0.0);
    let mut printed_t = (0.0, 0.0);
    let term_bridge = b.estimate("term_1_47_corrected", "1.47", |q| {
        let c = at(q);
        let t = tau_c(c);
        keep(
            &mut corrected_t,
            c.over_draws(2, |r| {
                let (prev, next) = pair(c, t, r);
                vec![corrected_term(c, &prev, &next, &c.model_mean(&next, t + 1), t)]
            }),
        )
    });
    let term_printed = b.estimate("term_1_47_printed", "1.47", |q| {
        let c = at(q);
        let t = tau_c(c);
        keep(
            &mut printed_t,
            c.over_draws(2, |r| {
                let (prev, next) = pair(c, t, r);
                vec![printed_term(c, &prev, &c.model_mean(&next, t + 1), t)]
            }),
        )
    });
    // ---- (1.48)'s first line writes q(x_{1:T}|x₀) as ∏_t q(x_t|x₀): the factor log q(x_τ|x_{τ−1})
    // of the consistency term under the chain and under that product (τ ≥ 2: at τ = 1, x₀ is fixed)
    let tau_p = |c: &Chain| c.tau.max(2);
    let lnq_joint = b.estimate("lnq_joint_1_48", "1.33, 1.46", |q| {
        let c = at(q);
        let t = tau_p(c);
        c.over_trajectories(|k| vec![c.ln_q_step(c.x(t, k), c.x(t - 1, k), t)])
    });
    let lnq_exact = b.line("lnq_entropy", "1.34", |q| {
        // x_τ − √α_τ x_{τ−1} = √β_τ ε under the chain: E[log q(x_τ|x_{τ−1})] = −(D/2)(ln 2πβ_τ + 1)
        let c = at(q);
        let t = tau_p(c);
        vec![-0.5 * D as f64 * (LN_2PI + c.s.beta(t).ln() + 1.0)]
    });
    let mut product_v = (0.0, 0.0);
    let lnq_product = b.estimate("lnq_product_1_48", "1.48", |q| {
        // x_{τ−1} and x_τ drawn on their own from (1.72), as ∏ q(x_t|x₀) would have them
        let c = at(q);
        let t = tau_p(c);
        keep(
            &mut product_v,
            c.over_draws(4, |r| {
                let prev = c.draw_marginal(t - 1, r);
                let x = c.draw_marginal(t, r);
                vec![c.ln_q_step(&x, &prev, t)]
            }),
        )
    });
    let mut exact_v = (0.0, 0.0);
    {
        let c = at(p);
        exact_v.0 = -0.5 * D as f64 * (LN_2PI + c.s.beta(tau_p(c)).ln() + 1.0);
    }

    // ---- (1.48): the lemma on the reconstruction term, and its product density
    let density48 = b.line("density_1_48", "1.48", |q| {
        // ∏_t q(x_t|x₀) at the trajectory of (1.33)
        let c = at(q);
        vec![(1..=tm).map(|t| c.ln_q_marginal(c.x(t, 0), t)).sum()]
    });
    let recon45 = b.estimate("recon_1_45", "1.45", |q| {
        let c = at(q);
        c.over_trajectories(|k| vec![c.ln_p(c.x(0, k), c.mu(1, k), 1)])
    });
    let recon48 = b.estimate("recon_1_48", "1.46, 1.48", |q| {
        // x₁ ~ q(x₁|x₀) alone (1.72), the other states integrated out
        let c = at(q);
        c.over_draws(5, |r| {
            let x1 = c.draw_marginal(1, r);
            vec![c.ln_p(&c.x0, &c.model_mean(&x1, 1), 1)]
        })
    });

    // ---- (1.49): the prior term, per coordinate by Simpson (q(x_{T−1}|x₀) is N(√ᾱ_{T−1}x₀, 1 − ᾱ_{T−1}))
    let quad_n = 160;
    let prior_double = b.line("prior_1_49_double", "1.49", |q| {
        // ∬ q(x_{T−1}|x₀) q(x_T|x_{T−1}) log p(x_T)/q(x_T|x_{T−1}) dx_T dx_{T−1}
        let c = at(q);
        let (ap, a) = (c.s.alpha_bar(tm - 1), c.s.alpha(tm));
        let v: f64 = (0..D)
            .map(|i| {
                gauss_quad(ap.sqrt() * c.x0[i], 1.0 - ap, |y| gauss_quad(a.sqrt() * y, 1.0 - a, |x| log_normal(x, 0.0, 1.0) - log_normal(x, a.sqrt() * y, 1.0 - a), quad_n), quad_n)
            })
            .sum();
        vec![v]
    });
    let prior_kl = b.line("prior_1_49_kl", "1.49", |q| {
        // −∫ q(x_{T−1}|x₀) KL(q(x_T|x_{T−1}) ‖ p(x_T)) dx_{T−1}, the KL by (1.23)
        let c = at(q);
        let (ap, a) = (c.s.alpha_bar(tm - 1), c.s.alpha(tm));
        vec![-(0..D).map(|i| gauss_quad(ap.sqrt() * c.x0[i], 1.0 - ap, |y| normal_kl(a.sqrt() * y, 1.0 - a, 0.0, 1.0), quad_n)).sum::<f64>()]
    });
    let prior_moments = b.line("prior_1_49_moments", "1.49", |q| {
        // E[x_{T−1}²] = ᾱ_{T−1}x₀² + 1 − ᾱ_{T−1} in ½(β_T + α_T E[x_{T−1}²] − 1 − ln β_T)
        let c = at(q);
        let (ap, a, bt) = (c.s.alpha_bar(tm - 1), c.s.alpha(tm), c.s.beta(tm));
        vec![-(0..D).map(|i| 0.5 * (bt + a * (ap * c.x0[i] * c.x0[i] + 1.0 - ap) - 1.0 - bt.ln())).sum::<f64>()]
    });

    // ---- (1.35): x_T ≈ N(0, I)
    let xt_chain = b.line("xT_moments_chain", "1.33–1.35", |q| {
        // the mean and variance of x_T carried through the T steps of (1.34): m ← √α_t m, v ← α_t v + 1 − α_t
        let c = at(q);
        let (mut m, mut v) = (c.x0.clone(), 0.0);
        for t in 1..=tm {
            let a = c.s.alpha(t);
            m.iter_mut().for_each(|x| *x *= a.sqrt());
            v = a * v + 1.0 - a;
        }
        vec![m[0], m[1], v]
    });
    let xt_closed = b.line("xT_moments_1_73", "1.73", |q| {
        let c = at(q);
        let ab = c.s.alpha_bar(tm);
        vec![ab.sqrt() * c.x0[0], ab.sqrt() * c.x0[1], 1.0 - ab]
    });
    let kl_xt_quad = b.line("kl_xT_quadrature", "1.35", |q| {
        // ∫ q(x_T|x₀) log q(x_T|x₀)/N(x_T; 0, 1) dx_T per coordinate (Simpson)
        let c = at(q);
        let ab = c.s.alpha_bar(tm);
        c.x0.iter().map(|x| gauss_quad(ab.sqrt() * x, 1.0 - ab, |y| log_normal(y, ab.sqrt() * x, 1.0 - ab) - log_normal(y, 0.0, 1.0), quad_n)).collect()
    });
    let kl_xt = b.line("kl_xT_closed", "1.23, 1.35", |q| {
        let c = at(q);
        let ab = c.s.alpha_bar(tm);
        c.x0.iter().map(|x| 0.5 * (ab * x * x + (1.0 - ab) - 1.0 - (1.0 - ab).ln())).collect()
    });

    b.step("slip_1_34", chain, printed34, Relation::Slip);
    b.step("regroup", weight, regrouped, Relation::Equal);
    b.step("kl_form", elbo45, kl_form, Relation::Expectation);
    slip_between(&mut b, "slip_1_47", (kl_form, kl_form_v.0, kl_form_v.1), (printed47, printed_v.0, printed_v.1));
    b.step("marginals_1_46", term45, term46, Relation::Expectation);
    b.step("bridge", term46, term_bridge, Relation::Expectation);
    slip_between(&mut b, "slip_1_47_term", (term_bridge, corrected_t.0, corrected_t.1), (term_printed, printed_t.0, printed_t.1));
    b.step("joint_entropy", lnq_joint, lnq_exact, Relation::Expectation);
    slip_between(&mut b, "slip_1_48_product", (lnq_exact, exact_v.0, exact_v.1), (lnq_product, product_v.0, product_v.1));
    b.step("slip_1_48_density", chain, density48, Relation::Slip);
    b.step("lemma_1_48", recon45, recon48, Relation::Expectation);
    b.step_within("inner_kl_1_49", prior_double, prior_kl, Relation::Equal, 1e-8);
    b.step_within("gaussian_moments", prior_kl, prior_moments, Relation::Equal, 1e-8);
    b.step("iterate_steps", xt_chain, xt_closed, Relation::Equal);
    b.step_within("kl_quadrature", kl_xt_quad, kl_xt, Relation::Equal, 1e-8);

    // the terms of (1.46) by t (index t − 1; t = T the prior term) and the printed (1.47)'s
    let c = &chains.main;
    let nt = c.n_traj();
    let by_t = |f: &dyn Fn(usize, usize) -> f64| -> Vec<f64> { (1..=tm).map(|t| (0..nt).map(|k| f(t, k)).sum::<f64>() / nt as f64).collect() };
    let consistency = by_t(&|t, k| if t < tm { c.ln_p(c.x(t, k), c.mu(t + 1, k), t + 1) - c.ln_q_step(c.x(t, k), c.x(t - 1, k), t) } else { ln_prior(c.x(tm, k)) - c.ln_q_step(c.x(tm, k), c.x(tm - 1, k), tm) });
    let printed = by_t(&|t, k| if t < tm { printed_term(c, c.x(t - 1, k), c.mu(t + 1, k), t) } else { prior_kl_at(&c.s, c.x(tm - 1, k)) });
    b.series("consistency_terms", consistency);
    b.series("printed_1_47_terms", printed);
    b.finish()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    /// The point moved: x₀ to x₀/2 + 0.3 (off the ring, where the likelihood changes), and t to 60 (τ = 3) from above 200, else by +400 (τ + 20):
    /// a line written at one τ must see another τ where the terms differ — near T every consistency
    /// term is ≈ 0 (x_t ≈ N(0, I) whatever x₀), so τ = 45 and τ = 49 look alike to Monte Carlo;
    /// and another seed: the encoder's log-densities on a trajectory (1.33, 1.50, 1.57) see only
    /// its noise, x_t − √ᾱ_t x₀, which the same seed keeps whatever x₀.
    pub(crate) fn far(p: &DiffusionPoint) -> DiffusionPoint {
        let mut b = p.broken();
        b.x0 = p.x0.iter().map(|x| 0.5 * x + 0.3).collect();
        b.t = if p.t > 200 { 60 } else { p.t + 400 };
        b.seed = p.seed + 1000;
        b
    }

    pub(crate) const POINTS: [([f64; 2], usize, u64); 4] = [([1.5, -0.4], 100, 1), ([-2.0, 0.1], 1, 7), ([0.3, 2.2], 500, 3), ([-0.7, -1.9], 1000, 11)];

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in POINTS {
            let p = DiffusionPoint::new(x0.to_vec(), t, seed, 1).unwrap();
            assert_checks_can_fail(&p, &far(&p), derive);
        }
    }

    #[test]
    fn the_printed_1_47_and_the_product_of_marginals_are_exposed() {
        for (x0, t, seed) in POINTS {
            let p = DiffusionPoint::new(x0.to_vec(), t, seed, 1).unwrap();
            let d = derive(&p, None);
            for key in ["slip_1_47", "slip_1_47_term", "slip_1_48_product", "slip_1_48_density", "slip_1_34"] {
                let s = d.step(key);
                assert!(s.holds && s.residual > 2.0 * s.tolerance, "{key} at t = {t}: {} vs {}", s.residual, s.tolerance);
            }
            // the printed (1.47) lies below the ELBO (it drops the bridge's information and more)
            assert!(d.line("elbo_1_47_printed").value[0] < d.line("elbo_kl_form").value[0] - 1.0);
        }
    }

    #[test]
    fn without_the_bridge_constant_the_kl_form_fails() {
        // the corrected (1.47) needs (D/2) ln((1 − α_tα_{t+1})/β_{t+1}); leave it out and the step to (1.46) fails
        let p = DiffusionPoint::new(vec![1.5, -0.4], 300, 2, 1).unwrap();
        let c = Chain::new(&p, DEFAULT_SAMPLES);
        let t = c.tau;
        let d = derive(&p, None);
        let (m, se) = c.over_draws(2, |r| {
            let prev = c.draw_marginal(t - 1, r);
            let a2 = c.s.alpha(t) * c.s.alpha(t + 1);
            let next: Vec<f64> = prev.iter().map(|x| a2.sqrt() * x + (1.0 - a2).sqrt() * r.normal()).collect();
            vec![corrected_term(&c, &prev, &next, &c.model_mean(&next, t + 1), t) - bridge_constant(&c.s, t)]
        });
        let l = d.line("term_1_46");
        let z = (m[0] - l.value[0]).abs() / (se[0].powi(2) + l.std_error.as_ref().unwrap()[0].powi(2)).sqrt();
        assert!(z > 10.0, "z = {z}");
        assert!(d.step("bridge").holds);
        // and a wrong τ fed to the corrected term alone breaks the step
        let q = far(&p);
        let k = d.lines.iter().position(|l| l.key == "term_1_47_corrected").unwrap();
        assert!(!derive(&p, Some((k, &q))).step("bridge").holds);
    }

    #[test]
    fn every_line_moves_with_the_point() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 200, 2, 1).unwrap();
        let q = DiffusionPoint::new(vec![1.2, -1.0], 260, 3, 1).unwrap();
        let (d, e) = (derive(&p, None), derive(&q, None));
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
        assert_eq!(d.series.len(), 2);
        assert!(d.series.iter().all(|(_, v)| v.len() == T_SHORT && v.iter().all(|x| x.is_finite())));
    }

    #[test]
    fn the_fast_oracle_is_the_mixture_s_posterior_mean() {
        let p = DiffusionPoint::new(vec![1.5, -0.4], 100, 1, 1).unwrap();
        let c = Chain::new(&p, 100);
        for t in [1, 7, 50] {
            for k in 0..5 {
                let x = c.x(t, k);
                let a = c.oracle[t - 1].x0_hat(x);
                let b = p.mixture.posterior_mean_x0(x, c.s.alpha_bar(t));
                assert!((a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12, "{a:?} {b:?}");
            }
        }
        assert_eq!((short_t(1), short_t(20), short_t(21), short_t(1000)), (1, 1, 2, 50));
    }

    #[test]
    fn bad_inputs_name_their_field_and_extremes_stay_finite() {
        let ok = Inputs::default();
        for (i, field) in [
            (Inputs { x0: vec![1.0], ..ok.clone() }, "x0"),
            (Inputs { x0: vec![0.0, 11.0], ..ok.clone() }, "x0[1]"),
            (Inputs { x0: vec![f64::NAN, 0.0], ..ok.clone() }, "x0[0]"),
            (Inputs { t: 0, ..ok.clone() }, "t"),
            (Inputs { t: 1001, ..ok.clone() }, "t"),
            (Inputs { samples: 99, ..ok.clone() }, "samples"),
            (Inputs { samples: 20_001, ..ok.clone() }, "samples"),
        ] {
            assert_eq!(evaluate(&i).unwrap_err().field, field);
        }
        let d = evaluate(&Inputs { x0: vec![10.0, -10.0], t: 1000, samples: 100, ..ok }).unwrap();
        assert!(d.lines.iter().all(|l| l.value.iter().all(|v| v.is_finite())));
    }
}
