//! (1.96)–(1.140): the denoising-matching KL at one step written three ways — with a predicted
//! x̂₀ (1.96–1.104), with a predicted ε̂ (1.105–1.119), with a predicted score ŝ (1.126–1.140).
//! The "model" is the exact oracle's x̂₀ = E[x₀ | x_t] of the ring; ε̂ and ŝ are the same prediction
//! converted by (1.105) and (1.125). Each line is its own formula: the KL by the general Gaussian KL,
//! each μ_θ by its seed line, each loss with its weight, and the engine's training weights
//! (`diffusion::parameterization::loss_weight`, what Algorithm 1 uses) against the seed's.

use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use crate::diffusion::parameterization::{loss_weight, Prediction};
use crate::diffusion::schedule::ModelVariance;
use crate::numerics::gaussian::normal_kl;

pub const ITEMS: &[u8] = &[19, 20, 21, 22, 23, 24];

struct At {
    a: f64,
    ab: f64,
    ap: f64,
    x0: Vec<f64>,
    eps: Vec<f64>,
    xt: Vec<f64>,
    /// the model's x̂₀: the oracle's E[x₀ | x_t]
    x0_hat: Vec<f64>,
}

fn at(p: &DiffusionPoint) -> At {
    let xt = p.x_t();
    let x0_hat = p.mixture.posterior_mean_x0(&xt, p.alpha_bar());
    At { a: p.alpha(), ab: p.alpha_bar(), ap: p.alpha_bar_prev(), x0: p.x0.clone(), eps: p.eps.clone(), xt, x0_hat }
}

impl At {
    fn var_q(&self) -> f64 {
        (1.0 - self.a) * (1.0 - self.ap) / (1.0 - self.ab) // (1.89)
    }
    /// (1.88) / (1.96): the mean with x₀ or x̂₀
    fn mean_x0(&self, x0: &[f64]) -> Vec<f64> {
        self.xt.iter().zip(x0).map(|(xt, x0)| (self.a.sqrt() * (1.0 - self.ap) * xt + self.ap.sqrt() * (1.0 - self.a) * x0) / (1.0 - self.ab)).collect()
    }
    /// ε̂ from x̂₀, (1.105) solved for ε
    fn eps_hat(&self) -> Vec<f64> {
        self.xt.iter().zip(&self.x0_hat).map(|(xt, x0)| (xt - self.ab.sqrt() * x0) / (1.0 - self.ab).sqrt()).collect()
    }
    /// ŝ from x̂₀, (1.125) solved for the score
    fn score_hat(&self) -> Vec<f64> {
        self.xt.iter().zip(&self.x0_hat).map(|(xt, x0)| (self.ab.sqrt() * x0 - xt) / (1.0 - self.ab)).collect()
    }
    /// ∇ log q(x_t | x₀) = −(x_t − √ᾱ_t x₀)/(1 − ᾱ_t), the score the seed's (1.126) substitutes with x₀ known
    fn score(&self) -> Vec<f64> {
        self.xt.iter().zip(&self.x0).map(|(xt, x0)| -(xt - self.ab.sqrt() * x0) / (1.0 - self.ab)).collect()
    }
}

fn sq(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum()
}

/// The derivation at `p` (t ≥ 2).
pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    let mut b = Builder::new("parameterizations", ITEMS, p, tamper);
    // the KL the three forms rewrite (1.92–1.94 with equal variances), by the general formula
    let kl = b.line("kl", "1.136", |p| {
        let c = at(p);
        let (mq, mt) = (c.mean_x0(&c.x0), c.mean_x0(&c.x0_hat));
        vec![mq.iter().zip(&mt).map(|(q, t)| normal_kl(*q, c.var_q(), *t, c.var_q())).sum()]
    });
    // ---- x̂₀
    let mean_x0 = b.line("mean_x0", "1.96", |p| {
        let c = at(p);
        c.mean_x0(&c.x0_hat)
    });
    let loss_x0 = b.line("loss_x0", "1.99–1.100", |p| {
        let c = at(p);
        vec![1.0 / (2.0 * c.var_q()) * c.ap * (1.0 - c.a).powi(2) / (1.0 - c.ab).powi(2) * sq(&c.x0_hat, &c.x0)]
    });
    let loss_snr = b.line("loss_snr", "1.102–1.104", |p| {
        let c = at(p);
        let snr = |a: f64| a / (1.0 - a);
        vec![0.5 * (snr(c.ap) - snr(c.ab)) * sq(&c.x0_hat, &c.x0)]
    });
    // ---- ε̂
    let mean_q_eps = b.line("mean_q_eps", "1.106–1.114", |p| {
        let c = at(p);
        c.xt.iter().zip(&c.eps).map(|(xt, e)| xt / c.a.sqrt() - (1.0 - c.a) / ((1.0 - c.ab).sqrt() * c.a.sqrt()) * e).collect()
    });
    let mean_q = b.line("mean_q", "1.88", |p| {
        let c = at(p);
        c.mean_x0(&c.x0)
    });
    let mean_eps = b.line("mean_eps", "1.115", |p| {
        let c = at(p);
        c.xt.iter().zip(&c.eps_hat()).map(|(xt, e)| xt / c.a.sqrt() - (1.0 - c.a) / ((1.0 - c.ab).sqrt() * c.a.sqrt()) * e).collect()
    });
    let loss_eps = b.line("loss_eps", "1.116–1.119", |p| {
        let c = at(p);
        vec![1.0 / (2.0 * c.var_q()) * (1.0 - c.a).powi(2) / ((1.0 - c.ab) * c.a) * sq(&c.eps, &c.eps_hat())]
    });
    // ---- ŝ
    let mean_score = b.line("mean_score", "1.134", |p| {
        let c = at(p);
        c.xt.iter().zip(&c.score_hat()).map(|(xt, s)| xt / c.a.sqrt() + (1.0 - c.a) / c.a.sqrt() * s).collect()
    });
    let printed_135 = b.line("printed_1_135", "1.135", |p| {
        // as printed: the ε form's coefficient, with a minus, in front of s_θ
        let c = at(p);
        c.xt.iter().zip(&c.score_hat()).map(|(xt, s)| xt / c.a.sqrt() - (1.0 - c.a) / ((1.0 - c.ab).sqrt() * c.a.sqrt()) * s).collect()
    });
    let loss_score = b.line("loss_score", "1.137–1.140", |p| {
        let c = at(p);
        vec![1.0 / (2.0 * c.var_q()) * (1.0 - c.a).powi(2) / c.a * sq(&c.score_hat(), &c.score())]
    });
    // ---- the engine's training weights (objective.rs, Algorithm 1) against the seed's
    let engine = b.line("engine_weights", "1.100, 1.119, 1.140", |p| {
        [Prediction::X0, Prediction::Eps, Prediction::Score].iter().map(|&k| loss_weight(&p.schedule, k, p.t, ModelVariance::BetaTilde).unwrap_or(f64::NAN)).collect()
    });
    let seed_weights = b.line("seed_weights", "1.100, 1.119, 1.140", |p| {
        let c = at(p);
        let v = 2.0 * c.var_q();
        vec![c.ap * (1.0 - c.a).powi(2) / (1.0 - c.ab).powi(2) / v, (1.0 - c.a).powi(2) / ((1.0 - c.ab) * c.a) / v, (1.0 - c.a).powi(2) / c.a / v]
    });

    b.step("x0_loss", kl, loss_x0, Relation::Equal);
    b.step("snr", loss_x0, loss_snr, Relation::Equal);
    b.step("eps_mean_q", mean_q, mean_q_eps, Relation::Equal);
    b.step("eps_mean", mean_x0, mean_eps, Relation::Equal);
    b.step("eps_loss", kl, loss_eps, Relation::Equal);
    b.step("score_mean", mean_x0, mean_score, Relation::Equal);
    b.step("slip_1_135", mean_score, printed_135, Relation::Slip);
    b.step("score_loss", kl, loss_score, Relation::Equal);
    b.step("engine", seed_weights, engine, Relation::Equal);
    b.finish()
}

/// The page's inputs: x0, t (≥ 2), seed.
pub fn evaluate(i: &super::Inputs) -> crate::numerics::error::Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 2)?;
    Ok(derive(&p, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn the_three_forms_agree_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in [(vec![1.5, -0.4], 10, 1), (vec![-2.0, 0.1], 2, 7), (vec![0.3, 2.2], 500, 3), (vec![-0.7, -1.9], 1000, 11)] {
            let p = DiffusionPoint::new(x0, t, seed, 2).unwrap();
            assert_checks_can_fail(&p, &p.broken(), derive);
            assert!(derive(&p, None).line("kl").value[0] > 0.0, "the oracle's x̂₀ is not x₀, so the KL is positive");
        }
    }

    #[test]
    fn the_printed_1_135_is_exposed_and_swapped_weights_fail() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 50, 2, 2).unwrap();
        let d = derive(&p, None);
        assert!(d.step("slip_1_135").holds && d.step("slip_1_135").residual > 1e-3);
        // the ε weight used for the score (a plausible mistake) makes the engine step fail
        let mut b = Builder::new("swapped", &[], &p, None);
        let w = loss_weight(&p.schedule, Prediction::Eps, p.t, ModelVariance::BetaTilde).unwrap();
        let e = b.line("engine", "", |_| vec![w]);
        let s = b.line("seed", "", |_| vec![d.line("seed_weights").value[2]]);
        b.step("engine", s, e, Relation::Equal);
        assert!(!b.finish().step("engine").holds);
    }
}
