//! The reader's point for the diffusion derivations: a data point x₀, a step t of the schedule, and
//! the noise draws (ε for x_t, z for x_{t−1}) from one seed; the "model" is the exact oracle of the
//! 8-Gaussian ring (E[x₀ | x_t]), a real denoiser whose prediction differs from x₀.

use crate::data::toy::ring8_mixture;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::schedule::NoiseSchedule;
use crate::numerics::error::{check_finite, check_range, Interval, Result};
use crate::numerics::rng::Rng;

/// x₀ and the other coordinates a reader may type are kept to this range (a derivation's numbers
/// stay readable and every quadrature grid stays fine enough).
pub const COORD_RANGE: Interval = Interval::closed(-10.0, 10.0);

#[derive(Debug, Clone)]
pub struct DiffusionPoint {
    pub schedule: NoiseSchedule,
    pub mixture: GaussianMixture,
    pub x0: Vec<f64>,
    pub t: usize,
    /// ε of x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (1.70)
    pub eps: Vec<f64>,
    /// a standard normal draw for x_{t−1} and any other line that needs one
    pub z: Vec<f64>,
    pub seed: u64,
}

impl DiffusionPoint {
    /// The linear DDPM schedule (T = 1000), the ring of 8 Gaussians, t in `lo..=T`.
    pub fn new(x0: Vec<f64>, t: usize, seed: u64, lo: usize) -> Result<Self> {
        let schedule = NoiseSchedule::ddpm_default();
        schedule.check_t_in("t", t, lo)?;
        check_finite("x0", &x0)?;
        if x0.len() != 2 {
            return Err(crate::numerics::error::InputError::length("x0", x0.len(), "2 (a point of the plane)"));
        }
        for (i, v) in x0.iter().enumerate() {
            check_range(&format!("x0[{i}]"), *v, COORD_RANGE)?;
        }
        let mut rng = Rng::new(seed);
        let eps = rng.normals(2);
        let z = rng.normals(2);
        let mixture = ring8_mixture(2.0, 0.2, &[1.0; 8])?;
        Ok(Self { schedule, mixture, x0, t, eps, z, seed })
    }

    pub fn alpha(&self) -> f64 {
        self.schedule.alpha(self.t)
    }
    pub fn beta(&self) -> f64 {
        self.schedule.beta(self.t)
    }
    pub fn alpha_bar(&self) -> f64 {
        self.schedule.alpha_bar(self.t)
    }
    /// ᾱ_{t−1} (1 at t = 1)
    pub fn alpha_bar_prev(&self) -> f64 {
        self.schedule.alpha_bar(self.t - 1)
    }

    /// x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (1.70)
    pub fn x_t(&self) -> Vec<f64> {
        let a = self.alpha_bar();
        self.x0.iter().zip(&self.eps).map(|(x, e)| a.sqrt() * x + (1.0 - a).sqrt() * e).collect()
    }

    /// The same point moved: x₀ shifted, the next t (or the one before at T), other noise.
    /// Tests hand it to one line to see a step fail.
    pub fn broken(&self) -> Self {
        let mut b = self.clone();
        b.x0 = self.x0.iter().map(|v| v + 0.37).collect();
        b.t = if self.t < self.schedule.t_max { self.t + 1 } else { self.t - 1 };
        b.eps = self.eps.iter().map(|e| -0.6 * e + 0.4).collect();
        b.z = self.z.iter().map(|e| -0.5 * e + 0.3).collect();
        b
    }
}
