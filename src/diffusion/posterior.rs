//! The forward-process posterior q(x_{t−1} | x_t, x_0) = N(μ_q(x_t, x_0), σ_q²(t) I) (1.74–1.89).

use crate::numerics::error::{check_finite, check_same_len, Result};
use crate::diffusion::schedule::NoiseSchedule;

/// Mean and variance of q(x_{t−1} | x_t, x_0).
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// μ_q = [√α_t (1 − ᾱ_{t−1}) x_t + √ᾱ_{t−1} (1 − α_t) x_0] / (1 − ᾱ_t)  (1.88)
    pub mean: Vec<f64>,
    /// σ_q²(t) = (1 − α_t)(1 − ᾱ_{t−1}) / (1 − ᾱ_t)  (1.89); zero at t = 1
    pub variance: f64,
    /// log σ_q²(t), clipped at t = 1 to log σ_q²(2) (DDPM's `posterior_log_variance_clipped`)
    pub log_variance_clipped: f64,
}

/// μ_q(x_t, x_0) (1.88) without validation; the inner loops of the ELBO use it.
pub(crate) fn posterior_mean_unchecked(s: &NoiseSchedule, x_t: &[f64], x0: &[f64], t: usize) -> Vec<f64> {
    let (c1, c2) = (s.posterior_mean_coef1[t - 1], s.posterior_mean_coef2[t - 1]);
    x0.iter().zip(x_t).map(|(a, b)| c1 * a + c2 * b).collect()
}

/// q(x_{t−1} | x_t, x_0) (1.87–1.89), t in 1..=T.
pub fn q_posterior(s: &NoiseSchedule, x_t: &[f64], x0: &[f64], t: usize) -> Result<Posterior> {
    s.check_t(t)?;
    check_same_len("x0", x0.len(), "xT", x_t.len())?;
    check_finite("xT", x_t)?;
    check_finite("x0", x0)?;
    Ok(Posterior {
        mean: posterior_mean_unchecked(s, x_t, x0, t),
        variance: s.posterior_var(t),
        log_variance_clipped: s.posterior_log_variance_clipped[t - 1],
    })
}

/// x_0 from the posterior mean, the inverse of (1.88) (and of (1.96) for μ_θ): solving
/// μ = coef1·x_0 + coef2·x_t for x_0 gives x̂_0 = (μ − coef2·x_t) / coef1 (improved-diffusion's
/// `_predict_xstart_from_xprev`, for a network that predicts μ itself). t in 1..=T; at t = 1
/// (coef1 = 1, coef2 = 0) x̂_0 is μ.
pub fn x0_from_posterior_mean(s: &NoiseSchedule, x_t: &[f64], t: usize, mean: &[f64]) -> Result<Vec<f64>> {
    s.check_t(t)?;
    check_same_len("mean", mean.len(), "xT", x_t.len())?;
    check_finite("xT", x_t)?;
    check_finite("mean", mean)?;
    let (c1, c2) = (s.posterior_mean_coef1[t - 1], s.posterior_mean_coef2[t - 1]);
    Ok(mean.iter().zip(x_t).map(|(m, x)| (m - c2 * x) / c1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::gaussian::log_normal;
    use crate::diffusion::schedule::BetaSchedule;

    /// Bayes' rule (1.74) computed independently: normalise q(x_t|x_{t−1}) q(x_{t−1}|x_0) over a fine
    /// 1-D grid and take its mean and variance; compare with (1.88–1.89).
    #[test]
    fn posterior_equals_bayes_rule_by_quadrature() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        for &(t, x0, xt) in &[(2usize, 0.7, 0.3), (10, -1.2, 0.5), (50, 2.0, -0.4), (100, 0.1, 1.9)] {
            let ab_prev = s.alpha_bar(t - 1);
            let (a, b) = (s.alpha(t), s.beta(t));
            let p = q_posterior(&s, &[xt], &[x0], t).unwrap();
            let sd = p.variance.sqrt();
            let (lo, hi, n) = (p.mean[0] - 12.0 * sd, p.mean[0] + 12.0 * sd, 200_000);
            let h = (hi - lo) / n as f64;
            let (mut z, mut m1, mut m2) = (0.0, 0.0, 0.0);
            for i in 0..=n {
                let x = lo + i as f64 * h;
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                let dens = (log_normal(xt, a.sqrt() * x, b) + log_normal(x, ab_prev.sqrt() * x0, 1.0 - ab_prev)).exp();
                z += w * dens;
                m1 += w * dens * x;
                m2 += w * dens * x * x;
            }
            let mean = m1 / z;
            let var = m2 / z - mean * mean;
            assert!((mean - p.mean[0]).abs() < 1e-9 * (1.0 + mean.abs()), "t={t}: {mean} vs {}", p.mean[0]);
            assert!((var - p.variance).abs() < 1e-7 * p.variance, "t={t}: {var} vs {}", p.variance);
        }
    }

    /// x_0 → μ_q (1.88) → x_0, and the coefficients read from their definitions (1.88) at one t.
    #[test]
    fn x0_from_posterior_mean_inverts_the_posterior_mean() {
        for s in [NoiseSchedule::ddpm_default(), NoiseSchedule::new(BetaSchedule::cosine_default(), 500).unwrap()] {
            for t in [1, 2, 37, 250, 499] {
                let (x_t, x0) = ([0.3, -1.7, 2.2], [1.1, 0.4, -0.6]);
                let mean = q_posterior(&s, &x_t, &x0, t).unwrap().mean;
                let back = x0_from_posterior_mean(&s, &x_t, t, &mean).unwrap();
                // (1.88) written out: [√α_t (1 − ᾱ_{t−1}) x_t + √ᾱ_{t−1} β_t x_0] / (1 − ᾱ_t), solved for x_0
                let (a, ap, ab, b) = (s.alpha(t), s.alpha_bar(t - 1), s.alpha_bar(t), s.beta(t));
                for i in 0..3 {
                    let by_hand = (mean[i] * (1.0 - ab) - a.sqrt() * (1.0 - ap) * x_t[i]) / (ap.sqrt() * b);
                    assert!((back[i] - x0[i]).abs() < 1e-9, "{} t={t}: {back:?} vs {x0:?}", s.kind.name());
                    assert!((by_hand - x0[i]).abs() < 1e-9, "{} t={t}", s.kind.name());
                }
                // a wrong mean gives a wrong x_0: the check can fail
                let shifted: Vec<f64> = mean.iter().map(|m| m + 1e-3).collect();
                let wrong = x0_from_posterior_mean(&s, &x_t, t, &shifted).unwrap();
                assert!((wrong[0] - x0[0]).abs() > 1e-4, "t={t}");
            }
        }
        let s = NoiseSchedule::ddpm_default();
        assert_eq!(x0_from_posterior_mean(&s, &[0.0, 1.0], 3, &[0.0]).unwrap_err().field, "mean");
        assert_eq!(x0_from_posterior_mean(&s, &[0.0], 0, &[0.0]).unwrap_err().field, "t");
        assert_eq!(x0_from_posterior_mean(&s, &[0.0], 3, &[f64::NAN]).unwrap_err().field, "mean[0]");
    }

    #[test]
    fn t1_posterior_is_the_data_point() {
        let s = NoiseSchedule::ddpm_default();
        let p = q_posterior(&s, &[0.4], &[-0.3], 1).unwrap();
        assert!((p.mean[0] + 0.3).abs() < 1e-10); // 1 − ᾱ_1 carries the rounding of ᾱ_1 = 0.9999
        assert_eq!(p.variance, 0.0);
        assert!(p.log_variance_clipped.is_finite());
    }
}
