//! The denoising network: an MLP on (x_t, sinusoidal embedding of t) whose single output head means
//! whatever the chosen parameterization says (x̂_0, ε̂ or the score).
//!
//! Weights are drawn from the project's seeded RNG on the host (Kaiming-uniform U(−k, k),
//! k = 1/√fan_in, burn's default for `Linear`), so the same seed gives the same network on every
//! backend.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{sigmoid, silu};

use crate::numerics::rng::Rng;

pub use crate::engine::denoiser_config::DenoiserConfig;

impl DenoiserConfig {
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

    /// [`Denoiser::forward`] for a batch that shares one t (the reverse chain, a sampler's step):
    /// `t_emb` is a single row [1, E]. The first layer splits as x W_x + (e W_e + b), and the
    /// second term is one row broadcast over the batch — the E × width multiply-adds per point and
    /// the batch × E embedding copy are gone (E = 64 of D + E = 66 inputs for the 2-D sets).
    pub fn forward_shared_t(&self, x_t: Tensor<2>, t_emb: Tensor<2>) -> Tensor<2> {
        let d = x_t.dims()[1];
        let first = &self.layers[0];
        let w = first.weight.val(); // [D + E, width]
        let [fan_in, width] = w.dims();
        let mut row = t_emb.matmul(w.clone().slice([d..fan_in, 0..width])); // [1, width]
        if let Some(b) = &first.bias {
            row = row + b.val().reshape([1, width]);
        }
        let mut h = x_t.matmul(w.slice([0..d, 0..width])) + row; // [batch, width]
        for layer in &self.layers[1..] {
            h = layer.forward(silu(h)); // SiLU between layers, none after the last
        }
        h
    }

    /// The prediction f(x_t) [batch, D] and its exact divergence ∇_x·f = Σ_j ∂f_j/∂x_j [batch] in
    /// input space (the trace of the Jacobian the probability-flow ODE's likelihood integrates,
    /// Song et al. 2021 eq. (39)), by forward-mode differentiation through the MLP.
    ///
    /// The D tangents e_1, …, e_D ride along as one extra batch of D × batch rows (row j·batch + b
    /// is direction j at point b): after the first layer the tangent of direction j is row j of
    /// W_1 (the embedding's inputs have no tangent); each SiLU multiplies it by
    /// SiLU'(h) = σ(h)(1 + h(1 − σ(h))); each later layer by W_i (biases drop out). The last
    /// tangent of direction j is the Jacobian's column j, whose entry j is ∂f_j/∂x_j. Costs
    /// about D + 1 forward passes: meant for the 2-D sets (exact, no Hutchinson noise).
    pub fn forward_with_divergence(&self, x_t: Tensor<2>, t_emb: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let [batch, d] = x_t.dims();
        let device = x_t.device();
        let mut h = Tensor::cat(vec![x_t, t_emb], 1); // [batch, D + E]
        let last = self.layers.len() - 1;
        let mut tangent: Option<Tensor<2>> = None; // [D·batch, width]
        for (i, layer) in self.layers.iter().enumerate() {
            let a = layer.forward(h); // [batch, width] (the last: [batch, D])
            let w = layer.weight.val(); // [fan_in, fan_out]
            let fan_out = w.dims()[1];
            let u = match tangent {
                // ∂(x W_1 + b)/∂x_j = row j of W_1, the same at every point
                None => w.slice([0..d, 0..fan_out]).reshape([d, 1, fan_out]).repeat_dim(1, batch).reshape([d * batch, fan_out]),
                Some(u) => u.matmul(w), // [D·batch, fan_out]
            };
            if i < last {
                let s = sigmoid(a.clone());
                let slope = s.clone() * (a.clone() * (s.neg() + 1.0) + 1.0); // SiLU'(a) = σ(a)(1 + a(1 − σ(a)))
                tangent = Some(u * slope.repeat_dim(0, d)); // [D·batch, width]
                h = silu(a);
            } else {
                // the diagonal of the Jacobian: entry j of direction j's tangent
                let mut mask = vec![0.0f32; d * d];
                (0..d).for_each(|j| mask[j * d + j] = 1.0);
                let mask = Tensor::<2>::from_data(TensorData::new(mask, [d, d]), &device).reshape([d, 1, d]).repeat_dim(1, batch).reshape([d * batch, d]);
                let div = (u * mask).sum_dim(1).reshape([d, batch]).sum_dim(0).reshape([batch]); // [batch]
                return (a, div);
            }
        }
        unreachable!("a denoiser has an output layer")
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::engine::backend::{block_on, init_cpu};

    /// Points and embeddings (from t = 37) on which an untrained network is far from linear.
    fn inputs(d: usize, n: usize, time_dim: usize) -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(11);
        let x: Vec<f32> = rng.normals(n * d).iter().map(|v| (1.5 * v) as f32).collect();
        let emb: Vec<f32> = (0..n).flat_map(|_| crate::engine::embedding::timestep_embedding(37, time_dim)).collect();
        (x, emb)
    }

    fn eval(model: &Denoiser, x: &[f32], emb: &[f32], d: usize, e: usize, device: &Device) -> Vec<f32> {
        block_on(read(model.forward(rows(x.to_vec(), d, device), rows(emb.to_vec(), e, device)))).unwrap()
    }

    /// Σ_j ∂f_{π(j)}/∂x_j by central differences of `forward` (π = identity: the divergence).
    /// f32 network: h = 1e-2 balances the truncation error O(h²·f''') against rounding
    /// O(ε_f32·|f|/h) ≈ 1e-5.
    fn fd_trace(model: &Denoiser, x: &[f32], emb: &[f32], d: usize, e: usize, device: &Device, perm: &[usize]) -> Vec<f64> {
        let n = x.len() / d;
        let h = 1e-2f32;
        let mut out = vec![0.0f64; n];
        for j in 0..d {
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            for i in 0..n {
                xp[i * d + j] += h;
                xm[i * d + j] -= h;
            }
            let (fp, fm) = (eval(model, &xp, emb, d, e, device), eval(model, &xm, emb, d, e, device));
            for i in 0..n {
                let k = i * d + perm[j];
                out[i] += (fp[k] as f64 - fm[k] as f64) / (2.0 * h as f64);
            }
        }
        out
    }

    #[test]
    fn one_shared_embedding_row_gives_the_forward_pass_of_the_whole_batch_and_another_t_does_not() {
        let device = init_cpu().device;
        for depth in [1usize, 3] {
            let config = DenoiserConfig { data_dim: 2, width: 32, depth, time_dim: 8 };
            let model = config.init(&device, 9);
            let (x, emb) = inputs(2, 50, 8); // every row's embedding is t = 37's
            let full = eval(&model, &x, &emb, 2, 8, &device);
            let shared = block_on(read(model.forward_shared_t(rows(x.clone(), 2, &device), rows(emb[..8].to_vec(), 8, &device)))).unwrap();
            assert_eq!(shared.len(), full.len());
            for (a, b) in shared.iter().zip(&full) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "depth {depth}: {a} vs {b}");
            }
            // the check can fail: the row of another t gives other predictions
            let other = crate::engine::embedding::timestep_embedding(500, 8);
            let wrong = block_on(read(model.forward_shared_t(rows(x.clone(), 2, &device), rows(other, 8, &device)))).unwrap();
            assert!(wrong.iter().zip(&full).any(|(a, b)| (a - b).abs() > 1e-3), "depth {depth}");
        }
    }

    #[test]
    fn the_forward_mode_divergence_matches_central_differences_and_a_wrong_trace_does_not() {
        let device = init_cpu().device;
        for (d, seed) in [(2usize, 5u64), (3, 6)] {
            let config = DenoiserConfig { data_dim: d, width: 32, depth: 3, time_dim: 8 };
            // Kaiming-uniform weights × 3: an initial network is nearly linear with tiny slopes
            let weights: Vec<(Vec<f32>, Vec<f32>)> = block_on(config.init(&device, seed).weights()).unwrap();
            let weights: Vec<_> = weights.into_iter().map(|(w, b)| (w.iter().map(|v| 3.0 * v).collect(), b)).collect();
            let model = Denoiser::from_weights(&config, &weights, &device);
            let (x, emb) = inputs(d, 40, 8);
            let (out, div) = model.forward_with_divergence(rows(x.clone(), d, &device), rows(emb.clone(), 8, &device));
            let (out, div) = (block_on(read(out)).unwrap(), block_on(read(div)).unwrap());
            // the same prediction as `forward`, bit for bit (the same operations on the same rows)
            assert_eq!(out, eval(&model, &x, &emb, d, 8, &device));
            assert_eq!(div.len(), 40);
            let identity: Vec<usize> = (0..d).collect();
            let fd = fd_trace(&model, &x, &emb, d, 8, &device, &identity);
            let scale = fd.iter().map(|v| v.abs()).fold(0.0, f64::max);
            assert!(scale > 0.05, "the network is not trivially flat: {scale}");
            let err = div.iter().zip(&fd).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
            eprintln!("D = {d}: max |div| {scale:.3}, max |JVP − differences| {err:.2e}");
            for (a, b) in div.iter().zip(&fd) {
                assert!((*a as f64 - b).abs() < 2e-3 * (1.0 + b.abs()), "D = {d}: JVP {a} vs differences {b}");
            }
            // the check can fail: the sum of off-diagonal entries (a plausible indexing slip) is far off
            let shifted: Vec<usize> = (0..d).map(|j| (j + 1) % d).collect();
            let off = fd_trace(&model, &x, &emb, d, 8, &device, &shifted);
            let worst = div.iter().zip(&off).map(|(a, b)| (*a as f64 - b).abs() / (1.0 + b.abs())).fold(0.0, f64::max);
            assert!(worst > 2e-2, "D = {d}: the off-diagonal trace is indistinguishable ({worst})");
        }
    }
}
