// The page's side of the training worker: commands out, events in.
export class TrainerClient {
  constructor(onEvent) {
    this.worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = ({ data }) => {
      const p = data.id && this.pending.get(data.id);
      if (p) {
        this.pending.delete(data.id);
        if (data.type === "error") p.reject(new Error(data.message)); else p.resolve(data);
      } else onEvent(data);
    };
    this.worker.onerror = (e) => onEvent({ type: "error", message: "the training worker failed: " + (e.message || "unknown error") });
  }
  request(cmd, fields = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ cmd, id, ...fields }, transfer);
    });
  }
  create(config, options) { return this.request("create", { config, options }); }
  train(steps, evalEvery) { this.worker.postMessage({ cmd: "train", steps, evalEvery }); }
  pause() { this.worker.postMessage({ cmd: "pause" }); }
  resume() { this.worker.postMessage({ cmd: "resume" }); }
  abort() { this.worker.postMessage({ cmd: "abort" }); }
  heldOut() { this.worker.postMessage({ cmd: "heldout" }); }
  async save() { return (await this.request("save")).bytes; }
  async load(bytes) { const copy = bytes.slice(); return (await this.request("load", { bytes: copy.buffer }, [copy.buffer])).header; }
}
