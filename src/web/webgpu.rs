//! Whether WebGPU is there at all: a plain look at `navigator.gpu`, no burn (the mathematics
//! module answers it too; the devices themselves are in `backend.rs`, with the engine).

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

/// Whether this JavaScript context exposes `navigator.gpu` at all (window or worker).
#[wasm_bindgen(js_name = webGpuAvailable)]
pub fn webgpu_available() -> bool {
    let nav = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    !nav.is_undefined() && Reflect::get(&nav, &JsValue::from_str("gpu")).map(|g| !g.is_undefined()).unwrap_or(false)
}
