//! Importance sampling of the timestep t by the per-t loss (Nichol & Dhariwal 2021, "Improved
//! DDPM", §3.3): the objective L = (1/T) Σ_{t=1}^{T} E[L_t] is estimated by drawing t from p(t)
//! and weighting its loss by 1/(T·p(t)), so that
//!   E_{t~p}[L_t / (T·p(t))] = Σ_t p(t) L_t / (T·p(t)) = (1/T) Σ_t L_t,
//! the same objective in expectation whatever p is; p(t) ∝ √E[L_t²] (the variance-minimising
//! choice for a one-sample estimate) puts the examples where the loss and its spread are.
//! Plain f64, no burn: the trainer asks it for (t, weight) and tells it each example's loss.

use crate::numerics::rng::Rng;

/// Losses remembered per t (Improved DDPM keeps 10).
pub const HISTORY: usize = 10;

/// The loss-aware sampler: the last [`HISTORY`] losses of every t, and the distribution they give.
#[derive(Debug, Clone)]
pub struct LossAwareSampler {
    /// the share of the uniform distribution mixed in, so every t keeps p(t) ≥ uniform/T
    uniform: f64,
    /// per t − 1: the last losses (a ring) and how many were recorded
    history: Vec<[f64; HISTORY]>,
    seen: Vec<usize>,
    /// the cumulative distribution of t − 1 in use, None while some t has fewer than HISTORY losses (then uniform)
    cumulative: Option<Vec<f64>>,
}

impl LossAwareSampler {
    pub fn new(t_max: usize, uniform: f64) -> Self {
        Self { uniform, history: vec![[0.0; HISTORY]; t_max], seen: vec![0; t_max], cumulative: None }
    }

    pub fn t_max(&self) -> usize {
        self.seen.len()
    }

    /// p(t) for t = 1..=T from the history: ∝ √(mean of the remembered L_t²), mixed with
    /// `uniform`; None until every t has HISTORY losses (sampling is uniform until then).
    pub fn probabilities(&self) -> Option<Vec<f64>> {
        if self.seen.iter().any(|n| *n < HISTORY) {
            return None;
        }
        let root_mean_square: Vec<f64> = self.history.iter().map(|h| (h.iter().map(|l| l * l).sum::<f64>() / HISTORY as f64).sqrt()).collect();
        let total: f64 = root_mean_square.iter().sum();
        let t_max = self.t_max() as f64;
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        Some(root_mean_square.iter().map(|r| (1.0 - self.uniform) * r / total + self.uniform / t_max).collect())
    }

    /// Fix the distribution for the next batch (once per batch, not per example).
    pub fn refresh(&mut self) {
        self.cumulative = self.probabilities().map(|p| cumulative(&p));
    }

    /// One t in 1..=T and its weight 1/(T·p(t)) (1 while sampling is still uniform).
    pub fn draw(&self, rng: &mut Rng) -> (usize, f64) {
        match &self.cumulative {
            None => (1 + (rng.next_u64() % self.t_max() as u64) as usize, 1.0),
            Some(c) => draw_from(c, rng),
        }
    }

    /// Remember the loss of one example at t (its loss under the objective, before the 1/(T·p) weight).
    pub fn record(&mut self, t: usize, loss: f64) {
        let i = t - 1;
        if loss.is_finite() {
            self.history[i][self.seen[i] % HISTORY] = loss;
            self.seen[i] += 1;
        }
    }
}

/// The running sums of p (the last is 1 up to rounding).
pub fn cumulative(p: &[f64]) -> Vec<f64> {
    p.iter().scan(0.0, |s, v| {
        *s += v;
        Some(*s)
    }).collect()
}

/// t in 1..=T drawn from the distribution with these running sums, with its importance weight
/// 1/(T·p(t)) (inverse transform: the first t whose running sum exceeds u·total).
pub fn draw_from(cumulative: &[f64], rng: &mut Rng) -> (usize, f64) {
    let total = cumulative[cumulative.len() - 1];
    let u = rng.uniform() * total;
    let i = cumulative.partition_point(|c| *c <= u).min(cumulative.len() - 1);
    let p = (cumulative[i] - if i == 0 { 0.0 } else { cumulative[i - 1] }) / total;
    (i + 1, 1.0 / (cumulative.len() as f64 * p))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A per-t loss shaped like L_simple's for ε-prediction on ring8: large at small t, flat after.
    fn loss_curve(t: usize) -> f64 {
        0.05 + 2.0 / (1.0 + t as f64 / 8.0)
    }

    #[test]
    fn importance_weighted_losses_average_to_the_uniform_objective_and_unweighted_ones_do_not() {
        let t_max = 1000;
        let exact: f64 = (1..=t_max).map(loss_curve).sum::<f64>() / t_max as f64; // (1/T) Σ_t L_t
        // the sampler's own distribution after it has seen the curve (with noise)
        let mut s = LossAwareSampler::new(t_max, 0.1);
        let mut rng = Rng::new(3);
        assert!(s.probabilities().is_none(), "uniform until every t has its history");
        for _ in 0..HISTORY {
            for t in 1..=t_max {
                s.record(t, loss_curve(t) * (1.0 + 0.3 * rng.normal()).abs());
            }
        }
        let p = s.probabilities().expect("history full");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p.iter().all(|v| *v >= 0.1 / t_max as f64 - 1e-15), "the uniform share bounds p from below");
        assert!(p[0] > 5.0 * p[t_max - 1], "more examples where the loss is large: {} vs {}", p[0], p[t_max - 1]);
        s.refresh();
        let n = 200_000;
        let (mut weighted, mut unweighted) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let (t, w) = s.draw(&mut rng);
            assert!((1..=t_max).contains(&t));
            assert!((w - 1.0 / (t_max as f64 * p[t - 1])).abs() < 1e-9 * w, "the weight is 1/(T·p(t))");
            weighted.push(loss_curve(t) * w);
            unweighted.push(loss_curve(t));
        }
        let mean_se = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
            (m, (var / v.len() as f64).sqrt())
        };
        let (m, se) = mean_se(&weighted);
        eprintln!("objective {exact:.5}; importance-weighted {m:.5} ± {se:.5}");
        assert!((m - exact).abs() < 4.0 * se, "weighted mean {m} ± {se} vs {exact}");
        // the check can fail: the same draws without the 1/(T·p) reweighting estimate something else
        let (u, use_) = mean_se(&unweighted);
        assert!((u - exact).abs() > 20.0 * use_, "unweighted {u} ± {use_} vs {exact}");
        // and the importance weights cut the estimate's variance against uniform draws of t
        let uniform: Vec<f64> = (0..n).map(|_| loss_curve(1 + (rng.next_u64() % t_max as u64) as usize)).collect();
        let (_, uniform_se) = mean_se(&uniform);
        assert!(se < uniform_se, "importance sampling should reduce the standard error: {se} vs {uniform_se}");
    }

    #[test]
    fn draw_from_follows_the_distribution() {
        let p = [0.5, 0.25, 0.125, 0.125];
        let c = cumulative(&p);
        let mut rng = Rng::new(9);
        let mut counts = [0usize; 4];
        for _ in 0..80_000 {
            let (t, w) = draw_from(&c, &mut rng);
            counts[t - 1] += 1;
            assert!((w - 1.0 / (4.0 * p[t - 1])).abs() < 1e-12);
        }
        for (k, n) in counts.iter().enumerate() {
            let f = *n as f64 / 80_000.0;
            let se = (p[k] * (1.0 - p[k]) / 80_000.0).sqrt();
            assert!((f - p[k]).abs() < 5.0 * se, "t = {}: {f} vs {}", k + 1, p[k]);
        }
    }
}
