/* Every way an experiment leaves the page: a permalink (a #fragment that, opened on any
 * corslab, runs the same experiment again), and the request as fetch() and as curl.
 *
 * Fragments: `#run=<experiment>` for a card's button; `#run=composer&method=…&path=…
 * &credentials=…&mode=…&headers=<lines>&body=…` for a composed request, `#run=editor&…`
 * the same plus `&policy=<the answer as JSON>` for one sent to the visitor's own answer;
 * `#scenario=<id>` for a scenario. Secrets never go into a link: card links rebuild their
 * request (with the visitor's own tokens) when they run.
 *
 * A request sent to the visitor's own answer (`request.policy`) is copied with its `lab=`
 * tag, which is what makes the server send that answer, and its curl copy sets the answer
 * first. */

import { API_ORIGIN, PAGE_ORIGIN, VISITOR, untagged } from "./api.js";
import { makeEl } from "./dom.js";
import { t } from "./i18n.js";
import { requestHeader } from "./wire.js";

/** Experiments whose links carry their request field by field. */
const COMPOSED = ["composer", "editor"];

/** The fragment of a record's experiment. */
function permalinkFragment(record) {
  if (!COMPOSED.includes(record.key)) return "#" + new URLSearchParams({ run: record.key });
  const req = record.request;
  const params = new URLSearchParams({ run: record.key, method: req.method, path: untagged(req.url).slice(API_ORIGIN.length) });
  if (req.credentials) params.set("credentials", req.credentials);
  if (req.mode) params.set("mode", req.mode);
  if (req.headers.length) params.set("headers", req.headers.map(([n, v]) => n + ": " + v).join("\n"));
  if (typeof req.body === "string") params.set("body", req.body);
  if (req.policy) params.set("policy", JSON.stringify(req.policy));
  return "#" + params;
}

export function scenarioFragment(id) {
  return "#" + new URLSearchParams({ scenario: id });
}

/** What a fragment asks for: { run, fields } | { scenario } | null. */
export function parseFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (params.has("scenario")) return { scenario: params.get("scenario") };
  if (!params.has("run")) return null;
  const fields = {};
  for (const name of ["method", "path", "credentials", "mode", "headers", "body", "policy"]) {
    if (params.has(name)) fields[name] = params.get(name);
  }
  return { run: params.get("run"), fields };
}

/** The request as the script would write it: only the options that differ from fetch()'s
 *  defaults, a JSON body as JSON.stringify of its value. */
function asFetch(record) {
  const req = record.request;
  const options = [];
  if (req.method !== "GET") options.push("method: " + JSON.stringify(req.method));
  if (req.mode && req.mode !== "cors") options.push("mode: " + JSON.stringify(req.mode));
  if (req.credentials && req.credentials !== "same-origin") options.push("credentials: " + JSON.stringify(req.credentials));
  if (req.headers.length) {
    const pairs = req.headers.map(([n, v]) => JSON.stringify(n) + ": " + JSON.stringify(v));
    options.push("headers: { " + pairs.join(", ") + " }");
  }
  if (req.body !== undefined) {
    options.push("body: " + (typeof req.body === "string" ? JSON.stringify(req.body) : "JSON.stringify(" + JSON.stringify(req.body) + ")"));
  }
  const url = JSON.stringify(copiedUrl(req));
  if (!options.length) return "await fetch(" + url + ");";
  return "await fetch(" + url + ", {\n" + options.map((o) => "  " + o + ",\n").join("") + "});";
}

/**
 * The request as curl commands, with the headers the browser added that the server judges
 * by: the preflight first when the engine says one is needed (with the exact
 * Access-Control-Request-* values), then the request with the Origin the browser sent.
 * Without a log entry the Origin of a CORS request from this page is assumed.
 */
function asCurl(record, wire) {
  const req = record.request;
  const url = copiedUrl(req);
  const commands = [];
  if (req.policy) {
    const headers = [["Content-Type", "application/json"]];
    commands.push(curl("PUT", PAGE_ORIGIN + "/policy?lab=" + VISITOR, headers, JSON.stringify(req.policy)));
  }
  const asks = preflightAsks(wire);
  if (asks) {
    const origin = (wire.preflight && requestHeader(wire.preflight, "origin")) || PAGE_ORIGIN;
    const headers = [["Origin", origin], ["Access-Control-Request-Method", asks.method]];
    if (asks.headers) headers.push(["Access-Control-Request-Headers", asks.headers]);
    commands.push(curl("OPTIONS", url, headers, undefined));
  }
  const origin = wire.request ? requestHeader(wire.request, "origin") : PAGE_ORIGIN;
  const sent = req.headers.filter(([name]) => !Array.isArray(req.sentHeaderNames) || req.sentHeaderNames.includes(name.toLowerCase()));
  const headers = (origin ? [["Origin", origin]] : []).concat(sent);
  const body = req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  commands.push(curl(req.wireMethod, url, headers, body));
  return commands.join("\n\n");
}

/** The URL a copy calls: as a learner would write it, or, to get the visitor's own answer,
 *  with the tag that names them. */
function copiedUrl(req) {
  return req.policy ? req.url : untagged(req.url);
}

/** What the preflight asks, from the log: the one sent, or the engine's answer for a request
 *  it let through from the cache. null when none is needed. */
function preflightAsks(wire) {
  if (wire.preflight) {
    return {
      method: requestHeader(wire.preflight, "access-control-request-method"),
      headers: requestHeader(wire.preflight, "access-control-request-headers"),
    };
  }
  if (wire.need && wire.need.needed) return { method: wire.need.access_control_request_method, headers: wire.need.access_control_request_headers };
  return null;
}

function curl(method, url, headers, body) {
  const verb = method === "GET" ? "" : method === "HEAD" ? " --head" : " -X " + shellQuote(method);
  const lines = ["curl -i" + verb + " " + shellQuote(url)];
  for (const [name, value] of headers) lines.push("  -H " + shellQuote(name + ": " + value));
  if (body !== undefined) lines.push("  --data-raw " + shellQuote(body));
  return lines.join(" \\\n");
}

/** A POSIX shell word: single quotes, each ' written as '\'' . */
function shellQuote(text) {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'";
}

/** The share box of a result: the permalink and the two copies, each with a copy button. */
export function renderShare(record, wire) {
  const box = makeEl("div", "share");
  const status = makeEl("p", "copy-status small");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const link = makeEl("a", "permalink", t("share.permalink"));
  link.href = permalinkFragment(record);
  const texts = { link: new URL(link.href, window.location.href).href, fetch: asFetch(record), curl: asCurl(record, wire) };

  const details = makeEl("details", "share-code");
  details.dataset.keepOpen = "share";
  details.append(makeEl("summary", null, t("share.show")));
  for (const kind of ["fetch", "curl"]) {
    details.append(makeEl("h4", null, t("share." + kind + "Title")), makeEl("pre", "mono small copy-" + kind, texts[kind]));
  }
  details.append(makeEl("p", "small muted", t(record.request.credentials === "include" ? "share.curlCookies" : "share.curlNote")));
  if (record.request.policy) details.append(makeEl("p", "small muted", t("editor.curlPolicy")));

  const buttons = makeEl("div", "controls share-buttons");
  for (const kind of ["link", "fetch", "curl"]) {
    const button = makeEl("button", "secondary small-button", t("share.copy." + kind));
    button.type = "button";
    button.dataset.copy = kind;
    button.addEventListener("click", () => copy(texts[kind], details.querySelector(".copy-" + kind), details, status));
    buttons.append(button);
  }
  box.append(buttons, link, details, status);
  return box;
}

/* The clipboard needs permission, which a browser may refuse: then the text is shown and
 * selected, ready for Ctrl+C. */
async function copy(text, pre, details, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = t("share.copied");
  } catch (_) {
    if (pre) {
      details.open = true;
      window.getSelection().selectAllChildren(pre);
    }
    status.textContent = t(pre ? "share.selectToCopy" : "share.copyFailed");
  }
}
