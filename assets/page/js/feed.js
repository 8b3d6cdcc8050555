/* The server's log of this visitor's exchanges, as the page origin serves it.
 *
 * The API records every request whose URL carries the visitor's tag, preflights included,
 * each with the verdict its engine computed; the page reads the log once at start (to
 * rebuild results after a reload) and then follows it as Server-Sent Events. A run owns the
 * exchanges that arrive after it started, for its URL, with its method (the request) or
 * asking for its method (the preflight). It is complete when its request arrives, or its
 * preflight was blocked (no request will come), or SETTLE_MS after fetch() settled
 * (nothing reached the server, or the log is not connected). */

import { exchangeKind, requestHeader, verdictOf } from "./wire.js";

const SETTLE_MS = 2000;
const BACKFILL_TIMEOUT_MS = 5000;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

let visitor = null;
let state = "connecting"; // connecting | open | reconnecting
let maxId = 0; // the highest exchange id seen
let retryMs = RETRY_MIN_MS;
let opened = false; // a stream has been open before (so the next "open" is a reconnect)
let ready = Promise.resolve(); // settles once maxId reflects the log as it was at load
const runs = new Set(); // runs waiting for their exchanges
let source = null; // the open stream
const stateListeners = [];

export function feedState() {
  return state;
}

/** The newest exchange id the page has seen: what the log holds after it is newer. */
export function newestExchangeId() {
  return maxId;
}

export function onFeedState(listener) {
  stateListeners.push(listener);
}

/** Start following `id`'s log. Resolves to the exchanges already in it (oldest first; empty
 *  when the log cannot be read). */
export function startFeed(id) {
  visitor = id;
  const history = readLog().then((exchanges) => {
    for (const e of exchanges || []) noteId(e.id);
    return exchanges || [];
  });
  ready = history.then(connect);
  /* A page left for another keeps its stream open while the browser may bring it back (the
   * back/forward cache), and Chromium opens at most six connections to one host: a few
   * pages later, the next one's requests would wait. Close it on leaving, reopen on return. */
  window.addEventListener("pagehide", () => source && source.close());
  window.addEventListener("pageshow", (event) => { if (event.persisted) connect(); });
  return history;
}

/** The visitor's exchanges, or null if the log is unreachable. */
async function readLog() {
  try {
    const url = "/exchanges?lab=" + encodeURIComponent(visitor);
    const res = await fetch(url, { signal: AbortSignal.timeout(BACKFILL_TIMEOUT_MS) });
    if (!res.ok) return null;
    const listing = await res.json();
    return Array.isArray(listing.exchanges) ? listing.exchanges.filter((e) => e && Number.isSafeInteger(e.id)) : null;
  } catch (_) {
    return null;
  }
}

/* The server numbers a visitor's exchanges anew when it recreates the log (after evicting
 * this visitor to bound its memory). A resumed stream would then wait for ids past the old
 * ones and stay silent: on reconnecting, check, and if so start over from the new newest. */
async function restartIfLogReset(source) {
  const exchanges = await readLog();
  if (exchanges === null) return;
  const newest = exchanges.reduce((max, e) => Math.max(max, e.id), 0);
  if (newest >= maxId) return;
  source.close();
  maxId = newest;
  connect();
}

/* EventSource reconnects by itself after a dropped connection, sending Last-Event-ID so
 * the server resends what was missed. It gives up on an HTTP error (e.g. 503 when the
 * server has too many streams open); then a new one starts after a growing delay. */
function connect() {
  const stream = new EventSource("/exchanges/stream?lab=" + encodeURIComponent(visitor) + "&after=" + maxId);
  source = stream;
  stream.addEventListener("open", () => {
    retryMs = RETRY_MIN_MS;
    setState("open");
    if (opened) restartIfLogReset(stream);
    opened = true;
  });
  stream.addEventListener("exchange", onExchange);
  stream.addEventListener("error", () => {
    setState("reconnecting");
    if (stream.readyState !== EventSource.CLOSED) return;
    window.setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  });
}

function setState(value) {
  state = value;
  for (const listener of stateListeners) listener(value);
}

function noteId(id) {
  if (Number.isSafeInteger(id) && id > maxId) maxId = id;
}

function onExchange(event) {
  let exchange;
  try {
    exchange = JSON.parse(event.data);
  } catch (_) {
    return;
  }
  if (!exchange || typeof exchange !== "object" || !Number.isSafeInteger(exchange.id)) return;
  noteId(exchange.id);
  for (const run of runs) {
    if (!owns(run, exchange) || run.exchanges.some((e) => e.id === exchange.id)) continue;
    run.exchanges.push(exchange);
    checkComplete(run);
  }
}

/** Start watching for a run's exchanges. Two runs with the same method and URL could not
 *  be told apart, so a second one waits until the first is complete. */
export async function watchRun(method, path) {
  await ready;
  for (let busy = sameRun(method, path); busy; busy = sameRun(method, path)) await busy.done;
  const run = { method, path, floor: maxId, exchanges: [], fetchSettled: false, finished: false, timer: 0 };
  run.done = new Promise((resolve) => { run.resolve = resolve; });
  runs.add(run);
  return run;
}

function sameRun(method, path) {
  for (const run of runs) if (run.method === method && run.path === path) return run;
  return null;
}

/** fetch() has settled: the run ends as soon as its exchanges say so, or after a grace time.
 *  Resolves to its exchanges, oldest first. */
export function settleRun(run) {
  run.fetchSettled = true;
  checkComplete(run);
  if (!run.finished) run.timer = window.setTimeout(() => finish(run), SETTLE_MS);
  return run.done;
}

function owns(run, exchange) {
  if (exchange.id <= run.floor || exchange.url !== run.path) return false;
  if (exchangeKind(exchange) === "preflight") return requestHeader(exchange, "access-control-request-method") === run.method;
  return exchange.method === run.method;
}

function checkComplete(run) {
  if (!run.fetchSettled) return;
  const requestArrived = run.exchanges.some((e) => exchangeKind(e) === "request");
  const preflightBlocked = run.exchanges.some((e) => exchangeKind(e) === "preflight" && verdictOf(e).outcome === "blocked");
  if (requestArrived || preflightBlocked) finish(run);
}

function finish(run) {
  if (run.finished) return;
  run.finished = true;
  window.clearTimeout(run.timer);
  runs.delete(run);
  run.resolve(run.exchanges.slice().sort((a, b) => a.id - b.id));
}
