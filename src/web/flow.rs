//! Flow matching and the animated flow (issue 19): `flowPath(options)` with the exact oracle
//! (ring8), the same frames for a trained network (`Trainer.flowPath`, `FlowComparison.flowPath`),
//! and `FlowComparison`: a diffusion and a flow-matching network from one seed (engine module only).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{config, count, f64s, seed, Obj};
use crate::engine::flow_path::{FlowPath, PathConfig};
use crate::engine::nfe_samplers::FewStep;
use crate::numerics::error::InputError;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PathOptions {
    path: Option<String>,
    model: Option<String>,
    frames: Option<f64>,
    particles: Option<f64>,
    lattice: Option<f64>,
    grid: Option<f64>,
    seed: Option<f64>,
}

impl PathOptions {
    /// The config for a predictor whose own sampler is `own` (DDIM for a diffusion network).
    pub(crate) fn config(&self, own: FewStep) -> Result<PathConfig, InputError> {
        let d = PathConfig::default_for(own);
        let kind = match self.path.as_deref() {
            None => own,
            Some(p) => match FewStep::parse(p) {
                Ok(FewStep::Ddpm) | Err(_) => return Err(InputError::one_of("path", p, &["ddim", "flow"])),
                Ok(k) => k,
            },
        };
        // whole numbers here; their ranges are PathConfig::validate's
        let whole = |field: &str, v: Option<f64>, default: usize| count(field, v, default, 0, u32::MAX as usize);
        let c = PathConfig {
            kind,
            frames: whole("frames", self.frames, d.frames)?,
            particles: whole("particles", self.particles, d.particles)?,
            lattice: whole("lattice", self.lattice, d.lattice)?,
            grid: whole("grid", self.grid, d.grid)?,
            seed: seed(self.seed, d.seed)?,
        };
        c.validate()?;
        Ok(c)
    }

    pub(crate) fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
}

/// `{frames, times: Float64Array (frames + 1), points: Float64Array ((frames + 1) × (particles +
/// lattice²) × 2: the particles then the lattice, row by row), density: Float32Array ((frames + 1)
/// × grid²; rows y from −extent up), exact, particles, lattice, grid, extent, path}`.
pub(crate) fn path_object(p: &FlowPath, kind: FewStep) -> JsValue {
    let points: Vec<f64> = p.points.iter().flatten().copied().collect();
    let density: Vec<f32> = p.density.iter().flatten().map(|v| *v as f32).collect();
    Obj::new()
        .set("frames", (p.times.len() - 1) as f64)
        .set("times", f64s(&p.times))
        .set("points", f64s(&points))
        .set("density", js_sys::Float32Array::from(density.as_slice()))
        .set("exact", p.exact)
        .set("particles", p.particles as f64)
        .set("lattice", p.lattice as f64)
        .set("grid", p.grid as f64)
        .set("extent", p.extent)
        .set("path", kind.name())
        .build()
}

/// The whole reverse process with the exact oracle of ring8 as the model: `flowPath({path: "ddim"
/// (default) | "flow", frames: 40, particles: 400, lattice: 13, grid: 36, seed: 5})` (defaults:
/// `defaults().flowPath`); the density of every frame is the exact marginal. Resolves to the object
/// `{frames, times, points, density, exact, …}` described at [`path_object`].
#[wasm_bindgen(js_name = flowPath)]
pub fn flow_path_oracle(options: JsValue) -> js_sys::Promise {
    let read = config::<PathOptions>(&options);
    wasm_bindgen_futures::future_to_promise(async move {
        let o = read?;
        if let Some(m) = o.model() {
            return Err(InputError::one_of("model", m, &["(none: the oracle)"]).into());
        }
        let c = o.config(FewStep::Ddim)?;
        let m = crate::data::toy::Dataset::ring8_default().mixture().expect("ring8 is a mixture");
        let s = crate::diffusion::schedule::NoiseSchedule::ddpm_default();
        let p = crate::engine::predictor::Predictor::Oracle(m.clone());
        let f = crate::engine::flow_path::flow_path(&p, &s, c, Some(&m)).await?;
        Ok(path_object(&f, c.kind))
    })
}
