//! The three SDEs of Song et al. 2021, "Score-Based Generative Modeling through Stochastic
//! Differential Equations" (arXiv:2011.13456), with the conventions of their code (score_sde,
//! `sde_lib.py`): continuous time t ∈ [0, 1], T = 1, and N discretisation steps.
//!
//! - forward SDE (their eq. 5): dx = f(x, t) dt + g(t) dw, with f(x, t) = `drift_coef(t)`·x;
//! - reverse SDE (eq. 6): dx = [f(x, t) − g(t)² ∇log p_t(x)] dt + g(t) dw̄, t running 1 → 0;
//! - probability-flow ODE (eq. 13): dx/dt = f(x, t) − ½ g(t)² ∇log p_t(x), same marginals p_t;
//! - VE (eq. 9): σ(t) = σ_min (σ_max/σ_min)^t, g(t) = σ(t) √(2 ln(σ_max/σ_min)), f = 0;
//!   NCSN's chain x_i = x_{i−1} + √(σ_i² − σ_{i−1}²) z (eq. 8) is its discretisation;
//! - VP (eq. 11): β(t) = β_min + t(β_max − β_min), f = −½β(t)x, g = √β(t); DDPM's chain
//!   x_i = √(1 − β_i) x_{i−1} + √β_i z (eq. 10) is its discretisation with β_i = β(t)/N;
//! - sub-VP (§3.4): f as VP, g(t)² = β(t)(1 − e^{−2∫_0^t β(s) ds}); its variance stays below VP's.
//!
//! Every marginal is q(x_t | x_0) = N(mean_scale(t)·x_0, std(t)²·I) ([`Marginal`]). For VE the
//! code's convention std(t) = σ(t) is kept: the t = 0 marginal is the data blurred by σ_min, which
//! is what the probability-flow likelihood then measures (see `flow_ode`).
//!
//! Discrete indices i run 1..=N (the seeds' t = 1..=T); index i sits at continuous time
//! t_i = (i − 1)/(N − 1), the time label score_sde hands a discrete-time network.

use crate::numerics::error::{check_finite_scalar, InputError, Interval, Result, Rule};
use crate::numerics::rng::Rng;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The largest N accepted (the discrete arrays stay a few MB), as for a DDPM schedule.
pub const MAX_N: usize = crate::diffusion::schedule::MAX_T;

/// One of the three SDEs of Song et al. 2021 with its discretisation size N.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sde {
    /// variance exploding: σ(t) = σ_min (σ_max/σ_min)^t (eq. 9)
    Ve { sigma_min: f64, sigma_max: f64, n: usize },
    /// variance preserving: β(t) = β_min + t(β_max − β_min) (eq. 11)
    Vp { beta_min: f64, beta_max: f64, n: usize },
    /// sub-variance preserving (§3.4): VP's drift, a smaller diffusion
    SubVp { beta_min: f64, beta_max: f64, n: usize },
}

/// q(x_t | x_0) = N(mean_scale·x_0, std²·I). VP: mean_scale² + std² = 1 (mean_scale = √ᾱ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marginal {
    pub mean_scale: f64,
    pub std: f64,
}

impl Marginal {
    /// The data itself (t = 0 of VP, no noise).
    pub const DATA: Marginal = Marginal { mean_scale: 1.0, std: 0.0 };

    /// The VP marginal of a DDPM step with ᾱ: mean √ᾱ, std √(1 − ᾱ) (1.73).
    pub fn from_alpha_bar(alpha_bar: f64) -> Self {
        Marginal { mean_scale: alpha_bar.sqrt(), std: (1.0 - alpha_bar).sqrt() }
    }
}

/// What a sampler or the likelihood solver needs from a model at one time, for n points.
/// The model answers ε̂(x, t) for every point (n × dim; the score is −ε̂/std), and when
/// `divergence` is true also div ε̂ = Σ_j ∂ε̂_j/∂x_j per point (n values).
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// n × dim, row-major
    pub x: &'a [f64],
    pub dim: usize,
    /// continuous time in [0, 1]
    pub t: f64,
    /// the 1-based time index a discrete-time network is asked at (1..=N, may be fractional)
    pub index: f64,
    pub marginal: Marginal,
    pub divergence: bool,
}

impl Query<'_> {
    pub fn points(&self) -> usize {
        self.x.len() / self.dim.max(1)
    }
}

/// (b − a)/(n − 1) steps from a to b inclusive, the last exactly b: numpy's (and
/// `schedule::BetaSchedule::Linear`'s) linspace, the same expression so the numbers agree bit for bit.
fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    let step = (b - a) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| a + i as f64 * step).collect();
    v[n - 1] = b;
    v
}

impl Sde {
    /// The names at the JS boundary.
    pub const NAMES: [&'static str; 3] = ["vp", "ve", "subvp"];

    /// score_sde's VP defaults: β_min = 0.1, β_max = 20, N = 1000. Its discrete betas
    /// linspace(β_min/N, β_max/N, N) are DDPM's linear schedule 1e-4 … 0.02 exactly.
    pub fn vp_default() -> Self {
        Sde::Vp { beta_min: 0.1, beta_max: 20.0, n: 1000 }
    }

    /// score_sde's sub-VP defaults (the same β's as VP).
    pub fn sub_vp_default() -> Self {
        Sde::SubVp { beta_min: 0.1, beta_max: 20.0, n: 1000 }
    }

    /// VE for the 2-D ring8 data: σ_min = 0.01 (score_sde's), σ_max = 6. score_sde's σ_max = 50 is
    /// CIFAR-10's; Song & Ermon 2020 ("Improved Techniques for Training Score-Based Generative
    /// Models", technique 1) take σ_max as large as the largest distance between two data points,
    /// and ring8 (radius 2, std 0.2) has diameter 4 plus its modes' tails: ≈ 5.4 among 2000 draws
    /// (tested), so σ_max = 6. N = 1000.
    pub fn ve_default() -> Self {
        Sde::Ve { sigma_min: 0.01, sigma_max: 6.0, n: 1000 }
    }

    /// The default SDE of a kind by name ("vp", "ve", "subvp").
    pub fn default_for(name: &str) -> Result<Self> {
        match name {
            "vp" => Ok(Self::vp_default()),
            "ve" => Ok(Self::ve_default()),
            "subvp" => Ok(Self::sub_vp_default()),
            other => Err(InputError::one_of("kind", other, &Self::NAMES)),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Sde::Vp { .. } => "vp",
            Sde::Ve { .. } => "ve",
            Sde::SubVp { .. } => "subvp",
        }
    }

    /// N, the number of discretisation steps.
    pub fn n(&self) -> usize {
        match *self {
            Sde::Ve { n, .. } | Sde::Vp { n, .. } | Sde::SubVp { n, .. } => n,
        }
    }

    /// Check the parameters (field names as at the JS boundary): VE 0 < σ_min < σ_max; VP and
    /// sub-VP 0 < β_min ≤ β_max with every discrete β_i = β/N in [1e-12, 1); N in 2..=MAX_N.
    pub fn validate(&self) -> Result<()> {
        let n = self.n();
        if !(2..=MAX_N).contains(&n) {
            return Err(InputError::integer("N", n as f64, 2, MAX_N as u64));
        }
        match *self {
            Sde::Ve { sigma_min, sigma_max, .. } => {
                crate::numerics::error::check_positive("sigmaMin", sigma_min)?;
                crate::numerics::error::check_range("sigmaMax", sigma_max, Interval::open_closed(0.0, 1e6))?;
                if sigma_min >= sigma_max {
                    return Err(InputError::at("sigmaMin", Rule::LessThan { other: "sigmaMax".into(), other_value: crate::numerics::error::short_number(sigma_max) }, sigma_min));
                }
            }
            Sde::Vp { beta_min, beta_max, .. } | Sde::SubVp { beta_min, beta_max, .. } => {
                let range = Interval::closed_open(1e-12 * n as f64, n as f64);
                crate::numerics::error::check_range("betaMin", beta_min, range)?;
                crate::numerics::error::check_range("betaMax", beta_max, range)?;
                if beta_min > beta_max {
                    return Err(InputError::at("betaMin", Rule::LessThan { other: "betaMax".into(), other_value: crate::numerics::error::short_number(beta_max) }, beta_min));
                }
            }
        }
        Ok(())
    }

    /// β(t) = β_min + t(β_max − β_min) (VP, sub-VP); for VE the same role is played by g(t)².
    pub fn beta(&self, t: f64) -> f64 {
        match *self {
            Sde::Vp { beta_min, beta_max, .. } | Sde::SubVp { beta_min, beta_max, .. } => beta_min + t * (beta_max - beta_min),
            Sde::Ve { .. } => self.diffusion(t).powi(2),
        }
    }

    /// ∫_0^t β(s) ds = β_min t + ½(β_max − β_min) t² (VP, sub-VP; score_sde's −2·log_mean_coeff).
    fn integrated_beta(&self, t: f64) -> f64 {
        match *self {
            Sde::Vp { beta_min, beta_max, .. } | Sde::SubVp { beta_min, beta_max, .. } => beta_min * t + 0.5 * (beta_max - beta_min) * t * t,
            Sde::Ve { .. } => 0.0,
        }
    }

    /// σ(t) = σ_min (σ_max/σ_min)^t (VE); the marginal std for the others.
    pub fn sigma(&self, t: f64) -> f64 {
        match *self {
            Sde::Ve { sigma_min, sigma_max, .. } => sigma_min * (sigma_max / sigma_min).powf(t),
            _ => self.marginal(t).std,
        }
    }

    /// The marginal q(x_t | x_0) = N(mean_scale·x_0, std²·I) (score_sde's `marginal_prob`):
    /// VP: mean_scale = e^{−½∫β}, std = √(1 − e^{−∫β}); sub-VP: same mean, std = 1 − e^{−∫β};
    /// VE: mean_scale = 1, std = σ(t).
    pub fn marginal(&self, t: f64) -> Marginal {
        match *self {
            Sde::Vp { .. } => {
                let b = self.integrated_beta(t);
                Marginal { mean_scale: (-0.5 * b).exp(), std: (-(-b).exp_m1()).sqrt() }
            }
            Sde::SubVp { .. } => {
                let b = self.integrated_beta(t);
                Marginal { mean_scale: (-0.5 * b).exp(), std: -(-b).exp_m1() }
            }
            Sde::Ve { sigma_min, sigma_max, .. } => Marginal { mean_scale: 1.0, std: sigma_min * (sigma_max / sigma_min).powf(t) },
        }
    }

    /// f(x, t) = drift_coef(t)·x: −½β(t) for VP and sub-VP, 0 for VE.
    pub fn drift_coef(&self, t: f64) -> f64 {
        match self {
            Sde::Vp { .. } | Sde::SubVp { .. } => -0.5 * self.beta(t),
            Sde::Ve { .. } => 0.0,
        }
    }

    /// g(t): √β(t) (VP), √(β(t)(1 − e^{−2∫β})) (sub-VP), σ(t)√(2 ln(σ_max/σ_min)) (VE), so that
    /// g² = d std²/dt − 2 drift_coef·std² (the marginal's variance equation).
    pub fn diffusion(&self, t: f64) -> f64 {
        match *self {
            Sde::Vp { .. } => self.beta(t).sqrt(),
            Sde::SubVp { .. } => (self.beta(t) * -(-2.0 * self.integrated_beta(t)).exp_m1()).sqrt(),
            Sde::Ve { sigma_min, sigma_max, .. } => self.sigma(t) * (2.0 * (sigma_max / sigma_min).ln()).sqrt(),
        }
    }

    /// The 1-based DDPM timestep a discrete-time network is asked at: 1 + t·(N − 1)
    /// (score_sde hands the network the label t·(N − 1), 0-based).
    pub fn network_index(&self, t: f64) -> f64 {
        1.0 + t * (self.n() - 1) as f64
    }

    /// Index i ↔ time t_i = (i − 1)/(N − 1), the inverse of [`Self::network_index`].
    pub fn index_time(&self, i: usize) -> f64 {
        (i as f64 - 1.0) / (self.n() - 1) as f64
    }

    /// The prior p_T the reverse processes start from (score_sde's `prior_sampling`): N(0, I) for
    /// VP and sub-VP, N(0, σ_max² I) for VE. Its standard deviation:
    pub fn prior_std(&self) -> f64 {
        match *self {
            Sde::Ve { sigma_max, .. } => sigma_max,
            _ => 1.0,
        }
    }

    /// log p_T(x) of the prior, nats (score_sde's `prior_logp`).
    pub fn prior_log_density(&self, x: &[f64]) -> f64 {
        let v = self.prior_std().powi(2);
        x.iter().map(|x| -0.5 * (LN_2PI + v.ln() + x * x / v)).sum()
    }

    /// n draws of the prior (row-major n × dim).
    pub fn prior_sample(&self, n: usize, dim: usize, rng: &mut Rng) -> Vec<f64> {
        let s = self.prior_std();
        rng.normals(n * dim).into_iter().map(|z| s * z).collect()
    }

    // ---------------------------------------------------------------------------------------
    // the discretisations of score_sde

    /// VP / sub-VP: the discrete β_i = linspace(β_min/N, β_max/N, N), i = 1..=N (score_sde's
    /// `discrete_betas`); at the defaults these are DDPM's 1e-4 … 0.02. Empty for VE.
    pub fn discrete_betas(&self) -> Vec<f64> {
        match *self {
            Sde::Vp { beta_min, beta_max, n } | Sde::SubVp { beta_min, beta_max, n } => linspace(beta_min / n as f64, beta_max / n as f64, n),
            Sde::Ve { .. } => Vec::new(),
        }
    }

    /// ᾱ_i = ∏_{j ≤ i} (1 − β_j) of the discrete betas (VP's `alphas_cumprod`). Empty for VE.
    pub fn discrete_alphas_cumprod(&self) -> Vec<f64> {
        self.discrete_betas().iter().scan(1.0, |acc, b| { *acc *= 1.0 - b; Some(*acc) }).collect()
    }

    /// VE: σ_i = exp(linspace(ln σ_min, ln σ_max, N)), i = 1..=N, ascending (score_sde's
    /// `discrete_sigmas`): NCSN's geometric ladder `sampler::sigma_ladder(σ_max, σ_min, N)` read
    /// from the other end. Empty for VP and sub-VP.
    pub fn discrete_sigmas(&self) -> Vec<f64> {
        match *self {
            Sde::Ve { sigma_min, sigma_max, n } => linspace(sigma_min.ln(), sigma_max.ln(), n).into_iter().map(f64::exp).collect(),
            _ => Vec::new(),
        }
    }

    /// The marginal at discrete index i (0 = the data, N = the start of the chain): VP
    /// N(√ᾱ_i x_0, (1 − ᾱ_i) I) from the discrete betas; VE N(x_0, σ_i² I); sub-VP (for which
    /// score_sde has no discrete chain) the continuous marginal after i of N steps, t = i/N.
    pub fn discrete_marginal(&self, i: usize) -> Marginal {
        if i == 0 {
            return Marginal::DATA;
        }
        match *self {
            Sde::Vp { .. } => Marginal::from_alpha_bar(self.discrete_alphas_cumprod()[i - 1]),
            Sde::Ve { .. } => Marginal { mean_scale: 1.0, std: self.discrete_sigmas()[i - 1] },
            Sde::SubVp { n, .. } => self.marginal(i as f64 / n as f64),
        }
    }

    /// The reverse-diffusion discretisation at index i (score_sde's `discretize`):
    /// x_{i−1} = x_i − (f_i − G_i² s) + G_i z with f_i = coef·x and
    /// VP: coef = √(1 − β_i) − 1, G_i = √β_i (DDPM's ancestral step to first order in β_i);
    /// VE: coef = 0, G_i = √(σ_i² − σ_{i−1}²) with σ_0 = 0 (NCSN's chain, eq. 8);
    /// sub-VP: the Euler discretisation coef = drift_coef(t_i)/N, G_i = g(t_i)/√N.
    /// Returns (coef, G_i).
    pub fn discretize(&self, i: usize) -> (f64, f64) {
        match *self {
            Sde::Vp { .. } => {
                let b = self.discrete_betas()[i - 1];
                ((1.0 - b).sqrt() - 1.0, b.sqrt())
            }
            Sde::Ve { .. } => {
                let s = self.discrete_sigmas();
                let prev = if i >= 2 { s[i - 2] } else { 0.0 };
                (0.0, (s[i - 1] * s[i - 1] - prev * prev).sqrt())
            }
            Sde::SubVp { n, .. } => {
                let t = self.index_time(i);
                (self.drift_coef(t) / n as f64, self.diffusion(t) / (n as f64).sqrt())
            }
        }
    }

    /// One reverse-diffusion step at index i (score_sde's `ReverseDiffusionPredictor`):
    /// x_mean = x − (coef·x − G² s), x_{i−1} = x_mean + G z. Returns (x_{i−1}, x_mean).
    pub fn reverse_diffusion_step(&self, x: &[f64], i: usize, score: &[f64], z: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (coef, g) = self.discretize(i);
        let mean: Vec<f64> = x.iter().zip(score).map(|(x, s)| x - (coef * x - g * g * s)).collect();
        let next = mean.iter().zip(z).map(|(m, z)| m + g * z).collect();
        (next, mean)
    }

    // ---------------------------------------------------------------------------------------
    // the reverse-time processes

    /// The drift of the reverse SDE (eq. 6): f(x, t) − g(t)² ∇log p_t(x), for points x with their
    /// scores (same layout).
    pub fn reverse_drift(&self, x: &[f64], t: f64, score: &[f64]) -> Vec<f64> {
        let (a, g2) = (self.drift_coef(t), self.diffusion(t).powi(2));
        x.iter().zip(score).map(|(x, s)| a * x - g2 * s).collect()
    }

    /// The probability-flow ODE's velocity (eq. 13): f(x, t) − ½ g(t)² ∇log p_t(x).
    pub fn pf_ode_drift(&self, x: &[f64], t: f64, score: &[f64]) -> Vec<f64> {
        let (a, g2) = (self.drift_coef(t), self.diffusion(t).powi(2));
        x.iter().zip(score).map(|(x, s)| a * x - 0.5 * g2 * s).collect()
    }

    /// One Euler–Maruyama step of the reverse SDE from t to t − h (score_sde's
    /// `EulerMaruyamaPredictor`, dt = −h): x_mean = x − h·[f − g² s], x' = x_mean + g √h z.
    /// Returns (x', x_mean).
    pub fn euler_maruyama_reverse_step(&self, x: &[f64], t: f64, h: f64, score: &[f64], z: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let g = self.diffusion(t);
        let mean: Vec<f64> = x.iter().zip(self.reverse_drift(x, t, score)).map(|(x, d)| x - h * d).collect();
        let next = mean.iter().zip(z).map(|(m, z)| m + g * h.sqrt() * z).collect();
        (next, mean)
    }
}

// -------------------------------------------------------------------------------------------
// DDPM and NCSN as discretised SDEs, side by side

/// One row of the VP ↔ DDPM table at index i.
#[derive(Debug, Clone, PartialEq)]
pub struct VpRow {
    pub i: usize,
    /// t_i = (i − 1)/(N − 1), where β(t)/N equals the i-th linear β
    pub t: f64,
    /// DDPM's β_i (`NoiseSchedule::new(BetaSchedule::linear_default(N), N)`)
    pub ddpm_beta: f64,
    /// β(t_i)/N from the continuous β(t)
    pub beta_over_n: f64,
    /// the SDE's discrete β_i = linspace(β_min/N, β_max/N, N)[i − 1]
    pub sde_beta: f64,
    /// DDPM's ᾱ_i = ∏_{j ≤ i} (1 − β_j)
    pub alpha_bar: f64,
    /// the continuous mean_scale(t)² = e^{−∫_0^t β} at t = i/N (i steps of 1/N)
    pub mean_scale_sq: f64,
    /// ln ᾱ_i − ln mean_scale², the discretisation's gap
    pub log_ratio: f64,
    /// −½ Σ_{j ≤ i} β_j², the leading term of ln ∏(1 − β_j) + Σ β_j: the O(1/N) gap predicted
    pub second_order: f64,
}

/// One row of the VE ↔ NCSN table at index i (ascending σ).
#[derive(Debug, Clone, PartialEq)]
pub struct VeRow {
    pub i: usize,
    pub t: f64,
    /// NCSN's ladder `sigma_ladder(σ_max, σ_min, N)` at level N − i (it runs the other way)
    pub ladder_sigma: f64,
    /// the SDE's discrete σ_i
    pub sde_sigma: f64,
    /// the continuous σ(t_i)
    pub sigma_t: f64,
    /// annealed Langevin's step size α_i = ε σ_i²/σ_L² divided by ε/σ_L² (so: σ_i²), the NCSN weight
    pub ncsn_alpha: f64,
    /// g(t_i)² Δt with Δt = 1/(N − 1), the VE SDE's variance per step
    pub g2_dt: f64,
    /// G_i² = σ_i² − σ_{i−1}², NCSN's chain variance per step (eq. 8)
    pub chain_variance: f64,
}

/// One DDPM ancestral step against one Euler–Maruyama step of the reverse VP SDE (and score_sde's
/// reverse-diffusion step) from the same x, with the same z and the exact score, at t ≈ `t`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub n: usize,
    pub i: usize,
    pub t: f64,
    /// ‖x_{i−1} − x_i‖ of the DDPM step, for scale
    pub step_size: f64,
    /// ‖DDPM − Euler–Maruyama‖ after one step
    pub ddpm_vs_euler_maruyama: f64,
    /// ‖DDPM − reverse diffusion‖ after one step
    pub ddpm_vs_reverse_diffusion: f64,
    /// the DDPM ↔ Euler–Maruyama gap per unit time (× N): what N steps accumulate, O(1/N)
    pub gap_per_unit_time: f64,
}

/// The side-by-side numbers that show DDPM's chain is a discretised VP SDE and NCSN's ladder a
/// discretised VE SDE.
#[derive(Debug, Clone, PartialEq)]
pub struct Correspondence {
    pub vp: Sde,
    pub ve: Sde,
    pub vp_rows: Vec<VpRow>,
    pub ve_rows: Vec<VeRow>,
    pub steps: Vec<StepRow>,
    /// max over all i of |DDPM β_i − β(t_i)/N| / β_i
    pub max_rel_beta_continuous: f64,
    /// max over all i of |DDPM β_i − the SDE's discrete β_i| / β_i (bit-level agreement)
    pub max_rel_beta_discrete: f64,
    /// max over all i of |ᾱ_i − mean_scale(i/N)²|
    pub max_alpha_bar_abs_diff: f64,
    /// max over all i of |ln ᾱ_i − ln mean_scale(i/N)²| and of the predicted −½Σβ² term's gap
    pub max_log_alpha_bar_gap: f64,
    pub max_log_alpha_bar_gap_after_second_order: f64,
    /// max over all i of |ladder σ − the SDE's σ_i| / σ_i
    pub max_rel_sigma: f64,
    /// the spread of α_i/(g(t_i)²Δt) over i, relative: 0 when the NCSN step sizes are ∝ g²Δt
    pub alpha_to_g2_dt_spread: f64,
    /// max over i ≥ 2 of |G_i² − g(t_i)²Δt| / G_i²: first order in Δt
    pub max_rel_chain_variance: f64,
    /// the log-log slope of `gap_per_unit_time` against N (≈ −1: O(1/N))
    pub gap_order: f64,
}

/// The DDPM ↔ VP and NCSN ↔ VE correspondence. `vp` must be VP with N the DDPM T (its β_i are
/// compared with `BetaSchedule::linear_default(N)`, which equals them when β_min = 0.1, β_max = 20);
/// `ve` is VE. `indices` are the table's rows (1..=N); `step_ns` the N's of the one-step
/// comparison (each ≥ 2), made with the exact score of `mixture` at x (dimension of the mixture)
/// and the standard normals z drawn from `seed`.
pub fn discretisation_correspondence(vp: &Sde, ve: &Sde, indices: &[usize], step_ns: &[usize], mixture: &crate::diffusion::oracle::GaussianMixture, seed: u64) -> Result<Correspondence> {
    use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule};
    vp.validate()?;
    ve.validate()?;
    let (Sde::Vp { beta_min, beta_max, n }, Sde::Ve { sigma_min, sigma_max, n: n_ve }) = (*vp, *ve) else {
        return Err(InputError::one_of("kind", if matches!(vp, Sde::Vp { .. }) { ve.name() } else { vp.name() }, &["vp", "ve"]));
    };
    for (k, i) in indices.iter().enumerate() {
        if !(1..=n.min(n_ve)).contains(i) {
            return Err(InputError::integer(&format!("indices[{k}]"), *i as f64, 1, n.min(n_ve) as u64));
        }
    }
    // VP against DDPM
    let ddpm = NoiseSchedule::new(BetaSchedule::linear_default(n), n)?;
    let sde_betas = vp.discrete_betas();
    let mut sq_sum = 0.0;
    let mut second: Vec<f64> = Vec::with_capacity(n);
    for b in &ddpm.betas {
        sq_sum += b * b;
        second.push(-0.5 * sq_sum);
    }
    let vp_row = |i: usize| {
        let t = vp.index_time(i);
        let mean_scale_sq = vp.marginal(i as f64 / n as f64).mean_scale.powi(2);
        let alpha_bar = ddpm.alpha_bar(i);
        VpRow { i, t, ddpm_beta: ddpm.beta(i), beta_over_n: vp.beta(t) / n as f64, sde_beta: sde_betas[i - 1], alpha_bar, mean_scale_sq, log_ratio: alpha_bar.ln() - mean_scale_sq.ln(), second_order: second[i - 1] }
    };
    let all_vp: Vec<VpRow> = (1..=n).map(vp_row).collect();
    let max = |v: &mut dyn Iterator<Item = f64>| v.fold(0.0f64, f64::max);
    let max_rel_beta_continuous = max(&mut all_vp.iter().map(|r| (r.ddpm_beta - r.beta_over_n).abs() / r.ddpm_beta));
    let max_rel_beta_discrete = max(&mut all_vp.iter().map(|r| (r.ddpm_beta - r.sde_beta).abs() / r.ddpm_beta));
    let max_alpha_bar_abs_diff = max(&mut all_vp.iter().map(|r| (r.alpha_bar - r.mean_scale_sq).abs()));
    let max_log_alpha_bar_gap = max(&mut all_vp.iter().map(|r| r.log_ratio.abs()));
    let max_log_alpha_bar_gap_after_second_order = max(&mut all_vp.iter().map(|r| (r.log_ratio - r.second_order).abs()));
    // VE against NCSN's ladder
    let ladder = crate::diffusion::sampler::sigma_ladder(sigma_max, sigma_min, n_ve);
    let sigmas = ve.discrete_sigmas();
    let dt = 1.0 / (n_ve - 1) as f64;
    let ve_row = |i: usize| {
        let t = ve.index_time(i);
        let prev = if i >= 2 { sigmas[i - 2] } else { 0.0 };
        VeRow {
            i,
            t,
            ladder_sigma: ladder[n_ve - i],
            sde_sigma: sigmas[i - 1],
            sigma_t: ve.sigma(t),
            ncsn_alpha: ladder[n_ve - i].powi(2),
            g2_dt: ve.diffusion(t).powi(2) * dt,
            chain_variance: sigmas[i - 1].powi(2) - prev * prev,
        }
    };
    let all_ve: Vec<VeRow> = (1..=n_ve).map(ve_row).collect();
    let max_rel_sigma = max(&mut all_ve.iter().map(|r| (r.ladder_sigma - r.sde_sigma).abs() / r.sde_sigma));
    let ratios: Vec<f64> = all_ve.iter().map(|r| r.ncsn_alpha / r.g2_dt).collect();
    let (lo, hi) = ratios.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    let alpha_to_g2_dt_spread = (hi - lo) / hi;
    let max_rel_chain_variance = max(&mut all_ve.iter().skip(1).map(|r| (r.chain_variance - r.g2_dt).abs() / r.chain_variance));
    // one DDPM step against one Euler–Maruyama step
    let mut rng = Rng::new(seed);
    let dim = mixture.dim;
    let x: Vec<f64> = rng.normals(dim);
    let z: Vec<f64> = rng.normals(dim);
    let mut steps = Vec::new();
    for (k, &m) in step_ns.iter().enumerate() {
        if !(2..=MAX_N).contains(&m) {
            return Err(InputError::integer(&format!("stepNs[{k}]"), m as f64, 2, MAX_N as u64));
        }
        let sde = Sde::Vp { beta_min, beta_max, n: m };
        let s = NoiseSchedule::new(BetaSchedule::Explicit(sde.discrete_betas()), m)?;
        let i = 1 + (m - 1) / 2;
        let t = sde.index_time(i);
        let ab = s.alpha_bar(i);
        let eps = mixture.posterior_mean_eps(&x, ab);
        let ddpm = crate::diffusion::sampler::ddpm_step(&s, crate::diffusion::parameterization::Prediction::Eps, &x, dim, i, &eps, crate::diffusion::schedule::ModelVariance::Beta, &z)?.prev;
        let score_t = mixture.score_at(&x, sde.marginal(t));
        let (em, _) = sde.euler_maruyama_reverse_step(&x, t, 1.0 / m as f64, &score_t, &z);
        let score_i = mixture.score(&x, ab);
        let (rd, _) = sde.reverse_diffusion_step(&x, i, &score_i, &z);
        let norm = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
        let gap = norm(&ddpm, &em);
        steps.push(StepRow { n: m, i, t, step_size: norm(&ddpm, &x), ddpm_vs_euler_maruyama: gap, ddpm_vs_reverse_diffusion: norm(&ddpm, &rd), gap_per_unit_time: gap * m as f64 });
    }
    let gap_order = match (steps.first(), steps.last()) {
        (Some(a), Some(b)) if b.n != a.n => (b.gap_per_unit_time / a.gap_per_unit_time).ln() / (b.n as f64 / a.n as f64).ln(),
        _ => f64::NAN,
    };
    for v in [max_rel_beta_continuous, max_log_alpha_bar_gap, max_rel_sigma] {
        check_finite_scalar("kind", v)?;
    }
    Ok(Correspondence {
        vp: *vp,
        ve: *ve,
        vp_rows: indices.iter().map(|i| all_vp[i - 1].clone()).collect(),
        ve_rows: indices.iter().map(|i| all_ve[i - 1].clone()).collect(),
        steps,
        max_rel_beta_continuous,
        max_rel_beta_discrete,
        max_alpha_bar_abs_diff,
        max_log_alpha_bar_gap,
        max_log_alpha_bar_gap_after_second_order,
        max_rel_sigma,
        alpha_to_g2_dt_spread,
        max_rel_chain_variance,
        gap_order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::schedule::{BetaSchedule, NoiseSchedule};

    fn ring() -> crate::diffusion::oracle::GaussianMixture {
        crate::data::toy::Dataset::ring8_default().mixture().unwrap()
    }

    #[test]
    fn vp_discrete_betas_are_ddpm_linear_schedule() {
        let ddpm = NoiseSchedule::new(BetaSchedule::linear_default(1000), 1000).unwrap();
        let b = Sde::vp_default().discrete_betas();
        assert_eq!(b.len(), 1000);
        for (i, (x, y)) in b.iter().zip(&ddpm.betas).enumerate() {
            assert!((x - y).abs() <= 1e-15, "β_{} = {x} vs DDPM {y}", i + 1);
        }
        // and ᾱ as well
        let ab = Sde::vp_default().discrete_alphas_cumprod();
        assert!((ab[999] - ddpm.alpha_bar(1000)).abs() < 1e-18);
        // a different β_max is not DDPM's
        let other = Sde::Vp { beta_min: 0.1, beta_max: 21.0, n: 1000 }.discrete_betas();
        assert!((other[999] - ddpm.betas[999]).abs() > 1e-4);
    }

    #[test]
    fn ve_discrete_sigmas_are_ncsn_ladder_reversed() {
        let ve = Sde::ve_default();
        let s = ve.discrete_sigmas();
        let Sde::Ve { sigma_min, sigma_max, .. } = ve else { unreachable!() };
        let l = crate::diffusion::sampler::sigma_ladder(sigma_max, sigma_min, 1000);
        for i in 0..1000 {
            assert!((s[i] - l[999 - i]).abs() < 1e-12 * s[i], "σ_{i}: {} vs {}", s[i], l[999 - i]);
            assert!((s[i] - ve.sigma(ve.index_time(i + 1))).abs() < 1e-12 * s[i]);
        }
    }

    #[test]
    fn marginal_variance_obeys_the_sdes_moment_equation() {
        // d std²/dt = 2 f std² + g², d mean/dt = f mean: the marginal is the SDE's own (eq. 5)
        for sde in [Sde::vp_default(), Sde::sub_vp_default(), Sde::ve_default()] {
            for t in [0.01, 0.2, 0.5, 0.9] {
                let h = 1e-6;
                let (p, m) = (sde.marginal(t + h), sde.marginal(t - h));
                let dvar = (p.std.powi(2) - m.std.powi(2)) / (2.0 * h);
                let dmean = (p.mean_scale - m.mean_scale) / (2.0 * h);
                let q = sde.marginal(t);
                let want = 2.0 * sde.drift_coef(t) * q.std.powi(2) + sde.diffusion(t).powi(2);
                assert!((dvar - want).abs() < 1e-5 * want.abs().max(1.0), "{} t={t}: {dvar} vs {want}", sde.name());
                assert!((dmean - sde.drift_coef(t) * q.mean_scale).abs() < 1e-6, "{} t={t}", sde.name());
            }
        }
        // VP preserves variance, sub-VP stays below it
        for t in [0.1, 0.5, 1.0] {
            let m = Sde::vp_default().marginal(t);
            assert!((m.mean_scale.powi(2) + m.std.powi(2) - 1.0).abs() < 1e-14);
            assert!(Sde::sub_vp_default().marginal(t).std < m.std);
        }
        // a wrong g fails the equation: VE with g² scaled by 1.1
        let ve = Sde::ve_default();
        let t = 0.5;
        let h = 1e-6;
        let dvar = (ve.marginal(t + h).std.powi(2) - ve.marginal(t - h).std.powi(2)) / (2.0 * h);
        assert!((dvar - 1.1 * ve.diffusion(t).powi(2)).abs() > 1e-3 * dvar);
    }

    #[test]
    fn network_index_and_priors() {
        let vp = Sde::vp_default();
        assert_eq!(vp.network_index(0.0), 1.0);
        assert_eq!(vp.network_index(1.0), 1000.0);
        assert_eq!(vp.network_index(vp.index_time(417)), 417.0);
        // the prior integrates as a Gaussian: log N(0; 0, σ²I) in 2-D
        let ve = Sde::ve_default();
        assert!((ve.prior_log_density(&[0.0, 0.0]) - (-(2.0 * std::f64::consts::PI * 36.0).ln())).abs() < 1e-12);
        assert!((vp.prior_log_density(&[1.0, 0.0]) - (-(2.0 * std::f64::consts::PI).ln() - 0.5)).abs() < 1e-12);
    }

    #[test]
    fn ve_sigma_max_is_about_ring8s_largest_pairwise_distance() {
        let x = crate::data::toy::Dataset::ring8_default().sample(2000, 1).unwrap();
        let mut d = 0.0f64;
        for i in 0..2000 {
            for j in i + 1..2000 {
                d = d.max(((x[2 * i] - x[2 * j]).powi(2) + (x[2 * i + 1] - x[2 * j + 1]).powi(2)).sqrt());
            }
        }
        let Sde::Ve { sigma_max, .. } = Sde::ve_default() else { unreachable!() };
        assert!(d > 4.0 && d < sigma_max && sigma_max < 1.25 * d, "largest distance {d}, σ_max {sigma_max}");
    }

    #[test]
    fn validation_names_the_field() {
        let e = Sde::Ve { sigma_min: 1.0, sigma_max: 0.5, n: 100 }.validate().unwrap_err();
        assert_eq!(e.field, "sigmaMin");
        assert_eq!(Sde::Vp { beta_min: 0.1, beta_max: 2000.0, n: 1000 }.validate().unwrap_err().field, "betaMax");
        assert_eq!(Sde::Vp { beta_min: 0.1, beta_max: 20.0, n: 1 }.validate().unwrap_err().field, "N");
        assert_eq!(Sde::default_for("vpp").unwrap_err().field, "kind");
        for s in [Sde::vp_default(), Sde::ve_default(), Sde::sub_vp_default()] {
            s.validate().unwrap();
        }
    }

    #[test]
    fn reverse_diffusion_is_ddpm_to_first_order_and_ncsn_for_ve() {
        let vp = Sde::vp_default();
        let s = NoiseSchedule::ddpm_default();
        let m = ring();
        let x = [0.4, -1.2];
        let z = [0.3, 0.8];
        for i in [2, 100, 500, 1000] {
            let ab = s.alpha_bar(i);
            let score = m.score(&x, ab);
            let (rd, _) = vp.reverse_diffusion_step(&x, i, &score, &z);
            let eps = m.posterior_mean_eps(&x, ab);
            let dd = crate::diffusion::sampler::ddpm_step(&s, crate::diffusion::parameterization::Prediction::Eps, &x, 2, i, &eps, crate::diffusion::schedule::ModelVariance::Beta, &z).unwrap().prev;
            let b = s.beta(i);
            let gap = ((rd[0] - dd[0]).powi(2) + (rd[1] - dd[1]).powi(2)).sqrt();
            // second order in β: well below β itself, of order β²·|x + β s|
            assert!(gap < 2.0 * b * b * (1.0 + score.iter().map(|v| v.abs()).sum::<f64>()), "i = {i}: gap {gap}, β {b}");
        }
        // VE: the chain's variance per step is σ_i² − σ_{i−1}² and the mean moves by that times the score
        let ve = Sde::ve_default();
        let sig = ve.discrete_sigmas();
        let (coef, g) = ve.discretize(10);
        assert_eq!(coef, 0.0);
        assert!((g * g - (sig[9] * sig[9] - sig[8] * sig[8])).abs() < 1e-15);
        assert!((ve.discretize(1).1 - sig[0]).abs() < 1e-15);
    }

    #[test]
    fn the_correspondence_numbers_say_what_the_page_claims() {
        let c = discretisation_correspondence(&Sde::vp_default(), &Sde::ve_default(), &[1, 10, 100, 500, 1000], &[100, 1000, 10_000], &ring(), 3).unwrap();
        assert!(c.max_rel_beta_discrete <= 1e-12, "{}", c.max_rel_beta_discrete);
        assert!(c.max_rel_beta_continuous <= 1e-12, "{}", c.max_rel_beta_continuous);
        assert!(c.max_rel_sigma < 1e-12);
        assert!(c.alpha_to_g2_dt_spread < 1e-12, "{}", c.alpha_to_g2_dt_spread);
        // ᾱ is the continuous mean² up to O(1/N), and the second-order term explains most of the gap
        assert!(c.max_log_alpha_bar_gap < 0.1 && c.max_log_alpha_bar_gap > 1e-3, "{}", c.max_log_alpha_bar_gap);
        assert!(c.max_log_alpha_bar_gap_after_second_order < 0.2 * c.max_log_alpha_bar_gap, "{} vs {}", c.max_log_alpha_bar_gap_after_second_order, c.max_log_alpha_bar_gap);
        // G_i² = g²Δt to first order: ln(σmax/σmin)/(N − 1) ≈ 0.6%
        assert!(c.max_rel_chain_variance < 0.01, "{}", c.max_rel_chain_variance);
        // one DDPM step vs one EM step: the gap per unit time falls like 1/N
        assert!((c.gap_order + 1.0).abs() < 0.3, "order {}: {:?}", c.gap_order, c.steps);
        assert!(c.steps.iter().all(|s| s.ddpm_vs_euler_maruyama < 0.1 * s.step_size));
        assert_eq!(c.vp_rows.len(), 5);
        assert_eq!(c.vp_rows[4].i, 1000);
        // a VP whose β_max differs is not DDPM's schedule: the check sees it
        let off = discretisation_correspondence(&Sde::Vp { beta_min: 0.1, beta_max: 19.0, n: 1000 }, &Sde::ve_default(), &[1], &[100], &ring(), 3).unwrap();
        assert!(off.max_rel_beta_discrete > 1e-3);
        assert!(discretisation_correspondence(&Sde::ve_default(), &Sde::ve_default(), &[1], &[100], &ring(), 3).is_err());
        assert_eq!(discretisation_correspondence(&Sde::vp_default(), &Sde::ve_default(), &[0], &[100], &ring(), 3).unwrap_err().field, "indices[0]");
    }
}
