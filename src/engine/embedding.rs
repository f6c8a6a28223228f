//! The sinusoidal timestep embedding DDPM takes from the Transformer (DDPM's
//! `get_timestep_embedding`): for E = 2h dimensions, ω_i = exp(−ln(10000)·i/(h − 1)), i = 0..h−1,
//! and emb(t) = [sin(t·ω_0), …, sin(t·ω_{h−1}), cos(t·ω_0), …, cos(t·ω_{h−1})].

/// The embedding of one t (t as in the seeds, 1..=T).
pub fn timestep_embedding(t: usize, dim: usize) -> Vec<f32> {
    timestep_embedding_at(t as f64, dim)
}

/// The same sinusoids at a real index t: what a network trained on the discrete steps 1..=T is
/// told at a continuous SDE time (index 1 + t·(N − 1), see `Sde::network_index`). At an integer t
/// the result is bit for bit that of [`timestep_embedding`] (the same f64 arithmetic).
pub fn timestep_embedding_at(t: f64, dim: usize) -> Vec<f32> {
    let half = dim / 2;
    let mut out = vec![0.0f32; dim];
    let denom = (half.max(2) - 1) as f64;
    for i in 0..half {
        let w = (-(10000f64.ln()) * i as f64 / denom).exp();
        let a = t * w;
        out[i] = a.sin() as f32;
        out[half + i] = a.cos() as f32;
    }
    out
}

/// The embeddings of t = 1..=T as a row-major T × dim table (row t − 1).
pub fn embedding_table(t_max: usize, dim: usize) -> Vec<f32> {
    (1..=t_max).flat_map(|t| timestep_embedding(t, dim)).collect()
}

/// DDPM's time embedding (item 36) at the reader's t, checked by the property the sinusoids are
/// chosen for: ⟨emb(t), emb(t + k)⟩ = Σ_i cos(k ω_i) depends on the offset k only (what lets the
/// network read how far apart two steps are), and ‖emb(t)‖² = E/2. The engine's f32 embedding
/// (what the network is fed) against the seed's frequencies ω_i = 10000^{−i/(h−1)}.
pub fn derivation(t: usize, dim: usize, tamper: Option<(usize, &usize)>) -> crate::derivation::Derivation {
    use crate::derivation::steps::{Builder, Relation};
    const K: usize = 10;
    const SHIFT: usize = 137;
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum::<f64>();
    let half = dim / 2;
    let omega = |i: usize| (-(10000f64.ln()) * i as f64 / (half.max(2) - 1) as f64).exp();
    let mut b = Builder::new("embedding", &[36], &t, tamper);
    let first = b.line("first", "DDPM §3.2", |&t| vec![timestep_embedding(t, dim)[0] as f64, timestep_embedding(t, dim)[half] as f64]);
    let sincos = b.line("sin_cos", "DDPM §3.2", |&t| vec![(t as f64).sin(), (t as f64).cos()]);
    let norm = b.line("norm", "DDPM §3.2", |&t| vec![dot(&timestep_embedding(t, dim), &timestep_embedding(t, dim))]);
    let half_dim = b.line("half_dim", "DDPM §3.2", |_| vec![half as f64]);
    let at_t = b.line("dot_t", "DDPM §3.2", |&t| vec![dot(&timestep_embedding(t, dim), &timestep_embedding(t + K, dim))]);
    let at_shift = b.line("dot_shifted", "DDPM §3.2", |&t| vec![dot(&timestep_embedding(t + SHIFT, dim), &timestep_embedding(t + SHIFT + K, dim))]);
    let cos_sum = b.line("cos_sum", "DDPM §3.2", |_| vec![(0..half).map(|i| (K as f64 * omega(i)).cos()).sum()]);
    b.step_within("lowest_frequency", first, sincos, Relation::Equal, 1e-6);
    b.step_within("unit_pairs", norm, half_dim, Relation::Equal, 1e-6);
    b.step_within("offset_only", at_t, at_shift, Relation::Equal, 1e-5);
    b.step_within("frequencies", at_t, cos_sum, Relation::Equal, 1e-5);
    b.finish()
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

    #[test]
    fn a_real_index_embeds_between_the_integers_and_equals_them_at_integers() {
        // the integer embedding, computed the way it was before it took a real t
        let integer = |t: usize, dim: usize| -> Vec<f32> {
            let half = dim / 2;
            let mut out = vec![0.0f32; dim];
            for i in 0..half {
                let a = t as f64 * (-(10000f64.ln()) * i as f64 / (half.max(2) - 1) as f64).exp();
                out[i] = a.sin() as f32;
                out[half + i] = a.cos() as f32;
            }
            out
        };
        for t in [1usize, 2, 37, 500, 999, 1000] {
            for dim in [2, 8, 32, 64] {
                assert_eq!(timestep_embedding_at(t as f64, dim), integer(t, dim), "t = {t}, E = {dim}");
                assert_eq!(timestep_embedding(t, dim), integer(t, dim));
            }
        }
        // between two steps: the lowest frequency (ω_0 = 1) is sin(t) itself, and t + ½ differs from both ends
        let mid = timestep_embedding_at(37.5, 32);
        assert!((mid[0] as f64 - 37.5f64.sin()).abs() < 1e-6);
        assert_ne!(mid, timestep_embedding(37, 32));
        assert_ne!(mid, timestep_embedding(38, 32));
        // a slip that rounds the index (t as usize) would give the integer's embedding: caught above
        assert_ne!(timestep_embedding_at(37.4, 32), timestep_embedding(37, 32));
    }

    #[test]
    fn the_embedding_depends_on_the_offset_only_and_a_wrong_frequency_fails() {
        for t in [1, 50, 999] {
            let d = derivation(t, 32, None);
            assert!(d.holds(), "{:?}", d.steps);
        }
        // the other lines hold at every t (that is the property), so moving t breaks only the first
        assert!(!derivation(400, 32, Some((0, &401))).step("lowest_frequency").holds);
        // frequencies over h instead of h − 1 (a plausible slip): the engine's dot products no longer match
        let (t, k, half) = (10usize, 10usize, 16usize);
        let wrong: f64 = (0..half).map(|i| (k as f64 * (-(10000f64.ln()) * i as f64 / half as f64).exp()).cos()).sum();
        let e = |t| timestep_embedding(t, 32);
        let dot: f64 = e(t).iter().zip(e(t + k)).map(|(a, b)| *a as f64 * b as f64).sum();
        assert!((dot - wrong).abs() > 1e-3);
    }
}
