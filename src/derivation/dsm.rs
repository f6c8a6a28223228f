//! (2.16)–(2.25): denoising score matching. The data x is the ring of 8 Gaussians, x̃ = x + σε
//! (2.17), q_σ = the ring convolved with N(0, σ²I) (2.16) — exactly a mixture with variances
//! S + σ², whose score is the oracle's `score_sigma` (evaluated by [`Mix`]); the model is
//! s_θ(x̃) = −(x̃ − m)/v.
//!
//! The explicit objective on q_σ (2.18–2.19) and the denoising one (2.20) are estimated on the same
//! draws A (common random numbers). Per draw their difference minus
//! C = ½‖∇log q_σ(x̃|x)‖² − ½‖∇log q_σ(x̃)‖² is s_θᵀ(∇log q_σ(x̃|x) − ∇log q_σ(x̃)), which has mean
//! zero only because E[∇log q_σ(x̃|x) | x̃] = ∇log q_σ(x̃): so "(2.20) = (2.19) + C" holds to Z_MAX
//! of its standard errors, at the reader's θ and at θ′ with the same C — not the '=' the seed
//! prints: C = ½(D/σ² − E_{q_σ}‖∇log q_σ‖²) > 0 (the noise's Fisher information exceeds the
//! blurred data's), computed on its own by quadrature. (2.24) is estimated on independent draws B.
//! The gradient (2.21)–(2.23) is checked at one draw by central differences of log N(x̃; x, σ²I);
//! (2.21) as printed (Σ⁻¹ written diag(σ²)) and the third line of (2.19) as printed (q_σ moved
//! inside the norm) are evaluated as printed.

use super::integration_by_parts::{data_draws, dot, fisher_information, mc, model_score, sq, theta2, Mix, ScorePoint};
use super::steps::{Builder, Derivation, Relation, Z_MAX};
use super::Inputs;
use crate::diffusion::oracle::GaussianMixture;
use crate::numerics::error::{Interval, Result};
use crate::numerics::gaussian::log_normal;
use crate::numerics::rng::Rng;

pub const ITEMS: &[u8] = &[42, 43, 44, 45, 46];

/// The noise level σ (the page's `sigma`).
pub const SIGMA_RANGE: Interval = Interval::closed(0.01, 10.0);

/// Relative accuracy of the central differences of log N(x̃; x, σ²I) (a quadratic: only rounding).
const FD_ACCURACY: f64 = 1e-8;

/// ∇_x̃ log N(x̃; x, σ²I) by central differences (2.21, first line), step 10⁻³σ.
fn gradient_fd(xt: &[f64], x: &[f64], sigma: f64) -> [f64; 2] {
    let h = 1e-3 * sigma;
    let log_q = |y: &[f64; 2]| log_normal(y[0], x[0], sigma * sigma) + log_normal(y[1], x[1], sigma * sigma);
    let mut g = [0.0; 2];
    for (i, gi) in g.iter_mut().enumerate() {
        let (mut a, mut b) = ([xt[0], xt[1]], [xt[0], xt[1]]);
        a[i] += h;
        b[i] -= h;
        *gi = (log_q(&a) - log_q(&b)) / (2.0 * h);
    }
    g
}

/// q_σ as a mixture: the ring's components widened by σ² (2.16+).
fn widened(m: &GaussianMixture, sigma: f64) -> GaussianMixture {
    let var = m.variances.iter().map(|v| v.iter().map(|s| s + sigma * sigma).collect()).collect();
    GaussianMixture::new(m.weights.clone(), m.means.clone(), var).expect("a widened mixture is valid")
}

/// The draws every line reads: A (x, x̃ = x + σε, the exact ∇log q_σ(x̃), q_σ(x̃)), B (x, ε), one
/// draw (x*, ε*) for the gradient lines, and standard normals z and u for the convolution (2.16).
struct Work {
    a_x: Vec<[f64; 2]>,
    a_xt: Vec<[f64; 2]>,
    a_score: Vec<[f64; 2]>,
    a_density: Vec<f64>,
    b_x: Vec<[f64; 2]>,
    b_eps: Vec<[f64; 2]>,
    star_x: [f64; 2],
    star_eps: [f64; 2],
    z: Vec<[f64; 2]>,
    u: Vec<[f64; 2]>,
}

fn normals2(rng: &mut Rng, n: usize) -> Vec<[f64; 2]> {
    (0..n).map(|_| [rng.normal(), rng.normal()]).collect()
}

fn work(p: &ScorePoint) -> Work {
    let (n, s) = (p.samples, p.sigma);
    let mut rng = Rng::new(p.seed);
    let a_x = data_draws(&p.mixture, n, &mut rng);
    let a_eps = normals2(&mut rng, n);
    let b_x = data_draws(&p.mixture, n, &mut rng);
    let b_eps = normals2(&mut rng, n);
    let star_x = data_draws(&p.mixture, 1, &mut rng)[0];
    let star_eps = [rng.normal(), rng.normal()];
    let z = normals2(&mut rng, n);
    let u = normals2(&mut rng, n);
    let a_xt: Vec<[f64; 2]> = a_x.iter().zip(&a_eps).map(|(x, e)| [x[0] + s * e[0], x[1] + s * e[1]]).collect(); // (2.17)
    let q = Mix::new(&p.mixture, s); // q_σ: the exact ∇log q_σ (the oracle's score_sigma) and density
    let (a_score, a_density) = a_xt
        .iter()
        .map(|y| {
            let (l, g) = q.eval(y);
            (g, l.exp())
        })
        .unzip();
    Work { a_x, a_xt, a_score, a_density, b_x, b_eps, star_x, star_eps, z, u }
}

/// ∫ N(y; x, σ²I) p(x) dx = Σ_k π_k E_{x ~ N(m_k, S_k)}[N(y; x, σ²I)] by Monte Carlo, the draws z
/// shared out equally among the components; (mean, standard error from the within-component variances).
fn stratified_convolution(m: &GaussianMixture, y: &[f64; 2], sigma: f64, z: &[[f64; 2]]) -> (Vec<f64>, Vec<f64>) {
    let k = m.components();
    let per = (z.len() / k).max(2);
    let (mut mean, mut var) = (0.0, 0.0);
    for c in 0..k {
        let (mu, sd) = (&m.means[c], [m.variances[c][0].sqrt(), m.variances[c][1].sqrt()]);
        let vals: Vec<f64> = z.iter().cycle().skip(c * per).take(per).map(|u| (log_normal(y[0], mu[0] + sd[0] * u[0], sigma * sigma) + log_normal(y[1], mu[1] + sd[1] * u[1], sigma * sigma)).exp()).collect();
        let (mc_mean, mc_se) = mc(vals.into_iter());
        mean += m.weights[c] * mc_mean[0];
        var += (m.weights[c] * mc_se[0]).powi(2);
    }
    (vec![mean], vec![var.sqrt()])
}

/// ½ E_{q_σ}‖s_θ(x̃) − ∇log q_σ(x̃)‖² over the draws A (2.18–2.19).
fn explicit(w: &Work, th: &[f64; 3]) -> (Vec<f64>, Vec<f64>) {
    mc(w.a_xt.iter().zip(&w.a_score).map(|(y, g)| {
        let s = model_score(th, y);
        0.5 * ((s[0] - g[0]).powi(2) + (s[1] - g[1]).powi(2))
    }))
}

/// ½ E_{q(x)q_σ(x̃|x)}‖s_θ(x̃) − ∇_x̃ log q_σ(x̃|x)‖² over the same draws A, the gradient by
/// central differences at each draw (2.20).
fn denoising(w: &Work, th: &[f64; 3], sigma: f64) -> (Vec<f64>, Vec<f64>) {
    mc(w.a_xt.iter().zip(&w.a_x).map(|(y, x)| {
        let (s, h) = (model_score(th, y), gradient_fd(y, x, sigma));
        0.5 * ((s[0] - h[0]).powi(2) + (s[1] - h[1]).powi(2))
    }))
}

/// The tolerance of "(2.20) − (2.19) = C" on the draws A: per draw what is left is
/// s_θ(x̃)ᵀ(∇log q_σ(x̃|x) − ∇log q_σ(x̃)), of mean zero; Z_MAX of its standard errors.
fn denoising_tolerance(w: &Work, th: &[f64; 3], sigma: f64, a: f64, b: f64) -> f64 {
    let (_, se) = mc(w.a_xt.iter().zip(&w.a_x).zip(&w.a_score).map(|((y, x), g)| {
        let h = gradient_fd(y, x, sigma);
        dot(&model_score(th, y), &[h[0] - g[0], h[1] - g[1]])
    }));
    Z_MAX * se[0] / (1.0 + a.abs().max(b.abs()))
}

/// Deliberate faults a test switches on to see the named step fail.
#[derive(Clone, Copy, Default)]
struct Faults {
    /// (2.22) with σ where σ² belongs
    gradient_over_sigma: bool,
}

/// The page's inputs: sigma, theta ([m₁, m₂, v]; empty: the default), seed, samples.
pub fn evaluate(i: &Inputs) -> Result<Derivation> {
    let p = ScorePoint::from_inputs(i, Some(SIGMA_RANGE))?;
    Ok(derive(&p, None))
}

pub fn derive(p: &ScorePoint, tamper: Option<(usize, &ScorePoint)>) -> Derivation {
    build(p, tamper, Faults::default())
}

fn build(p: &ScorePoint, tamper: Option<(usize, &ScorePoint)>, faults: Faults) -> Derivation {
    let main = work(p);
    let with = |q: &ScorePoint, f: &dyn Fn(&Work, &ScorePoint) -> (Vec<f64>, Vec<f64>)| {
        if std::ptr::eq(q, p) {
            f(&main, q)
        } else {
            f(&work(q), q)
        }
    };
    let exact = |q: &ScorePoint, f: &dyn Fn(&Work, &ScorePoint) -> Vec<f64>| {
        if std::ptr::eq(q, p) {
            f(&main, q)
        } else {
            f(&work(q), q)
        }
    };
    let mut b = Builder::new("dsm", ITEMS, p, tamper);

    let mut v = [0.0; 4]; // explicit, denoising, explicit at θ′, denoising at θ′
    let l_explicit = b.estimate("explicit_noisy", "2.18–2.19", |q| {
        let r = with(q, &|w, q| explicit(w, &q.theta));
        v[0] = r.0[0];
        r
    });
    let l_printed_219 = b.estimate("printed_2_19", "2.19", |q| {
        // ½∫‖q_σ s_θ − ∂q_σ/∂x̃‖² dx̃ = ½E_{q_σ}[q_σ(x̃)‖s_θ − ∇log q_σ‖²]
        with(q, &|w, q| {
            mc(w.a_xt.iter().zip(&w.a_score).zip(&w.a_density).map(|((y, g), d)| {
                let s = model_score(&q.theta, y);
                0.5 * d * ((s[0] - g[0]).powi(2) + (s[1] - g[1]).powi(2))
            }))
        })
    });
    let l_dsm = b.estimate("dsm_2_20", "2.20", |q| {
        let r = with(q, &|w, q| denoising(w, &q.theta, q.sigma));
        v[1] = r.0[0];
        r
    });
    let l_explicit2 = b.estimate("explicit_noisy_theta2", "2.19", |q| {
        let r = with(q, &|w, q| explicit(w, &theta2(q.theta)));
        v[2] = r.0[0];
        r
    });
    let l_dsm2 = b.estimate("dsm_2_20_theta2", "2.20", |q| {
        let r = with(q, &|w, q| denoising(w, &theta2(q.theta), q.sigma));
        v[3] = r.0[0];
        r
    });
    let l_constant = b.estimate("constant", "2.19–2.20", |q| {
        with(q, &|w, q| mc(w.a_xt.iter().zip(&w.a_x).zip(&w.a_score).map(|((y, x), g)| 0.5 * sq(&gradient_fd(y, x, q.sigma)) - 0.5 * sq(g))))
    });
    let l_constant_quad = b.line("constant_quadrature", "2.19–2.20", |q| vec![1.0 / (q.sigma * q.sigma) - 0.5 * fisher_information(&q.mixture, q.sigma)]);
    let l_noise = b.line("noise_term", "2.20", |q| vec![1.0 / (q.sigma * q.sigma)]); // ½ E‖ε/σ‖² = D/2σ², D = 2
    let l_data = b.line("data_term", "2.19", |q| vec![0.5 * fisher_information(&q.mixture, q.sigma)]);
    let l_dsm24 = b.estimate("dsm_2_24", "2.24", |q| {
        with(q, &|w, q| {
            mc(w.b_x.iter().zip(&w.b_eps).map(|(x, e)| {
                let y = [x[0] + q.sigma * e[0], x[1] + q.sigma * e[1]];
                let s = model_score(&q.theta, &y);
                let s2 = q.sigma * q.sigma;
                0.5 * ((s[0] + (y[0] - x[0]) / s2).powi(2) + (s[1] + (y[1] - x[1]) / s2).powi(2))
            }))
        })
    });
    let l_loss = b.estimate("loss_2_25", "2.25", |q| {
        with(q, &|w, q| {
            mc(w.b_x.iter().zip(&w.b_eps).map(|(x, e)| {
                let s = model_score(&q.theta, &[x[0] + q.sigma * e[0], x[1] + q.sigma * e[1]]);
                0.5 * ((s[0] + e[0] / q.sigma).powi(2) + (s[1] + e[1] / q.sigma).powi(2))
            }))
        })
    });
    let l_density_mc = b.estimate("density_2_16", "2.16", |q| {
        // q_σ(x̃*) = ∫ N(x̃*; x, σ²I) p(x) dx: as written, E_{x ~ p}[N(x̃*; x, σ²I)] (stratified: an
        // equal share of the draws from each of the ring's components) when the kernel is at least
        // as wide as the components; for a narrower kernel the same integral by the kernel's
        // symmetry, E_{u ~ N(0, I)}[p(x̃* + σu)] (the first form would rest on a few draws near x̃*)
        with(q, &|w, q| {
            let y = [w.star_x[0] + q.sigma * w.star_eps[0], w.star_x[1] + q.sigma * w.star_eps[1]];
            if q.sigma * q.sigma >= q.mixture.variances[0][0] {
                stratified_convolution(&q.mixture, &y, q.sigma, &w.z)
            } else {
                let p = Mix::new(&q.mixture, 0.0);
                mc(w.u.iter().map(|u| p.density(&[y[0] + q.sigma * u[0], y[1] + q.sigma * u[1]])))
            }
        })
    });
    let l_density = b.line("density_2_16_mixture", "2.16", |q| {
        exact(q, &|w, q| {
            let y = [w.star_x[0] + q.sigma * w.star_eps[0], w.star_x[1] + q.sigma * w.star_eps[1]];
            vec![widened(&q.mixture, q.sigma).density(&y, 1.0)]
        })
    });
    let star = |w: &Work, q: &ScorePoint| ([w.star_x[0] + q.sigma * w.star_eps[0], w.star_x[1] + q.sigma * w.star_eps[1]], w.star_x);
    let l_grad_fd = b.line("gradient_2_21", "2.21", |q| {
        exact(q, &|w, q| {
            let (y, x) = star(w, q);
            gradient_fd(&y, &x, q.sigma).to_vec()
        })
    });
    let l_grad = b.line("gradient_2_22", "2.22", |q| {
        exact(q, &|w, q| {
            let (y, x) = star(w, q);
            let d = if faults.gradient_over_sigma { q.sigma } else { q.sigma * q.sigma };
            vec![-(y[0] - x[0]) / d, -(y[1] - x[1]) / d]
        })
    });
    let l_grad_eps = b.line("gradient_2_23", "2.23", |q| exact(q, &|w, q| vec![-w.star_eps[0] / q.sigma, -w.star_eps[1] / q.sigma]));
    let l_printed_221 = b.line("printed_2_21", "2.21", |q| {
        exact(q, &|w, q| {
            let (y, x) = star(w, q);
            let s2 = q.sigma * q.sigma;
            vec![-s2 * (y[0] - x[0]), -s2 * (y[1] - x[1])]
        })
    });

    // the constant of "(2.20) = (2.19) + C" over the same draws A, from its own formula; no θ in it
    let c: f64 = main.a_xt.iter().zip(&main.a_x).zip(&main.a_score).map(|((y, x), g)| 0.5 * sq(&gradient_fd(y, x, p.sigma)) - 0.5 * sq(g)).sum::<f64>() / p.samples as f64;
    let tol = denoising_tolerance(&main, &p.theta, p.sigma, v[1], v[0]);
    let tol2 = denoising_tolerance(&main, &theta2(p.theta), p.sigma, v[3], v[2]);
    b.step("slip_2_19", l_explicit, l_printed_219, Relation::Slip);
    b.step_within("plus_constant", l_dsm, l_explicit, Relation::PlusConstant { constant: vec![c], of: "θ" }, tol);
    b.step_within("same_constant", l_dsm2, l_explicit2, Relation::PlusConstant { constant: vec![c], of: "θ" }, tol2);
    b.step("constant_quadrature", l_constant, l_constant_quad, Relation::Expectation);
    b.step("slip_2_20", l_noise, l_data, Relation::Slip);
    b.step("substitute_2_24", l_dsm, l_dsm24, Relation::Expectation);
    b.step("epsilon_2_25", l_dsm24, l_loss, Relation::Equal);
    b.step("convolution_2_16", l_density_mc, l_density, Relation::Expectation);
    b.step_within("gradient_2_22", l_grad_fd, l_grad, Relation::Equal, FD_ACCURACY);
    b.step("noise_2_23", l_grad, l_grad_eps, Relation::Equal);
    b.step("slip_2_21", l_grad_fd, l_printed_221, Relation::Slip);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::integration_by_parts::DEFAULT_THETA;
    use crate::derivation::steps::assert_checks_can_fail;

    #[test]
    fn every_step_holds_at_several_points_and_each_line_can_break_one() {
        for (theta, sigma, seed) in [(DEFAULT_THETA, 0.5, 1), ([-1.5, 2.0, 0.3], 0.05, 7), ([2.5, -1.5, 8.0], 3.0, 3), ([0.0, 0.0, 0.05], 0.01, 11), ([1.0, 1.0, 1.0], 10.0, 5)] {
            let p = ScorePoint::new(theta, sigma, seed, 4000);
            assert_checks_can_fail(&p, &p.broken(), derive);
        }
    }

    #[test]
    fn the_printed_slips_are_exposed_and_a_wrong_gradient_fails() {
        let p = ScorePoint::new(DEFAULT_THETA, 0.5, 2, 4000);
        let d = derive(&p, None);
        assert!(d.holds());
        // the constant the printed '=' of (2.19)–(2.20) leaves out, and the printed diag(σ²)
        let c = d.line("constant_quadrature").value[0];
        assert!(c > 0.3 && d.step("slip_2_20").residual > 0.1, "C = {c}");
        assert!(d.step("slip_2_21").residual > 0.5 && d.step("slip_2_19").residual > 0.5);
        let f = build(&p, None, Faults { gradient_over_sigma: true });
        assert!(!f.step("gradient_2_22").holds && !f.step("noise_2_23").holds);
        // every line moves with the point
        let q = ScorePoint::new([0.5, -0.1, 1.5], 0.7, 3, 4000);
        let e = derive(&q, None);
        for (a, b) in d.lines.iter().zip(&e.lines) {
            assert_ne!(a.value, b.value, "{} does not depend on the point", a.key);
        }
    }

    #[test]
    fn rejects_bad_inputs_by_field() {
        let ok = Inputs::default();
        assert!(evaluate(&ok).unwrap().holds());
        for (sigma, theta, samples, field) in [(0.0, vec![], 4000, "sigma"), (f64::NAN, vec![], 4000, "sigma"), (11.0, vec![], 4000, "sigma"), (0.5, vec![0.0, 0.0, -1.0], 4000, "theta[2]"), (0.5, vec![0.0, 20.0, 1.0], 4000, "theta[1]"), (0.5, vec![1.0, 2.0], 4000, "theta"), (0.5, vec![], 1, "samples")] {
            let e = evaluate(&Inputs { sigma, theta, samples, ..ok.clone() }).unwrap_err();
            assert_eq!(e.field, field);
        }
    }

    #[test]
    fn evaluate_is_fast_enough_for_the_page() {
        let t = std::time::Instant::now();
        let _ = evaluate(&Inputs::default()).unwrap();
        eprintln!("dsm: {:?}", t.elapsed());
    }
}
