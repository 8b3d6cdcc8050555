/* The page's one way to the API: where it is, the visitor tag every request carries, and
 * send(), which makes the fetch() and describes what JavaScript got, never throwing.
 * Also the small same-origin helpers for the page origin's own endpoints. */

import { parseJson, readStored, store } from "./dom.js";
import { watchRun, settleRun, feedState } from "./feed.js";

export const PAGE_ORIGIN = window.location.origin;
export const API_META = (document.querySelector('meta[name="corslab-api"]') || {}).content || "";
export const API_ORIGIN = parseOrigin(API_META);
export const FETCH_TIMEOUT_MS = 20000;

/* The visitor id names this browser's exchanges in the server's log, so it persists
 * (localStorage): after a reload the page rebuilds its results from that log. It goes into
 * the URL, never into a header or cookie: a custom header would itself trigger a preflight,
 * and a preflight carries no cookies. */
const VISITOR_KEY = "corslab.visitor";
const VISITOR_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export const VISITOR = loadVisitor();

function loadVisitor() {
  const stored = readStored(VISITOR_KEY);
  if (stored && VISITOR_PATTERN.test(stored)) return stored;
  const id = randomId(22);
  store(VISITOR_KEY, id);
  return id;
}

/** 22 chars of a 64-letter alphabet = 132 random bits; `& 63` keeps it uniform. */
function randomId(length) {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ID_ALPHABET[b & 63]).join("");
}

/** learner-482913: crypto randomness so two visitors rarely pick the same name. */
export function randomName(prefix) {
  const n = new Uint32Array(1);
  crypto.getRandomValues(n);
  return prefix + "-" + String(100000 + (n[0] % 900000));
}

/** A usable origin, or null (e.g. the placeholder was not replaced). */
function parseOrigin(value) {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    const origin = new URL(value).origin;
    return origin === "null" ? null : origin;
  } catch (_) {
    return null;
  }
}

/** `lab=<visitor>.<credentials>`: the server cannot see the credentials mode on the wire. */
function labTag(credentials) {
  return "lab=" + VISITOR + "." + credentials;
}

/** The URL with the tag appended to its query (before any fragment). The tag is the same
 *  for every request of this visitor with the same credentials mode, so Chromium's
 *  preflight cache, keyed by URL, behaves exactly as it would without it. */
function taggedUrl(url, credentials) {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const separator = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
  return base + separator + labTag(credentials) + fragment;
}

/** The URL (or path) without the lab's tag: what a learner would write, and what copies
 *  show. */
export function untagged(url) {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const q = base.indexOf("?");
  if (q < 0) return url;
  const params = base.slice(q + 1).split("&").filter((p) => p && !p.startsWith("lab="));
  return base.slice(0, q) + (params.length ? "?" + params.join("&") : "") + fragment;
}

/** A path on the API origin: one leading slash ("//host" would leave it). */
export function isApiPath(path) {
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return false;
  try {
    return new URL(path, API_ORIGIN).origin === API_ORIGIN;
  } catch (_) {
    return false;
  }
}

/** Request headers as [[name, value]], whether given as an object or as pairs. */
function headerPairs(headers) {
  if (!headers) return [];
  return Array.isArray(headers) ? headers : Object.entries(headers);
}

/** The value the page set for a request header (case-insensitive), or null. */
export function headerSet(request, name) {
  const lower = name.toLowerCase();
  const pair = request.headers.find(([n]) => n.toLowerCase() === lower);
  return pair ? pair[1] : null;
}

function timeoutSignal(ms) {
  return typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(ms) : undefined;
}

/**
 * Send the request `spec` ({method, path, credentials?, mode?, headers?, body?,
 * bodyIgnored?}) for experiment `key`, wait until the server's log has the run, and
 * describe what happened:
 * { key, request: {method, wireMethod, url, credentials, mode, headers: [[name, value]],
 *                  body, bodyIgnored, sentHeaderNames},
 *   startedAt, durationMs, outcome: "ok" | "http-error" | "opaque" | "network-error",
 *   response: {status, statusText, type, headers: [[name, value]], bodyText, json} | null,
 *   error: {name, message} | null, notSent, exchanges: [server exchanges], feedState }
 * A body object is sent as JSON, a string as-is.
 */
export async function send(key, spec) {
  const request = {
    method: spec.method,
    wireMethod: spec.method,
    url: taggedUrl(API_ORIGIN + spec.path, spec.credentials || "same-origin"),
    credentials: spec.credentials, // undefined = the fetch default ("same-origin")
    mode: spec.mode, // undefined = the fetch default ("cors")
    headers: headerPairs(spec.headers),
    body: spec.body,
    bodyIgnored: Boolean(spec.bodyIgnored),
    sentHeaderNames: null,
  };
  const init = { method: request.method, headers: request.headers };
  if (request.credentials) init.credentials = request.credentials;
  if (request.mode) init.mode = request.mode;
  if (request.body !== undefined) init.body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);

  const record = {
    key, request, startedAt: new Date(), durationMs: 0,
    outcome: "network-error", response: null, error: null,
    notSent: false, exchanges: [], feedState: null, restored: false,
  };
  const checked = checkRequest(request.url, init);
  let run = null;
  if (checked) {
    request.wireMethod = checked.method;
    request.sentHeaderNames = checked.headerNames;
    run = await watchRun(checked.method, checked.path);
  } else {
    record.notSent = true;
  }

  init.signal = timeoutSignal(FETCH_TIMEOUT_MS);
  const started = performance.now();
  try {
    // When checkRequest failed this still calls fetch(), to show its own rejection.
    const res = await fetch(request.url, init);
    const bodyText = await res.text();
    record.response = {
      status: res.status,
      statusText: res.statusText,
      type: res.type,
      headers: Array.from(res.headers.entries()),
      bodyText,
      json: parseJson(bodyText),
    };
    record.outcome = res.type === "opaque" ? "opaque" : res.ok ? "ok" : "http-error";
  } catch (err) {
    // A CORS block and an unreachable server look identical here, by design.
    record.error = { name: (err && err.name) || "Error", message: (err && err.message) || String(err) };
  }
  record.durationMs = Math.round(performance.now() - started);
  if (run) record.exchanges = await settleRun(run);
  record.feedState = feedState();
  return record;
}

/* new Request() runs fetch()'s own checks (method, header names, no-cors limits, a body
 * on GET) without sending anything. If it throws, nothing will reach the network.
 * Otherwise it tells what will: the normalized method, the URL as parsed (the server logs
 * path + query exactly so), and the header names that survive the browser's guard. */
function checkRequest(url, init) {
  try {
    const req = new Request(url, init);
    const parsed = new URL(req.url);
    return { method: req.method, path: parsed.pathname + parsed.search, headerNames: Array.from(req.headers.keys()) };
  } catch (_) {
    return null;
  }
}

/** GET a JSON document from the page origin; null when it cannot be had. */
export async function getJson(path, timeoutMs) {
  try {
    const res = await fetch(path, { signal: timeoutSignal(timeoutMs || FETCH_TIMEOUT_MS) });
    return res.ok ? await res.json() : null;
  } catch (_) {
    return null;
  }
}

/** POST JSON to the page origin; the parsed answer, or null. */
export async function postJson(path, body) {
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: timeoutSignal(FETCH_TIMEOUT_MS),
    });
    return res.ok ? await res.json() : null;
  } catch (_) {
    return null;
  }
}
