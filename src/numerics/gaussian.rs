//! Gaussian helpers for the ELBO: KL divergence (1.23 and its d-dimensional form before (1.90)),
//! log-densities, and the two decoders p(x_0 | x_1) of the reconstruction term L_0.
//! Everything in nats.

use crate::numerics::error::{check_finite, check_same_len, InputError, Interval, Result};

const LN_2PI: f64 = 1.837_877_066_409_345_5; // ln(2π)
const LN_2: f64 = std::f64::consts::LN_2;

/// log N(x; mean, var) for one coordinate, in nats.
pub fn log_normal(x: f64, mean: f64, var: f64) -> f64 {
    let d = x - mean;
    -0.5 * (LN_2PI + var.ln() + d * d / var)
}

/// KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) for one coordinate (1.23):
/// log(σ₂/σ₁) − ½ + (σ₁² + (μ₁ − μ₂)²) / (2σ₂²).
pub fn normal_kl(mean1: f64, var1: f64, mean2: f64, var2: f64) -> f64 {
    let d = mean1 - mean2;
    0.5 * ((var2 / var1).ln() - 1.0 + (var1 + d * d) / var2)
}

/// A diagonal covariance given either per coordinate or as one value shared by all.
fn var_at(var: &[f64], i: usize) -> f64 {
    if var.len() == 1 { var[0] } else { var[i] }
}

fn check_var(param: &str, var: &[f64], dim: usize, mean_name: &str) -> Result<()> {
    if var.len() != 1 && var.len() != dim {
        return Err(InputError::length(param, var.len(), format!("1 or {dim} (as many as {mean_name})")));
    }
    for (i, v) in var.iter().enumerate() {
        super::error::check_positive(&format!("{param}[{i}]"), *v)?; // (0, ∞) and within 1e-100..1e100
    }
    Ok(())
}

/// KL between two diagonal Gaussians in d dimensions (the form before (1.90)):
/// ½ [log |Σ₂|/|Σ₁| − d + tr(Σ₂⁻¹Σ₁) + (μ₂ − μ₁)ᵀ Σ₂⁻¹ (μ₂ − μ₁)], the sum of (1.23) over coordinates.
/// A variance array of length 1 is shared by every coordinate.
pub fn kl_diagonal(mean1: &[f64], var1: &[f64], mean2: &[f64], var2: &[f64]) -> Result<f64> {
    check_same_len("mean2", mean2.len(), "mean1", mean1.len())?;
    check_finite("mean1", mean1)?;
    check_finite("mean2", mean2)?;
    check_var("var1", var1, mean1.len(), "mean1")?;
    check_var("var2", var2, mean1.len(), "mean1")?;
    Ok((0..mean1.len()).map(|i| normal_kl(mean1[i], var_at(var1, i), mean2[i], var_at(var2, i))).sum())
}

/// log N(x; mean, diag(var)) summed over coordinates, in nats.
pub fn log_density_diagonal(x: &[f64], mean: &[f64], var: &[f64]) -> Result<f64> {
    check_same_len("mean", mean.len(), "x", x.len())?;
    check_finite("x", x)?;
    check_finite("mean", mean)?;
    check_var("var", var, x.len(), "x")?;
    Ok((0..x.len()).map(|i| log_normal(x[i], mean[i], var_at(var, i))).sum())
}

/// The Gaussian decoder for continuous data: log p(x_0 | x_1) = log N(x_0; μ_θ(x_1, 1), σ_1² I), nats.
pub fn gaussian_decoder_log_likelihood(x0: &[f64], mean: &[f64], var: f64) -> Result<f64> {
    log_density_diagonal(x0, mean, &[var])
}

// ---------------------------------------------------------------------------------------------
// The standard normal CDF, exact in f64 and stable in both tails.

/// Φ(z) = ½ erfc(−z/√2).
pub fn std_normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// log Φ(z), finite for every finite z. For z < −20 (where erfc would underflow towards subnormals)
/// it uses Φ(z) = φ(z)·R(−z) with Mills' ratio R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))), evaluated
/// from the tail of the continued fraction; for z > 5, log Φ(z) = log1p(−Φ(−z)).
pub fn log_std_normal_cdf(z: f64) -> f64 {
    if z > 5.0 {
        (-std_normal_cdf(-z)).ln_1p()
    } else if z > -20.0 {
        std_normal_cdf(z).ln()
    } else {
        let x = -z;
        let mut r = x; // the continued fraction, from depth 120 back to the top
        for k in (1..=120).rev() {
            r = x + k as f64 / r;
        }
        -0.5 * x * x - 0.5 * LN_2PI - r.ln()
    }
}

/// log(1 − e^d) for d < 0, stable for d near 0 and very negative d.
fn log1m_exp(d: f64) -> f64 {
    if d > -LN_2 { (-d.exp_m1()).ln() } else { (-d.exp()).ln_1p() }
}

/// 20-point Gauss–Legendre nodes and weights on [−1, 1] (computed once by Newton's method).
fn gauss_legendre_20() -> &'static [(f64, f64); 20] {
    use std::sync::OnceLock;
    static NODES: OnceLock<[(f64, f64); 20]> = OnceLock::new();
    NODES.get_or_init(|| {
        let n = 20;
        let mut out = [(0.0, 0.0); 20];
        for i in 0..n {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut dp = 0.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                    p0 = p1;
                    p1 = p2;
                }
                dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            out[i] = (x, 2.0 / ((1.0 - x * x) * dp * dp));
        }
        out
    })
}

/// log(Φ(hi) − Φ(lo)) for lo < hi, finite and accurate to a few ulps everywhere:
/// straddling 0 it uses erf (no cancellation); on one side it uses log Φ of the side nearer 0
/// plus either log1m_exp of the difference (wide bins) or Gauss–Legendre quadrature of
/// exp(−(z² − c²)/2) over the bin (narrow bins, where the difference would cancel).
pub fn log_std_normal_interval(lo: f64, hi: f64) -> f64 {
    debug_assert!(lo < hi);
    if lo < 0.0 && hi > 0.0 {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        return (0.5 * (libm::erf(hi * s) - libm::erf(lo * s))).ln();
    }
    // reflect the upper side onto the lower: Φ(hi) − Φ(lo) = Φ(−lo) − Φ(−hi)
    let (a, b) = if hi <= 0.0 { (lo, hi) } else { (-hi, -lo) }; // a < b ≤ 0, b nearest 0
    let width = b - a;
    if width * (-a).max(1.0) < 4.0 {
        // ∫_a^b φ(z) dz = φ(b) ∫_a^b exp(−(z − b)(z + b)/2) dz
        let (mid, half) = (0.5 * (a + b), 0.5 * width);
        let integral: f64 = gauss_legendre_20()
            .iter()
            .map(|&(x, w)| {
                let z = mid + half * x;
                w * (-(z - b) * (z + b) * 0.5).exp()
            })
            .sum::<f64>()
            * half;
        -0.5 * b * b - 0.5 * LN_2PI + integral.ln()
    } else {
        let (la, lb) = (log_std_normal_cdf(a), log_std_normal_cdf(b));
        lb + log1m_exp(la - lb)
    }
}

/// DDPM's discretized Gaussian decoder for 8-bit data scaled to [−1, 1], summed over coordinates, nats:
/// log p(x_0 | x_1) = Σ_i log ∫_{δ−(x_0^i)}^{δ+(x_0^i)} N(x; μ^i, σ²) dx, with bins of width 2/255
/// centred on x_0^i and the two edge bins open: δ−(−1) = −∞, δ+(1) = +∞ (DDPM, eq. 13).
/// The CDF is exact (erf/erfc) and evaluated in log space, so no tail gives log 0 or NaN.
/// Edge detection follows DDPM's code: x < −0.999 is the bottom bin, x > 0.999 the top one.
pub fn discretized_gaussian_log_likelihood_per_dim(x0: &[f64], mean: &[f64], var: f64) -> Result<Vec<f64>> {
    check_same_len("mean", mean.len(), "x0", x0.len())?;
    check_finite("x0", x0)?;
    check_finite("mean", mean)?;
    super::error::check_positive("variance", var)?;
    if let Some((i, x)) = x0.iter().enumerate().find(|(_, x)| !(-1.0..=1.0).contains(*x)) {
        return Err(InputError::range(&format!("x0[{i}]"), *x, Interval::closed(-1.0, 1.0)).with_hint("eighth_bit"));
    }
    // a bin is 2/255 wide: beyond 1e6 from the data, x − m ± 1/255 rounds to one number
    if let Some((i, m)) = mean.iter().enumerate().find(|(_, m)| !(-1e6..=1e6).contains(*m)) {
        return Err(InputError::range(&format!("mean[{i}]"), *m, Interval::closed(-1e6, 1e6)));
    }
    let inv_sd = 1.0 / var.sqrt();
    Ok(x0
        .iter()
        .zip(mean)
        .map(|(&x, &m)| {
            let c = x - m;
            let plus = (c + 1.0 / 255.0) * inv_sd;
            let minus = (c - 1.0 / 255.0) * inv_sd;
            if x < -0.999 {
                log_std_normal_cdf(plus)
            } else if x > 0.999 {
                log_std_normal_cdf(-minus)
            } else {
                log_std_normal_interval(minus, plus)
            }
        })
        .collect())
}

/// The total over coordinates of [`discretized_gaussian_log_likelihood_per_dim`], nats.
pub fn discretized_gaussian_log_likelihood(x0: &[f64], mean: &[f64], var: f64) -> Result<f64> {
    Ok(discretized_gaussian_log_likelihood_per_dim(x0, mean, var)?.iter().sum())
}

/// nats for a D-dimensional quantity → bits per dimension: nats / (D · ln 2).
pub fn nats_to_bits_per_dim(nats: f64, dims: usize) -> f64 {
    nats / (dims as f64 * LN_2)
}

/// The Monte Carlo side of (1.23): KL(N(μ₁, diag σ₁²) ‖ N(μ₂, diag σ₂²)) as the mean of
/// log N(x; μ₁, σ₁²) − log N(x; μ₂, σ₂²) over n seeded draws x ~ N(μ₁, σ₁²).
pub fn kl_monte_carlo(mean1: &[f64], var1: &[f64], mean2: &[f64], var2: &[f64], n: usize, seed: u64) -> Result<crate::numerics::montecarlo::Estimate> {
    kl_diagonal(mean1, var1, mean2, var2)?;
    if !(2..=10_000_000).contains(&n) {
        return Err(InputError::integer("samples", n as f64, 2, 10_000_000));
    }
    let mut rng = crate::numerics::rng::Rng::new(seed);
    let d = mean1.len();
    let draws: Vec<f64> = (0..n)
        .map(|_| {
            (0..d)
                .map(|i| {
                    let (v1, v2) = (var_at(var1, i), var_at(var2, i));
                    let x = mean1[i] + v1.sqrt() * rng.normal();
                    log_normal(x, mean1[i], v1) - log_normal(x, mean2[i], v2)
                })
                .sum()
        })
        .collect();
    Ok(crate::numerics::montecarlo::Estimate::of(&draws))
}

/// (1.90–1.95) term by term: the KL between q(x_{t−1}|x_t,x_0) = N(μ_q, σ_q² I) and
/// p_θ(x_{t−1}|x_t) = N(μ_θ, σ_q² I), two Gaussians with the same covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EqualVarianceKl {
    pub dims: usize,
    /// log |Σ_q| / |Σ_q| of (1.91): 0 (log 1 in (1.92))
    pub log_det_ratio: f64,
    /// −d
    pub minus_d: f64,
    /// tr(Σ_q⁻¹ Σ_q) = d
    pub trace: f64,
    /// (μ_θ − μ_q)ᵀ Σ_q⁻¹ (μ_θ − μ_q) (1.93–1.94)
    pub quadratic: f64,
    /// ½ [log-det ratio − d + trace + quadratic] (1.91), nats
    pub full: f64,
    /// the general diagonal-Gaussian KL (the sum of (1.23)) on the same inputs, nats
    pub general: f64,
    /// ‖μ_θ − μ_q‖² / (2σ_q²) (1.95), nats
    pub simplified: f64,
}

/// The equal-variance KL of (1.90) three ways: term by term (1.91), by the general formula, and
/// as the weighted squared distance of the means (1.95).
pub fn kl_equal_variance(mu_q: &[f64], mu_theta: &[f64], var_q: f64) -> Result<EqualVarianceKl> {
    crate::numerics::error::check_nonempty("muQ", mu_q.len())?;
    check_same_len("muTheta", mu_theta.len(), "muQ", mu_q.len())?;
    check_finite("muQ", mu_q)?;
    check_finite("muTheta", mu_theta)?;
    crate::numerics::error::check_positive("varQ", var_q)?;
    let d = mu_q.len();
    let log_det = |v: f64| d as f64 * v.ln();
    let log_det_ratio = log_det(var_q) - log_det(var_q);
    let trace: f64 = (0..d).map(|_| var_q / var_q).sum();
    let sq: f64 = mu_q.iter().zip(mu_theta).map(|(a, b)| (b - a) * (b - a)).sum();
    let quadratic: f64 = mu_q.iter().zip(mu_theta).map(|(a, b)| (b - a) * (b - a) / var_q).sum();
    Ok(EqualVarianceKl {
        dims: d,
        log_det_ratio,
        minus_d: -(d as f64),
        trace,
        quadratic,
        full: 0.5 * (log_det_ratio - d as f64 + trace + quadratic),
        general: kl_diagonal(mu_q, &[var_q], mu_theta, &[var_q])?,
        simplified: sq / (2.0 * var_q),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rng::Rng;

    #[test]
    fn kl_closed_form_matches_monte_carlo() {
        let (m1, v1, m2, v2) = ([0.3, -1.0], [0.5, 2.0], [1.0, 0.0], [1.5, 0.7]);
        let kl = kl_diagonal(&m1, &v1, &m2, &v2).unwrap();
        let mut rng = Rng::new(42);
        let n = 400_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let x: Vec<f64> = (0..2).map(|i| m1[i] + v1[i].sqrt() * rng.normal()).collect();
            let l = log_density_diagonal(&x, &m1, &v1).unwrap() - log_density_diagonal(&x, &m2, &v2).unwrap();
            s += l;
            s2 += l * l;
        }
        let mean = s / n as f64;
        let se = ((s2 / n as f64 - mean * mean) / n as f64).sqrt();
        assert!((mean - kl).abs() < 4.0 * se, "MC {mean} ± {se} vs closed form {kl}");
        // the seeds' 1-D form (1.23) with σ's
        let one = (v2[0] as f64).sqrt().ln() - v1[0].sqrt().ln() - 0.5 + (v1[0] + 0.49) / (2.0 * v2[0]);
        assert!((normal_kl(m1[0], v1[0], m2[0], v2[0]) - one).abs() < 1e-15);
        assert_eq!(kl_diagonal(&[1.0], &[2.0], &[1.0], &[2.0]).unwrap(), 0.0);
    }

    #[test]
    fn log_cdf_is_accurate_and_finite_in_both_tails() {
        // reference values of log Φ(z) (from mpmath at 30 digits)
        let cases = [
            (0.0, -0.693_147_180_559_945_3),
            (-1.0, -1.841_021_645_009_263_5),
            (-10.0, -53.231_285_150_512_47),
            (-19.99, -203.716_707_717_208_4),
            (-20.01, -204.117_702_778_659_93),
            (-40.0, -804.608_442_013_753_8),
            (-1000.0, -500_007.826_694_812_2),
            (3.0, -0.001_350_809_964_748_193_8),
            (10.0, -7.619_853_024_160_526e-24),
        ];
        for (z, want) in cases {
            let got = log_std_normal_cdf(z);
            assert!((got - want).abs() <= 1e-13 * want.abs(), "log Φ({z}) = {got}, want {want}");
        }
    }

    #[test]
    fn interval_agrees_with_direct_difference_where_that_is_safe() {
        for &(lo, hi) in &[(-0.5, 0.3), (-3.0, -2.9), (0.2, 0.21), (1.0, 4.0), (-6.0, -1.0), (-2.0, -1.999)] {
            let direct = (std_normal_cdf(hi) - std_normal_cdf(lo)).ln();
            let got = log_std_normal_interval(lo, hi);
            assert!((got - direct).abs() < 1e-9 * direct.abs().max(1.0), "[{lo},{hi}]: {got} vs {direct}");
        }
        // deep tail, narrow bin: ≈ log φ(b) + log(width) with φ varying over the bin
        let (a, b) = (-900.0 - 1e-3, -900.0);
        let got = log_std_normal_interval(a, b);
        let w = b - a; // ∫ over the bin of exp(−b(z − b)), dropping (z − b)²/2 ≤ w²/2 = 5e-7
        let approx = -0.5 * b * b - 0.5 * LN_2PI + ((1.0 - (b * w).exp()) / (-b)).ln();
        assert!((got - approx).abs() < 1e-6, "{got} vs {approx}");
        // symmetric
        assert!((log_std_normal_interval(2.0, 2.5) - log_std_normal_interval(-2.5, -2.0)).abs() < 1e-15);
    }

    #[test]
    fn discretized_decoder_tails_are_finite() {
        // |x| near 1, tiny σ, mean far away: the naive formula gives log 0 = −∞ or NaN here
        let x = [-1.0, 1.0, 1.0 - 2.0 / 255.0, -1.0 + 2.0 / 255.0, 0.0];
        let mean = [0.9, -0.9, -0.95, 0.99, 0.99];
        for var in [1e-12, 1e-6, 1e-4, 1.0] {
            let ll = discretized_gaussian_log_likelihood_per_dim(&x, &mean, var).unwrap();
            assert!(ll.iter().all(|v| v.is_finite() && *v < 0.0), "var {var}: {ll:?}");
        }
        // a well-placed mean with tiny σ captures the whole bin: log p → 0
        let ll = discretized_gaussian_log_likelihood(&[0.2, -1.0, 1.0], &[0.2, -1.0, 1.0], 1e-10).unwrap();
        assert!(ll.abs() < 1e-12, "{ll}");
        // the 256 bins form a distribution: Σ_k p(k) = 1
        let total: f64 = (0..256)
            .map(|k| {
                let x = 2.0 * k as f64 / 255.0 - 1.0;
                discretized_gaussian_log_likelihood(&[x], &[0.3], 0.04).unwrap().exp()
            })
            .sum();
        assert!((total - 1.0).abs() < 1e-12, "Σ p = {total}");
        assert!(discretized_gaussian_log_likelihood(&[1.5], &[0.0], 1.0).unwrap_err().message.contains("[-1, 1]"));
    }

    #[test]
    fn rejects_bad_variances_and_lengths() {
        assert!(kl_diagonal(&[0.0, 1.0], &[1.0, 0.0], &[0.0, 0.0], &[1.0]).unwrap_err().message.contains("> 0"));
        assert!(kl_diagonal(&[0.0, 1.0], &[1.0, 1.0, 1.0], &[0.0, 0.0], &[1.0]).unwrap_err().message.contains("must hold 1 or 2")); // one variance per coordinate or a single shared one
        assert!(kl_diagonal(&[0.0], &[1.0], &[0.0, 0.0], &[1.0]).unwrap_err().message.contains("lengths must match"));
        assert!(gaussian_decoder_log_likelihood(&[0.0], &[0.0], -1.0).is_err());
    }

    #[test]
    fn equal_variance_kl_is_the_weighted_squared_distance_of_the_means() {
        let k = kl_equal_variance(&[0.3, -1.2, 2.0], &[0.5, -1.0, 1.0], 0.04).unwrap();
        assert_eq!((k.log_det_ratio, k.minus_d, k.trace), (0.0, -3.0, 3.0));
        let want = (0.04 + 0.04 + 1.0) / (2.0 * 0.04);
        for v in [k.full, k.general, k.simplified] {
            assert!((v - want).abs() < 1e-12, "{k:?}");
        }
        assert!((k.quadratic - 2.0 * want).abs() < 1e-12);
        assert!(kl_equal_variance(&[0.0], &[0.0, 1.0], 1.0).unwrap_err().message.contains("muTheta has 2 values"));
        assert!(kl_equal_variance(&[0.0], &[0.0], 0.0).unwrap_err().message.contains("varQ = 0"));
    }

    #[test]
    fn kl_monte_carlo_is_seeded_and_agrees_with_the_formula() {
        let (m1, v1, m2, v2) = ([0.3, -1.0], [0.5, 2.0], [1.0, 0.0], [1.5, 0.7]);
        let e = kl_monte_carlo(&m1, &v1, &m2, &v2, 100_000, 4).unwrap();
        assert!(e.z_score(kl_diagonal(&m1, &v1, &m2, &v2).unwrap()) < 4.0, "{e:?}");
        assert_eq!(e, kl_monte_carlo(&m1, &v1, &m2, &v2, 100_000, 4).unwrap());
        assert!(kl_monte_carlo(&m1, &v1, &m2, &v2, 1, 4).unwrap_err().message.contains("samples = 1"));
    }
}
