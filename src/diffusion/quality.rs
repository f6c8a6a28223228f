//! How good are the samples? Against held-out data: the maximum mean discrepancy (MMD) with a
//! stated kernel, and its value for two independent data samples as the floor. For a known
//! mixture also: the mean log-density of the samples under the true density, and the fraction of
//! samples per mode (plain Langevin gets the mode weights wrong; annealed Langevin fixes it).

use crate::numerics::error::{InputError, Result};
use crate::diffusion::oracle::GaussianMixture;

/// The kernel's bandwidths: k(x, y) = mean over h of exp(−‖x − y‖² / (2h²)), a sum of Gaussian
/// (RBF) kernels at several scales so one number sees both the modes' places and their shapes.
pub const MMD_BANDWIDTHS: [f64; 3] = [0.1, 0.3, 1.0];

fn row(s: &[f64], dim: usize, i: usize) -> &[f64] {
    &s[i * dim..(i + 1) * dim]
}

fn kernel(x: &[f64], y: &[f64]) -> f64 {
    let d2: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    MMD_BANDWIDTHS.iter().map(|h| (-d2 / (2.0 * h * h)).exp()).sum::<f64>() / MMD_BANDWIDTHS.len() as f64
}

/// The unbiased estimate of MMD² between samples `a` and `b` (row-major, `dim` each) with the
/// kernel above: mean k(a, a') + mean k(b, b') − 2 mean k(a, b), diagonal terms left out.
/// Near 0 (it can dip below) when both come from the same distribution.
pub fn mmd2(a: &[f64], b: &[f64], dim: usize) -> Result<f64> {
    let (n, m) = (a.len() / dim, b.len() / dim);
    if n < 2 || m < 2 || a.len() % dim != 0 || b.len() % dim != 0 {
        let (field, len) = if n < 2 || a.len() % dim != 0 { ("samples", a.len()) } else { ("reference", b.len()) };
        return Err(InputError::length(field, len, format!("at least 2 points of dimension {dim}")));
    }
    crate::numerics::error::check_finite("samples", a)?;
    crate::numerics::error::check_finite("reference", b)?;
    let pairs = (n * n + m * m + n * m) as f64 / 2.0;
    crate::numerics::budget::check_work("samples", n as f64, pairs * dim as f64 * 4.0, "(n² + m² + n·m)/2 × dim × 4 kernel terms; score a subsample")?;
    let within = |s: &[f64], k: usize| {
        let mut sum = 0.0;
        for i in 0..k {
            for j in i + 1..k {
                sum += kernel(row(s, dim, i), row(s, dim, j));
            }
        }
        2.0 * sum / (k * (k - 1)) as f64
    };
    let mut cross = 0.0;
    for i in 0..n {
        for j in 0..m {
            cross += kernel(row(a, dim, i), row(b, dim, j));
        }
    }
    Ok(within(a, n) + within(b, m) - 2.0 * cross / (n * m) as f64)
}

/// The most rows of each sample that [`mmd2_at_most`] uses.
pub const MMD_MAX_POINTS: usize = 2000;

/// [`mmd2`] on at most `max_rows` evenly spaced rows of each sample (rows of a sample are
/// exchangeable draws, so this is an unbiased estimate with fewer terms): `(mmd2, rows of a,
/// rows of b)` used. Keeps the O(n²) cost fixed whatever the number of particles.
pub fn mmd2_at_most(a: &[f64], b: &[f64], dim: usize, max_rows: usize) -> Result<(f64, usize, usize)> {
    let thin = |s: &[f64]| -> Vec<f64> {
        let n = s.len() / dim.max(1);
        if n <= max_rows {
            return s.to_vec();
        }
        (0..max_rows).flat_map(|k| row(s, dim, k * n / max_rows).to_vec()).collect()
    };
    let (a, b) = (thin(a), thin(b));
    Ok((mmd2(&a, &b, dim)?, a.len() / dim.max(1), b.len() / dim.max(1)))
}

/// Sample quality against a mixture: mean log q(x) of the samples (nats per point), and the
/// fraction of samples whose most probable component is k (beside the true weights).
#[derive(Debug, Clone, PartialEq)]
pub struct MixtureQuality {
    pub mean_log_density: f64,
    pub mode_fractions: Vec<f64>,
    /// Σ_k |fraction_k − π_k| / 2: the total-variation distance of the mode weights
    pub mode_weight_error: f64,
}

pub fn mixture_quality(m: &GaussianMixture, samples: &[f64]) -> Result<MixtureQuality> {
    let d = m.dim;
    if samples.is_empty() || samples.len() % d != 0 {
        return Err(InputError::length("samples", samples.len(), format!("whole points of dimension {d}")));
    }
    crate::numerics::error::check_finite("samples", samples)?;
    let n = samples.len() / d;
    let mut counts = vec![0usize; m.components()];
    let mut log_sum = 0.0;
    for x in samples.chunks(d) {
        log_sum += m.log_density(x, 1.0);
        counts[m.mode_of(x)] += 1;
    }
    let mode_fractions: Vec<f64> = counts.iter().map(|c| *c as f64 / n as f64).collect();
    let mode_weight_error = mode_fractions.iter().zip(&m.weights).map(|(f, w)| (f - w).abs()).sum::<f64>() / 2.0;
    Ok(MixtureQuality { mean_log_density: log_sum / n as f64, mode_fractions, mode_weight_error })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rng::Rng;

    #[test]
    fn mmd_separates_different_distributions_and_not_equal_ones() {
        let m = crate::data::toy::Dataset::ring8_default().mixture().unwrap();
        let mut rng = Rng::new(4);
        let a = m.sample(400, &mut rng);
        let b = m.sample(400, &mut rng);
        let shifted: Vec<f64> = m.sample(400, &mut rng).iter().map(|v| v + 0.3).collect();
        let same = mmd2(&a, &b, 2).unwrap();
        let diff = mmd2(&a, &shifted, 2).unwrap();
        assert!(same.abs() < 0.01, "same distribution: {same}");
        assert!(diff > 10.0 * same.abs().max(1e-3), "shifted: {diff} vs {same}");
        assert!(mmd2(&a[..2], &b, 2).is_err());
    }

    #[test]
    fn large_samples_are_refused_by_the_budget_or_thinned_and_still_separate() {
        let m = crate::data::toy::Dataset::ring8_default().mixture().unwrap();
        let mut rng = Rng::new(5);
        let big = m.sample(40_000, &mut rng);
        let other = m.sample(40_000, &mut rng);
        let e = mmd2(&big, &other, 2).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code()), ("samples", "too_much_work"), "{}", e.message);
        let (same, n, k) = mmd2_at_most(&big, &other, 2, MMD_MAX_POINTS).unwrap();
        assert_eq!((n, k), (MMD_MAX_POINTS, MMD_MAX_POINTS));
        let shifted: Vec<f64> = other.iter().map(|v| v + 0.3).collect();
        let (diff, _, _) = mmd2_at_most(&big, &shifted, 2, MMD_MAX_POINTS).unwrap();
        assert!(same.abs() < 0.01 && diff > 10.0 * same.abs().max(1e-3), "{same} vs {diff}");
        // small samples are used whole: the same number as mmd2
        assert_eq!(mmd2_at_most(&big[..800], &other[..600], 2, MMD_MAX_POINTS).unwrap().0, mmd2(&big[..800], &other[..600], 2).unwrap());
    }

    #[test]
    fn mode_fractions_match_the_weights_for_data() {
        let m = GaussianMixture::new(vec![0.2, 0.8], vec![vec![-5.0, -5.0], vec![5.0, 5.0]], vec![vec![1.0; 2]; 2]).unwrap();
        let x = m.sample(5000, &mut Rng::new(1));
        let q = mixture_quality(&m, &x).unwrap();
        assert!((q.mode_fractions[0] - 0.2).abs() < 0.02, "{:?}", q.mode_fractions);
        assert!(q.mode_weight_error < 0.02);
    }
}
