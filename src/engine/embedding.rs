//! The sinusoidal timestep embedding DDPM takes from the Transformer (DDPM's
//! `get_timestep_embedding`): for E = 2h dimensions, ω_i = exp(−ln(10000)·i/(h − 1)), i = 0..h−1,
//! and emb(t) = [sin(t·ω_0), …, sin(t·ω_{h−1}), cos(t·ω_0), …, cos(t·ω_{h−1})].

/// The embedding of one t (t as in the seeds, 1..=T).
pub fn timestep_embedding(t: usize, dim: usize) -> Vec<f32> {
    let half = dim / 2;
    let mut out = vec![0.0f32; dim];
    let denom = (half.max(2) - 1) as f64;
    for i in 0..half {
        let w = (-(10000f64.ln()) * i as f64 / denom).exp();
        let a = t as f64 * w;
        out[i] = a.sin() as f32;
        out[half + i] = a.cos() as f32;
    }
    out
}

/// The embeddings of t = 1..=T as a row-major T × dim table (row t − 1).
pub fn embedding_table(t_max: usize, dim: usize) -> Vec<f32> {
    (1..=t_max).flat_map(|t| timestep_embedding(t, dim)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition() {
        let e = timestep_embedding(7, 8);
        // ω = 1, 10000^(−1/3), 10000^(−2/3), 1e-4
        let w = [1.0, 10000f64.powf(-1.0 / 3.0), 10000f64.powf(-2.0 / 3.0), 1e-4];
        for i in 0..4 {
            assert!((e[i] as f64 - (7.0 * w[i]).sin()).abs() < 1e-6);
            assert!((e[4 + i] as f64 - (7.0 * w[i]).cos()).abs() < 1e-6);
        }
        let table = embedding_table(10, 8);
        assert_eq!(&table[6 * 8..7 * 8], &e[..]);
        // distinct t give distinct embeddings
        assert_ne!(timestep_embedding(500, 32), timestep_embedding(501, 32));
    }
}
