//! The denoiser's shape: plain data, no burn, so the mathematics build (without the engine) can
//! state the training defaults too. The network itself is in `model.rs`.

/// Shape of the denoiser. 2-D data: 3 hidden layers of 128 (the default); the 8×8 digits use
/// [`DenoiserConfig::digits`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenoiserConfig {
    /// D, the data dimension (2 for the toy sets, 64 for the digits)
    pub data_dim: usize,
    /// hidden width (128)
    pub width: usize,
    /// number of hidden layers (3)
    pub depth: usize,
    /// dimension of the sinusoidal timestep embedding (32)
    pub time_dim: usize,
}

impl DenoiserConfig {
    /// The 2-D default: 3 hidden layers of 128, a 32-dim time embedding.
    pub fn new(data_dim: usize) -> Self {
        Self { data_dim, width: 128, depth: 3, time_dim: 32 }
    }

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
}
