//! Few-step samplers of any predictor at a stated number of network evaluations (NFE), from a
//! given x_T: DDPM respaced (η = 1, (1.115) on the strided steps), DDIM (η = 0) on
//! `sampler::ddim_timesteps`, and rectified flow's Euler steps (`flow_matching::EulerRun`). Each
//! costs exactly `nfe` predictions. What the live samples while training and the flow-matching
//! comparison draw; the frames of the flow animation come from the same loops (`path`).

use crate::diffusion::flow_matching::EulerRun;
use crate::diffusion::sampler::{ddim_step, ddim_timesteps};
use crate::diffusion::schedule::NoiseSchedule;
use crate::engine::failure::EngineFailure;
use crate::engine::predictor::Predictor;
use crate::numerics::error::{check_count, InputError, Result};
use crate::numerics::rng::Rng;

/// The most evaluations one few-step run may take.
pub const MAX_NFE: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FewStep {
    Ddpm,
    Ddim,
    Flow,
}

impl FewStep {
    pub const NAMES: [&'static str; 3] = ["ddpm", "ddim", "flow"];
    pub const ALL: [FewStep; 3] = [FewStep::Ddpm, FewStep::Ddim, FewStep::Flow];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "ddpm" => Ok(FewStep::Ddpm),
            "ddim" => Ok(FewStep::Ddim),
            "flow" => Ok(FewStep::Flow),
            other => Err(InputError::one_of("sampler", other, &Self::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The sampler a predictor is drawn with by default: Euler for a flow network, DDIM otherwise.
    pub fn default_for(p: &Predictor) -> Self {
        if p.name() == "flow" {
            FewStep::Flow
        } else {
            FewStep::Ddim
        }
    }
}

/// The states from x_T to the samples: `nfe + 1` frames (row-major, n × dim each) and the time of
/// each, as the fraction of the way from noise (1) to data (0): t/T for the chain, τ for the flow.
#[derive(Debug, Clone)]
pub struct Path {
    pub frames: Vec<Vec<f64>>,
    pub times: Vec<f64>,
}

/// Run `kind` for `nfe` evaluations of `p` from `x_t` (n × dim); `keep` every frame or only the last.
pub async fn path(p: &Predictor, s: &NoiseSchedule, kind: FewStep, x_t: Vec<f64>, dim: usize, nfe: usize, seed: u64, keep: bool) -> std::result::Result<Path, EngineFailure> {
    check_count("nfe", nfe, 1, if kind == FewStep::Flow { MAX_NFE } else { MAX_NFE.min(s.t_max) })?;
    let mut frames = vec![];
    let mut times = vec![];
    let mut push = |x: &[f64], t: f64, last: bool| {
        if keep || last {
            frames.push(x.to_vec());
            times.push(t);
        }
    };
    match kind {
        FewStep::Flow => {
            let mut run = EulerRun::new(x_t, dim, nfe)?;
            while let Some((x, tau)) = run.query() {
                push(x, tau, false);
                let v = p.velocity(x, dim, tau).await?;
                run.answer(&v)?;
            }
            push(run.state(), 0.0, true);
        }
        FewStep::Ddpm | FewStep::Ddim => {
            let eta = if kind == FewStep::Ddpm { 1.0 } else { 0.0 };
            let ts = ddim_timesteps(s.t_max, nfe);
            let mut rng = Rng::new(seed);
            let mut x = x_t;
            for (k, &t) in ts.iter().enumerate() {
                push(&x, t as f64 / s.t_max as f64, false);
                let t_prev = ts.get(k + 1).copied().unwrap_or(0);
                let pred = p.predict(s, &x, dim, t).await?;
                let z = if eta > 0.0 { rng.normals(x.len()) } else { vec![0.0; x.len()] };
                x = ddim_step(s, p.param(), &x, dim, t, t_prev, &pred, eta, &z)?.prev;
            }
            push(&x, 0.0, true);
        }
    }
    Ok(Path { frames, times })
}

/// The samples only.
pub async fn sample(p: &Predictor, s: &NoiseSchedule, kind: FewStep, x_t: Vec<f64>, dim: usize, nfe: usize, seed: u64) -> std::result::Result<Vec<f64>, EngineFailure> {
    Ok(path(p, s, kind, x_t, dim, nfe, seed, false).await?.frames.pop().expect("the last frame"))
}

#[cfg(all(test, feature = "engine", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::toy::ring8_mixture;
    use crate::diffusion::quality::mmd2;
    use crate::engine::backend::block_on;

    /// With the exact oracle every sampler lands on the ring at 20 evaluations, and a
    /// 1-evaluation run does not; DDIM and the flow are deterministic, DDPM draws its noise.
    #[test]
    fn every_few_step_sampler_reaches_the_data_with_the_oracle() {
        let m = ring8_mixture(2.0, 0.2, &[1.0; 8]).unwrap();
        let (s, p) = (NoiseSchedule::ddpm_default(), Predictor::Oracle(m.clone()));
        let reference = m.sample(400, &mut Rng::new(1));
        let x_t = Rng::new(2).normals(600);
        for kind in FewStep::ALL {
            let good = block_on(sample(&p, &s, kind, x_t.clone(), 2, 20, 3)).unwrap();
            let bad = block_on(sample(&p, &s, kind, x_t.clone(), 2, 1, 3)).unwrap();
            let (g, b) = (mmd2(&good, &reference, 2).unwrap(), mmd2(&bad, &reference, 2).unwrap());
            assert!(g < 0.01 && b > g + 0.005, "{}: 20 NFE {g}, 1 NFE {b}", kind.name());
            let again = block_on(sample(&p, &s, kind, x_t.clone(), 2, 20, 4)).unwrap();
            assert_eq!(again == good, kind != FewStep::Ddpm, "{}", kind.name());
        }
        let path = block_on(path(&p, &s, FewStep::Flow, x_t.clone(), 2, 5, 0, true)).unwrap();
        assert!(path.times.iter().zip([1.0, 0.8, 0.6, 0.4, 0.2, 0.0]).all(|(a, b)| (a - b).abs() < 1e-12), "{:?}", path.times);
        assert_eq!(path.frames.len(), 6);
        assert_eq!(path.frames[0], x_t);
        assert_eq!(block_on(sample(&p, &s, FewStep::Ddim, x_t.clone(), 2, 1001, 0)).unwrap_err().to_string().split(' ').next(), Some("nfe"));
    }
}
