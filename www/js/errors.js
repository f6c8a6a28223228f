// Errors as data. The engine throws Errors with `code` and `params` ({field, value?, ...}); the
// workers forward them as plain {message, code, params}; the page makes its own the same way. One
// renderer (describeError in i18n.js) shows them all, in either language; showError puts one in an
// inline error element with data-error-code and data-error-field for styles and tests.
import { describeError, showError } from "./i18n.js";

export { showError };

/** Empty an inline error element (and drop its data-error-code / data-error-field). */
export function clearError(el) {
  showError(el, null);
}

/** An Error of the page's own: `code` as in the engine's contract, `params` {field, label?, value?, ...}. */
export function pageError(code, params) {
  const e = new Error(describeError({ code, params }, "en")); // the English sentence, for the console
  e.code = code;
  e.params = params;
  return e;
}

/** The same with the field first: fieldError("integer_range", "t", message?, {value, range}). */
export function fieldError(code, field, message, extra = {}) {
  const e = pageError(code, { field, ...extra });
  if (message) e.message = message;
  return e;
}

/** Turn what a worker posted (an Error, a message string, or {message, code?, params?}) back into an Error. */
export function errorFrom(data) {
  if (data instanceof Error) return data;
  if (data && typeof data === "object") {
    const e = new Error(String(data.message ?? ""));
    if (typeof data.code === "string" && data.code) {
      e.code = data.code;
      e.params = data.params && typeof data.params === "object" ? data.params : {};
    }
    return e;
  }
  return new Error(String(data));
}

/** A worker's error: its message (or the whole {message, code, params}), with the code and params sent beside it. */
export function workerError(message, { code, params } = {}) {
  const e = errorFrom(message);
  if (!e.code && typeof code === "string" && code) {
    e.code = code;
    e.params = params && typeof params === "object" ? params : {};
  }
  return e;
}
