//! (1.50)–(1.62): the ELBO in its denoising-matching form, and q(x_t|x₀) (1.64)–(1.73), each line
//! evaluated as the seed writes it at the reader's x₀ on the short schedule of `consistency.rs`
//! (linear, T = 50; the page's t in 1..=1000 is read as τ = ⌈t·50/1000⌉, and τ = 1 as 2 for the
//! lines of one denoising term L_{τ−1}, which starts at t = 2).
//!
//! - one trajectory x_{1:T} ~ q(·|x₀) from the seed: Bayes' trick (1.50) summed over t, the
//!   telescoping cancellation (1.57)–(1.58), and the integrand rewritten (1.52) → (1.53) → (1.56)
//!   → (1.59);
//! - n/4 trajectories: the expectation (1.61) by Monte Carlo against (1.62) with every KL in
//!   closed form per sample; n fresh draws for the reader's τ's term alone;
//! - the prior term by quadrature, and the iterated one-step law against (1.72).
//!
//! The model is the oracle of `consistency.rs`: μ_θ from x̂₀ = E[x₀|x_t] through (1.97)/(1.88),
//! σ_t² = β̃_t (β̃₂ at t = 1).

use super::consistency::{gauss_quad, ln_prior, trajectories, Chain, Chains, DEFAULT_SAMPLES, SAMPLES, T_SHORT};
use super::point::DiffusionPoint;
use super::steps::{Builder, Derivation, Relation};
use super::Inputs;
use crate::numerics::error::{check_count, Result};
use crate::numerics::gaussian::{log_normal, normal_kl};

pub const ITEMS: &[u8] = &[14, 15, 16];

/// The page's inputs: x0 (2 coordinates in [−10, 10]), t (1..=1000, read as τ = ⌈t/20⌉ on T = 50),
/// seed, samples (100..=20000: n fresh draws for the τ lines, n/4 trajectories).
pub fn evaluate(i: &Inputs) -> Result<Derivation> {
    let p = DiffusionPoint::new(i.x0.clone(), i.t, i.seed, 1)?;
    check_count("samples", i.samples, SAMPLES.0, SAMPLES.1)?;
    Ok(derive_with(&p, None, i.samples))
}

/// The derivation at `p` with the default number of draws.
pub fn derive(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>) -> Derivation {
    derive_with(p, tamper, DEFAULT_SAMPLES)
}

/// −KL(q(x_{t−1}|x_t, x₀) ‖ p_θ(x_{t−1}|x_t)) at x_t = x, both Gaussians in closed form (1.23), t ≥ 2.
fn minus_kl(c: &Chain, x: &[f64], mu: &[f64], t: usize) -> f64 {
    let m = c.posterior_mean(x, t);
    -(0..2).map(|i| normal_kl(m[i], c.s.posterior_var(t), mu[i], c.var(t))).sum::<f64>()
}

/// KL(q(x_T|x₀) ‖ N(0, I)) with q(x_T|x₀) = N(√ᾱ_T x₀, (1 − ᾱ_T) I) (1.73), by (1.23).
fn prior_kl(c: &Chain) -> f64 {
    let ab = c.s.alpha_bar(T_SHORT);
    c.x0.iter().map(|x| normal_kl(ab.sqrt() * x, 1.0 - ab, 0.0, 1.0)).sum()
}

/// The derivation at `p` with n draws (n/4 trajectories).
pub fn derive_with(p: &DiffusionPoint, tamper: Option<(usize, &DiffusionPoint)>, n: usize) -> Derivation {
    let chains = Chains::new(p, tamper, n);
    let at = |q: &DiffusionPoint| chains.at(q);
    let tm = T_SHORT;
    let mut b = Builder::new("denoising", ITEMS, p, tamper);

    // ---- (1.50) on one trajectory (k = 0), every t = 2..=T
    let bayes_lhs = b.line("bayes_lhs_1_50", "1.50", |q| {
        // Σ_t log q(x_t|x_{t−1}, x₀) = Σ_t log q(x_t|x_{t−1}) (Markov), by (1.34)/(1.63)
        let c = at(q);
        vec![(2..=tm).map(|t| c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum()]
    });
    let bayes_rhs = b.line("bayes_rhs_1_50", "1.50", |q| {
        // Σ_t log q(x_{t−1}|x_t, x₀) q(x_t|x₀) / q(x_{t−1}|x₀), by (1.88)–(1.89) and (1.73)
        let c = at(q);
        vec![(2..=tm).map(|t| c.ln_q_posterior(c.x(t - 1, 0), c.x(t, 0), t) + c.ln_q_marginal(c.x(t, 0), t) - c.ln_q_marginal(c.x(t - 1, 0), t - 1)).sum()]
    });
    // ---- (1.57)–(1.58): the telescoping product
    let tele_sum = b.line("telescope_sum_1_57", "1.57", |q| {
        let c = at(q);
        vec![(2..=tm).map(|t| c.ln_q_marginal(c.x(t - 1, 0), t - 1) - c.ln_q_marginal(c.x(t, 0), t)).sum()]
    });
    let tele_ends = b.line("telescope_ends_1_58", "1.58", |q| {
        let c = at(q);
        vec![c.ln_q_marginal(c.x(1, 0), 1) - c.ln_q_marginal(c.x(tm, 0), tm)]
    });
    // ---- the integrand, (1.52) → (1.59)
    let direct = b.line("integrand_1_52", "1.51–1.52", |q| {
        // log p(x_{0:T})/q(x_{1:T}|x₀) with (1.35) and (1.33)
        let c = at(q);
        let log_p = ln_prior(c.x(tm, 0)) + (1..=tm).map(|t| c.ln_p(c.x(t - 1, 0), c.mu(t, 0), t)).sum::<f64>();
        vec![log_p - (1..=tm).map(|t| c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum::<f64>()]
    });
    let split = b.line("integrand_1_53", "1.53–1.55", |q| {
        // the t = 1 factors apart, q(x₁|x₀) by (1.73); q(x_t|x_{t−1}, x₀) = q(x_t|x_{t−1}) (1.54)
        let c = at(q);
        let head = ln_prior(c.x(tm, 0)) + c.ln_p(c.x(0, 0), c.mu(1, 0), 1) - c.ln_q_marginal(c.x(1, 0), 1);
        vec![head + (2..=tm).map(|t| c.ln_p(c.x(t - 1, 0), c.mu(t, 0), t) - c.ln_q_step(c.x(t, 0), c.x(t - 1, 0), t)).sum::<f64>()]
    });
    let substituted = b.line("integrand_1_56", "1.56", |q| {
        // each q(x_t|x_{t−1}, x₀) replaced by the right side of (1.50)
        let c = at(q);
        let head = ln_prior(c.x(tm, 0)) + c.ln_p(c.x(0, 0), c.mu(1, 0), 1) - c.ln_q_marginal(c.x(1, 0), 1);
        let body: f64 = (2..=tm)
            .map(|t| {
                let bayes = c.ln_q_posterior(c.x(t - 1, 0), c.x(t, 0), t) + c.ln_q_marginal(c.x(t, 0), t) - c.ln_q_marginal(c.x(t - 1, 0), t - 1);
                c.ln_p(c.x(t - 1, 0), c.mu(t, 0), t) - bayes
            })
            .sum();
        vec![head + body]
    });
    let rewritten = b.line("integrand_1_59", "1.58–1.59", |q| {
        let c = at(q);
        let head = c.ln_p(c.x(0, 0), c.mu(1, 0), 1) + ln_prior(c.x(tm, 0)) - c.ln_q_marginal(c.x(tm, 0), tm);
        vec![head + (2..=tm).map(|t| c.ln_p(c.x(t - 1, 0), c.mu(t, 0), t) - c.ln_q_posterior(c.x(t - 1, 0), c.x(t, 0), t)).sum::<f64>()]
    });

    // ---- (1.60)–(1.62) over the trajectories
    let elbo61 = b.estimate("elbo_1_61", "1.60–1.61", |q| {
        let c = at(q);
        c.over_trajectories(|k| {
            let recon = c.ln_p(c.x(0, k), c.mu(1, k), 1);
            let prior = ln_prior(c.x(tm, k)) - c.ln_q_marginal(c.x(tm, k), tm);
            vec![recon + prior + (2..=tm).map(|t| c.ln_p(c.x(t - 1, k), c.mu(t, k), t) - c.ln_q_posterior(c.x(t - 1, k), c.x(t, k), t)).sum::<f64>()]
        })
    });
    let elbo62 = b.estimate("elbo_1_62", "1.62", |q| {
        // reconstruction − KL(q(x_T|x₀) ‖ p(x_T)) − Σ_t KL(q(x_{t−1}|x_t, x₀) ‖ p_θ(x_{t−1}|x_t)), each KL exact
        let c = at(q);
        let prior = prior_kl(c);
        c.over_trajectories(|k| {
            let recon = c.ln_p(c.x(0, k), c.mu(1, k), 1);
            vec![recon - prior + (2..=tm).map(|t| minus_kl(c, c.x(t, k), c.mu(t, k), t)).sum::<f64>()]
        })
    });
    // ---- the reader's term L_{τ−1}, τ ≥ 2, on n draws of its own
    let tau_d = |c: &Chain| c.tau.max(2);
    let term61 = b.estimate("term_1_61", "1.61", |q| {
        // (x_{τ−1}, x_τ) ~ q(x_{τ−1}, x_τ|x₀): (1.72) then (1.63)
        let c = at(q);
        let t = tau_d(c);
        c.over_draws(11, |r| {
            let prev = c.draw_marginal(t - 1, r);
            let x = c.draw_step(&prev, t, r);
            vec![c.ln_p(&prev, &c.model_mean(&x, t), t) - c.ln_q_posterior(&prev, &x, t)]
        })
    });
    let term62 = b.estimate("term_1_62", "1.62", |q| {
        // x_τ ~ q(x_τ|x₀) (1.72), the KL in closed form
        let c = at(q);
        let t = tau_d(c);
        c.over_draws(12, |r| {
            let x = c.draw_marginal(t, r);
            vec![minus_kl(c, &x, &c.model_mean(&x, t), t)]
        })
    });
    // ---- the prior-matching term
    let prior61 = b.line("prior_1_61", "1.61", |q| {
        // ∫ q(x_T|x₀) log p(x_T)/q(x_T|x₀) dx_T per coordinate (Simpson)
        let c = at(q);
        let ab = c.s.alpha_bar(tm);
        vec![c.x0.iter().map(|x| gauss_quad(ab.sqrt() * x, 1.0 - ab, |y| log_normal(y, 0.0, 1.0) - log_normal(y, ab.sqrt() * x, 1.0 - ab), 160)).sum()]
    });
    let prior62 = b.line("prior_1_62", "1.62", |q| vec![-prior_kl(at(q))]);
    // ---- (1.64)–(1.73): q(x_τ|x₀) from the one-step law iterated
    let iterated = b.line("iterated_1_64", "1.64–1.71", |q| {
        // x_t = √α_t x_{t−1} + √(1 − α_t) ε: the mean multiplies by √α_t, the two independent
        // variances add, α_t v + (1 − α_t) (1.66–1.69)
        let c = at(q);
        let (mut m, mut v) = (c.x0.clone(), 0.0);
        for t in 1..=c.tau {
            let a = c.s.alpha(t);
            m.iter_mut().for_each(|x| *x *= a.sqrt());
            v = a * v + (1.0 - a);
        }
        vec![m[0], m[1], v]
    });
    let closed = b.line("closed_1_72", "1.72–1.73", |q| {
        let c = at(q);
        let ab = c.s.alphas_cumprod[c.tau - 1];
        vec![ab.sqrt() * c.x0[0], ab.sqrt() * c.x0[1], 1.0 - ab]
    });

    b.step("bayes", bayes_lhs, bayes_rhs, Relation::Equal);
    b.step("cancel", tele_sum, tele_ends, Relation::Equal);
    b.step("split_first", direct, split, Relation::Equal);
    b.step("substitute_bayes", split, substituted, Relation::Equal);
    b.step("telescope", substituted, rewritten, Relation::Equal);
    b.step("rewrite_1_59", direct, rewritten, Relation::Equal);
    b.step("kl_terms", elbo61, elbo62, Relation::Expectation);
    b.step("term_kl", term61, term62, Relation::Expectation);
    b.step_within("prior_kl", prior61, prior62, Relation::Equal, 1e-8);
    b.step("iterate", iterated, closed, Relation::Equal);

    // the terms of (1.62) by t over the trajectories: index 0 the reconstruction, t ≥ 2 −E[KL_t]
    let c = &chains.main;
    let nt = trajectories(n) as f64;
    let by_t = (1..=tm)
        .map(|t| {
            let f = |k: usize| if t == 1 { c.ln_p(c.x(0, k), c.mu(1, k), 1) } else { minus_kl(c, c.x(t, k), c.mu(t, k), t) };
            (0..c.n_traj()).map(f).sum::<f64>() / nt
        })
        .collect();
    b.series("denoising_terms", by_t);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::consistency::tests::{far, POINTS};
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (x0, t, seed) in POINTS {
            let p = DiffusionPoint::new(x0.to_vec(), t, seed, 1).unwrap();
            assert_checks_can_fail(&p, &far(&p), derive);
        }
    }

    #[test]
    fn a_wrong_bayes_factor_or_swapped_posterior_coefficients_fail() {
        let p = DiffusionPoint::new(vec![1.5, -0.4], 300, 2, 1).unwrap();
        let c = Chain::new(&p, DEFAULT_SAMPLES);
        let tm = T_SHORT;
        // (1.50) with q(x_{t−1}|x₀) and q(x_t|x₀) swapped in the ratio: not Bayes' rule
        let swapped: f64 = (2..=tm).map(|t| c.ln_q_posterior(c.x(t - 1, 0), c.x(t, 0), t) - c.ln_q_marginal(c.x(t, 0), t) + c.ln_q_marginal(c.x(t - 1, 0), t - 1)).sum();
        let d = derive(&p, None);
        let lhs = d.line("bayes_lhs_1_50").value[0];
        assert!((swapped - lhs).abs() > 1.0, "{swapped} vs {lhs}");
        assert!(d.step("bayes").holds);
        // the reader's term with μ_q's coefficients of x₀ and x_t swapped (1.88): the KL form no longer matches
        let t = c.tau;
        let (a, ab, ap) = (c.s.alpha(t), c.s.alpha_bar(t), c.s.alpha_bar(t - 1));
        let (m, se) = c.over_draws(11, |r| {
            let prev = c.draw_marginal(t - 1, r);
            let x = c.draw_step(&prev, t, r);
            let mq: Vec<f64> = (0..2).map(|i| (a.sqrt() * (1.0 - ap) * c.x0[i] + ap.sqrt() * (1.0 - a) * x[i]) / (1.0 - ab)).collect();
            let mu = c.model_mean(&x, t);
            vec![c.ln_p(&prev, &mu, t) - (0..2).map(|i| log_normal(prev[i], mq[i], c.s.posterior_var(t))).sum::<f64>()]
        });
        let l = d.line("term_1_62");
        let z = (m[0] - l.value[0]).abs() / (se[0].powi(2) + l.std_error.as_ref().unwrap()[0].powi(2)).sqrt();
        assert!(z > 10.0, "z = {z}");
        // and the whole (1.62) fed another x₀ fails against (1.61)
        let k = d.lines.iter().position(|l| l.key == "elbo_1_62").unwrap();
        assert!(!derive(&p, Some((k, &far(&p)))).step("kl_terms").holds);
    }

    #[test]
    fn every_line_moves_with_the_point() {
        let p = DiffusionPoint::new(vec![1.0, -1.0], 200, 2, 1).unwrap();
        let q = DiffusionPoint::new(vec![1.2, -1.0], 260, 3, 1).unwrap();
        let (d, e) = (derive(&p, None), derive(&q, None));
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
        let (_, terms) = &d.series[0];
        assert!(terms.len() == T_SHORT && terms[1..].iter().all(|v| *v <= 0.0 && v.is_finite()));
    }

    #[test]
    fn bad_inputs_name_their_field_and_extremes_stay_finite() {
        let ok = Inputs::default();
        for (i, field) in [
            (Inputs { x0: vec![1.0, 2.0, 3.0], ..ok.clone() }, "x0"),
            (Inputs { x0: vec![-10.5, 0.0], ..ok.clone() }, "x0[0]"),
            (Inputs { t: 0, ..ok.clone() }, "t"),
            (Inputs { t: 5000, ..ok.clone() }, "t"),
            (Inputs { samples: 1, ..ok.clone() }, "samples"),
        ] {
            assert_eq!(evaluate(&i).unwrap_err().field, field);
        }
        for t in [1, 1000] {
            let d = evaluate(&Inputs { x0: vec![-10.0, 10.0], t, samples: 100, ..ok.clone() }).unwrap();
            assert!(d.lines.iter().all(|l| l.value.iter().all(|v| v.is_finite())), "t = {t}");
        }
    }
}
