//! Flow matching on the straight path of rectified flow (Liu et al. 2022; Lipman et al. 2023):
//! x_τ = (1 − τ) x₀ + τ ε, τ ∈ [0, 1], and the network regresses the velocity ε − x₀ of that
//! line. It is another Gaussian path N(m x₀, s² I) with m = 1 − τ, s = τ, so everything the seeds
//! say about ε and the score carries over through the marginal:
//!
//! - the best velocity is the conditional mean of the target, v(x, τ) = E[ε − x₀ | x_τ = x] = ε̂ − x̂₀;
//! - x_τ = (1 − τ) x̂₀ + τ ε̂ holds in expectation, so v = (ε̂ − x)/(1 − τ) from ε̂ alone;
//! - ε̂ = −τ ∇log p_τ(x) (the (1.143) of this path: s = τ), so v = −(x + τ ∇log p_τ(x))/(1 − τ);
//! - the same ε̂ is the one of the variance-preserving chain at ᾱ = (1 − τ)²/((1 − τ)² + τ²) and
//!   x_VP = x/√((1 − τ)² + τ²): a flow model and an ε model are one model on rescaled clocks.
//!
//! The network is told the time as the index τ·T (T = the trainer's levels), so it shares the
//! diffusion network's time embedding. Sampling integrates dx/dτ = v from τ = 1 (pure noise) to 0
//! by Euler's method on a uniform grid: N steps cost N network evaluations.
//!
//! Plain f64: no burn.

use crate::diffusion::sde::Marginal;
use crate::numerics::error::{check_count, InputError, Result};

/// The marginal of x_τ given x₀: N((1 − τ) x₀, τ² I).
pub fn marginal(tau: f64) -> Marginal {
    Marginal { mean_scale: 1.0 - tau, std: tau }
}

/// x_τ = (1 − τ) x₀ + τ ε.
pub fn interpolate(x0: &[f64], eps: &[f64], tau: f64) -> Vec<f64> {
    x0.iter().zip(eps).map(|(x, e)| (1.0 - tau) * x + tau * e).collect()
}

/// The regression target of one example: the velocity ε − x₀ of its straight line.
pub fn target(x0: &[f64], eps: &[f64]) -> Vec<f64> {
    x0.iter().zip(eps).map(|(x, e)| e - x).collect()
}

/// v = ε̂ − x̂₀ (the target's conditional mean).
pub fn velocity_from_pair(x0: &[f64], eps: &[f64]) -> Vec<f64> {
    target(x0, eps)
}

/// v = (ε̂ − x)/(1 − τ), τ < 1.
pub fn velocity_from_eps(x: &[f64], tau: f64, eps: &[f64]) -> Vec<f64> {
    x.iter().zip(eps).map(|(x, e)| (e - x) / (1.0 - tau)).collect()
}

/// v = −(x + τ ∇log p_τ(x))/(1 − τ), τ < 1.
pub fn velocity_from_score(x: &[f64], tau: f64, score: &[f64]) -> Vec<f64> {
    x.iter().zip(score).map(|(x, s)| -(x + tau * s) / (1.0 - tau)).collect()
}

/// x̂₀ = x − τ v and ε̂ = x + (1 − τ) v: what a velocity says about the two ends of the line.
pub fn x0_and_eps_from_velocity(x: &[f64], tau: f64, v: &[f64]) -> (Vec<f64>, Vec<f64>) {
    (x.iter().zip(v).map(|(x, v)| x - tau * v).collect(), x.iter().zip(v).map(|(x, v)| x + (1.0 - tau) * v).collect())
}

/// The variance-preserving chain's view of the same point: (ᾱ, x_VP) with
/// ᾱ = (1 − τ)²/c², x_VP = x/c, c = √((1 − τ)² + τ²); the noise ε is the same.
pub fn vp_equivalent(x: &[f64], tau: f64) -> (f64, Vec<f64>) {
    let c = ((1.0 - tau).powi(2) + tau * tau).sqrt();
    ((1.0 - tau).powi(2) / (c * c), x.iter().map(|v| v / c).collect())
}

/// The most Euler steps one sampling run may take.
pub const MAX_STEPS: usize = 10_000;

/// Euler's method for dx/dτ = v(x, τ) from τ = 1 to 0 on τ_k = k/N: x ← x − v(x, τ_k)/N, k = N … 1.
/// Pull-based like [`crate::diffusion::sde_samplers::SamplerRun`]: `query` says where the velocity
/// is needed, `answer` moves every point on.
#[derive(Debug, Clone)]
pub struct EulerRun {
    x: Vec<f64>,
    dim: usize,
    steps: usize,
    k: usize,
}

impl EulerRun {
    /// `x` holds the n starting points (standard normal draws: x_1 = ε), row-major.
    pub fn new(x: Vec<f64>, dim: usize, steps: usize) -> Result<Self> {
        check_count("steps", steps, 1, MAX_STEPS)?;
        if dim == 0 || x.len() % dim != 0 {
            return Err(InputError::length("x", x.len(), format!("a multiple of {dim}")));
        }
        Ok(Self { x, dim, steps, k: steps })
    }

    /// The points and τ where the next velocity is needed; None when τ = 0 is reached.
    pub fn query(&self) -> Option<(&[f64], f64)> {
        (self.k > 0).then(|| (self.x.as_slice(), self.k as f64 / self.steps as f64))
    }

    pub fn answer(&mut self, v: &[f64]) -> Result<()> {
        if v.len() != self.x.len() {
            return Err(InputError::length("velocity", v.len(), format!("{} (one per coordinate)", self.x.len())));
        }
        crate::numerics::error::check_finite("velocity", v)?;
        let h = 1.0 / self.steps as f64;
        self.x.iter_mut().zip(v).for_each(|(x, v)| *x -= h * v);
        self.k -= 1;
        Ok(())
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn state(&self) -> &[f64] {
        &self.x
    }

    pub fn finish(self) -> Vec<f64> {
        self.x
    }
}

/// The exact velocity of a Gaussian mixture's rectified flow at each point (row-major): ε̂ − x̂₀
/// with x̂₀ the posterior mean of x₀ and ε̂ = (x − (1 − τ) x̂₀)/τ (τ > 0; at τ → 0 the limit is
/// taken at τ = 1e-12).
pub fn oracle_velocity(mixture: &crate::diffusion::oracle::GaussianMixture, x: &[f64], tau: f64) -> Vec<f64> {
    let tau = tau.max(1e-12);
    let m = marginal(tau);
    x.chunks(mixture.dim)
        .flat_map(|p| {
            let x0 = mixture.posterior_mean_x0_at(p, m);
            p.iter().zip(x0).map(|(x, x0)| (x - (1.0 - tau) * x0) / tau - x0).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::ring8_mixture;
    use crate::numerics::rng::Rng;

    #[test]
    fn the_line_its_velocity_and_its_ends_agree() {
        let (x0, eps) = ([1.2, -0.3], [0.4, 2.0]);
        for tau in [0.0, 0.3, 0.99] {
            let x = interpolate(&x0, &eps, tau);
            let v = target(&x0, &eps);
            let (a, b) = x0_and_eps_from_velocity(&x, tau, &v);
            assert!(a.iter().zip(&x0).chain(b.iter().zip(&eps)).all(|(p, q)| (p - q).abs() < 1e-14));
            // moving along v for dτ moves x along the line
            let x2 = interpolate(&x0, &eps, tau + 1e-3);
            assert!(x.iter().zip(&x2).zip(&v).all(|((p, q), v)| (q - p - 1e-3 * v).abs() < 1e-12));
        }
        let (ab, xv) = vp_equivalent(&[1.0, 1.0], 0.5);
        assert!((ab - 0.5).abs() < 1e-15 && (xv[0] - 2f64.sqrt()).abs() < 1e-15);
    }

    /// With the exact velocity, Euler steps carry N(0, I) onto the data: the samples' MMD² to the
    /// ring falls with the steps, and a velocity with the wrong sign does not.
    #[test]
    fn euler_on_the_exact_velocity_reaches_the_data() {
        let m = ring8_mixture(2.0, 0.2, &[1.0; 8]).unwrap();
        let reference = m.sample(400, &mut Rng::new(3));
        let run = |steps: usize, sign: f64| {
            let mut r = EulerRun::new(Rng::new(5).normals(800), 2, steps).unwrap();
            while let Some((x, tau)) = r.query() {
                let v: Vec<f64> = oracle_velocity(&m, x, tau).iter().map(|v| sign * v).collect();
                r.answer(&v).unwrap();
            }
            crate::diffusion::quality::mmd2(&r.finish(), &reference, 2).unwrap()
        };
        let (few, many, wrong) = (run(2, 1.0), run(50, 1.0), run(50, -1.0));
        assert!(many < few && many < 0.01, "{few} {many}");
        assert!(wrong > 0.1, "{wrong}");
        assert_eq!(EulerRun::new(vec![0.0; 3], 2, 5).unwrap_err().field, "x");
        assert_eq!(EulerRun::new(vec![0.0; 2], 2, 0).unwrap_err().field, "steps");
    }
}
