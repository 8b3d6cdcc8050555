/* The one path every experiment takes, whichever section it belongs to: build its request,
 * send it, let the experiment update its own state, keep and draw the result beside the
 * button, bring it into view, say it to screen readers, and tell listeners through the
 * "corslab:exchange" DOM event (its detail is the record).
 *
 * Sections register their experiments: the cards (cards.js), the composer, the scenarios'
 * steps, and the policy editor; each experiment knows its section as `card` ({id, redraw?,
 * refresh?, reveal?}), may name itself (`name()`, else the dictionary's `exp.<key>`), and may
 * take a permalink's fields (`open(fields)`) before it runs. */

import { API_ORIGIN, send } from "./api.js";
import { byId } from "./dom.js";
import { allResults, keep, latestKeyOverall, restore, resultFor } from "./results.js";
import { announcement, markRunStarted, renderResult, reveal } from "./result-view.js";
import { showNotice, updateToc } from "./card-view.js";

const experiments = new Map();
const inFlight = new Set();

export function register(byKey) {
  for (const [key, experiment] of byKey) experiments.set(key, experiment);
}

export function known(key) {
  return experiments.has(key);
}

export function experiment(key) {
  return experiments.get(key) || null;
}

function tried(key) {
  return resultFor(key) !== null;
}

function context(card) {
  return {
    value: (id) => byId(id).value,
    setValue: (id, value) => { byId(id).value = value; },
    notice: (key, vars) => showNotice(card.id, key, vars),
  };
}

function buttonOf(key) {
  return document.querySelector('button[data-experiment="' + key + '"]');
}

/**
 * Run experiment `key`. The button stays busy, and a second click is ignored, until the run
 * is complete (its exchanges are in, its panels redrawn). Resolves to the record, or null
 * when nothing was sent.
 */
export async function runExperiment(key) {
  const exp = experiments.get(key);
  if (!exp || inFlight.has(key) || !API_ORIGIN) return null;
  const card = exp.card;
  const cx = context(card);
  showNotice(card.id, null);
  const button = buttonOf(key);
  inFlight.add(key);
  setBusy(button, true);
  try {
    // A build may ask the server first (the policy editor saves the answer it will get).
    const more = exp.build ? await exp.build(cx) : {};
    if (!more) return null;
    const spec = Object.assign({ method: exp.method, path: (exp.mount || "") + exp.endpoint, credentials: exp.credentials }, more);
    markRunStarted(key);
    const record = await send(key, spec);
    if (exp.after) await exp.after(record, cx);
    if (card.refresh) await card.refresh();
    keep(record);
    const el = draw(record, "newest");
    if (card.redraw) card.redraw();
    updateToc(tried);
    reveal(el);
    announce(el);
    document.dispatchEvent(new CustomEvent("corslab:exchange", { detail: record }));
    return record;
  } finally {
    inFlight.delete(key);
    setBusy(button, false);
  }
}

/** Run `key` as a permalink asks: first the experiments it needs (a login before a logout),
 *  so the request is made in the same state as when the link was copied; a section that
 *  shows one of its parts at a time (a scenario) shows the experiment's first. */
export async function runWithSetup(key) {
  const exp = experiments.get(key);
  if (!exp) return null;
  if (exp.card.reveal) exp.card.reveal();
  for (const step of exp.setup || []) await runExperiment(step);
  return runExperiment(key);
}

function draw(record, placement) {
  const exp = experiments.get(record.key);
  return renderResult(record, exp, exp.card.id, placement, latestKeyOverall() === record.key);
}

/** Every result again, in place (after a language switch). */
export function redrawResults() {
  for (const record of allResults()) draw(record, "keep");
  updateToc(tried);
}

/** The results the server's log still holds for this visitor, drawn as after their runs. */
export function restoreResults(visitor, exchanges) {
  for (const record of restore(visitor, exchanges, known)) draw(record, "newest");
  updateToc(tried);
}

export function resultsByKey() {
  return new Map(allResults().map((record) => [record.key, record]));
}


/* One live region for the whole page says each completed run in a line; the result itself
 * is not a live region, so a screen reader is not made to read a whole diagram. */
export function announce(el) {
  const region = byId("announcer");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = announcement(el); }, 50);
}

/* The button keeps focus and stays operable for assistive technology; a second activation
 * while busy is ignored in runExperiment rather than disabling it (which drops focus). */
function setBusy(button, busy) {
  if (!button) return;
  if (busy) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
}
