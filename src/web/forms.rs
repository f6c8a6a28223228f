//! The two ELBO forms of a diffusion model for JavaScript: consistency (1.45–1.47) against
//! denoising matching (1.62), from the same trajectories, for the exact oracle, a poor model, or
//! (through `trainer.elboForms`) the trained network.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, count, f64s, seed, JsResult, Obj};
use super::mixture::Mixture;
use super::schedule::{variance, Schedule};
use super::vae::estimate;
use crate::diffusion::elbo_forms::{self, ElboForms};
#[cfg(feature = "engine")]
use crate::diffusion::elbo_forms::Trajectories;
use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::parameterization::Prediction;
use crate::diffusion::schedule::ModelVariance;
#[cfg(feature = "engine")]
use crate::diffusion::schedule::NoiseSchedule;
#[cfg(feature = "engine")]
use crate::engine::predictor::Predictor;
use crate::numerics::error::InputError;
use crate::numerics::montecarlo::Estimate;

/// `{x0, samples: 256, seed: 0, variance: "beta_tilde" | "beta" | "fixed_large", model: "oracle" | "standard_normal"}`
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct FormsOptions {
    x0: Option<Vec<f64>>,
    samples: Option<f64>,
    seed: Option<f64>,
    variance: Option<String>,
    pub(super) model: Option<String>,
}

pub(super) struct FormsInputs {
    x0: Vec<f64>,
    n: usize,
    seed: u64,
    variance: ModelVariance,
}

impl FormsOptions {
    /// Validated for data of `dim` coordinates (default x_0 = (2, 0, …)).
    pub(super) fn inputs(&self, dim: usize) -> Result<FormsInputs, InputError> {
        let x0 = self.x0.clone().unwrap_or_else(|| (0..dim).map(|i| if i == 0 { 2.0 } else { 0.0 }).collect());
        if x0.len() != dim {
            return Err(InputError::length("x0", x0.len(), format!("{dim} (the data's coordinates)")));
        }
        Ok(FormsInputs {
            x0,
            n: count("samples", self.samples, 256, 2, elbo_forms::MAX_VALUES)?,
            seed: seed(self.seed, 0)?,
            variance: variance(self.variance.as_deref().unwrap_or("beta_tilde"))?,
        })
    }
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

#[cfg(feature = "engine")]
/// Ask `predictor` at every t along the trajectories: T blocks of n · D values.
async fn trajectory_predictions(p: &Predictor, s: &NoiseSchedule, tr: &Trajectories) -> Result<Vec<f64>, crate::engine::failure::EngineFailure> {
    let mut out = Vec::with_capacity(s.t_max * tr.n * tr.dims);
    for t in 1..=s.t_max {
        out.extend(p.predict(s, tr.at(t), tr.dims, t).await?);
    }
    Ok(out)
}

#[cfg(feature = "engine")]
/// Both forms for any predictor (the trained network asks the device: asynchronous).
pub(super) async fn forms(p: &Predictor, s: &NoiseSchedule, dims: usize, i: &FormsInputs) -> JsResult<JsValue> {
    let tr = elbo_forms::sample_trajectories(s, &i.x0, i.n, i.seed)?;
    let preds = trajectory_predictions(p, s, &tr).await?;
    let f = elbo_forms::elbo_forms(s, &tr, &preds, p.param(), i.variance)?;
    Ok(forms_object(&f, dims))
}

/// The ELBO of one x_0 by the consistency form (1.45–1.46), as printed in (1.47), and by the
/// denoising-matching form (1.62), all from the same n forward trajectories, for a model that is
/// the exact oracle of `mixture` (`model: "oracle"`, default) or the exact denoiser of N(0, I) data
/// (`model: "standard_normal"`, a deliberately poor model). Config `{x0, samples: 256, seed: 0,
/// variance: "beta_tilde" | "beta" | "fixed_large", model}`. Returns `{dims, consistency, consistencyKl, denoising,
/// reconstruction, consistencyMinusDenoising, consistencyKlMinusDenoising, trajectoryVarianceRatio,
/// consistencySingleTVariance, denoisingSingleTVariance, singleTVarianceRatio,
/// consistencyMeanByT, consistencyVarianceByT, denoisingMeanByT, denoisingVarianceByT}` (nats per
/// x_0; the by-t arrays have index t − 1). For a trained network see `trainer.elboForms`.
#[wasm_bindgen(js_name = elboForms)]
pub fn elbo_forms_oracle(schedule: &Schedule, mixture: &Mixture, config_value: JsValue) -> JsResult<JsValue> {
    let m = &mixture.inner;
    let o: FormsOptions = config(&config_value)?;
    let i = o.inputs(m.dim)?;
    let model = match o.model.as_deref().unwrap_or("oracle") {
        "oracle" => m.clone(),
        "standard_normal" => GaussianMixture::new(vec![1.0], vec![vec![0.0; m.dim]], vec![vec![1.0; m.dim]])?,
        other => return Err(InputError::one_of("model", other, &["oracle", "standard_normal"]).into()),
    };
    // the exact denoiser answers synchronously, in ε
    let s = &schedule.inner;
    let tr = elbo_forms::sample_trajectories(s, &i.x0, i.n, i.seed)?;
    let preds = elbo_forms::oracle_predictions(&model, s, &tr);
    let f = elbo_forms::elbo_forms(s, &tr, &preds, Prediction::Eps, i.variance)?;
    Ok(forms_object(&f, m.dim))
}
