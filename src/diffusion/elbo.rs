//! The ELBO of a diffusion model for one data point x_0, split as in (1.62):
//! reconstruction E_{q(x_1|x_0)}[log p_θ(x_0|x_1)] − prior matching KL(q(x_T|x_0) ‖ N(0, I))
//! − Σ_{t=2}^{T} E_{q(x_t|x_0)}[KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t))].
//!
//! The expectations over x_t are estimated with the one x_t per t the caller passes (the unbiased
//! single-sample estimate DDPM's `calc_bpd_loop` uses); the KLs themselves are exact.
//! Units: nats, and bits/dim = nats / (D · ln 2).

use crate::numerics::error::{check_finite, check_same_len, InputError, Result};
use crate::numerics::gaussian::{discretized_gaussian_log_likelihood, log_normal, nats_to_bits_per_dim, normal_kl};
use crate::diffusion::parameterization::{model_mean_unchecked, Prediction};
use crate::diffusion::posterior::posterior_mean_unchecked;
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};

/// The decoder p_θ(x_0 | x_1) of the reconstruction term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// N(x_0; μ_θ(x_1, 1), σ_1² I): continuous data such as the 2-D sets.
    Gaussian,
    /// DDPM's discretized Gaussian over 256 bins: 8-bit data scaled to [−1, 1].
    Discretized,
}

impl Decoder {
    pub const NAMES: [&'static str; 2] = ["gaussian", "discretized"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "gaussian" => Ok(Decoder::Gaussian),
            "discretized" => Ok(Decoder::Discretized),
            other => Err(InputError::one_of("decoder", other, &Self::NAMES)),
        }
    }
}

/// The prior-matching term KL(q(x_T | x_0) ‖ N(0, I)) in nats: q(x_T|x_0) = N(√ᾱ_T x_0, (1 − ᾱ_T) I) (1.73).
pub fn prior_kl(s: &NoiseSchedule, x0: &[f64]) -> Result<f64> {
    check_finite("x0", x0)?;
    Ok(prior_kl_unchecked(s, x0))
}

fn prior_kl_unchecked(s: &NoiseSchedule, x0: &[f64]) -> f64 {
    let (a, v) = (s.sqrt_alphas_cumprod[s.t_max - 1], 1.0 - s.alpha_bar(s.t_max));
    x0.iter().map(|x| normal_kl(a * x, v, 0.0, 1.0)).sum()
}

/// One denoising-matching term (1.62) in nats: KL(q(x_{t−1}|x_t,x_0) ‖ N(μ_θ(x_t,t), σ_t² I)) for
/// t in 2..=T, with μ_θ from `pred` read as `param` and σ_t² from `variance`.
pub fn denoising_kl(
    s: &NoiseSchedule,
    x0: &[f64],
    x_t: &[f64],
    t: usize,
    param: Prediction,
    pred: &[f64],
    variance: ModelVariance,
) -> Result<f64> {
    s.check_t_in("t", t, 2)?;
    check_same_len("xT", x_t.len(), "x0", x0.len())?;
    check_same_len("prediction", pred.len(), "x0", x0.len())?;
    check_finite("x0", x0)?;
    check_finite("xT", x_t)?;
    check_finite("prediction", pred)?;
    Ok(denoising_kl_unchecked(s, x0, x_t, t, param, pred, variance))
}

fn denoising_kl_unchecked(s: &NoiseSchedule, x0: &[f64], x_t: &[f64], t: usize, param: Prediction, pred: &[f64], variance: ModelVariance) -> f64 {
    let mu_q = posterior_mean_unchecked(s, x_t, x0, t);
    let mu_p = model_mean_unchecked(s, param, x_t, t, pred);
    let (var_q, var_p) = (s.posterior_var(t), s.model_variance(t, variance));
    mu_q.iter().zip(&mu_p).map(|(a, b)| normal_kl(*a, var_q, *b, var_p)).sum()
}

/// The reconstruction term log p_θ(x_0 | x_1) in nats (≤ 0 for the discretized decoder), with the
/// decoder's mean μ_θ(x_1, 1) from `pred` read as `param` and variance σ_1² from `variance`.
pub fn reconstruction(s: &NoiseSchedule, x0: &[f64], x1: &[f64], param: Prediction, pred: &[f64], variance: ModelVariance, decoder: Decoder) -> Result<f64> {
    check_same_len("x_1", x1.len(), "x0", x0.len())?;
    check_same_len("prediction", pred.len(), "x0", x0.len())?;
    check_finite("x0", x0)?;
    check_finite("x_1", x1)?;
    check_finite("prediction", pred)?;
    let mean = model_mean_unchecked(s, param, x1, 1, pred);
    let var = s.model_variance(1, variance);
    match decoder {
        Decoder::Gaussian => Ok(x0.iter().zip(&mean).map(|(x, m)| log_normal(*x, *m, var)).sum()),
        Decoder::Discretized => discretized_gaussian_log_likelihood(x0, &mean, var),
    }
}

/// Every term of (1.62) for one x_0.
#[derive(Debug, Clone, PartialEq)]
pub struct ElboTerms {
    /// D, the data dimension
    pub dims: usize,
    /// log p_θ(x_0 | x_1), nats (the reconstruction term; the ELBO adds it)
    pub reconstruction: f64,
    /// KL(q(x_T|x_0) ‖ N(0, I)), nats (the ELBO subtracts it)
    pub prior_kl: f64,
    /// KL(q(x_{t−1}|x_t,x_0) ‖ p_θ(x_{t−1}|x_t)) for t = 2..=T (index t − 2), nats
    pub denoising_kl: Vec<f64>,
    /// Σ_t denoising_kl, nats
    pub denoising_total: f64,
    /// ELBO = reconstruction − prior_kl − denoising_total, nats (a lower bound on log p(x_0))
    pub elbo: f64,
    /// −ELBO, nats (an upper bound on −log p(x_0))
    pub neg_elbo_nats: f64,
    /// −ELBO / (D ln 2)
    pub neg_elbo_bits_per_dim: f64,
}

/// The full ELBO (1.62) for one x_0 given the model's predictions.
///
/// `x_ts` and `preds` hold T rows of D values each, row t − 1 for t = 1..=T: x_t is a draw of
/// q(x_t | x_0) and `preds[t−1]` the network's output at (x_t, t), read as `param`.
/// Row 1 feeds the decoder; rows 2..=T the denoising terms.
pub fn elbo_terms(
    s: &NoiseSchedule,
    x0: &[f64],
    x_ts: &[f64],
    preds: &[f64],
    param: Prediction,
    variance: ModelVariance,
    decoder: Decoder,
) -> Result<ElboTerms> {
    let d = x0.len();
    crate::numerics::error::check_nonempty("x0", d)?;
    check_finite("x0", x0)?;
    let want = s.t_max * d;
    for (name, arr) in [("xTs", x_ts), ("predictions", preds)] {
        if arr.len() != want {
            return Err(InputError::length(name, arr.len(), format!("T·D = {}·{} = {want}", s.t_max, d)));
        }
        check_finite(name, arr)?;
    }
    let row = |a: &'_ [f64], t: usize| -> Vec<f64> { a[(t - 1) * d..t * d].to_vec() };
    let reconstruction = reconstruction(s, x0, &row(x_ts, 1), param, &row(preds, 1), variance, decoder)?;
    let prior_kl = prior_kl_unchecked(s, x0);
    let denoising_kl: Vec<f64> = (2..=s.t_max)
        .map(|t| denoising_kl_unchecked(s, x0, &row(x_ts, t), t, param, &row(preds, t), variance))
        .collect();
    let denoising_total: f64 = denoising_kl.iter().sum();
    let elbo = reconstruction - prior_kl - denoising_total;
    Ok(ElboTerms {
        dims: d,
        reconstruction,
        prior_kl,
        denoising_kl,
        denoising_total,
        elbo,
        neg_elbo_nats: -elbo,
        neg_elbo_bits_per_dim: nats_to_bits_per_dim(-elbo, d),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::parameterization::{convert, loss_weight};
    use crate::numerics::rng::Rng;
    use crate::diffusion::schedule::BetaSchedule;

    /// The three weighted losses of (1.100), (1.119), (1.140) equal the denoising KL for arbitrary
    /// predictions (σ_t² = β̃_t), and the KL is the same whichever twin it is computed from.
    /// With σ_t² = β_t the KL adds the variance-mismatch constant (d/2)(log(σ_t²/σ_q²) − 1 + σ_q²/σ_t²).
    #[test]
    fn weighted_losses_equal_the_kl() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(100), 100).unwrap();
        let mut rng = Rng::new(9);
        for t in [2, 3, 40, 99, 100] {
            let x0 = rng.normals(3);
            let noise = rng.normals(3);
            let x_t = crate::diffusion::forward::q_sample(&s, &x0, t, &noise).unwrap().sample;
            let pred_x0 = rng.normals(3); // an arbitrary, wrong prediction
            let true_eps = noise.clone();
            let true_score = convert(&s, Prediction::Eps, Prediction::Score, &x_t, t, &true_eps).unwrap();
            for variance in [ModelVariance::BetaTilde, ModelVariance::Beta, ModelVariance::FixedLarge] {
                let kl = denoising_kl(&s, &x0, &x_t, t, Prediction::X0, &pred_x0, variance).unwrap();
                let (vq, vp) = (s.posterior_var(t), s.model_variance(t, variance));
                let constant = 1.5 * ((vp / vq).ln() - 1.0 + vq / vp);
                for (param, target) in [(Prediction::X0, x0.clone()), (Prediction::Eps, true_eps.clone()), (Prediction::Score, true_score.clone())] {
                    let pred = convert(&s, Prediction::X0, param, &x_t, t, &pred_x0).unwrap();
                    let sq: f64 = pred.iter().zip(&target).map(|(a, b)| (a - b) * (a - b)).sum();
                    let w = loss_weight(&s, param, t, variance).unwrap();
                    let kl_twin = denoising_kl(&s, &x0, &x_t, t, param, &pred, variance).unwrap();
                    assert!((kl_twin - kl).abs() <= 1e-9 * kl, "t={t} {param:?}: twin KL {kl_twin} vs {kl}");
                    assert!((w * sq + constant - kl).abs() <= 1e-9 * kl, "t={t} {param:?} {variance:?}: {} vs {kl}", w * sq + constant);
                }
            }
        }
    }

    #[test]
    fn perfect_predictions_leave_only_variance_terms() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(50), 50).unwrap();
        let mut rng = Rng::new(1);
        let x0 = vec![0.3, -0.7];
        let mut x_ts = Vec::new();
        for t in 1..=50 {
            x_ts.extend(crate::diffusion::forward::q_sample(&s, &x0, t, &rng.normals(2)).unwrap().sample);
        }
        let preds: Vec<f64> = (0..50).flat_map(|_| x0.clone()).collect();
        let e = elbo_terms(&s, &x0, &x_ts, &preds, Prediction::X0, ModelVariance::BetaTilde, Decoder::Gaussian).unwrap();
        assert!(e.denoising_total.abs() < 1e-12, "{}", e.denoising_total);
        assert_eq!(e.denoising_kl.len(), 49);
        let var1 = s.model_variance(1, ModelVariance::BetaTilde);
        let want_rec = 2.0 * -0.5 * ((2.0 * std::f64::consts::PI).ln() + var1.ln());
        assert!((e.reconstruction - want_rec).abs() < 1e-12);
        assert!((e.neg_elbo_nats - (e.prior_kl - e.reconstruction)).abs() < 1e-12);
        assert!((e.neg_elbo_bits_per_dim - e.neg_elbo_nats / (2.0 * std::f64::consts::LN_2)).abs() < 1e-15);
        // prior KL by its own formula
        let ab = s.alpha_bar(50);
        let want_prior: f64 = x0.iter().map(|x| 0.5 * ((1.0 - ab) + ab * x * x - 1.0 - (1.0 - ab).ln())).sum();
        assert!((e.prior_kl - want_prior).abs() < 1e-15);
    }

    /// "fixed_large" is "beta" in every denoising term and β̃_2 in the decoder (improved-diffusion's
    /// FIXED_LARGE), so the two ELBOs differ by the reconstruction term alone.
    #[test]
    fn fixed_large_changes_only_the_decoder_term() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(50), 50).unwrap();
        let mut rng = Rng::new(4);
        let x0 = vec![0.3, -0.7];
        let x_ts: Vec<f64> = (1..=50).flat_map(|t| crate::diffusion::forward::q_sample(&s, &x0, t, &rng.normals(2)).unwrap().sample).collect();
        let preds = rng.normals(100);
        let terms = |v| elbo_terms(&s, &x0, &x_ts, &preds, Prediction::Eps, v, Decoder::Gaussian).unwrap();
        let (large, beta) = (terms(ModelVariance::FixedLarge), terms(ModelVariance::Beta));
        assert_eq!(large.denoising_kl, beta.denoising_kl);
        assert_eq!(large.prior_kl, beta.prior_kl);
        let mean = model_mean_unchecked(&s, Prediction::Eps, &x_ts[..2], 1, &preds[..2]);
        let var1 = s.posterior_var(2); // β̃_2
        let want: f64 = x0.iter().zip(&mean).map(|(x, m)| -0.5 * ((2.0 * std::f64::consts::PI * var1).ln() + (x - m).powi(2) / var1)).sum();
        assert!((large.reconstruction - want).abs() < 1e-12, "{} vs {want}", large.reconstruction);
        assert!((large.reconstruction - beta.reconstruction).abs() > 1e-3);
    }

    #[test]
    fn rejects_mismatched_rows() {
        let s = NoiseSchedule::new(BetaSchedule::linear_default(50), 50).unwrap();
        let e = elbo_terms(&s, &[0.0, 0.0], &[0.0; 99], &[0.0; 100], Prediction::Eps, ModelVariance::Beta, Decoder::Gaussian).unwrap_err();
        assert!(e.message.contains("T·D = 50·2 = 100"), "{}", e.message);
        let e = elbo_terms(&s, &[2.0], &[0.0; 50], &[0.0; 50], Prediction::Eps, ModelVariance::Beta, Decoder::Discretized).unwrap_err();
        assert!(e.message.contains("[-1, 1]"), "{}", e.message);
        assert!(Decoder::parse("bernoulli").unwrap_err().message.contains("\"gaussian\""));
    }
}
