// The page's first script (an async module in <head>, so it runs as soon as it arrives, before the
// page has finished parsing): the compute worker and the mathematics module start loading at once,
// side by side, while the page lays itself out. main.js waits for `mathReady` before the views start.
import initMath, * as math from "../diffusion-lab-math.js";
import { warmUp } from "./compute.js";

warmUp(); // the compute worker loads its own copy of the mathematics module
/** The mathematics module (no burn), instantiated: resolves to its exports. */
export const mathReady = initMath({ module_or_path: new URL("../diffusion-lab-math_bg.wasm", import.meta.url) }).then(() => math);
