//! Noise schedules β_1..β_T and every array derived from them, precomputed once in f64.
//!
//! Conventions (the seeds'): t runs 1..=T; t = 1 is the decoder term L_0 and t = T the prior term.
//! Arrays are stored with index `t - 1`; the accessors take t itself. ᾱ_0 = 1 (no noise at t = 0).

use crate::numerics::error::{InputError, Interval, Result};

/// Largest T the engine accepts (the arrays stay a few MB).
pub const MAX_T: usize = 100_000;
/// Smallest T: the ELBO needs a decoder step (t = 1) and a prior step (t = T ≥ 2).
pub const MIN_T: usize = 2;

/// How β_t is chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum BetaSchedule {
    /// β_t evenly spaced from `beta_start` (t = 1) to `beta_end` (t = T), DDPM's choice.
    Linear { beta_start: f64, beta_end: f64 },
    /// Nichol & Dhariwal's cosine schedule: ᾱ(t) ∝ cos²(((t/T + s)/(1 + s))·π/2),
    /// β_t = min(1 − ᾱ(t)/ᾱ(t−1), max_beta).
    Cosine { s: f64, max_beta: f64 },
    /// A caller-supplied list, β_1 first.
    Explicit(Vec<f64>),
}

impl BetaSchedule {
    /// The valid names at the JS boundary.
    pub const NAMES: [&'static str; 3] = ["linear", "cosine", "explicit"];

    /// DDPM's linear schedule with its defaults β_1 = 1e-4, β_T = 0.02 at T = 1000; for another T
    /// both ends scale by 1000/T so that ᾱ_T stays comparable (improved-diffusion's convention).
    pub fn linear_default(t_max: usize) -> Self {
        let scale = 1000.0 / t_max as f64;
        BetaSchedule::Linear { beta_start: scale * 1e-4, beta_end: scale * 0.02 }
    }

    /// The cosine schedule with s = 0.008 and β clipped at 0.999.
    pub fn cosine_default() -> Self {
        BetaSchedule::Cosine { s: 0.008, max_beta: 0.999 }
    }

    /// The name at the JS boundary.
    pub fn name(&self) -> &'static str {
        match self {
            BetaSchedule::Linear { .. } => "linear",
            BetaSchedule::Cosine { .. } => "cosine",
            BetaSchedule::Explicit(_) => "explicit",
        }
    }

    /// Where every β_t must lie: below 1e-12, 1 − β rounds so near 1 that ᾱ_t can come out exactly
    /// 1 (1 − ᾱ_t = 0: an infinite SNR, a NaN β̃) — accepted input must give finite numbers.
    pub const BETA_RANGE: Interval = Interval::closed_open(1e-12, 1.0);

    /// β_1..β_T for this schedule, validated: every β in [1e-12, 1).
    pub fn betas(&self, t_max: usize) -> Result<Vec<f64>> {
        let betas = match self {
            BetaSchedule::Linear { beta_start, beta_end } => {
                check_t_max(t_max)?;
                for (name, v) in [("betaStart", *beta_start), ("betaEnd", *beta_end)] {
                    if !Self::BETA_RANGE.contains(v) {
                        return Err(InputError::range(name, v, Self::BETA_RANGE).with_hint("short_schedule"));
                    }
                }
                linspace(*beta_start, *beta_end, t_max)
            }
            BetaSchedule::Cosine { s, max_beta } => {
                check_t_max(t_max)?;
                if !(s.is_finite() && *s >= 0.0) {
                    return Err(InputError::range("s", *s, Interval::at_least(0.0)));
                }
                if !(max_beta.is_finite() && *max_beta > 0.0 && *max_beta < 1.0) {
                    return Err(InputError::range("maxBeta", *max_beta, Interval::open(0.0, 1.0)));
                }
                cosine_betas(t_max, *s, *max_beta)
            }
            BetaSchedule::Explicit(betas) => {
                check_t_max(betas.len()).map_err(|_| {
                    InputError::length("betas", betas.len(), format!("T in {MIN_T}..={MAX_T}"))
                })?;
                betas.clone()
            }
        };
        if let Some((i, b)) = betas.iter().enumerate().find(|(_, b)| !Self::BETA_RANGE.contains(**b)) {
            return Err(match self {
                // a cosine schedule's β come from s: name the field the reader set
                BetaSchedule::Cosine { s, .. } => InputError::range("s", *s, Interval::closed(0.0, 1e6)),
                _ => InputError::range(&format!("betas[{i}]"), *b, Self::BETA_RANGE),
            });
        }
        Ok(betas)
    }
}

fn check_t_max(t_max: usize) -> Result<()> {
    if (MIN_T..=MAX_T).contains(&t_max) {
        Ok(())
    } else {
        Err(InputError::integer("T", t_max as f64, MIN_T as u64, MAX_T as u64))
    }
}

/// n evenly spaced values from a to b inclusive (numpy's linspace: a + i·(b − a)/(n − 1), last = b).
fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let step = (b - a) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| a + i as f64 * step).collect();
    v[n - 1] = b;
    v
}

/// Cosine schedule (improved-diffusion's `betas_for_alpha_bar`): β_t = min(1 − f(t/T)/f((t−1)/T), max_beta)
/// with f(u) = cos²((u + s)/(1 + s)·π/2). ᾱ_t is then the product of (1 − β), so clipping is honoured.
fn cosine_betas(t_max: usize, s: f64, max_beta: f64) -> Vec<f64> {
    let f = |u: f64| {
        let c = ((u + s) / (1.0 + s) * std::f64::consts::FRAC_PI_2).cos();
        c * c
    };
    (1..=t_max)
        .map(|t| {
            let t1 = (t - 1) as f64 / t_max as f64;
            let t2 = t as f64 / t_max as f64;
            (1.0 - f(t2) / f(t1)).min(max_beta)
        })
        .collect()
}

/// The variance σ_t² of the learned reverse step p_θ(x_{t−1} | x_t) = N(μ_θ, σ_t² I): the two fixed
/// choices of DDPM (§3.2), the lower and upper bounds on the true reverse variance, and the upper
/// one as DDPM's and improved-diffusion's code actually use it. The three differ only in what the
/// decoder step t = 1 gets (β̃_1 = 0 cannot be a variance):
///
/// | name | t ≥ 2 | t = 1 |
/// |---|---|---|
/// | `"beta_tilde"` | β̃_t | β̃_2 (clipped, DDPM's `posterior_log_variance_clipped`) |
/// | `"beta"` | β_t | β_1 (the paper's σ_1² = β_1, a very sharp decoder) |
/// | `"fixed_large"` | β_t | β̃_2 (improved-diffusion `FIXED_LARGE`: `np.append(posterior_variance[1], betas[1:])`) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelVariance {
    /// σ_t² = β̃_t = σ_q²(t) (1.89), optimal for a single data point; at t = 1, where β̃_1 = 0,
    /// the clipped value β̃_2 is used (DDPM's `posterior_log_variance_clipped`; improved-diffusion
    /// `FIXED_SMALL`).
    BetaTilde,
    /// σ_t² = β_t for every t, β_1 at t = 1, optimal for x_0 ~ N(0, I).
    Beta,
    /// σ_t² = β_t for t ≥ 2 and β̃_2 at t = 1: DDPM's TF code and improved-diffusion's
    /// `FIXED_LARGE`, which take the posterior's variance at t = 1 for a better decoder
    /// log-likelihood. Equal to [`ModelVariance::Beta`] everywhere but the decoder.
    FixedLarge,
}

impl ModelVariance {
    pub const NAMES: [&'static str; 3] = ["beta_tilde", "beta", "fixed_large"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "beta_tilde" => Ok(ModelVariance::BetaTilde),
            "beta" => Ok(ModelVariance::Beta),
            "fixed_large" => Ok(ModelVariance::FixedLarge),
            other => Err(InputError::one_of("variance", other, &Self::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelVariance::BetaTilde => "beta_tilde",
            ModelVariance::Beta => "beta",
            ModelVariance::FixedLarge => "fixed_large",
        }
    }
}

/// A validated schedule and its derived arrays (names as in improved-diffusion's `GaussianDiffusion`).
#[derive(Debug, Clone)]
pub struct NoiseSchedule {
    pub kind: BetaSchedule,
    pub t_max: usize,
    /// β_t
    pub betas: Vec<f64>,
    /// α_t = 1 − β_t  (1.63)
    pub alphas: Vec<f64>,
    /// ᾱ_t = ∏_{i ≤ t} α_i  (1.71–1.72)
    pub alphas_cumprod: Vec<f64>,
    /// ᾱ_{t−1}, with ᾱ_0 = 1
    pub alphas_cumprod_prev: Vec<f64>,
    /// ᾱ_{t+1}, with 0 after T (improved-diffusion's `alphas_cumprod_next`: `append(ᾱ[1:], 0)`);
    /// DDIM's reverse (encoding) step x_t → x_{t+1} reads it
    pub alphas_cumprod_next: Vec<f64>,

    // required for q(x_t | x_0) (1.72–1.73) and the conversions (1.105, 1.125)
    /// √ᾱ_t
    pub sqrt_alphas_cumprod: Vec<f64>,
    /// √(1 − ᾱ_t)
    pub sqrt_one_minus_alphas_cumprod: Vec<f64>,
    /// log(1 − ᾱ_t), the log-variance of q(x_t | x_0) (1.73) (improved-diffusion's `q_mean_variance`)
    pub log_one_minus_alphas_cumprod: Vec<f64>,
    /// √(1/ᾱ_t): x_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε is (1.105) as improved-diffusion writes it
    /// (`_predict_xstart_from_eps`); +∞ where ᾱ_t underflows to 0
    pub sqrt_recip_alphas_cumprod: Vec<f64>,
    /// √(1/ᾱ_t − 1), the ε coefficient of that form of (1.105) (`sqrt_recipm1_alphas_cumprod`)
    pub sqrt_recipm1_alphas_cumprod: Vec<f64>,
    /// SNR_t = ᾱ_t / (1 − ᾱ_t), the weight form of (1.104)
    pub snr: Vec<f64>,

    // required for the posterior q(x_{t−1} | x_t, x_0) (1.88–1.89)
    /// σ_q²(t) = β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)  (1.89); zero at t = 1
    pub posterior_variance: Vec<f64>,
    /// log β̃_t with the t = 1 entry (log 0) replaced by log β̃_2, as in DDPM's code
    pub posterior_log_variance_clipped: Vec<f64>,
    /// coefficient of x_0 in μ_q (1.88): √ᾱ_{t−1} β_t / (1 − ᾱ_t)
    pub posterior_mean_coef1: Vec<f64>,
    /// coefficient of x_t in μ_q (1.88): √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)
    pub posterior_mean_coef2: Vec<f64>,
}

impl NoiseSchedule {
    /// Build and validate. `t_max` is ignored for an explicit list (T = its length).
    pub fn new(kind: BetaSchedule, t_max: usize) -> Result<Self> {
        let betas = kind.betas(t_max)?;
        let t_max = betas.len();
        let alphas: Vec<f64> = betas.iter().map(|b| 1.0 - b).collect();
        let mut alphas_cumprod = Vec::with_capacity(t_max);
        let mut acc = 1.0;
        for a in &alphas {
            acc *= a;
            alphas_cumprod.push(acc);
        }
        let alphas_cumprod_prev: Vec<f64> =
            std::iter::once(1.0).chain(alphas_cumprod[..t_max - 1].iter().copied()).collect();
        let alphas_cumprod_next: Vec<f64> = alphas_cumprod[1..].iter().copied().chain(std::iter::once(0.0)).collect();
        let sqrt_alphas_cumprod = alphas_cumprod.iter().map(|a| a.sqrt()).collect();
        let sqrt_one_minus_alphas_cumprod = alphas_cumprod.iter().map(|a| (1.0 - a).sqrt()).collect();
        // improved-diffusion's own expressions (not 1/√ᾱ), so the numbers agree bit for bit
        let log_one_minus_alphas_cumprod = alphas_cumprod.iter().map(|a| (1.0 - a).ln()).collect();
        let sqrt_recip_alphas_cumprod = alphas_cumprod.iter().map(|a| (1.0 / a).sqrt()).collect();
        let sqrt_recipm1_alphas_cumprod = alphas_cumprod.iter().map(|a| (1.0 / a - 1.0).sqrt()).collect();
        let snr = alphas_cumprod.iter().map(|a| a / (1.0 - a)).collect();
        let posterior_variance: Vec<f64> = (0..t_max)
            .map(|i| betas[i] * (1.0 - alphas_cumprod_prev[i]) / (1.0 - alphas_cumprod[i]))
            .collect();
        let posterior_log_variance_clipped = (0..t_max)
            .map(|i| if i == 0 { posterior_variance[1].ln() } else { posterior_variance[i].ln() })
            .collect();
        let posterior_mean_coef1 =
            (0..t_max).map(|i| betas[i] * alphas_cumprod_prev[i].sqrt() / (1.0 - alphas_cumprod[i])).collect();
        let posterior_mean_coef2 = (0..t_max)
            .map(|i| (1.0 - alphas_cumprod_prev[i]) * alphas[i].sqrt() / (1.0 - alphas_cumprod[i]))
            .collect();
        Ok(Self {
            kind,
            t_max,
            betas,
            alphas,
            alphas_cumprod,
            alphas_cumprod_prev,
            alphas_cumprod_next,
            sqrt_alphas_cumprod,
            sqrt_one_minus_alphas_cumprod,
            log_one_minus_alphas_cumprod,
            sqrt_recip_alphas_cumprod,
            sqrt_recipm1_alphas_cumprod,
            snr,
            posterior_variance,
            posterior_log_variance_clipped,
            posterior_mean_coef1,
            posterior_mean_coef2,
        })
    }

    /// DDPM's default: linear, T = 1000, β from 1e-4 to 0.02.
    pub fn ddpm_default() -> Self {
        Self::new(BetaSchedule::linear_default(1000), 1000).expect("the DDPM default is valid")
    }

    /// t must be in 1..=T.
    pub fn check_t(&self, t: usize) -> Result<()> {
        self.check_t_in("t", t, 1)
    }

    /// t must be in `lo..=T` (lo = 2 for the denoising-matching terms, 0 to include the data).
    pub fn check_t_in(&self, param: &str, t: usize, lo: usize) -> Result<()> {
        if (lo..=self.t_max).contains(&t) {
            Ok(())
        } else {
            let e = InputError::integer(param, t as f64, lo as u64, self.t_max as u64);
            Err(match lo {
                0 => e.with_hint("data_itself"),
                2 => e.with_hint("decoder_term"),
                _ => e,
            })
        }
    }

    /// β_t, t in 1..=T.
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[t - 1]
    }
    /// α_t, t in 1..=T.
    pub fn alpha(&self, t: usize) -> f64 {
        self.alphas[t - 1]
    }
    /// ᾱ_t for t in 0..=T (ᾱ_0 = 1).
    pub fn alpha_bar(&self, t: usize) -> f64 {
        if t == 0 { 1.0 } else { self.alphas_cumprod[t - 1] }
    }
    /// σ_t² of the reverse step for the chosen [`ModelVariance`], t in 1..=T: β̃_t (β̃_2 at t = 1),
    /// β_t (β_1 at t = 1) or β_t with β̃_2 at t = 1 (`FixedLarge`). t = 1 is the decoder's variance.
    pub fn model_variance(&self, t: usize, choice: ModelVariance) -> f64 {
        match choice {
            ModelVariance::Beta => self.betas[t - 1],
            ModelVariance::BetaTilde => self.posterior_variance[if t == 1 { 1 } else { t - 1 }],
            ModelVariance::FixedLarge => if t == 1 { self.posterior_variance[1] } else { self.betas[t - 1] },
        }
    }

    /// σ_q²(t) = β̃_t (1.89), t in 1..=T.
    pub fn posterior_var(&self, t: usize) -> f64 {
        self.posterior_variance[t - 1]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn betas_below_1e_12_are_refused_so_alpha_bar_never_rounds_to_1() {
        // β = 1e-17: 1 − β rounds to 1, ᾱ_1 = 1 and β̃, SNR become NaN/∞ — refused, naming the field
        let e = NoiseSchedule::new(BetaSchedule::Explicit(vec![1e-17, 0.5]), 2).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code()), ("betas[0]", "range"));
        let e = NoiseSchedule::new(BetaSchedule::Linear { beta_start: 1e-13, beta_end: 0.02 }, 100).unwrap_err();
        assert_eq!(e.field, "betaStart");
        let e = NoiseSchedule::new(BetaSchedule::Cosine { s: 1e300, max_beta: 0.999 }, 100).unwrap_err();
        assert_eq!(e.field, "s");
        // at the edge every derived array is finite
        let s = NoiseSchedule::new(BetaSchedule::Explicit(vec![1e-12, 1e-12, 0.5]), 3).unwrap();
        assert!(s.snr.iter().chain(&s.posterior_variance).chain(&s.posterior_log_variance_clipped).all(|v| v.is_finite()));
    }

    use super::*;

    #[test]
    fn ddpm_default_alpha_bar_t() {
        let s = NoiseSchedule::ddpm_default();
        let abar = s.alpha_bar(1000);
        assert!((abar - 4.0358e-5).abs() < 5e-9, "ᾱ_1000 = {abar}");
        assert_eq!(s.beta(1), 1e-4);
        assert_eq!(s.beta(1000), 0.02);
    }

    #[test]
    fn linear_scales_with_t() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        assert!((s.beta(1) - 1e-3).abs() < 1e-18);
        assert!((s.beta(100) - 0.2).abs() < 1e-15);
        // ᾱ_T comparable with T = 1000's 4.0358e-5
        let abar = s.alpha_bar(100);
        assert!(abar > 1e-6 && abar < 1e-4, "ᾱ_100 = {abar}");
    }

    #[test]
    fn linear_default_rejected_for_tiny_t() {
        let e = NoiseSchedule::new(BetaSchedule::linear_default(20), 20).unwrap_err();
        assert_eq!(e.field, "betaEnd");
        assert!(e.message.contains("(0, 1)"), "{}", e.message);
    }

    #[test]
    fn cosine_schedule_matches_its_definition() {
        let t_max = 1000;
        let s = NoiseSchedule::new(BetaSchedule::cosine_default(), t_max).unwrap();
        let f = |u: f64| ((u + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2).cos().powi(2);
        // where no clipping happened, ᾱ_t = f(t/T) / f(0) exactly (up to rounding)
        for t in [1, 10, 250, 500, 900, 990] {
            let want = f(t as f64 / t_max as f64) / f(0.0);
            let got = s.alpha_bar(t);
            assert!((got - want).abs() <= 1e-12 * want.max(1e-300), "t={t}: {got} vs {want}");
        }
        // β grows monotonically and the last one is clipped at 0.999
        assert!(s.betas.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(s.beta(t_max), 0.999);
        assert!(s.betas.iter().all(|b| *b > 0.0 && *b <= 0.999));
        // the first β is small (≈ 4e-5 at T = 1000) — the schedule is gentle at the start
        assert!(s.beta(1) > 1e-5 && s.beta(1) < 1e-4, "β_1 = {}", s.beta(1));
        // ᾱ_T is tiny but positive
        assert!(s.alpha_bar(t_max) > 0.0 && s.alpha_bar(t_max) < 1e-7);
    }

    #[test]
    fn derived_arrays_are_consistent() {
        let s = NoiseSchedule::new(BetaSchedule::Explicit(vec![0.1, 0.2, 0.3]), 0).unwrap();
        assert_eq!(s.t_max, 3);
        assert!((s.alpha_bar(3) - 0.9 * 0.8 * 0.7).abs() < 1e-15);
        assert_eq!(s.alphas_cumprod_prev[0], 1.0);
        assert_eq!(s.posterior_variance[0], 0.0);
        assert_eq!(s.posterior_log_variance_clipped[0], s.posterior_variance[1].ln());
        // β̃_2 = β_2 (1 − ᾱ_1)/(1 − ᾱ_2) = 0.2·0.1/(1 − 0.72)
        assert!((s.posterior_var(2) - 0.2 * 0.1 / 0.28).abs() < 1e-15);
        // μ_q coefficients at t = 1: x_0 exactly
        assert!((s.posterior_mean_coef1[0] - 1.0).abs() < 1e-15);
        assert_eq!(s.posterior_mean_coef2[0], 0.0);
        for t in 1..=3 {
            assert!((s.snr[t - 1] - s.alpha_bar(t) / (1.0 - s.alpha_bar(t))).abs() < 1e-12);
        }
    }

    /// The improved-diffusion accessors against their definitions, with ᾱ_t computed here from
    /// its own closed form (a product of linspace β's; the cosine's f(t/T)/f(0)).
    #[test]
    fn improved_diffusion_arrays_match_their_closed_forms() {
        let t_max = 1000;
        let f = |u: f64| ((u + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2).cos().powi(2);
        let linear_abar = |t: usize| (1..=t).map(|i| 1.0 - (1e-4 + (i - 1) as f64 * (0.02 - 1e-4) / 999.0)).product::<f64>();
        let cosine_abar = |t: usize| f(t as f64 / t_max as f64) / f(0.0);
        let cases: [(NoiseSchedule, &dyn Fn(usize) -> f64); 2] =
            [(NoiseSchedule::ddpm_default(), &linear_abar), (NoiseSchedule::new(BetaSchedule::cosine_default(), t_max).unwrap(), &cosine_abar)];
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        for (s, abar) in &cases {
            for t in [1, 2, 10, 500, 989] {
                let (a, a_next) = (abar(t), abar(t + 1));
                assert!(rel(s.alphas_cumprod_next[t - 1], a_next) < 1e-11, "{} t={t}", s.kind.name());
                assert!(rel(s.log_one_minus_alphas_cumprod[t - 1], (1.0 - a).ln()) < 1e-9, "{} t={t}", s.kind.name());
                assert!(rel(s.sqrt_recip_alphas_cumprod[t - 1], 1.0 / a.sqrt()) < 1e-11, "{} t={t}", s.kind.name());
                assert!(rel(s.sqrt_recipm1_alphas_cumprod[t - 1], ((1.0 - a) / a).sqrt()) < 1e-8, "{} t={t}", s.kind.name());
                // the check can fail: the neighbouring t's closed form is refused
                assert!(rel(s.sqrt_recip_alphas_cumprod[t - 1], 1.0 / a_next.sqrt()) > 1e-7, "{} t={t}", s.kind.name());
                // (1.105) in improved-diffusion's form equals the seed's
                let (x, e) = (0.7, -1.3);
                let x0 = s.sqrt_recip_alphas_cumprod[t - 1] * x - s.sqrt_recipm1_alphas_cumprod[t - 1] * e;
                let seed = (x - s.sqrt_one_minus_alphas_cumprod[t - 1] * e) / s.sqrt_alphas_cumprod[t - 1];
                assert!((x0 - seed).abs() < 1e-9 * (1.0 + seed.abs()), "{} t={t}: {x0} vs {seed}", s.kind.name());
            }
            assert_eq!(s.alphas_cumprod_next[t_max - 1], 0.0);
            assert_eq!(&s.alphas_cumprod_next[..t_max - 1], &s.alphas_cumprod[1..]);
        }
    }

    #[test]
    fn the_three_variances_differ_only_where_they_say() {
        let s = NoiseSchedule::new(BetaSchedule::Explicit(vec![0.1, 0.2, 0.3]), 0).unwrap();
        let bt2 = 0.2 * 0.1 / (1.0 - 0.9 * 0.8); // β̃_2 = β_2 (1 − ᾱ_1)/(1 − ᾱ_2)
        assert!((s.model_variance(1, ModelVariance::FixedLarge) - bt2).abs() < 1e-15);
        assert!((s.model_variance(1, ModelVariance::BetaTilde) - bt2).abs() < 1e-15);
        assert_eq!(s.model_variance(1, ModelVariance::Beta), 0.1);
        for t in 2..=3 {
            assert_eq!(s.model_variance(t, ModelVariance::FixedLarge), s.beta(t));
            assert_eq!(s.model_variance(t, ModelVariance::Beta), s.beta(t));
            assert_eq!(s.model_variance(t, ModelVariance::BetaTilde), s.posterior_var(t));
        }
        for name in ModelVariance::NAMES {
            assert_eq!(ModelVariance::parse(name).unwrap().name(), name);
        }
        let e = ModelVariance::parse("FIXED_LARGE").unwrap_err();
        assert_eq!(e.field, "variance");
        assert!(e.message.contains("\"fixed_large\""), "{}", e.message);
    }

    #[test]
    fn bad_schedules_are_rejected_with_their_range() {
        let e = NoiseSchedule::new(BetaSchedule::Explicit(vec![0.1, 1.0]), 0).unwrap_err();
        assert!(e.message.contains("betas[1] = 1") && e.message.contains("[1e-12, 1)"), "{}", e.message);
        let e = NoiseSchedule::new(BetaSchedule::Explicit(vec![0.1, f64::NAN]), 0).unwrap_err();
        assert!(e.message.contains("betas[1] = NaN"), "{}", e.message);
        let e = NoiseSchedule::new(BetaSchedule::Explicit(vec![0.1]), 0).unwrap_err();
        assert!(e.message.contains("2..=100000"), "{}", e.message);
        let e = NoiseSchedule::new(BetaSchedule::linear_default(1000), 1).unwrap_err();
        assert_eq!(e.field, "T");
        let e = NoiseSchedule::new(BetaSchedule::Cosine { s: 0.008, max_beta: 1.0 }, 10).unwrap_err();
        assert_eq!(e.field, "maxBeta");
        let e = NoiseSchedule::new(BetaSchedule::Linear { beta_start: -1.0, beta_end: 0.02 }, 10).unwrap_err();
        assert_eq!(e.field, "betaStart");
        let s = NoiseSchedule::ddpm_default();
        assert!(s.check_t(0).unwrap_err().message.contains("1..=1000"));
        assert!(s.check_t(1001).is_err());
        assert!(s.check_t_in("t", 1, 2).unwrap_err().message.contains("decoder"));
    }
}
