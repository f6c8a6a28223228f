//! The whole reverse process as frames for the page's animation (issue 19): particles from x_T ~
//! N(0, I), a lattice of x_T carried by the same deterministic map (DDIM with η = 0, the
//! probability-flow ODE's discretisation; or rectified flow's Euler steps) so the reader sees space
//! itself deform, and at every frame the density of x_t on a grid — exact for the oracle (the
//! mixture's marginal at that time), a Gaussian kernel estimate from the particles for a network.

use crate::diffusion::oracle::GaussianMixture;
use crate::diffusion::schedule::NoiseSchedule;
use crate::diffusion::sde::Marginal;
use crate::engine::failure::EngineFailure;
use crate::engine::nfe_samplers::{path, FewStep};
use crate::engine::predictor::Predictor;
use crate::numerics::error::{check_count, Result};
use crate::numerics::rng::Rng;

/// The page's defaults: frames (network evaluations), particles, lattice side, density grid side,
/// the half-width of the square drawn, the lattice's half-width, and the seed.
pub const PATH_FRAMES: usize = 40;
pub const PATH_PARTICLES: usize = 400;
pub const PATH_LATTICE: usize = 13;
pub const PATH_GRID: usize = 36;
pub const PATH_EXTENT: f64 = 3.5;
pub const PATH_LATTICE_EXTENT: f64 = 2.5;
pub const PATH_SEED: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathConfig {
    pub kind: FewStep,
    pub frames: usize,
    pub particles: usize,
    pub lattice: usize,
    pub grid: usize,
    pub seed: u64,
}

impl PathConfig {
    pub fn default_for(kind: FewStep) -> Self {
        Self { kind, frames: PATH_FRAMES, particles: PATH_PARTICLES, lattice: PATH_LATTICE, grid: PATH_GRID, seed: PATH_SEED }
    }

    pub fn validate(&self) -> Result<()> {
        check_count("frames", self.frames, 1, 200)?;
        check_count("particles", self.particles, 2, 2000)?;
        check_count("lattice", self.lattice, 2, 40)?;
        check_count("grid", self.grid, 4, 96)?;
        if self.kind == FewStep::Ddpm {
            return Err(crate::numerics::error::InputError::one_of("path", "ddpm", &["ddim", "flow"]));
        }
        Ok(())
    }
}

/// Frames 0..=F: `points[f]` holds the particles then the lattice (row-major, 2 each), `times[f]`
/// the fraction of the way from noise (1) to data (0), `density[f]` the grid (row y-major, y from
/// −extent up), and whether the density is exact.
#[derive(Debug, Clone)]
pub struct FlowPath {
    pub points: Vec<Vec<f64>>,
    pub times: Vec<f64>,
    pub density: Vec<Vec<f64>>,
    pub exact: bool,
    pub particles: usize,
    pub lattice: usize,
    pub grid: usize,
    pub extent: f64,
}

/// The centres of a side × side grid over [−e, e]², row by row (y outer, from −e up).
pub fn grid_points(side: usize, e: f64) -> Vec<f64> {
    let at = |i: usize| -e + 2.0 * e * i as f64 / (side - 1) as f64;
    (0..side).flat_map(|j| (0..side).flat_map(move |i| [at(i), at(j)])).collect()
}

/// The Gaussian kernel estimate of a 2-D density at `at` from `points`, bandwidth by Scott's rule
/// halved (h = ½ σ̂ n^{−1/6} per coordinate, σ̂ the points' standard deviation: Scott's rule assumes
/// one Gaussian and oversmooths the modes of a mixture), floored at 0.05.
pub fn kde(points: &[f64], at: &[f64]) -> Vec<f64> {
    let n = points.len() / 2;
    let h: Vec<f64> = (0..2)
        .map(|j| {
            let m = points.iter().skip(j).step_by(2).sum::<f64>() / n as f64;
            let v = points.iter().skip(j).step_by(2).map(|x| (x - m).powi(2)).sum::<f64>() / (n as f64 - 1.0).max(1.0);
            (0.5 * v.sqrt() * (n as f64).powf(-1.0 / 6.0)).max(0.05)
        })
        .collect();
    let norm = 1.0 / (2.0 * std::f64::consts::PI * h[0] * h[1] * n as f64);
    at.chunks(2)
        .map(|g| {
            points.chunks(2).map(|p| (-0.5 * (((g[0] - p[0]) / h[0]).powi(2) + ((g[1] - p[1]) / h[1]).powi(2))).exp()).sum::<f64>() * norm
        })
        .collect()
}

/// The exact density of x at time `time` (fraction of the way from noise to data) of `kind`'s path.
fn exact_density(m: &GaussianMixture, s: &NoiseSchedule, kind: FewStep, time: f64, at: &[f64]) -> Vec<f64> {
    let marginal = match kind {
        FewStep::Flow => crate::diffusion::flow_matching::marginal(time),
        _ => {
            let t = (time * s.t_max as f64).round() as usize;
            if t == 0 { Marginal::DATA } else { Marginal::from_alpha_bar(s.alpha_bar(t)) }
        }
    };
    at.chunks(2).map(|x| m.log_density_at(x, marginal).exp()).collect()
}

/// The frames of `p` (2-D data) under `config`; `exact` the mixture whose density to draw (the
/// oracle's), else the kernel estimate.
pub async fn flow_path(p: &Predictor, s: &NoiseSchedule, config: PathConfig, exact: Option<&GaussianMixture>) -> std::result::Result<FlowPath, EngineFailure> {
    config.validate()?;
    crate::numerics::budget::check_job("frames", config.frames as f64, (config.frames + 1) as f64 * ((config.particles + config.lattice * config.lattice) as f64 * p.cost_per_point() + (config.grid * config.grid * config.particles) as f64 * 10.0), "(frames + 1) × ((particles + lattice²) × the model's cost + grid² × particles × 10)")?;
    let mut x_t = Rng::new(config.seed).normals(config.particles * 2);
    x_t.extend(grid_points(config.lattice, PATH_LATTICE_EXTENT));
    let run = path(p, s, config.kind, x_t, 2, config.frames, config.seed, true).await?;
    let at = grid_points(config.grid, PATH_EXTENT);
    let density = run
        .frames
        .iter()
        .zip(&run.times)
        .map(|(f, &time)| match exact {
            Some(m) => exact_density(m, s, config.kind, time, &at),
            None => kde(&f[..config.particles * 2], &at),
        })
        .collect();
    Ok(FlowPath { points: run.frames, times: run.times, density, exact: exact.is_some(), particles: config.particles, lattice: config.lattice, grid: config.grid, extent: PATH_EXTENT })
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::ring8_mixture;
    use crate::engine::backend::block_on;

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    /// With the oracle: the first frame's exact density is N(0, I)'s, the last one's the ring's; the
    /// particles end on the ring, where the last density is high; the kernel estimate of the last
    /// frame agrees with the exact density where the ring is; a lattice point moves.
    #[test]
    fn the_path_starts_at_the_prior_and_ends_on_the_data() {
        let m = ring8_mixture(2.0, 0.2, &[1.0; 8]).unwrap();
        let s = NoiseSchedule::ddpm_default();
        for kind in [FewStep::Ddim, FewStep::Flow] {
            let c = PathConfig { frames: 30, ..PathConfig::default_for(kind) };
            let f = block_on(flow_path(&Predictor::Oracle(m.clone()), &s, c, Some(&m))).unwrap();
            assert_eq!((f.points.len(), f.density.len(), f.times[0], f.times[30]), (31, 31, 1.0, 0.0));
            let at = grid_points(c.grid, PATH_EXTENT);
            // frame 0: N(0, I)
            for (g, d) in at.chunks(2).zip(&f.density[0]).step_by(97) {
                let prior = (-(g[0] * g[0] + g[1] * g[1]) / 2.0).exp() / (2.0 * std::f64::consts::PI);
                assert!((d - prior).abs() < 1e-3 * prior.max(1e-3), "{kind:?} {g:?}: {d} vs {prior}");
            }
            // the last frame's particles sit on the ring
            let last = &f.points[30][..c.particles * 2];
            let on_ring = last.chunks(2).filter(|p| ((p[0] * p[0] + p[1] * p[1]).sqrt() - 2.0).abs() < 0.6).count();
            assert!(on_ring as f64 > 0.95 * c.particles as f64, "{kind:?}: {on_ring}");
            // the kernel estimate and the exact density agree in the large where the ring is
            let k = kde(last, &at);
            let (exact_sum, kde_sum): (f64, f64) = (f.density[30].iter().sum(), k.iter().sum());
            let cell = (2.0 * PATH_EXTENT / (c.grid - 1) as f64).powi(2);
            assert!((exact_sum * cell - 1.0).abs() < 0.1 && (kde_sum * cell - 1.0).abs() < 0.1, "{} {}", exact_sum * cell, kde_sum * cell);
            let corr = correlation(&k, &f.density[30]);
            assert!(corr > 0.8, "{kind:?}: corr {corr}");
            // the lattice deforms
            assert_ne!(f.points[0][c.particles * 2..], f.points[30][c.particles * 2..]);
        }
        let bad = PathConfig { grid: 1000, ..PathConfig::default_for(FewStep::Ddim) };
        assert!(block_on(flow_path(&Predictor::Oracle(m.clone()), &s, bad, None)).unwrap_err().to_string().starts_with("grid"));
    }
}
