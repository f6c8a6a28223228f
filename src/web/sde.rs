//! The SDE view for JavaScript (Song et al. 2021): the VE, VP and sub-VP SDEs over t, DDPM's chain
//! and NCSN's ladder as their discretisations side by side, the exact likelihood through the
//! probability-flow ODE with the exact oracle, and sample quality against the number of
//! evaluations. Reads, validates, delegates to `diffusion::{sde, flow_ode, sde_samplers}`.

use js_sys::Float64Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{count, f64s, finite_all, seed, JsResult, Obj};
use crate::data::toy::{Dataset, MAX_POINTS};
use crate::diffusion::flow_ode::{self, OdeMethod, T_EPS_RANGE};
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::sde::{self, Sde, MAX_N};
use crate::diffusion::sde_samplers::{self, SamplerFamily, MAX_NFE};
use crate::numerics::budget::check_work;
use crate::numerics::error::{check_finite, check_range, InputError, Interval, Result};

use crate::numerics::rng::Rng;

/// The defaults of this view (read by `defaults().sde`, used here): one source.
pub(super) mod default {
    /// points of t in [0, 1] where `sde()` evaluates when `ts` is absent
    pub const CURVE_POINTS: usize = 101;
    /// the one-step comparison's N's (DDPM vs Euler–Maruyama), doubling
    pub const STEP_NS: [usize; 5] = [250, 500, 1000, 2000, 4000];
    pub const SEED: u64 = 0;
    /// likelihood: held-out points, steps, method and t_eps as the network's (`engine::sde_evaluate`),
    /// so the oracle's row and the network's measure the same density
    pub use crate::engine::sde_evaluate::{LIKELIHOOD_METHOD, LIKELIHOOD_POINTS, LIKELIHOOD_STEPS, LIKELIHOOD_T_EPS};
    pub const LIKELIHOOD_DATASETS: [&str; 2] = ["ring8", "gaussian"];
    /// quality: the NFE grid, particles and held-out points (MMD² then scatters by ≈ ±1e-3 between
    /// seeds). The whole default table (5 samplers × 8 NFEs, 7540 oracle evaluations of 500
    /// particles, 41 MMD²s) took 1.8 s natively at opt-level 1 and 3.3 s in the dev wasm under
    /// Node; 1000 particles took 6.3 s natively
    pub const QUALITY_NFES: [usize; 8] = [4, 8, 16, 32, 64, 128, 256, 1000];
    pub const QUALITY_PARTICLES: usize = 500;
    pub const QUALITY_HELD_OUT: usize = 500;
}

/// The table rows of `sdeCorrespondence` by default: 1, N/100, N/10, N/4, N/2, 3N/4, N (distinct).
pub(super) fn default_indices(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = [1, n / 100, n / 10, n / 4, n / 2, 3 * n / 4, n].into_iter().filter(|i| *i >= 1).collect();
    v.dedup();
    v
}

/// The SDE's own fields, shared by every config here.
#[derive(Default, Clone, Copy)]
struct SdeFields {
    beta_min: Option<f64>,
    beta_max: Option<f64>,
    sigma_min: Option<f64>,
    sigma_max: Option<f64>,
    n: Option<f64>,
}

/// `kind` ("vp", "ve", "subvp") with its defaults (`Sde::vp_default` …) and any field replaced.
fn build_sde(kind: Option<&str>, f: SdeFields) -> Result<Sde> {
    let base = Sde::default_for(kind.unwrap_or("vp"))?;
    let n = count("N", f.n, base.n(), 2, MAX_N)?;
    let s = match base {
        Sde::Vp { beta_min, beta_max, .. } => Sde::Vp { beta_min: f.beta_min.unwrap_or(beta_min), beta_max: f.beta_max.unwrap_or(beta_max), n },
        Sde::SubVp { beta_min, beta_max, .. } => Sde::SubVp { beta_min: f.beta_min.unwrap_or(beta_min), beta_max: f.beta_max.unwrap_or(beta_max), n },
        Sde::Ve { sigma_min, sigma_max, .. } => Sde::Ve { sigma_min: f.sigma_min.unwrap_or(sigma_min), sigma_max: f.sigma_max.unwrap_or(sigma_max), n },
    };
    s.validate()?;
    Ok(s)
}

/// `{kind: "vp", betaMin, betaMax, sigmaMin, sigmaMax, N, ts}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SdeConfig {
    kind: Option<String>,
    beta_min: Option<f64>,
    beta_max: Option<f64>,
    sigma_min: Option<f64>,
    sigma_max: Option<f64>,
    #[serde(rename = "N")]
    n: Option<f64>,
    ts: Option<Vec<f64>>,
}

macro_rules! sde_fields {
    ($c:expr) => {
        SdeFields { beta_min: $c.beta_min, beta_max: $c.beta_max, sigma_min: $c.sigma_min, sigma_max: $c.sigma_max, n: $c.n }
    };
}

/// An SDE over t (Song et al. 2021, eqs. 9, 11 and §3.4 sub-VP; score_sde's conventions, t in
/// [0, 1]). Config `{kind: "vp" | "ve" | "subvp", betaMin: 0.1, betaMax: 20, sigmaMin: 0.01,
/// sigmaMax: 6, N: 1000, ts}` (`ts`: times in [0, 1], default 101 evenly spaced; see
/// `defaults().sde.kinds`). Returns `{kind, ts, meanScale, std, driftCoef, diffusion}`
/// (Float64Arrays): q(x_t|x_0) = N(meanScale·x_0, std²I), f(x, t) = driftCoef·x, g(t) = diffusion.
#[wasm_bindgen(js_name = sde)]
pub fn sde_curves(config_value: JsValue) -> JsResult<JsValue> {
    let c: SdeConfig = super::convert::config(&config_value)?;
    let s = build_sde(c.kind.as_deref(), sde_fields!(c))?;
    let ts = match c.ts {
        Some(ts) => {
            crate::numerics::error::check_nonempty("ts", ts.len())?;
            check_work("ts", ts.len() as f64, ts.len() as f64 * 100.0, "ts.length × 100")?;
            for (i, t) in ts.iter().enumerate() {
                check_range(&format!("ts[{i}]"), *t, Interval::closed(0.0, 1.0))?;
            }
            ts
        }
        None => (0..default::CURVE_POINTS).map(|i| i as f64 / (default::CURVE_POINTS - 1) as f64).collect(),
    };
    let m: Vec<_> = ts.iter().map(|t| s.marginal(*t)).collect();
    Ok(Obj::new()
        .set("kind", s.name())
        .set("ts", f64s(&ts))
        .set("meanScale", finite_all("ts", &m.iter().map(|m| m.mean_scale).collect::<Vec<_>>())?)
        .set("std", finite_all("ts", &m.iter().map(|m| m.std).collect::<Vec<_>>())?)
        .set("driftCoef", finite_all("ts", &ts.iter().map(|t| s.drift_coef(*t)).collect::<Vec<_>>())?)
        .set("diffusion", finite_all("ts", &ts.iter().map(|t| s.diffusion(*t)).collect::<Vec<_>>())?)
        .build())
}

/// `{betaMin, betaMax, sigmaMin, sigmaMax, N, indices, stepNs, seed}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CorrespondenceConfig {
    beta_min: Option<f64>,
    beta_max: Option<f64>,
    sigma_min: Option<f64>,
    sigma_max: Option<f64>,
    #[serde(rename = "N")]
    n: Option<f64>,
    indices: Option<Vec<f64>>,
    step_ns: Option<Vec<f64>>,
    seed: Option<f64>,
}

fn col<T>(rows: &[T], f: impl Fn(&T) -> f64) -> Float64Array {
    f64s(&rows.iter().map(f).collect::<Vec<_>>())
}

/// DDPM's chain as the VP SDE discretised and NCSN's ladder as the VE SDE's, side by side (Song
/// et al. 2021, eqs. 8–11). Config `{betaMin: 0.1, betaMax: 20, sigmaMin: 0.01, sigmaMax: 6,
/// N: 1000, indices, stepNs: [250, …, 4000], seed: 0}` (the VP and the VE SDE share N; indices
/// default 1, N/100, N/10, N/4, N/2, 3N/4, N). Returns `{vp, ve, step, steps}`:
/// `vp {n, i, t, betaDdpm, betaContinuous, betaSde, alphaBarDdpm, alphaBarSde, logRatio,
/// secondOrder, maxBetaRelDiff, maxBetaRelDiffContinuous, maxAlphaBarAbsDiff, maxLogAlphaBarGap,
/// maxLogAlphaBarGapAfterSecondOrder}`: DDPM's linear β_i against the SDE's discrete β_i and
/// β(t_i)/N, ᾱ_i against e^{−∫_0^{i/N} β} (the log gap is ≈ −½Σβ_j², O(1/N));
/// `ve {levels, i, t, sigmaNcsn, sigmaVe, sigmaContinuous, alphaNcsn, stepNcsn, stepVe,
/// maxSigmaRelDiff, maxStepRelDiff, alphaToG2DtSpread}`: the ladder against the discrete σ_i,
/// NCSN's per-step variance σ_i² − σ_{i−1}² (`stepNcsn`) against g(t_i)²Δt (`stepVe`, i ≥ 2),
/// annealed Langevin's α_i ∝ σ_i² (`alphaNcsn` = σ_i²; its ratio to g²Δt is constant);
/// `step {nCoarse, nFine, gapCoarse, gapFine}`: one DDPM step against one Euler–Maruyama step of
/// the reverse VP SDE, same x, same z, exact score, at N and 2N (the gap is O(1/N²) per step);
/// `steps {n, i, t, stepSize, ddpmVsEulerMaruyama, ddpmVsReverseDiffusion, gapPerUnitTime,
/// gapOrder}` over `stepNs`.
#[wasm_bindgen(js_name = sdeCorrespondence)]
pub fn sde_correspondence(config_value: JsValue) -> JsResult<JsValue> {
    let c: CorrespondenceConfig = super::convert::config(&config_value)?;
    let f = sde_fields!(c);
    let vp = build_sde(Some("vp"), f)?;
    let ve = build_sde(Some("ve"), f)?;
    let n = vp.n();
    let list = |field: &str, v: &Option<Vec<f64>>, default: Vec<usize>, min: usize, max: usize| -> Result<Vec<usize>> {
        match v {
            None => Ok(default),
            Some(v) => {
                crate::numerics::error::check_nonempty(field, v.len())?;
                if v.len() > 64 {
                    return Err(InputError::length(field, v.len(), "at most 64"));
                }
                v.iter().enumerate().map(|(k, x)| Ok(super::convert::integer(&format!("{field}[{k}]"), *x, min as u64, max as u64)? as usize)).collect()
            }
        }
    };
    let indices = list("indices", &c.indices, default_indices(n), 1, n)?;
    let step_ns = list("stepNs", &c.step_ns, default::STEP_NS.to_vec(), 2, MAX_N / 2)?;
    let total: f64 = step_ns.iter().map(|m| *m as f64).sum::<f64>() * 2.0 + n as f64;
    check_work("stepNs", total, total * 200.0, "(N + 2·Σ stepNs) × 200")?;
    let mixture = Dataset::ring8_default().mixture().expect("ring8 is a mixture");
    let seed = seed(c.seed, default::SEED)?;
    // the rows over stepNs, then the pair (N, 2N) of the page's one-step verdict
    let pair_ns = [n, (2 * n).min(MAX_N)];
    let r = sde::discretisation_correspondence(&vp, &ve, &indices, &[step_ns.as_slice(), &pair_ns].concat(), &mixture, seed)?;
    let (s, p) = r.steps.split_at(step_ns.len());
    let gap_order = match (s.first(), s.last()) {
        (Some(a), Some(b)) if b.n != a.n => (b.gap_per_unit_time / a.gap_per_unit_time).ln() / (b.n as f64 / a.n as f64).ln(),
        _ => f64::NAN,
    };
    let v = &r.vp_rows;
    let vp_obj = Obj::new()
        .set("n", n as f64)
        .set("i", col(v, |r| r.i as f64))
        .set("t", col(v, |r| r.t))
        .set("betaDdpm", col(v, |r| r.ddpm_beta))
        .set("betaContinuous", col(v, |r| r.beta_over_n))
        .set("betaSde", col(v, |r| r.sde_beta))
        .set("alphaBarDdpm", col(v, |r| r.alpha_bar))
        .set("alphaBarSde", col(v, |r| r.mean_scale_sq))
        .set("logRatio", col(v, |r| r.log_ratio))
        .set("secondOrder", col(v, |r| r.second_order))
        .set("maxBetaRelDiff", r.max_rel_beta_discrete.max(r.max_rel_beta_continuous))
        .set("maxBetaRelDiffContinuous", r.max_rel_beta_continuous)
        .set("maxAlphaBarAbsDiff", r.max_alpha_bar_abs_diff)
        .set("maxLogAlphaBarGap", r.max_log_alpha_bar_gap)
        .set("maxLogAlphaBarGapAfterSecondOrder", r.max_log_alpha_bar_gap_after_second_order)
        .build();
    let e = &r.ve_rows;
    let ve_obj = Obj::new()
        .set("levels", ve.n() as f64)
        .set("i", col(e, |r| r.i as f64))
        .set("t", col(e, |r| r.t))
        .set("sigmaNcsn", col(e, |r| r.ladder_sigma))
        .set("sigmaVe", col(e, |r| r.sde_sigma))
        .set("sigmaContinuous", col(e, |r| r.sigma_t))
        .set("alphaNcsn", col(e, |r| r.ncsn_alpha))
        .set("stepNcsn", col(e, |r| r.chain_variance))
        .set("stepVe", col(e, |r| r.g2_dt))
        .set("maxSigmaRelDiff", r.max_rel_sigma)
        .set("maxStepRelDiff", r.max_rel_chain_variance)
        .set("alphaToG2DtSpread", r.alpha_to_g2_dt_spread)
        .build();
    let steps_obj = Obj::new()
        .set("n", col(s, |r| r.n as f64))
        .set("i", col(s, |r| r.i as f64))
        .set("t", col(s, |r| r.t))
        .set("stepSize", col(s, |r| r.step_size))
        .set("ddpmVsEulerMaruyama", col(s, |r| r.ddpm_vs_euler_maruyama))
        .set("ddpmVsReverseDiffusion", col(s, |r| r.ddpm_vs_reverse_diffusion))
        .set("gapPerUnitTime", col(s, |r| r.gap_per_unit_time))
        .set("gapOrder", if gap_order.is_finite() { JsValue::from(gap_order) } else { JsValue::NULL })
        .build();
    let step_obj = Obj::new().set("nCoarse", p[0].n as f64).set("nFine", p[1].n as f64).set("gapCoarse", p[0].ddpm_vs_euler_maruyama).set("gapFine", p[1].ddpm_vs_euler_maruyama).build();
    Ok(Obj::new().set("vp", vp_obj).set("ve", ve_obj).set("step", step_obj).set("steps", steps_obj).build())
}

/// `{dataset: "ring8", points, n, seed, steps, method, kind, betaMin, …, N, tEps}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LikelihoodConfig {
    dataset: Option<String>,
    points: Option<Vec<f64>>,
    n: Option<f64>,
    seed: Option<f64>,
    steps: Option<f64>,
    method: Option<String>,
    kind: Option<String>,
    beta_min: Option<f64>,
    beta_max: Option<f64>,
    sigma_min: Option<f64>,
    sigma_max: Option<f64>,
    #[serde(rename = "N")]
    big_n: Option<f64>,
    t_eps: Option<f64>,
}

/// The data set of the likelihood check by name: ring8 (its exact mixture) or one Gaussian.
fn likelihood_data(name: &str) -> Result<GaussianMixture> {
    match name {
        "ring8" => Ok(Dataset::ring8_default().mixture().expect("ring8 is a mixture")),
        "gaussian" => Ok(flow_ode::likelihood_gaussian()),
        other => Err(InputError::one_of("dataset", other, &default::LIKELIHOOD_DATASETS)),
    }
}

fn mean_se(v: &[f64]) -> (f64, f64) {
    let e = crate::numerics::montecarlo::Estimate::of(v);
    (e.mean, e.std_error)
}

/// The exact likelihood through the probability-flow ODE with the exact oracle (Song et al.
/// 2021, eq. 13, Appendix D.2; exact divergence). Config `{dataset: "ring8" | "gaussian", points
/// (n × 2; else n held-out draws from seed), n: 256, seed: 0, steps: 50, method: "euler" | "heun"
/// | "rk4", kind: "vp", betaMin, betaMax, sigmaMin, sigmaMax, N, tEps: 1e-3}` (`defaults().sde.likelihood`).
/// The prior at t = 1 is the mixture's own q_1 (the oracle knows it), so only the solver errs.
/// Returns `{logLikelihood (nats per point), meanPerDim, stdErrorPerDim, exactMeanPerDim (the
/// mixture's log density at the same points blurred to tEps, per dim), dataMeanPerDim (at t = 0),
/// solverError (mean |fine − coarse|, nats per point), solverErrorPerDim, nfe, totalNfe,
/// sdePriorMeanPerDim (with score_sde's prior N(0, I) or N(0, σ_max²I)), priorGapPerDim,
/// entropyPerDim, entropyStdErrorPerDim (the data's, by 20000 draws), dim, kind, method, steps, tEps}`.
#[wasm_bindgen(js_name = pfOdeLikelihood)]
pub fn pf_ode_likelihood(config_value: JsValue) -> JsResult<JsValue> {
    let c: LikelihoodConfig = super::convert::config(&config_value)?;
    let mixture = likelihood_data(c.dataset.as_deref().unwrap_or("ring8"))?;
    let s = build_sde(c.kind.as_deref(), SdeFields { beta_min: c.beta_min, beta_max: c.beta_max, sigma_min: c.sigma_min, sigma_max: c.sigma_max, n: c.big_n })?;
    let steps = count("steps", c.steps, default::LIKELIHOOD_STEPS, 2, flow_ode::MAX_STEPS)?;
    let method = match c.method.as_deref() {
        Some(m) => OdeMethod::parse(m)?,
        None => default::LIKELIHOOD_METHOD,
    };
    let t_eps = c.t_eps.unwrap_or(default::LIKELIHOOD_T_EPS);
    check_range("tEps", t_eps, T_EPS_RANGE)?;
    let seed = seed(c.seed, default::SEED)?;
    let d = mixture.dim;
    let x = match c.points {
        Some(p) => {
            if c.n.is_some() {
                return Err(InputError::new("n", crate::numerics::error::Rule::Mismatch { other: "points (give one of them)".into() }, None).into());
            }
            crate::numerics::error::check_points("points", &p, d, MAX_POINTS)?;
            p
        }
        None => {
            let n = count("n", c.n, default::LIKELIHOOD_POINTS, 1, MAX_POINTS)?;
            check_work("n", n as f64, n as f64 * d as f64 * mixture.components() as f64 * 20.0, "n × dim × components × 20")?;
            mixture.sample(n, &mut Rng::new(seed))
        }
    };
    let n = x.len() / d;
    let evals = (steps + steps / 2) * method.stages();
    check_work("steps", steps as f64, n as f64 * evals as f64 * sde_samplers::oracle_work(&mixture), "points × (steps + steps/2) × stages × components × dim × 12")?;
    // a flow that leaves f64 on the way (an extreme SDE, too few steps) is the steps' overflow
    let overflow = |e: InputError| if e.field.starts_with("eps") || e.field.starts_with("divEps") { InputError::new("steps", crate::numerics::error::Rule::Overflow, None) } else { e };
    let mut l = flow_ode::oracle_likelihood(&mixture, s, &x, steps, method, t_eps).map_err(overflow)?;
    let sde_prior: Vec<f64> = l.log_p.clone();
    let end = s.marginal(1.0);
    l.rebase_prior(|p| mixture.log_density_at(p, end));
    let per_dim = |v: &[f64]| v.iter().map(|x| x / d as f64).collect::<Vec<f64>>();
    let (mean, se) = mean_se(&per_dim(&l.log_p));
    let at = s.marginal(t_eps);
    let exact: Vec<f64> = x.chunks(d).map(|p| mixture.log_density_at(p, at)).collect();
    let data: Vec<f64> = x.chunks(d).map(|p| mixture.log_density(p, 1.0)).collect();
    let (sde_mean, _) = mean_se(&per_dim(&sde_prior));
    let entropy = mixture.entropy(20_000, seed)?;
    for v in [mean, se, sde_mean, l.solver_error] {
        crate::numerics::error::check_finite_scalar("steps", v).map_err(|_| InputError::new("points", crate::numerics::error::Rule::Overflow, None))?;
    }
    check_finite("points", &l.log_p).map_err(|_| InputError::new("points", crate::numerics::error::Rule::Overflow, None))?;
    Ok(Obj::new()
        .set("logLikelihood", finite_all("points", &l.log_p)?)
        .set("meanPerDim", mean)
        .set("stdErrorPerDim", se)
        .set("exactMeanPerDim", exact.iter().sum::<f64>() / (n * d) as f64)
        .set("dataMeanPerDim", data.iter().sum::<f64>() / (n * d) as f64)
        .set("solverError", l.solver_error)
        .set("solverErrorPerDim", l.solver_error / d as f64)
        .set("nfe", l.nfe as f64)
        .set("totalNfe", l.total_nfe as f64)
        .set("sdePriorMeanPerDim", sde_mean)
        .set("priorGapPerDim", mean - sde_mean)
        .set("entropyPerDim", entropy.mean / d as f64)
        .set("entropyStdErrorPerDim", entropy.std_error / d as f64)
        .set("dim", d as f64)
        .set("kind", s.name())
        .set("method", method.name())
        .set("steps", steps as f64)
        .set("tEps", t_eps)
        .build())
}

/// `{nfes, samplers, particles, heldOut, seed, kind, betaMin, …, N}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QualityConfig {
    nfes: Option<Vec<f64>>,
    samplers: Option<Vec<String>>,
    particles: Option<f64>,
    held_out: Option<f64>,
    seed: Option<f64>,
    kind: Option<String>,
    beta_min: Option<f64>,
    beta_max: Option<f64>,
    sigma_min: Option<f64>,
    sigma_max: Option<f64>,
    #[serde(rename = "N")]
    n: Option<f64>,
}

/// Sample quality against the number of network evaluations with the exact oracle of ring8: DDPM
/// (η = 1) and DDIM (η = 0) on the SDE's discrete schedule, the reverse SDE (Euler–Maruyama) and
/// the PF-ODE (Euler, Heun: 2 evaluations per step) on a uniform grid from 1 to 1e-3, all from
/// one prior draw. Config `{nfes: [4, …, 1000], samplers: ["ddpm", "ddim", "reverse_sde",
/// "ode_euler", "ode_heun"], particles: 500, heldOut: 500, seed: 0, kind: "vp", betaMin, …, N}`
/// (`defaults().sde.quality`). Returns `{nfes, samplers: {name: Float64Array of MMD²},
/// evaluations: {name: Float64Array}, floor (MMD² of a second data draw), particles, heldOut,
/// rows (points per MMD² sample), kind}`.
#[wasm_bindgen(js_name = qualityVsSteps)]
pub fn quality_vs_steps(config_value: JsValue) -> JsResult<JsValue> {
    let c: QualityConfig = super::convert::config(&config_value)?;
    let s = build_sde(c.kind.as_deref(), sde_fields!(c))?;
    let families: Vec<SamplerFamily> = match &c.samplers {
        None => SamplerFamily::ALL.to_vec(),
        Some(v) => {
            crate::numerics::error::check_nonempty("samplers", v.len())?;
            if v.len() > 16 {
                return Err(InputError::length("samplers", v.len(), "at most 16").into());
            }
            v.iter().enumerate().map(|(k, name)| SamplerFamily::parse(name).map_err(|_| InputError::one_of(&format!("samplers[{k}]"), name, &SamplerFamily::NAMES))).collect::<Result<_>>()?
        }
    };
    let nfes: Vec<usize> = match &c.nfes {
        None => default::QUALITY_NFES.to_vec(),
        Some(v) => {
            crate::numerics::error::check_nonempty("nfes", v.len())?;
            if v.len() > 64 {
                return Err(InputError::length("nfes", v.len(), "at most 64").into());
            }
            v.iter().enumerate().map(|(k, x)| Ok(super::convert::integer(&format!("nfes[{k}]"), *x, 1, MAX_NFE as u64)? as usize)).collect::<Result<_>>()?
        }
    };
    // what each family can take: DDPM and DDIM at most N evaluations, Heun at least 2
    for (k, nfe) in nfes.iter().enumerate() {
        if families.iter().any(|f| f.is_discrete()) && *nfe > s.n() {
            return Err(InputError::integer(&format!("nfes[{k}]"), *nfe as f64, 1, s.n() as u64).into());
        }
        if families.contains(&SamplerFamily::OdeHeun) && *nfe < 2 {
            return Err(InputError::integer(&format!("nfes[{k}]"), *nfe as f64, 2, MAX_NFE as u64).into());
        }
    }
    let particles = count("particles", c.particles, default::QUALITY_PARTICLES, 2, MAX_POINTS)?;
    let held_out = count("heldOut", c.held_out, default::QUALITY_HELD_OUT, 2, MAX_POINTS)?;
    let seed = seed(c.seed, default::SEED)?;
    let mixture = Dataset::ring8_default().mixture().expect("ring8 is a mixture");
    let total_nfe: f64 = nfes.iter().map(|n| *n as f64).sum::<f64>() * families.len() as f64;
    let rows = |k: usize| k.min(crate::diffusion::quality::MMD_MAX_POINTS) as f64;
    let (a, b) = (rows(particles), rows(held_out));
    let mmd_work = (families.len() * nfes.len() + 1) as f64 * (a * a + b * b + a * b) / 2.0 * mixture.dim as f64 * 4.0;
    check_work("particles", particles as f64, particles as f64 * total_nfe * sde_samplers::oracle_work(&mixture) + mmd_work, "particles × Σ nfes × samplers × components × dim × 12 + the MMD²s")?;
    let q = sde_samplers::quality_vs_steps(&mixture, s, &families, &nfes, particles, held_out, seed)
        .map_err(|e| if e.field.starts_with("eps") || e.field.starts_with("samples") || e.field.starts_with("reference") { InputError::new("nfes", crate::numerics::error::Rule::Overflow, None) } else { e })?;
    let mut samplers = Obj::new();
    let mut evaluations = Obj::new();
    for (k, f) in q.families.iter().enumerate() {
        samplers = samplers.set(f.name(), finite_all("particles", &q.mmd2[k])?);
        evaluations = evaluations.set(f.name(), f64s(&q.evaluations[k].iter().map(|e| *e as f64).collect::<Vec<_>>()));
    }
    Ok(Obj::new()
        .set("nfes", f64s(&q.nfes.iter().map(|n| *n as f64).collect::<Vec<_>>()))
        .set("samplers", samplers.build())
        .set("evaluations", evaluations.build())
        .set("floor", q.floor)
        .set("particles", q.particles as f64)
        .set("heldOut", q.held_out as f64)
        .set("rows", q.rows as f64)
        .set("kind", s.name())
        .build())
}

/// `defaults().sde`: `{kind, kinds: {vp: {betaMin, betaMax, N}, ve: {sigmaMin, sigmaMax, N},
/// subvp: {…}}, curvePoints, correspondence: {indices, stepNs, seed}, likelihood: {dataset, n,
/// seed, steps, method, kind, tEps, datasets, methods}, quality: {nfes, samplers, particles,
/// heldOut, seed, kind, tEps}}`, the values the functions above use.
pub(super) fn defaults_object() -> JsValue {
    let kind = |s: Sde| match s {
        Sde::Vp { beta_min, beta_max, n } | Sde::SubVp { beta_min, beta_max, n } => Obj::new().set("betaMin", beta_min).set("betaMax", beta_max).set("N", n as f64).build(),
        Sde::Ve { sigma_min, sigma_max, n } => Obj::new().set("sigmaMin", sigma_min).set("sigmaMax", sigma_max).set("N", n as f64).build(),
    };
    let ints = |v: &[usize]| f64s(&v.iter().map(|x| *x as f64).collect::<Vec<_>>());
    let names = super::convert::names;
    Obj::new()
        .set("kind", "vp")
        .set("kinds", Obj::new().set("vp", kind(Sde::vp_default())).set("ve", kind(Sde::ve_default())).set("subvp", kind(Sde::sub_vp_default())).build())
        .set("curvePoints", default::CURVE_POINTS as f64)
        .set("correspondence", Obj::new().set("indices", ints(&default_indices(Sde::vp_default().n()))).set("stepNs", ints(&default::STEP_NS)).set("seed", default::SEED as f64).build())
        .set(
            "likelihood",
            Obj::new()
                .set("dataset", default::LIKELIHOOD_DATASETS[0])
                .set("n", default::LIKELIHOOD_POINTS as f64)
                .set("seed", default::SEED as f64)
                .set("steps", default::LIKELIHOOD_STEPS as f64)
                .set("method", default::LIKELIHOOD_METHOD.name())
                .set("kind", "vp")
                .set("tEps", default::LIKELIHOOD_T_EPS)
                .set("datasets", names(&default::LIKELIHOOD_DATASETS))
                .set("methods", names(&OdeMethod::NAMES))
                .build(),
        )
        .set(
            "quality",
            Obj::new()
                .set("nfes", ints(&default::QUALITY_NFES))
                .set("samplers", names(&SamplerFamily::NAMES))
                .set("particles", default::QUALITY_PARTICLES as f64)
                .set("heldOut", default::QUALITY_HELD_OUT as f64)
                .set("seed", default::SEED as f64)
                .set("kind", "vp")
                .set("tEps", sde_samplers::SAMPLING_T_EPS)
                .build(),
        )
        .build()
}
