//! Seeded 2-D toy data sets and user-supplied points. Every generator draws from [`crate::numerics::rng::Rng`]
//! in a fixed, documented order, so the same seed gives the same points natively and in wasm.
//! Points are row-major: n rows of (x, y).

use crate::numerics::error::{InputError, Interval, Result};
use crate::diffusion::oracle::GaussianMixture;
use crate::numerics::rng::Rng;

/// Largest number of points one call generates.
pub const MAX_POINTS: usize = 1_000_000;

/// The 2-D data sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    /// Eight Gaussians evenly spaced on a circle of `radius`, each with standard deviation `std`
    /// and the given weights (equal by default): an exact mixture, so the oracle applies.
    Ring8 { radius: f64, std: f64, weights: Vec<f64> },
    /// Two interleaved half circles (scikit-learn's `make_moons`), centred and scaled by 1.5,
    /// plus Gaussian noise of standard deviation `noise`.
    Moons { noise: f64 },
    /// A 2-D Swiss roll: θ = 1.5π(1 + 2u), (θ cos θ, θ sin θ)/5, plus noise.
    SwissRoll { noise: f64 },
    /// A 4 × 4 checkerboard on [−2, 2]²: uniform on the 8 squares whose (column + row) is even.
    Checkerboard,
    /// Two concentric circles of radius 1 and 2, chosen with equal probability, plus noise.
    Circles { noise: f64 },
}

impl Dataset {
    pub const NAMES: [&'static str; 5] = ["ring8", "moons", "swissroll", "checkerboard", "circles"];
    pub const DEFAULT_NOISE: f64 = 0.05;

    /// A data set by name with its default parameters.
    pub fn by_name(name: &str) -> Result<Self> {
        match name {
            "ring8" => Ok(Dataset::ring8_default()),
            "moons" => Ok(Dataset::Moons { noise: Self::DEFAULT_NOISE }),
            "swissroll" => Ok(Dataset::SwissRoll { noise: Self::DEFAULT_NOISE }),
            "checkerboard" => Ok(Dataset::Checkerboard),
            "circles" => Ok(Dataset::Circles { noise: Self::DEFAULT_NOISE }),
            other => Err(InputError::one_of("dataset", other, &Self::NAMES)),
        }
    }

    /// Radius 2, standard deviation 0.2, equal weights.
    pub fn ring8_default() -> Self {
        Dataset::Ring8 { radius: 2.0, std: 0.2, weights: vec![1.0; 8] }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Dataset::Ring8 { .. } => "ring8",
            Dataset::Moons { .. } => "moons",
            Dataset::SwissRoll { .. } => "swissroll",
            Dataset::Checkerboard => "checkerboard",
            Dataset::Circles { .. } => "circles",
        }
    }

    /// The exact mixture behind the data set, where there is one (ring8).
    pub fn mixture(&self) -> Option<GaussianMixture> {
        match self {
            Dataset::Ring8 { radius, std, weights } => Some(ring8_mixture(*radius, *std, weights).expect("validated")),
            _ => None,
        }
    }

    /// Check the data set's parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            Dataset::Ring8 { radius, std, weights } => {
                crate::numerics::error::check_positive("radius", *radius)?;
                crate::numerics::error::check_positive("std", *std)?;
                if weights.len() != 8 {
                    return Err(InputError::length("weights", weights.len(), "8 (one per mode)"));
                }
                ring8_mixture(*radius, *std, weights).map(|_| ())
            }
            Dataset::Moons { noise } | Dataset::SwissRoll { noise } | Dataset::Circles { noise } => {
                if noise.is_finite() && *noise >= 0.0 && *noise <= 1.0 {
                    Ok(())
                } else {
                    Err(InputError::range("noise", *noise, Interval::closed(0.0, 1.0)))
                }
            }
            Dataset::Checkerboard => Ok(()),
        }
    }

    /// n points from the seeded generator.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<f64>> {
        self.validate()?;
        if !(1..=MAX_POINTS).contains(&n) {
            return Err(InputError::integer("n", n as f64, 1, MAX_POINTS as u64));
        }
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(2 * n);
        match self {
            Dataset::Ring8 { .. } => return Ok(self.mixture().expect("ring8 is a mixture").sample(n, &mut rng)),
            Dataset::Moons { noise } => {
                for _ in 0..n {
                    let upper = rng.uniform() < 0.5;
                    let th = std::f64::consts::PI * rng.uniform();
                    let (x, y) = if upper {
                        (libm::cos(th), libm::sin(th))
                    } else {
                        (1.0 - libm::cos(th), 0.5 - libm::sin(th))
                    };
                    out.push(1.5 * (x - 0.5) + noise * rng.normal());
                    out.push(1.5 * (y - 0.25) + noise * rng.normal());
                }
            }
            Dataset::SwissRoll { noise } => {
                for _ in 0..n {
                    let th = 1.5 * std::f64::consts::PI * (1.0 + 2.0 * rng.uniform());
                    out.push(th * libm::cos(th) / 5.0 + noise * rng.normal());
                    out.push(th * libm::sin(th) / 5.0 + noise * rng.normal());
                }
            }
            Dataset::Checkerboard => {
                for _ in 0..n {
                    // pick one of the 8 even squares, then a uniform point in it
                    let k = ((rng.uniform() * 8.0) as usize).min(7);
                    let row = k / 2;
                    let col = 2 * (k % 2) + (row % 2);
                    out.push(-2.0 + col as f64 + rng.uniform());
                    out.push(-2.0 + row as f64 + rng.uniform());
                }
            }
            Dataset::Circles { noise } => {
                for _ in 0..n {
                    let r = if rng.uniform() < 0.5 { 1.0 } else { 2.0 };
                    let th = 2.0 * std::f64::consts::PI * rng.uniform();
                    out.push(r * libm::cos(th) + noise * rng.normal());
                    out.push(r * libm::sin(th) + noise * rng.normal());
                }
            }
        }
        Ok(out)
    }
}

/// The 8-Gaussian ring as a mixture: mode k at radius·(cos 2πk/8, sin 2πk/8), variance std².
pub fn ring8_mixture(radius: f64, std: f64, weights: &[f64]) -> Result<GaussianMixture> {
    let means = (0..8)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / 8.0;
            vec![radius * libm::cos(a), radius * libm::sin(a)]
        })
        .collect();
    GaussianMixture::new(weights.to_vec(), means, vec![vec![std * std; 2]; 8])
}

/// Validate user-supplied points: a flat, row-major array of `dim`-vectors, all finite, at most
/// [`MAX_POINTS`] of them (see [`crate::numerics::error::check_points`]).
pub fn validate_points(points: &[f64], dim: usize) -> Result<usize> {
    crate::numerics::error::check_points("points", points, dim, MAX_POINTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_points_and_known_bits() {
        for name in Dataset::NAMES {
            let d = Dataset::by_name(name).unwrap();
            let a = d.sample(500, 17).unwrap();
            assert_eq!(a, d.sample(500, 17).unwrap(), "{name}");
            assert_ne!(a, d.sample(500, 18).unwrap(), "{name}");
            assert_eq!(a.len(), 1000);
            assert!(a.iter().all(|v| v.is_finite() && v.abs() < 4.0), "{name}");
        }
    }

    #[test]
    fn ring8_modes_are_balanced_and_on_the_circle() {
        let d = Dataset::ring8_default();
        let g = d.mixture().unwrap();
        let xs = d.sample(8000, 3).unwrap();
        let mut counts = [0usize; 8];
        for p in xs.chunks(2) {
            let r = g.responsibilities(p, 1.0);
            let k = (0..8).max_by(|a, b| r[*a].partial_cmp(&r[*b]).unwrap()).unwrap();
            counts[k] += 1;
            let rad = (p[0] * p[0] + p[1] * p[1]).sqrt();
            assert!((rad - 2.0).abs() < 1.2);
        }
        assert!(counts.iter().all(|c| (800..1200).contains(c)), "{counts:?}");
    }

    /// The seeded stream is pinned bit for bit; tests/web.rs checks the same bits in the browser.
    #[test]
    fn pinned_bits() {
        let ring: Vec<u64> = Dataset::ring8_default().sample(4, 42).unwrap().iter().map(|x| x.to_bits()).collect();
        let moons: Vec<u64> = Dataset::Moons { noise: 0.05 }.sample(3, 7).unwrap().iter().map(|x| x.to_bits()).collect();
        assert_eq!(ring, PINNED_RING8_SEED42_N4.to_vec(), "ring8 {ring:#x?}");
        assert_eq!(moons, PINNED_MOONS_SEED7_N3.to_vec(), "moons {moons:#x?}");
    }

    #[test]
    fn checkerboard_lands_on_even_squares() {
        let xs = Dataset::Checkerboard.sample(2000, 1).unwrap();
        for p in xs.chunks(2) {
            let (c, r) = ((p[0] + 2.0).floor() as i64, (p[1] + 2.0).floor() as i64);
            assert!((0..4).contains(&c) && (0..4).contains(&r));
            assert_eq!((c + r) % 2, 0, "{p:?}");
        }
    }

    #[test]
    fn rejects_bad_requests() {
        assert!(Dataset::by_name("spiral").unwrap_err().message.contains("\"moons\""));
        assert!(Dataset::Moons { noise: -1.0 }.sample(10, 0).unwrap_err().message.contains("[0, 1]"));
        assert!(Dataset::Checkerboard.sample(0, 0).unwrap_err().message.contains("1..="));
        assert!(validate_points(&[1.0, 2.0, 3.0], 2).unwrap_err().message.contains("multiple of 2"));
        assert!(validate_points(&[1.0, f64::NAN], 2).unwrap_err().message.contains("finite"));
        assert_eq!(validate_points(&[1.0, 2.0, 3.0, 4.0], 2).unwrap(), 2);
    }
}

/// `f64::to_bits` of `ring8` (defaults), n = 4, seed 42: pinned so a native test and a browser test
/// both check that the seeded stream is the same on every platform.
pub const PINNED_RING8_SEED42_N4: [u64; 8] = [
    0x3ffeabbb9a1dd468, 0x3fdd127d9fbe9e28, 0x3fc7fc7a194e844f, 0xc002587517760b8c,
    0xbff5caa98a168d80, 0xbff74ef85d993a9a, 0x3ff943806abdb6c8, 0xbff7f1045ef35e7a,
];
/// `f64::to_bits` of `moons` (noise 0.05), n = 3, seed 7.
pub const PINNED_MOONS_SEED7_N3: [u64; 6] =
    [0xbfbd9cd6b949db2e, 0xbfe5723c04c277f0, 0x3fe6617e5c778b40, 0x3fb9ec1c7d8e9a37, 0x4000c32eb788441b, 0xbfcb0597a009e4a5];
