//! A held-out estimate refined in the background: estimates of the same model made piece by piece
//! (a slice of the held-out points at a time, every t, then fresh draws of t's noise for the same
//! points) pooled per point, so the page can show one −ELBO whose standard error shrinks until it
//! is small against what it shows (`TARGET_STD_ERROR`). Plain f64; no burn, no I/O.
//!
//! Pooling is per point: each point's value is the mean of its estimates, and the standard error
//! is that of the mean over the points covered so far (the points are independent draws; a point's
//! repeated estimates are not independent of each other, which is why they are averaged first).

use crate::engine::evaluate::{HeldOut, LOSS_BINS};

/// The standard error (nats/dim, or bits/dim) the refined estimate aims at.
pub const TARGET_STD_ERROR: f64 = 0.02;
/// Held-out points per refinement call (every t for each): ~1 s of the network on a wasm CPU.
pub const POINTS_PER_CALL: usize = 32;
/// The refined estimate is not called done on fewer points than this (a few points can look precise by chance).
pub const MIN_POINTS: usize = 512;
/// After this many passes over every held-out point the refinement stops, converged or not.
pub const MAX_PASSES: usize = 3;

/// The running per-point sums of one model's held-out estimates.
#[derive(Debug, Clone)]
pub struct HeldOutPool {
    sum: Vec<f64>,
    count: Vec<u32>,
    /// points-weighted sums of the mean reconstruction, prior and denoising terms
    terms: [f64; 3],
    /// Σ and weight of the per-bin KL
    bins: Vec<(f64, f64)>,
    pooled_points: usize,
    pub rounds: usize,
    /// where the next slice starts, and which pass over the points it belongs to
    next: usize,
    pass: usize,
    unit: &'static str,
}

impl HeldOutPool {
    /// An empty pool for `points` held-out points.
    pub fn new(points: usize) -> Self {
        Self { sum: vec![0.0; points], count: vec![0; points], terms: [0.0; 3], bins: vec![(0.0, 0.0); LOSS_BINS], pooled_points: 0, rounds: 0, next: 0, pass: 0, unit: "nats/dim" }
    }

    /// Held-out points in the pool (its capacity).
    pub fn len(&self) -> usize {
        self.sum.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sum.is_empty()
    }

    /// The next slice of at most `points` points: (offset, how many, which pass — 0 for the
    /// first). Slices go in order and wrap round to the first point after the last (a new pass,
    /// to be drawn with fresh noise); `add` moves on past the slice it is given.
    pub fn next_slice(&self, points: usize) -> (usize, usize, usize) {
        (self.next, points.max(1).min(self.len() - self.next), self.pass)
    }

    /// Add an estimate made on the points `offset..offset + h.points` (the slice `next_slice` gave).
    pub fn add(&mut self, h: &HeldOut, offset: usize) {
        self.next = offset + h.points;
        if self.next >= self.len() {
            self.next = 0;
            self.pass += 1;
        }
        for (i, v) in h.per_point.iter().enumerate() {
            if let (Some(s), Some(c)) = (self.sum.get_mut(offset + i), self.count.get_mut(offset + i)) {
                *s += v;
                *c += 1;
            }
        }
        let n = h.points as f64;
        for (acc, v) in self.terms.iter_mut().zip([h.reconstruction, h.prior, h.denoising]) {
            *acc += v * n;
        }
        for (b, v) in self.bins.iter_mut().zip(&h.kl_by_t) {
            if v.is_finite() {
                b.0 += v * n;
                b.1 += n;
            }
        }
        self.pooled_points += h.points;
        self.rounds += 1;
        self.unit = h.unit;
    }

    /// Whole passes over the points made so far.
    pub fn passes(&self) -> usize {
        self.pass
    }

    /// Points covered at least once (a prefix: rounds go in order).
    pub fn covered(&self) -> usize {
        self.count.iter().take_while(|c| **c > 0).count()
    }

    /// The pooled estimate over the covered points (per_point: each one's mean), or None before
    /// any round.
    pub fn estimate(&self) -> Option<HeldOut> {
        let m = self.covered();
        if m == 0 {
            return None;
        }
        let per_point: Vec<f64> = self.sum[..m].iter().zip(&self.count[..m]).map(|(s, c)| s / *c as f64).collect();
        let mean = per_point.iter().sum::<f64>() / m as f64;
        let var = if m > 1 { per_point.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (m - 1) as f64 } else { 0.0 };
        let w = self.pooled_points as f64;
        Some(HeldOut {
            neg_elbo_per_dim: mean,
            std_error: (var / m as f64).sqrt(),
            unit: self.unit,
            points: m,
            reconstruction: self.terms[0] / w,
            prior: self.terms[1] / w,
            denoising: self.terms[2] / w,
            kl_by_t: self.bins.iter().map(|(s, w)| if *w > 0.0 { s / w } else { f64::NAN }).collect(),
            per_point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(values: &[f64]) -> HeldOut {
        let n = values.len();
        HeldOut { neg_elbo_per_dim: values.iter().sum::<f64>() / n as f64, std_error: 0.0, unit: "nats/dim", points: n, reconstruction: 1.0, prior: 0.5, denoising: 2.0,
            kl_by_t: vec![0.1; LOSS_BINS], per_point: values.to_vec() }
    }

    #[test]
    fn slices_cover_every_point_once_per_pass() {
        let mut pool = HeldOutPool::new(70);
        let mut seen = vec![0; 70];
        let mut passes = Vec::new();
        for size in [32, 8, 40, 32, 32, 32] { // slices of any size (the worker paces them by time)
            let (o, k, pass) = pool.next_slice(size);
            passes.push(pass);
            for s in &mut seen[o..o + k] {
                *s += 1;
            }
            pool.add(&estimate(&vec![1.0; k]), o);
        }
        assert_eq!(passes, vec![0, 0, 0, 1, 1, 1]); // 32 + 8 + 30 (cut at the end), then 32 + 32 + 6
        assert_eq!(seen, vec![2; 70]);
    }

    #[test]
    fn pooling_averages_each_point_first() {
        let mut pool = HeldOutPool::new(4);
        assert!(pool.estimate().is_none());
        pool.add(&estimate(&[1.0, 3.0]), 0);
        let one = pool.estimate().unwrap();
        assert_eq!((one.points, one.neg_elbo_per_dim), (2, 2.0));
        pool.add(&estimate(&[5.0, 7.0]), 2);
        pool.add(&estimate(&[3.0, 5.0]), 0); // a second pass over the first two: their means are 2 and 4
        let e = pool.estimate().unwrap();
        assert_eq!(e.per_point, vec![2.0, 4.0, 5.0, 7.0]);
        assert_eq!(e.neg_elbo_per_dim, 4.5);
        let sd = ((2.5f64.powi(2) + 0.5f64.powi(2) + 0.5f64.powi(2) + 2.5f64.powi(2)) / 3.0).sqrt();
        assert!((e.std_error - sd / 2.0).abs() < 1e-12, "{e:?}");
        assert_eq!((e.reconstruction, e.prior, e.denoising), (1.0, 0.5, 2.0));
        // the check fails for a pool that forgets a point's count: break it and see
        let mut broken = pool.clone();
        broken.count[0] = 1;
        assert_ne!(broken.estimate().unwrap().per_point[0], 2.0);
    }
}
