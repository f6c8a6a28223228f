//! Saving and loading a trained denoiser as bytes (for export/import and browser storage).
//!
//! Format, version 1: the 8 bytes `DLCKPT01`, a u32 LE header length, a JSON header (what the
//! network is and how it was trained), then every layer's weight ([fan_in, fan_out] row-major)
//! and bias as f32 LE, in layer order. Loading checks the magic, the version, the sizes and that
//! every value is finite, and refuses a checkpoint whose network differs from the one expected.

use serde::{Deserialize, Serialize};

use crate::numerics::error::{InputError, Result, Rule};
use crate::engine::denoiser_config::DenoiserConfig;

const MAGIC: &[u8; 8] = b"DLCKPT01";

/// What a checkpoint says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointHeader {
    pub format: u32,
    pub data_dim: usize,
    pub width: usize,
    pub depth: usize,
    pub time_dim: usize,
    /// "x0" | "eps" | "score"
    pub parameterization: String,
    /// "simple" | "elbo"
    pub weighting: String,
    /// the schedule's kind and T, and its β list (so the sampler can rebuild it exactly)
    pub schedule: String,
    pub t_max: usize,
    pub betas: Vec<f64>,
    /// the data set's name ("ring8", "digits", "points", …)
    pub dataset: String,
    pub steps: usize,
    pub seed: u64,
}

impl CheckpointHeader {
    pub fn model_config(&self) -> DenoiserConfig {
        DenoiserConfig { data_dim: self.data_dim, width: self.width, depth: self.depth, time_dim: self.time_dim }
    }
}

/// Layer weights as the model hands them out: per layer (weight, bias).
pub type Weights = Vec<(Vec<f32>, Vec<f32>)>;

/// Serialise a header and weights.
pub fn to_bytes(header: &CheckpointHeader, weights: &Weights) -> Vec<u8> {
    let json = serde_json::to_vec(header).expect("a header serialises");
    let floats: usize = weights.iter().map(|(w, b)| w.len() + b.len()).sum();
    let mut out = Vec::with_capacity(12 + json.len() + 4 * floats);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    for (w, b) in weights {
        for v in w.iter().chain(b) {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Parse and check a checkpoint. With `expected`, a network of another shape is refused with a
/// message saying both shapes.
pub fn from_bytes(bytes: &[u8], expected: Option<&DenoiserConfig>) -> Result<(CheckpointHeader, Weights)> {
    let bad = |reason: &'static str| InputError::new("checkpoint", Rule::NotCheckpoint { reason }, None);
    if bytes.len() < 12 || &bytes[..6] != b"DLCKPT" {
        return Err(bad("magic"));
    }
    if &bytes[..8] != MAGIC {
        return Err(bad("version"));
    }
    let len = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
    if len > bytes.len() - 12 {
        return Err(bad("truncated"));
    }
    let header: CheckpointHeader = serde_json::from_slice(&bytes[12..12 + len]).map_err(|_| bad("header"))?;
    let cfg = header.model_config();
    if let Some(want) = expected {
        if *want != cfg {
            let shape = |c: &DenoiserConfig| format!("D = {}, {} × {}, time embedding {}", c.data_dim, c.depth, c.width, c.time_dim);
            return Err(InputError::new("checkpoint", Rule::CheckpointMismatch { what: "network", file: shape(&cfg), model: shape(want) }, None));
        }
    }
    let body = &bytes[12 + len..];
    let sizes = cfg.layer_sizes();
    let want_floats: usize = sizes.iter().map(|(i, o)| i * o + o).sum();
    if body.len() != 4 * want_floats {
        return Err(bad("truncated"));
    }
    let mut vals = body.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")));
    let mut weights = Vec::with_capacity(sizes.len());
    for (fan_in, fan_out) in sizes {
        let w: Vec<f32> = vals.by_ref().take(fan_in * fan_out).collect();
        let b: Vec<f32> = vals.by_ref().take(fan_out).collect();
        if w.iter().chain(&b).any(|v| !v.is_finite()) {
            return Err(bad("weights"));
        }
        weights.push((w, b));
    }
    Ok((header, weights))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cfg: &DenoiserConfig) -> CheckpointHeader {
        CheckpointHeader {
            format: 1,
            data_dim: cfg.data_dim,
            width: cfg.width,
            depth: cfg.depth,
            time_dim: cfg.time_dim,
            parameterization: "eps".into(),
            weighting: "simple".into(),
            schedule: "linear".into(),
            t_max: 3,
            betas: vec![0.1, 0.2, 0.3],
            dataset: "ring8".into(),
            steps: 10,
            seed: 1,
        }
    }

    fn weights(cfg: &DenoiserConfig) -> Weights {
        cfg.layer_sizes().iter().map(|(i, o)| ((0..i * o).map(|k| k as f32 * 0.01).collect(), vec![0.5; *o])).collect()
    }

    #[test]
    fn round_trip_and_rejections() {
        let cfg = DenoiserConfig { data_dim: 2, width: 8, depth: 2, time_dim: 4 };
        let bytes = to_bytes(&header(&cfg), &weights(&cfg));
        let (h, w) = from_bytes(&bytes, Some(&cfg)).unwrap();
        assert_eq!(h, header(&cfg));
        assert_eq!(w, weights(&cfg));
        let other = DenoiserConfig { width: 16, ..cfg.clone() };
        let e = from_bytes(&bytes, Some(&other)).unwrap_err();
        assert!(e.message.contains("2 × 8") && e.message.contains("2 × 16"), "{}", e.message); // depth × width of each
        assert!(from_bytes(b"PK\x03\x04zipfile", None).unwrap_err().message.contains("not a Diffusion Lab checkpoint"));
        let mut v2 = bytes.clone();
        v2[6..8].copy_from_slice(b"02");
        assert!(from_bytes(&v2, None).unwrap_err().message.contains("another version of the format")); // format 02
        assert!(from_bytes(&bytes[..bytes.len() - 4], None).unwrap_err().message.contains("ends before")); // 4 weight bytes short
        let mut nan = bytes.clone();
        let n = nan.len();
        nan[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(from_bytes(&nan, None).unwrap_err().message.contains("not a finite number"));
    }
}
