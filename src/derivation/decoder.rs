//! DDPM's L_0 (item 35): the discretized Gaussian decoder p_θ(x₀ | x₁) of the image case, 256 levels
//! in [−1, 1], each bin's probability the Gaussian's mass over it (the edge bins reach to ±∞). The
//! engine's closed form (erf differences, `numerics::gaussian`) against Simpson quadrature of the
//! density over the bin, and the 256 probabilities against 1.
//!
//! The reader's x₀ is mapped to a level (x₀/3, clamped to [−1, 1], rounded to the grid k/127.5 − 1);
//! the decoder's mean is a few bins off (0.97 × the level + 0.02 z) with σ² = β₁ of the linear schedule.

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::numerics::gaussian::{discretized_gaussian_log_likelihood_per_dim, log_normal};
use crate::numerics::quadrature::log_integral_moments;

pub const ITEMS: &[u8] = &[35];
const HALF_BIN: f64 = 1.0 / 255.0;

fn level(v: f64) -> f64 {
    (((v / 3.0).clamp(-1.0, 1.0) + 1.0) * 127.5).round() / 127.5 - 1.0
}

struct At {
    x: Vec<f64>,
    mean: Vec<f64>,
    var: f64,
}

fn at(p: &DiffusionPoint) -> At {
    let x: Vec<f64> = p.x0.iter().map(|v| level(*v)).collect();
    let mean = x.iter().zip(&p.z).map(|(x, z)| 0.97 * x + 0.02 * z).collect(); // shrunk a little, as a denoiser's mean is
    At { x, mean, var: p.schedule.beta(1) }
}

/// log of the Gaussian mass over x's bin by Simpson's rule (edge bins integrated out to 40 σ).
fn bin_mass_by_quadrature(x: f64, mean: f64, var: f64) -> f64 {
    let sd = var.sqrt();
    let lo = if x < -0.999 { mean.min(x) - 40.0 * sd } else { x - HALF_BIN };
    let hi = if x > 0.999 { mean.max(x) + 40.0 * sd } else { x + HALF_BIN };
    // Simpson's error grows like (h/σ)⁴ z⁴ out in a tail: a step of σ/400 keeps it below 1e-9
    let n = (((hi - lo) / (sd / 400.0)).ceil() as usize).clamp(200, 400_000);
    log_integral_moments(|y| log_normal(y, mean, var), lo, hi, n).0
}

pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    let mut b = Builder::new("decoder", ITEMS, p, tamper);
    let engine = b.line("engine", "L_0", |p| {
        let c = at(p);
        discretized_gaussian_log_likelihood_per_dim(&c.x, &c.mean, c.var).unwrap_or_else(|_| vec![f64::NAN; c.x.len()])
    });
    let quad = b.line("quadrature", "L_0", |p| {
        let c = at(p);
        c.x.iter().zip(&c.mean).map(|(x, m)| bin_mass_by_quadrature(*x, *m, c.var)).collect()
    });
    let total = b.line("total", "L_0", |p| {
        // every level's probability under the engine's decoder, summed per coordinate
        let c = at(p);
        c.mean
            .iter()
            .map(|m| (0..256).map(|k| discretized_gaussian_log_likelihood_per_dim(&[k as f64 / 127.5 - 1.0], &[*m], c.var).map_or(f64::NAN, |l| l[0].exp())).sum())
            .collect()
    });
    let one = b.line("one", "L_0", |p| vec![1.0; p.x0.len()]);
    b.step_within("bin_mass", engine, quad, Relation::Equal, 1e-8);
    b.step_within("normalised", total, one, Relation::Equal, 1e-9);
    b.finish()
}

/// The page's inputs: x0, seed.
pub fn evaluate(i: &super::Inputs) -> crate::numerics::error::Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), 1, i.seed, 1)?;
    Ok(derive(&p, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn the_decoder_is_the_mass_of_its_bin_and_sums_to_one_also_at_the_edges() {
        for (x0, seed) in [(vec![1.5, -0.4], 1), (vec![-9.0, 9.0], 7), (vec![0.0, 2.9], 3)] {
            let p = DiffusionPoint::new(x0, 1, seed, 1).unwrap();
            let mut broken = p.broken();
            broken.z = p.z.iter().map(|z| z + 0.5).collect(); // the mean a bin or more away
            assert_checks_can_fail(&p, &broken, derive);
        }
        // the normalisation can fail: one bin width wrong (1/127.5 instead of 1/255) overshoots 1
        let m = 0.1;
        let wide: f64 = (0..256).map(|k| { let x = k as f64 / 127.5 - 1.0; bin_mass_by_quadrature(x, m, 1e-4).exp() * if x.abs() < 0.999 { 2.0 } else { 1.0 } }).sum();
        assert!((wide - 1.0).abs() > 0.5);
    }
}
