//! The denoising network: an MLP on (x_t, sinusoidal embedding of t) whose single output head means
//! whatever the chosen parameterization says (x̂_0, ε̂ or the score).
//!
//! Weights are drawn from the project's seeded RNG on the host (Kaiming-uniform U(−k, k),
//! k = 1/√fan_in, burn's default for `Linear`), so the same seed gives the same network on every
//! backend.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::silu;

use crate::numerics::rng::Rng;

/// Shape of the denoiser. 2-D data: 3 hidden layers of 128 (the default); the 8×8 digits use
/// [`DenoiserConfig::digits`].
#[derive(Config, Debug, PartialEq)]
pub struct DenoiserConfig {
    /// D, the data dimension (2 for the toy sets, 64 for the digits)
    pub data_dim: usize,
    /// hidden width
    #[config(default = 128)]
    pub width: usize,
    /// number of hidden layers
    #[config(default = 3)]
    pub depth: usize,
    /// dimension of the sinusoidal timestep embedding
    #[config(default = 32)]
    pub time_dim: usize,
}

impl DenoiserConfig {
    /// A network suited to the 64-dimensional digits: 3 hidden layers of 256, a 64-dim embedding.
    pub fn digits() -> Self {
        Self { data_dim: 64, width: 256, depth: 3, time_dim: 64 }
    }

    /// Layer sizes: (D + E) → width → … → width → D.
    pub fn layer_sizes(&self) -> Vec<(usize, usize)> {
        let mut sizes = vec![(self.data_dim + self.time_dim, self.width)];
        sizes.extend((1..self.depth).map(|_| (self.width, self.width)));
        sizes.push((self.width, self.data_dim));
        sizes
    }

    /// The number of trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.layer_sizes().iter().map(|(i, o)| i * o + o).sum()
    }

    /// The network with weights drawn from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> Denoiser {
        let mut rng = Rng::new(seed);
        let weights: Vec<(Vec<f32>, Vec<f32>)> = self
            .layer_sizes()
            .iter()
            .map(|&(fan_in, fan_out)| {
                let k = 1.0 / (fan_in as f64).sqrt();
                let w = (0..fan_in * fan_out).map(|_| rng.uniform_in(-k, k) as f32).collect();
                let b = (0..fan_out).map(|_| rng.uniform_in(-k, k) as f32).collect();
                (w, b)
            })
            .collect();
        Denoiser::from_weights(self, &weights, device)
    }
}

/// The MLP: SiLU between layers, no activation on the output head.
#[derive(Module, Debug)]
pub struct Denoiser {
    pub layers: Vec<Linear>,
}

impl Denoiser {
    /// Multiply-adds of one forward pass for one point (Σ fan_in × fan_out): the unit of the
    /// work budgets. From the shapes alone, never a read of the weights.
    pub fn multiply_adds(&self) -> usize {
        self.layers.iter().map(|l| l.weight.dims().iter().product::<usize>()).sum()
    }

    /// Build from host weights: per layer a row-major [fan_in, fan_out] matrix and a bias.
    pub fn from_weights(config: &DenoiserConfig, weights: &[(Vec<f32>, Vec<f32>)], device: &Device) -> Self {
        let layers = config
            .layer_sizes()
            .iter()
            .zip(weights)
            .map(|(&(fan_in, fan_out), (w, b))| Linear {
                weight: Param::from_tensor(Tensor::from_data(TensorData::new(w.clone(), [fan_in, fan_out]), device)),
                bias: Some(Param::from_tensor(Tensor::from_data(TensorData::new(b.clone(), [fan_out]), device))),
            })
            .collect();
        Self { layers }
    }

    /// x_t: [batch, D], t_emb: [batch, E] → the prediction [batch, D].
    pub fn forward(&self, x_t: Tensor<2>, t_emb: Tensor<2>) -> Tensor<2> {
        let mut h = Tensor::cat(vec![x_t, t_emb], 1); // [batch, D + E]
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h); // [batch, width] (the last: [batch, D])
            if i < last {
                h = silu(h);
            }
        }
        h
    }

    /// Read every weight back to the host (asynchronously: GPU reads must not block in wasm).
    pub async fn weights(&self) -> Result<Vec<(Vec<f32>, Vec<f32>)>, String> {
        let mut out = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let w = read(layer.weight.val()).await?;
            let b = match &layer.bias {
                Some(b) => read(b.val()).await?,
                None => Vec::new(),
            };
            out.push((w, b));
        }
        Ok(out)
    }
}

/// Host rows (row-major, `cols` values each) as a `[rows, cols]` tensor on `device`: the one way
/// data enters the network.
pub fn rows(values: Vec<f32>, cols: usize, device: &Device) -> Tensor<2> {
    let n = values.len() / cols;
    Tensor::<2>::from_data(TensorData::new(values, [n, cols]), device)
}

/// A tensor's values on the host, read asynchronously.
pub async fn read<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, String> {
    t.into_data_async()
        .await
        .map_err(|e| format!("reading a tensor back failed: {e:?}"))?
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| format!("a tensor had an unexpected type: {e:?}"))
}
