//! The numerical companions of the derivation, for JavaScript: the VAE ELBO (1.15–1.25), the two
//! ELBO forms of a diffusion model (1.47 vs 1.62), KL → MSE (1.90–1.95), score matching
//! (2.12–2.24) and Tweedie in one dimension (1.120–1.121). Each takes a config object, validates
//! it field by field, delegates to the core module, and returns a plain object; every Monte Carlo
//! estimate is `{mean, stdError, variance, samples}`.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::{f64s, integer, js_err, variance, Config, JsResult, Mixture, Obj, Schedule};
use crate::diffusion::elbo_forms::{self, ElboForms, Trajectories};
use crate::numerics::gaussian;
use crate::numerics::montecarlo::Estimate;
use crate::diffusion::oracle::GaussianMixture;
use crate::engine::predictor::Predictor;
use crate::diffusion::schedule::{ModelVariance, NoiseSchedule};
use crate::score::matching::{self, GaussianScore};
use crate::diffusion::tweedie::{self, Prior};
use crate::vae::{self, Encoder, LinearGaussian};

const MAX_SEED: f64 = 9_007_199_254_740_991.0;

pub(super) fn estimate(e: &Estimate) -> JsValue {
    Obj::new().set("mean", e.mean).set("stdError", e.std_error).set("variance", e.variance).set("samples", e.samples as f64).build()
}

fn seed_of(c: &Config, default: f64) -> JsResult<u64> {
    integer("seed", c.number("seed")?.unwrap_or(default), MAX_SEED)
}

fn samples_of(c: &Config, default: f64, max: usize) -> JsResult<usize> {
    Ok(integer("samples", c.number("samples")?.unwrap_or(default), max as f64)? as usize)
}

// ---------------------------------------------------------------------------------------------
// VAE (1.1–1.25)

const VAE_EXAMPLE: &str = "{weights: [[1, 0.6], [-0.4, 0.9]], bias: [0, 0], noiseVariance: 0.3, x: [1.2, -0.5], encoder: {mean: [0, 0], std: [1, 1]}, samples: 10000, seed: 0}";
const VAE_FIELDS: [&str; 7] = ["weights", "bias", "noiseVariance", "x", "encoder", "samples", "seed"];

/// A VAE config read and checked: the linear-Gaussian model, x, the encoder ("best" or absent:
/// the diagonal encoder closest to the true posterior), the sample count and the seed.
fn vae_config(config: JsValue) -> JsResult<(LinearGaussian, Vec<f64>, Encoder, usize, u64)> {
    let c = Config::parse("vae config", config, VAE_EXAMPLE)?;
    c.finish(&VAE_FIELDS)?;
    let (model, x, q) = vae_inputs(&c)?;
    Ok((model, x, q, samples_of(&c, 10_000.0, vae::MAX_SAMPLES)?, seed_of(&c, 0.0)?))
}

fn vae_inputs(c: &Config) -> JsResult<(LinearGaussian, Vec<f64>, Encoder)> {
    let rows: Vec<Vec<f64>> = c.get("weights", "an array of D arrays of K numbers (the rows of W)")?.unwrap_or_else(|| vec![vec![1.0, 0.6], vec![-0.4, 0.9]]);
    let dim = rows.len();
    let latent = rows.first().map(|r| r.len()).unwrap_or(0);
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != latent) {
        return Err(JsError::new(&format!("vae config.weights[{i}] has {} numbers but weights[0] has {latent}: every row of W needs K numbers", r.len())));
    }
    let bias = c.numbers("bias")?.unwrap_or_else(|| vec![0.0; dim]);
    let noise = c.number("noiseVariance")?.unwrap_or(0.3);
    let model = LinearGaussian::new(latent, dim, rows.concat(), bias, noise).map_err(js_err)?;
    let x = c.numbers("x")?.unwrap_or_else(|| (0..dim).map(|i| if i % 2 == 0 { 1.2 } else { -0.5 }).collect());
    model.log_evidence(&x).map_err(js_err)?; // validates x
    let q = match c.fields.get("encoder") {
        Some(v) if v.as_string().as_deref() == Some("best") => model.best_diagonal_encoder(&x).map_err(js_err)?,
        None => model.best_diagonal_encoder(&x).map_err(js_err)?,
        Some(v) => {
            let e = Config::parse("vae config.encoder", v.clone(), "{mean: [0, 0], std: [1, 1]} or \"best\"")?;
            e.finish(&["mean", "std"])?;
            Encoder {
                mean: e.numbers("mean")?.unwrap_or_else(|| vec![0.0; latent]),
                std: e.numbers("std")?.unwrap_or_else(|| vec![1.0; latent]),
            }
        }
    };
    Ok((model, x, q))
}

/// log p(x) = ELBO + KL(q ‖ p(z|x)) (1.15) for the linear-Gaussian VAE p(z) = N(0, I),
/// p(x|z) = N(Wz + b, s²I), exact and by Monte Carlo through z = μ + σ ⊙ ε (1.25). Config (all
/// optional): `{weights: [[..K..] × D], bias, noiseVariance, x, encoder: {mean, std} | "best",
/// samples: 10000, seed: 0}`. Returns `{logEvidence, elbo, reconstruction, priorKl, posteriorKl,
/// identityResidual, encoder: {mean, std}, posterior: {mean, covariance}, monteCarlo: {elbo,
/// reconstruction, priorKl, posteriorKl, logEvidence}}` (nats).
#[wasm_bindgen(js_name = vaeElbo)]
pub fn vae_elbo(config: JsValue) -> JsResult<JsValue> {
    let (model, x, q, n, seed) = vae_config(config)?;
    let e = vae::elbo_split(&model, &x, &q).map_err(js_err)?;
    let mc = vae::elbo_monte_carlo(&model, &x, &q, n, seed).map_err(js_err)?;
    let (m, s) = model.true_posterior(&x).map_err(js_err)?;
    Ok(Obj::new()
        .set("logEvidence", e.log_evidence)
        .set("elbo", e.elbo)
        .set("reconstruction", e.reconstruction)
        .set("priorKl", e.prior_kl)
        .set("posteriorKl", e.posterior_kl)
        .set("identityResidual", e.identity_residual)
        .set("encoder", Obj::new().set("mean", f64s(&q.mean)).set("std", f64s(&q.std)).build())
        .set("posterior", Obj::new().set("mean", f64s(&m)).set("covariance", f64s(&s)).build())
        .set(
            "monteCarlo",
            Obj::new()
                .set("elbo", estimate(&mc.elbo))
                .set("reconstruction", estimate(&mc.reconstruction))
                .set("priorKl", estimate(&mc.prior_kl))
                .set("posteriorKl", estimate(&mc.posterior_kl))
                .set("logEvidence", estimate(&mc.log_evidence))
                .build(),
        )
        .build())
}

/// ∇ of the reconstruction term E_q[log p(x|z)] in (μ, σ): exact, by reparameterization (1.25)
/// and by the score-function estimator, from the same draws. Same config as `vaeElbo`. Returns
/// `{names, exact: Float64Array, reparameterized: [estimate], scoreFunction: [estimate],
/// varianceRatio: Float64Array}` (score-function variance / reparameterized variance).
#[wasm_bindgen(js_name = vaeGradients)]
pub fn vae_gradients(config: JsValue) -> JsResult<JsValue> {
    let (model, x, q, n, seed) = vae_config(config)?;
    let g = vae::reconstruction_gradients(&model, &x, &q, n, seed).map_err(js_err)?;
    let ratio: Vec<f64> = g.score_function.iter().zip(&g.reparameterized).map(|(s, r)| s.variance / r.variance).collect();
    Ok(Obj::new()
        .set("names", g.names.iter().map(|s| JsValue::from_str(s)).collect::<Array>())
        .set("exact", f64s(&g.exact))
        .set("reparameterized", g.reparameterized.iter().map(estimate).collect::<Array>())
        .set("scoreFunction", g.score_function.iter().map(estimate).collect::<Array>())
        .set("varianceRatio", f64s(&ratio))
        .build())
}

/// KL(N(mean1, var1) ‖ N(mean2, var2)) (diagonal) by Monte Carlo, to set beside `gaussianKl` (1.23).
#[wasm_bindgen(js_name = gaussianKlMonteCarlo)]
pub fn gaussian_kl_monte_carlo(mean1: &[f64], var1: &[f64], mean2: &[f64], var2: &[f64], samples: f64, seed: f64) -> JsResult<JsValue> {
    let n = integer("samples", samples, 1e7)? as usize;
    let seed = integer("seed", seed, MAX_SEED)?;
    Ok(estimate(&gaussian::kl_monte_carlo(mean1, var1, mean2, var2, n, seed).map_err(js_err)?))
}

/// (1.90–1.95) term by term for means μ_q, μ_θ and the shared variance σ_q²: `{dims, logDetRatio,
/// minusD, trace, quadratic, full, general, simplified}` (nats).
#[wasm_bindgen(js_name = klEqualVariance)]
pub fn kl_equal_variance(mu_q: &[f64], mu_theta: &[f64], var_q: f64) -> JsResult<JsValue> {
    let k = gaussian::kl_equal_variance(mu_q, mu_theta, var_q).map_err(js_err)?;
    Ok(Obj::new()
        .set("dims", k.dims as f64)
        .set("logDetRatio", k.log_det_ratio)
        .set("minusD", k.minus_d)
        .set("trace", k.trace)
        .set("quadratic", k.quadratic)
        .set("full", k.full)
        .set("general", k.general)
        .set("simplified", k.simplified)
        .build())
}

// ---------------------------------------------------------------------------------------------
// Consistency (1.45–1.47) vs denoising matching (1.62)

pub(super) struct FormsInputs {
    x0: Vec<f64>,
    n: usize,
    seed: u64,
    variance: ModelVariance,
}

fn forms_inputs(c: &Config, dim: usize, extra: &[&str]) -> JsResult<FormsInputs> {
    let mut allowed = vec!["x0", "samples", "seed", "variance"];
    allowed.extend_from_slice(extra);
    c.finish(&allowed)?;
    let x0 = c.numbers("x0")?.unwrap_or_else(|| (0..dim).map(|i| if i == 0 { 2.0 } else { 0.0 }).collect());
    if x0.len() != dim {
        return Err(JsError::new(&format!("x0 has length {} but the data have {dim} coordinates", x0.len())));
    }
    Ok(FormsInputs {
        x0,
        n: samples_of(c, 256.0, elbo_forms::MAX_VALUES)?,
        seed: seed_of(c, 0.0)?,
        variance: variance(c.string("variance")?.as_deref().unwrap_or("beta_tilde"))?,
    })
}

fn forms_object(f: &ElboForms, dims: usize) -> JsValue {
    let by_t = |v: &[Estimate], f: fn(&Estimate) -> f64| f64s(&v.iter().map(f).collect::<Vec<_>>());
    Obj::new()
        .set("dims", dims as f64)
        .set("consistency", estimate(&f.consistency))
        .set("consistencyKl", estimate(&f.consistency_kl))
        .set("denoising", estimate(&f.denoising))
        .set("reconstruction", estimate(&f.reconstruction))
        .set("consistencyMinusDenoising", estimate(&f.consistency_minus_denoising))
        .set("consistencyKlMinusDenoising", estimate(&f.consistency_kl_minus_denoising))
        .set("trajectoryVarianceRatio", f.trajectory_variance_ratio)
        .set("consistencySingleTVariance", f.consistency_single_t_variance)
        .set("denoisingSingleTVariance", f.denoising_single_t_variance)
        .set("singleTVarianceRatio", f.single_t_variance_ratio)
        .set("consistencyMeanByT", by_t(&f.consistency_by_t, |e| e.mean))
        .set("consistencyVarianceByT", by_t(&f.consistency_by_t, |e| e.variance))
        .set("denoisingMeanByT", by_t(&f.denoising_by_t, |e| e.mean))
        .set("denoisingVarianceByT", by_t(&f.denoising_by_t, |e| e.variance))
        .build()
}

/// Ask `predictor` at every t along the trajectories: T blocks of n · D values.
async fn trajectory_predictions(p: &Predictor, s: &NoiseSchedule, tr: &Trajectories) -> Result<Vec<f64>, String> {
    let mut out = Vec::with_capacity(s.t_max * tr.n * tr.dims);
    for t in 1..=s.t_max {
        out.extend(p.predict(s, tr.at(t), tr.dims, t).await?);
    }
    Ok(out)
}

pub(super) async fn forms(p: &Predictor, s: &NoiseSchedule, dims: usize, i: &FormsInputs) -> Result<JsValue, JsValue> {
    let tr = elbo_forms::sample_trajectories(s, &i.x0, i.n, i.seed).map_err(|e| JsValue::from(js_err(e)))?;
    let preds = trajectory_predictions(p, s, &tr).await.map_err(|e| JsValue::from(JsError::new(&e)))?;
    let f = elbo_forms::elbo_forms(s, &tr, &preds, p.param(), i.variance).map_err(|e| JsValue::from(js_err(e)))?;
    Ok(forms_object(&f, dims))
}

pub(super) fn forms_config(options: JsValue, dim: usize, extra: &[&str]) -> JsResult<(Config, FormsInputs)> {
    let c = Config::parse("ELBO forms config", options, "{x0: [2, 0], samples: 256, seed: 0, variance: \"beta_tilde\"}")?;
    let i = forms_inputs(&c, dim, extra)?;
    Ok((c, i))
}

/// The ELBO of one x_0 by the consistency form (1.45–1.46), as printed in (1.47), and by the
/// denoising-matching form (1.62), all from the same n forward trajectories, for a model that is
/// the exact oracle of `mixture` (`model: "oracle"`, default) or the exact denoiser of N(0, I) data
/// (`model: "standard_normal"`, a deliberately poor model). Config `{x0, samples: 256, seed: 0,
/// variance: "beta_tilde" | "beta", model}`. Returns `{dims, consistency, consistencyKl, denoising,
/// reconstruction, consistencyMinusDenoising, consistencyKlMinusDenoising, trajectoryVarianceRatio,
/// consistencySingleTVariance, denoisingSingleTVariance, singleTVarianceRatio,
/// consistencyMeanByT, consistencyVarianceByT, denoisingMeanByT, denoisingVarianceByT}` (nats per
/// x_0; the by-t arrays have index t − 1). For a trained network see `trainer.elboForms`.
#[wasm_bindgen(js_name = elboForms)]
pub fn elbo_forms_oracle(schedule: &Schedule, mixture: &Mixture, config: JsValue) -> JsResult<JsValue> {
    let m = &mixture.inner;
    let (c, i) = forms_config(config, m.dim, &["model"])?;
    let model = match c.string("model")?.as_deref().unwrap_or("oracle") {
        "oracle" => m.clone(),
        "standard_normal" => GaussianMixture::new(vec![1.0], vec![vec![0.0; m.dim]], vec![vec![1.0; m.dim]]).map_err(js_err)?,
        other => return Err(JsError::new(&format!("unknown model \"{other}\": valid ones are \"oracle\" (the exact denoiser of the mixture) and \"standard_normal\" (the exact denoiser of N(0, I) data, a poor model)"))),
    };
    // the exact denoiser answers synchronously, in ε
    let s = &schedule.inner;
    let tr = elbo_forms::sample_trajectories(s, &i.x0, i.n, i.seed).map_err(js_err)?;
    let preds = elbo_forms::oracle_predictions(&model, s, &tr);
    let f = elbo_forms::elbo_forms(s, &tr, &preds, crate::diffusion::parameterization::Prediction::Eps, i.variance).map_err(js_err)?;
    Ok(forms_object(&f, m.dim))
}

// ---------------------------------------------------------------------------------------------
// Score matching (2.12–2.24)

fn theta_list(c: &Config, dim: usize) -> JsResult<Vec<GaussianScore>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Theta {
        mean: Vec<f64>,
        variance: f64,
    }
    let list: Option<Vec<Theta>> = c.get("thetas", "an array of {mean: [d numbers], variance: v}")?;
    Ok(match list {
        Some(l) => l.into_iter().map(|t| GaussianScore { mean: t.mean, variance: t.variance }).collect(),
        // default: slide the mean along the first axis, the variance with it
        None => (0..13).map(|i| GaussianScore { mean: (0..dim).map(|k| if k == 0 { -1.5 + 0.25 * i as f64 } else { 0.0 }).collect(), variance: 1.0 + 0.25 * i as f64 }).collect(),
    })
}

/// Explicit (2.14), implicit (2.15) and denoising (2.24) score matching of the Gaussian score
/// models s_θ(x) = −(x − μ)/v against the data `mixture`, every θ on the same draws. Config
/// `{thetas: [{mean, variance}], sigma: 0.3, samples: 20000, seed: 0}`. Returns `{thetas, explicit,
/// implicit, implicitResidual, noisyExplicit, denoising, denoisingResidual}` (arrays of estimates,
/// one per θ), `implicitConstant`, `denoisingConstant` (estimates), `implicitSpread`,
/// `denoisingSpread`, `argminExplicit`, `argminImplicit`, `argminNoisyExplicit`, `argminDenoising`.
#[wasm_bindgen(js_name = scoreMatching)]
pub fn score_matching(mixture: &Mixture, config: JsValue) -> JsResult<JsValue> {
    let m = &mixture.inner;
    let c = Config::parse("score matching config", config, "{thetas: [{mean: [0, 0], variance: 2}], sigma: 0.3, samples: 20000, seed: 0}")?;
    c.finish(&["thetas", "sigma", "samples", "seed"])?;
    let thetas = theta_list(&c, m.dim)?;
    let sigma = c.number("sigma")?.unwrap_or(0.3);
    let n = samples_of(&c, 20_000.0, score_matching::MAX_SAMPLES)?;
    let r = score_matching::score_matching(m, &thetas, sigma, n, seed_of(&c, 0.0)?).map_err(js_err)?;
    let col = |f: fn(&score_matching::Losses) -> &Estimate| r.losses.iter().map(|l| estimate(f(l))).collect::<Array>();
    Ok(Obj::new()
        .set("thetas", thetas.iter().map(|t| Obj::new().set("mean", f64s(&t.mean)).set("variance", t.variance).build()).collect::<Array>())
        .set("sigma", r.sigma)
        .set("explicit", col(|l| &l.explicit))
        .set("implicit", col(|l| &l.implicit))
        .set("implicitResidual", col(|l| &l.implicit_residual))
        .set("noisyExplicit", col(|l| &l.noisy_explicit))
        .set("denoising", col(|l| &l.denoising))
        .set("denoisingResidual", col(|l| &l.denoising_residual))
        .set("implicitConstant", estimate(&r.implicit_constant))
        .set("denoisingConstant", estimate(&r.denoising_constant))
        .set("implicitSpread", r.implicit_spread)
        .set("denoisingSpread", r.denoising_spread)
        .set("argminExplicit", r.argmin_explicit as f64)
        .set("argminImplicit", r.argmin_implicit as f64)
        .set("argminNoisyExplicit", r.argmin_noisy_explicit as f64)
        .set("argminDenoising", r.argmin_denoising as f64)
        .build())
}

/// The energy view (2.12–2.13) at x: for each log C in `logNormalizers`, log p(x) = −f(x) − log C
/// and the score by central differences (step h). Returns `{rows: [{logNormalizer, logDensity,
/// score}], exactScore}`: the scores agree, whatever C.
#[wasm_bindgen(js_name = energyScores)]
pub fn energy_scores(mixture: &Mixture, x: &[f64], log_normalizers: &[f64], h: f64) -> JsResult<JsValue> {
    let (rows, exact) = score_matching::energy_scores(&mixture.inner, x, log_normalizers, h).map_err(js_err)?;
    Ok(Obj::new()
        .set(
            "rows",
            rows.iter().map(|r| Obj::new().set("logNormalizer", r.log_normalizer).set("logDensity", r.log_density).set("score", f64s(&r.score)).build()).collect::<Array>(),
        )
        .set("exactScore", f64s(&exact))
        .build())
}

// ---------------------------------------------------------------------------------------------
// Tweedie in one dimension (1.120–1.121)

fn prior_of(v: Option<&JsValue>) -> JsResult<Prior> {
    let Some(v) = v else { return Ok(Prior::Mixture { weights: vec![0.3, 0.7], means: vec![-2.0, 1.5], variances: vec![0.1, 0.4] }) };
    let c = Config::parse("prior", v.clone(), "{kind: \"laplace\", loc: 0, scale: 1}")?;
    let kind = c.string("kind")?.ok_or_else(|| JsError::new("prior needs kind: one of \"gaussian\", \"mixture\", \"uniform\", \"laplace\""))?;
    let need = |k: &str| -> JsResult<f64> { c.number(k)?.ok_or_else(|| JsError::new(&format!("a {kind} prior needs {k}"))) };
    let p = match kind.as_str() {
        "gaussian" => {
            c.finish(&["kind", "mean", "variance"])?;
            Prior::Gaussian { mean: need("mean")?, variance: need("variance")? }
        }
        "mixture" => {
            c.finish(&["kind", "weights", "means", "variances"])?;
            let list = |k: &str| -> JsResult<Vec<f64>> { c.numbers(k)?.ok_or_else(|| JsError::new(&format!("a mixture prior needs {k}: one number per component"))) };
            Prior::Mixture { weights: list("weights")?, means: list("means")?, variances: list("variances")? }
        }
        "uniform" => {
            c.finish(&["kind", "lo", "hi"])?;
            Prior::Uniform { lo: need("lo")?, hi: need("hi")? }
        }
        "laplace" => {
            c.finish(&["kind", "loc", "scale"])?;
            Prior::Laplace { loc: need("loc")?, scale: need("scale")? }
        }
        other => {
            return Err(JsError::new(&format!(
                "unknown prior \"{other}\": valid ones are {}",
                Prior::NAMES.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
            )))
        }
    };
    p.checked().map_err(js_err)
}

/// Tweedie's formula (1.121) against the posterior mean (1.120), both by quadrature, for
/// x | θ ~ N(θ, σ²) and a prior the reader picks: `{prior: {kind: "gaussian", mean, variance} |
/// {kind: "mixture", weights, means, variances} | {kind: "uniform", lo, hi} | {kind: "laplace",
/// loc, scale}, sigma: 0.5, x: [..]}` (default x: 81 points over the prior's range). Returns
/// `{x, logMarginal, score, posteriorMean, tweedie, residual, exact?, maxAbsResidual}` (typed arrays;
/// `exact` for the Gaussian and mixture priors).
#[wasm_bindgen(js_name = tweedie1d)]
pub fn tweedie_1d(config: JsValue) -> JsResult<JsValue> {
    let c = Config::parse("tweedie config", config, "{prior: {kind: \"laplace\", loc: 0, scale: 1}, sigma: 0.5, x: [-1, 0, 1]}")?;
    c.finish(&["prior", "sigma", "x"])?;
    let prior = prior_of(c.fields.get("prior"))?;
    let sigma = c.number("sigma")?.unwrap_or(0.5);
    let xs = c.numbers("x")?.unwrap_or_else(|| (0..81).map(|i| -4.0 + 0.1 * i as f64).collect());
    let pts = tweedie::tweedie_1d(&prior, sigma, &xs).map_err(js_err)?;
    let col = |f: fn(&tweedie::TweediePoint) -> f64| f64s(&pts.iter().map(f).collect::<Vec<_>>());
    let mut o = Obj::new()
        .set("x", col(|p| p.x))
        .set("logMarginal", col(|p| p.log_marginal))
        .set("score", col(|p| p.score))
        .set("posteriorMean", col(|p| p.posterior_mean))
        .set("tweedie", col(|p| p.tweedie))
        .set("residual", col(|p| p.residual))
        .set("maxAbsResidual", pts.iter().map(|p| p.residual.abs()).fold(0.0, f64::max));
    if pts.iter().all(|p| p.exact.is_some()) {
        o = o.set("exact", col(|p| p.exact.unwrap_or(f64::NAN)));
    }
    Ok(o.build())
}

// ---------------------------------------------------------------------------------------------
// The forward process on a data set: closed form (1.73) vs the iterated chain (1.63)

fn moments_object(m: &[crate::diffusion::noising::ResidualMoments]) -> JsValue {
    let a = Array::new();
    for r in m {
        a.push(
            &Obj::new()
                .set("mean", estimate(&r.mean))
                .set("secondMoment", estimate(&r.second_moment))
                .build(),
        );
    }
    a.into()
}

/// A 2-D data set noised to step t by the closed form q(x_t|x_0) (1.73) and by t steps of
/// q(x_k|x_{k−1}) (1.63), with the residual r = x_t − √ᾱ_t x_0 compared both ways and with its exact
/// law N(0, (1 − ᾱ_t) I). Config `{dataset: "moons", n: 1000, t, seed: 0}` (dataset: "ring8",
/// "moons", "swissroll", "checkerboard" or "circles"). Returns `{x0, closed, iterated} (row-major
/// points), dim, t, alphaBar, variance, closedMoments, iteratedMoments ([{mean, secondMoment}] per
/// coordinate), varianceByStep, closedByStep, iteratedByStep (index k − 1), maxZExact, maxZBetween}`.
#[wasm_bindgen(js_name = noiseDataset)]
pub fn noise_dataset(schedule: &Schedule, config: JsValue) -> JsResult<JsValue> {
    let c = Config::parse(
        "noising config",
        config,
        "{dataset: \"moons\", n: 1000, t: 100, seed: 0}",
    )?;
    c.finish(&["dataset", "n", "t", "seed"])?;
    let name = c.string("dataset")?.unwrap_or_else(|| "moons".into());
    let data = crate::data::toy::Dataset::by_name(&name).map_err(js_err)?;
    let n = integer(
        "n",
        c.number("n")?.unwrap_or(1000.0),
        crate::data::toy::MAX_POINTS as f64,
    )? as usize;
    let s = &schedule.inner;
    let t = super::timestep(s, c.number("t")?.unwrap_or((s.t_max / 10).max(1) as f64), 1)?;
    let seed = seed_of(&c, 0.0)?;
    let x0 = data.sample(n, seed).map_err(js_err)?;
    let r = crate::diffusion::noising::noise_both_ways(s, &x0, 2, t, seed).map_err(js_err)?;
    Ok(Obj::new()
        .set("x0", f64s(&x0))
        .set("closed", f64s(&r.closed))
        .set("iterated", f64s(&r.iterated))
        .set("dim", r.dim as f64)
        .set("t", r.t as f64)
        .set("alphaBar", r.alpha_bar)
        .set("variance", r.variance)
        .set("closedMoments", moments_object(&r.closed_moments))
        .set("iteratedMoments", moments_object(&r.iterated_moments))
        .set("varianceByStep", f64s(&r.variance_by_step))
        .set("closedByStep", f64s(&r.closed_by_step))
        .set("iteratedByStep", f64s(&r.iterated_by_step))
        .set("maxZExact", r.max_z_exact)
        .set("maxZBetween", r.max_z_between)
        .build())
}
