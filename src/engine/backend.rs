//! The burn devices the engine runs on: WebGPU through burn-wgpu when the browser (or the native
//! machine) has a GPU adapter, otherwise the `flex` CPU backend compiled into the same binary.
//!
//! WebGPU set-up is asynchronous and so is every read of a GPU tensor (a synchronous read panics
//! in wasm): everything here that touches a device is `async`.

use burn::prelude::*;

/// Which kind of device runs the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    WebGpu,
    Cpu,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "webgpu",
            BackendKind::Cpu => "cpu",
        }
    }
}

/// A ready device and what to show about it (the page's backend badge).
#[derive(Debug, Clone)]
pub struct Backend {
    pub device: Device,
    pub kind: BackendKind,
    /// The adapter's name as wgpu reports it (browsers often leave it empty), or "flex (CPU)".
    pub adapter: String,
    /// The graphics API under wgpu ("BrowserWebGpu", "Vulkan", …), or "cpu".
    pub api: String,
}

/// Initialise burn's wgpu runtime on the default adapter. Errors (no adapter, no WebGPU in this
/// browser, a refused device) come back as text for the caller to show and fall back on.
/// Call it once per process: burn refuses to initialise the same device twice.
#[cfg(target_arch = "wasm32")]
pub async fn init_webgpu() -> Result<Backend, String> {
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU could not be initialised: {e}"))?;
    let info = setup.adapter.get_info();
    let adapter = [info.name.as_str(), info.driver.as_str(), info.driver_info.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    Ok(Backend { device, kind: BackendKind::WebGpu, adapter, api: format!("{:?}", info.backend) })
}

/// Native builds compile only the CPU backend (WebGPU is the browser's).
#[cfg(not(target_arch = "wasm32"))]
pub async fn init_webgpu() -> Result<Backend, String> {
    Err("WebGPU is used only in the browser build; native code runs on the CPU backend".into())
}

/// burn's pure-Rust `flex` CPU backend: always available, natively and in wasm.
pub fn init_cpu() -> Backend {
    Backend { device: Device::flex(), kind: BackendKind::Cpu, adapter: "flex (CPU)".into(), api: "cpu".into() }
}

/// burn's deprecated `ndarray` CPU backend (only with the crate feature `ndarray`, for the
/// benchmark that compares it with `flex`).
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
pub fn init_cpu_ndarray() -> Backend {
    Backend { device: Device::ndarray(), kind: BackendKind::Cpu, adapter: "ndarray (CPU)".into(), api: "cpu".into() }
}

/// A tiny computation that proves the device works end to end: upload, matmul, add, and an
/// asynchronous read-back. [[1, 2], [3, 4]] · [5, 6]ᵀ + 1 = [18, 40].
pub async fn smoke_test(device: &Device) -> Result<Vec<f32>, String> {
    let a = Tensor::<2>::from_floats([[1.0f32, 2.0], [3.0, 4.0]], device); // [2, 2]
    let b = Tensor::<2>::from_floats([[5.0f32], [6.0]], device); // [2, 1]
    let y = a.matmul(b).add_scalar(1.0).reshape([2]); // [2]
    let data = y.into_data_async().await.map_err(|e| format!("reading the result back failed: {e:?}"))?;
    data.try_into_vec::<f32>().map_err(|e| format!("the result has an unexpected type: {e:?}"))
}

/// Natively, poll a future to completion on this thread (for tests, benchmarks and the
/// pre-training command; the CPU backend's reads are ready at once, wgpu's after a few polls).
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn cpu_backend_runs_the_smoke_test() {
        let b = init_cpu();
        assert_eq!(b.kind, BackendKind::Cpu);
        assert_eq!(block_on(smoke_test(&b.device)).unwrap(), vec![18.0, 40.0]);
    }
}
