//! The 8×8 handwritten digits (UCI / scikit-learn: 1,797 images, 17 grey levels 0..16), stored in
//! `assets/digits8x8.bin` (format in `scripts/make-digits.py`) and scaled onto the 8-bit grid in
//! [−1, 1] so that DDPM's discretized decoder applies and the ELBO is reported in bits/dim.

use crate::numerics::error::{InputError, Result, Rule};

/// The shipped file, compiled in.
pub const DIGITS_BIN: &[u8] = include_bytes!("../../assets/digits8x8.bin");
const MAGIC: &[u8; 8] = b"DLDIGIT1";
/// Pixels per image.
pub const PIXELS: usize = 64;

/// The images as grey levels 0..=16 and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Digits {
    /// `count` rows of 64 grey levels, row-major 8×8
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Digits {
    /// Parse and validate the binary format.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let bad = |reason: &'static str| InputError::new("digits", Rule::NotCheckpoint { reason }, None);
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(bad("magic"));
        }
        let count = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let (w, h, levels) = (bytes[12], bytes[13], bytes[14]);
        if (w, h, levels) != (8, 8, 17) {
            return Err(bad("header"));
        }
        let body = &bytes[16..];
        if body.len() != count * (PIXELS + 1) {
            return Err(bad("truncated"));
        }
        let mut pixels = Vec::with_capacity(count * PIXELS);
        let mut labels = Vec::with_capacity(count);
        for rec in body.chunks(PIXELS + 1) {
            if rec[..PIXELS].iter().any(|p| *p > 16) {
                return Err(bad("values"));
            }
            if rec[PIXELS] > 9 {
                return Err(bad("values"));
            }
            pixels.extend_from_slice(&rec[..PIXELS]);
            labels.push(rec[PIXELS]);
        }
        Ok(Self { pixels, labels })
    }

    /// The shipped data set.
    pub fn load() -> Self {
        Self::parse(DIGITS_BIN).expect("the shipped digits file is valid")
    }

    pub fn count(&self) -> usize {
        self.labels.len()
    }

    /// Grey level g ∈ 0..=16 → 8-bit value k = round(255·g/16) → x = 2k/255 − 1 ∈ [−1, 1].
    pub fn level_to_unit(g: u8) -> f64 {
        let k = (255.0 * g as f64 / 16.0).round();
        2.0 * k / 255.0 - 1.0
    }

    /// All images scaled to [−1, 1] on the 8-bit grid, row-major count × 64.
    pub fn scaled(&self) -> Vec<f64> {
        self.pixels.iter().map(|g| Self::level_to_unit(*g)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_all_1797_images_on_the_8bit_grid() {
        let d = Digits::load();
        assert_eq!(d.count(), 1797);
        assert_eq!(d.pixels.len(), 1797 * 64);
        let x = d.scaled();
        assert!(x.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(x.iter().all(|v| {
            let k = (v + 1.0) * 255.0 / 2.0;
            (k - k.round()).abs() < 1e-9
        }));
        assert_eq!(Digits::level_to_unit(0), -1.0);
        assert_eq!(Digits::level_to_unit(16), 1.0);
        // every label occurs, roughly 180 times each
        for l in 0..10 {
            let n = d.labels.iter().filter(|x| **x == l).count();
            assert!((170..=185).contains(&n), "label {l}: {n}");
        }
    }

    #[test]
    fn rejects_corrupt_files() {
        let reason = |bytes: &[u8]| match Digits::parse(bytes).unwrap_err().rule {
            Rule::NotCheckpoint { reason } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(b"nope"), "magic"); // not DLDIGIT1
        let mut b = DIGITS_BIN.to_vec();
        b.truncate(1000);
        assert_eq!(reason(&b), "truncated"); // fewer bytes after the header than its count says
        let mut b = DIGITS_BIN.to_vec();
        b[16] = 99;
        assert_eq!(reason(&b), "values"); // grey level 99 > 16
    }
}
