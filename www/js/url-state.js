// The URL carries the reader's settings and chapter: ?<control id>=<value> for every control that
// differs from its default, and #<section id> for the chapter being read. Reloading, or opening a
// shared link, restores them. Values are applied to the controls before the views start, so each
// view validates them exactly as if the reader had typed them (a bad number shows its inline
// message); a choice a select does not offer is reported and left at its default.

const controls = () => [...document.querySelectorAll("main form input[id], main form select[id]")]
  .filter((el) => el.type !== "file");
let defaults = null;

function valueOf(el) { return el.type === "checkbox" ? (el.checked ? "1" : "0") : el.value; }

/**
 * Apply the URL's settings to the controls; returns the ids it set and the problems it found as
 * `issues`: {code: "unknown_field" | "unknown_choice", key, value, default?} (main.js words them).
 */
export function applyUrlState(url = new URL(location.href)) {
  defaults = new Map(controls().map((el) => [el.id, valueOf(el)]));
  const set = new Set(), issues = [];
  for (const [key, value] of url.searchParams) {
    if (key === "lang") continue; // the language (i18n.js)
    const el = document.getElementById(key);
    if (!el || !defaults.has(key)) { issues.push({ code: "unknown_field", key, value }); continue; }
    if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value)) {
      issues.push({ code: "unknown_choice", key, value, default: el.value });
      continue;
    }
    if (el.type === "checkbox") el.checked = value === "1";
    else el.value = value;
    set.add(key);
  }
  return { set, issues };
}

/** Write the controls' current values (those not at their defaults) and the chapter into the URL. */
export function writeUrlState(chapter = location.hash.slice(1)) {
  if (!defaults) return;
  const params = new URLSearchParams();
  for (const el of controls()) if (defaults.has(el.id) && valueOf(el) !== defaults.get(el.id)) params.set(el.id, valueOf(el));
  if (document.documentElement.lang.startsWith("zh")) params.set("lang", "zh");
  const q = params.toString();
  const next = `${location.pathname}${q ? "?" + q : ""}${chapter ? "#" + chapter : ""}`;
  if (next !== location.pathname + location.search + location.hash) history.replaceState(null, "", next);
}

/** Keep the URL current: on every change of a control, and as the reader scrolls from chapter to chapter. */
export function trackUrlState() {
  const main = document.querySelector("main");
  main.addEventListener("change", () => writeUrlState());
  main.addEventListener("input", () => writeUrlState());
  // The chapter the link names stays in view while the page lays out (tables fill, equations
  // typeset), until the reader scrolls, clicks or types.
  let pinned = location.hash.slice(1) || null;
  new ResizeObserver(() => { if (pinned) showChapter(); }).observe(main);
  for (const type of ["wheel", "touchstart", "keydown", "mousedown"]) addEventListener(type, () => { pinned = null; }, { capture: true, passive: true });
  // the chapter is the last section whose top has scrolled above 40% of the window's height
  const sections = [...document.querySelectorAll("main > section[id]")];
  let queued = false;
  addEventListener("scroll", () => {
    if (queued || pinned) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const above = sections.filter((s) => s.getBoundingClientRect().top < innerHeight * 0.4);
      writeUrlState(above.length && scrollY > 0 ? above[above.length - 1].id : "");
    });
  }, { passive: true });
}

/** Bring the chapter in the URL into view (after the page has laid out its charts). */
export function showChapter() {
  const id = location.hash.slice(1);
  const el = id && document.getElementById(id);
  if (el && el.tagName === "SECTION") el.scrollIntoView({ block: "start" });
}
