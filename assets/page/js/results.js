/* The latest result of each experiment, and how results survive a reload.
 *
 * A result is the request the page made plus what happened to it. What happened comes from
 * the server's log, which outlives the page: after a reload the page reads the log again
 * and rebuilds each result from the exchanges it had. What the page itself asked for (the
 * request as the page built it, secrets left out) and which exchanges were whose are the
 * only things kept in this browser (localStorage, per visitor). What JavaScript received is
 * then taken from the engine's verdict; bodies are never logged, so a rebuilt result has
 * none. */

import { readStored, store } from "./dom.js";
import { responseHeader, summarizeWire } from "./wire.js";

const INDEX_KEY = "corslab.results";
/** Headers whose values are credentials: kept as "…" in storage (they live in memory only). */
const SECRET_HEADERS = new Set(["authorization", "x-csrftoken", "cookie"]);
const SECRET_FIELDS = new Set(["password", "refresh", "access"]);

const byKey = new Map();
let runs = 0;
let latestKey = null;
let visitor = null;

/** Keep `record` as its experiment's latest result, numbered (`record.run`). */
export function keep(record) {
  record.run = ++runs;
  byKey.set(record.key, record);
  latestKey = record.key;
  saveIndex();
}

export function latestKeyOverall() {
  return latestKey;
}

export function resultFor(key) {
  return byKey.get(key) || null;
}

/** Every kept result, oldest run first. */
export function allResults() {
  return Array.from(byKey.values()).sort((a, b) => a.run - b.run);
}

function saveIndex() {
  if (!visitor) return;
  const entries = {};
  for (const record of byKey.values()) {
    if (record.exchanges.length) entries[record.key] = { ids: record.exchanges.map((e) => e.id), request: storable(record.request) };
  }
  store(INDEX_KEY, JSON.stringify({ visitor, entries }));
}

function storable(request) {
  const headers = request.headers.map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? "…" : value]);
  let body = request.body;
  if (body && typeof body === "object") {
    body = Object.fromEntries(Object.entries(body).map(([name, value]) => [name, SECRET_FIELDS.has(name) ? "…" : value]));
  }
  return Object.assign({}, request, { headers, body });
}

/**
 * Rebuild the results of `visitorId` from the log's `exchanges`, for the experiments
 * `known` knows; returns the rebuilt records, oldest first (already kept).
 */
export function restore(visitorId, exchanges, known) {
  visitor = visitorId;
  let index = null;
  try {
    index = JSON.parse(readStored(INDEX_KEY) || "null");
  } catch (_) {
    index = null;
  }
  if (!index || index.visitor !== visitorId || typeof index.entries !== "object") return [];
  const byId = new Map(exchanges.map((e) => [e.id, e]));
  const rebuilt = [];
  for (const [key, entry] of Object.entries(index.entries)) {
    if (!known(key) || !entry || !Array.isArray(entry.ids)) continue;
    const own = entry.ids.map((id) => byId.get(id)).filter(Boolean);
    const record = own.length ? fromLog(key, entry.request, own) : null;
    if (record) rebuilt.push(record);
  }
  rebuilt.sort((a, b) => lastId(a) - lastId(b));
  for (const record of rebuilt) keep(record);
  return rebuilt;
}

function lastId(record) {
  return record.exchanges[record.exchanges.length - 1].id;
}

/** A result from the page's stored request (or one described from the log) and the log's
 *  exchanges; null when the log holds no verdict to say what JavaScript got. */
export function fromLog(key, request, exchanges) {
  const wire = summarizeWire(exchanges);
  const got = whatJavaScriptGot(wire);
  if (!got || !request) return null;
  const judged = wire.request || wire.preflight;
  return Object.assign({
    key,
    request,
    startedAt: new Date(judged.at_ms),
    durationMs: null,
    notSent: false,
    exchanges,
    feedState: "open",
    restored: true,
  }, got);
}

/** What fetch() gave the script, as the engine's verdict says. */
function whatJavaScriptGot(wire) {
  const verdict = wire.verdict;
  if (wire.outcome === "pass" && verdict.js) {
    const js = verdict.js;
    const headers = (js.readable_headers || []).map((name) => [name, responseHeader(wire.request, name) || ""]);
    const type = js.response_type;
    const outcome = type === "opaque" ? "opaque" : js.status >= 200 && js.status < 300 ? "ok" : "http-error";
    return { outcome, response: { status: js.status, statusText: "", type, headers, bodyText: null, json: undefined }, error: null };
  }
  if (wire.outcome === "blocked") {
    const text = verdict.js_error || "TypeError: Failed to fetch";
    const colon = text.indexOf(": ");
    return { outcome: "network-error", response: null, error: { name: text.slice(0, colon), message: text.slice(colon + 2) } };
  }
  return null;
}

