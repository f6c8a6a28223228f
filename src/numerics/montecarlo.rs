//! Monte Carlo estimates (the seeds' "蒙特卡洛估计" after (1.24)): Q_n = (1/n) Σ f(X_i), with the
//! sample variance of f and the standard error √(Var/n) that says how far Q_n may be from E[f].

/// A Monte Carlo estimate of E[f] from n draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Q_n, the sample mean
    pub mean: f64,
    /// √(variance / n)
    pub std_error: f64,
    /// the unbiased sample variance of one draw of f (0 for n < 2)
    pub variance: f64,
    pub samples: usize,
}

impl Estimate {
    /// The estimate from the draws f(X_1), …, f(X_n) (two-pass, so large means do not cancel).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate { mean: f64::NAN, std_error: f64::NAN, variance: f64::NAN, samples: 0 };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance = if n > 1 { values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
        Estimate { mean, std_error: (variance / n as f64).sqrt(), variance, samples: n }
    }

    /// How many standard errors `value` lies from the mean (∞ if the estimate has none and differs).
    pub fn z_score(&self, value: f64) -> f64 {
        let d = (self.mean - value).abs();
        if d == 0.0 {
            0.0
        } else {
            d / self.std_error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_variance_and_standard_error() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.variance - 5.0 / 3.0).abs() < 1e-15);
        assert!((e.std_error - (5.0f64 / 12.0).sqrt()).abs() < 1e-15);
        assert_eq!(Estimate::of(&[7.0]).variance, 0.0);
        assert!(Estimate::of(&[]).mean.is_nan());
        assert_eq!(Estimate::of(&[1.0, 1.0]).z_score(1.0), 0.0);
        assert!(Estimate::of(&[1.0, 1.0]).z_score(2.0).is_infinite());
    }
}
