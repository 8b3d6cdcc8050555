/* One result, drawn where the visitor clicked: a <details> in its card's results, newest
 * first and open, older ones folded to their summary line (the experiment, its two facts,
 * the time), so a card never grows into a wall. Opened, a result shows the request, the
 * diagram beside the verdict, notes, the headers JavaScript can read, the body, and how to
 * share or repeat it.
 *
 * Ids and data attributes are what tests use: #result-<key> (data-result, data-status,
 * data-outcome, data-run, data-run-complete, data-http, data-cors), and inside it .body,
 * .headers, .diagram, .verdict. */

import { API_ORIGIN, FETCH_TIMEOUT_MS, PAGE_ORIGIN } from "./api.js";
import { addDef, byId, makeEl, prettyJson } from "./dom.js";
import { formatTime, richEl, t } from "./i18n.js";
import { renderDiagram } from "./diagram.js";
import { renderShare } from "./share.js";
import { renderFacts, renderVerdict } from "./verdict-view.js";
import { summarizeWire } from "./wire.js";

/** The result section of `key`, created on first use in its card's results. */
function section(key, card) {
  const existing = byId("result-" + key);
  if (existing) return existing;
  const el = makeEl("details", "result");
  el.id = "result-" + key;
  el.dataset.result = key;
  byId("results-" + card).prepend(el);
  return el;
}

/** The previous result stays visible during a new run, but no longer claims to be complete. */
export function markRunStarted(key) {
  const el = byId("result-" + key);
  if (el) el.dataset.runComplete = "false";
}

/**
 * Draw `record` (of `experiment`, in card `card`). `placement` is "newest" for the run just
 * made (moved to the top of its card, opened, the others folded) or "keep" to redraw in
 * place (a language switch, a restored result).
 */
export function renderResult(record, experiment, card, placement, latest) {
  const el = section(record.key, card);
  const wire = summarizeWire(record.exchanges || []);
  el.dataset.status = String(record.response ? record.response.status : 0);
  el.dataset.outcome = record.outcome;
  el.dataset.run = String(record.run);
  el.dataset.runComplete = "true";
  el.dataset.http = String(wire.request ? wire.request.status : record.response ? record.response.status : 0);
  el.dataset.cors = wire.outcome;
  el.classList.toggle("is-latest", latest);

  // Redrawing keeps "Steps as text" and the share box open if they were.
  const open = Array.from(el.querySelectorAll("details[data-keep-open]")).filter((d) => d.open).map((d) => d.dataset.keepOpen);
  const body = makeEl("div", "result-body");
  body.append(
    ...(record.restored ? [richEl("p", "note restored-note", "result.restored")] : []),
    renderRequest(record),
    renderWire(record, wire),
    ...notes(record, experiment, wire).map(([key, vars]) => richEl("p", "note", key, vars)),
    renderResponseHeaders(record),
    renderBody(record),
    renderShare(record, wire),
  );
  el.replaceChildren(summary(record, experiment, wire, latest), body);
  for (const d of el.querySelectorAll("details[data-keep-open]")) d.open = open.includes(d.dataset.keepOpen);
  if (placement === "newest") showAsNewest(el);
  if (latest) markLatest(el);
  updateScrollableFocus(el);
  return el;
}

/** `el` first among its siblings and open, the older ones folded. */
export function showAsNewest(el) {
  el.parentElement.prepend(el);
  for (const other of el.parentElement.children) other.open = other === el;
}

/** `el` is the page's latest result (its summary says so); no other is. */
export function markLatest(el) {
  el.classList.add("is-latest");
  for (const other of document.querySelectorAll(".result.is-latest")) {
    if (other !== el) other.classList.remove("is-latest");
  }
  for (const tag of document.querySelectorAll(".latest-tag")) if (!el.contains(tag)) tag.remove();
}

/** The line a folded result keeps: name (the experiment's own, or the dictionary's
 *  `exp.<key>`), the two facts, when. */
function summary(record, experiment, wire, latest) {
  const s = makeEl("summary", "result-summary");
  const name = makeEl("span", "result-name", experiment.name ? experiment.name() : t("exp." + record.key));
  s.append(name);
  if (latest) s.append(" ", makeEl("span", "latest-tag", t("result.latest")));
  s.append(" ", renderFacts(record, wire), " ", makeEl("span", "timing", record.durationMs === null
    ? formatTime(record.startedAt) : t("result.timing", { ms: record.durationMs, time: formatTime(record.startedAt) })));
  return s;
}

/** The words a screen reader hears when a run completes: the summary line as text. */
export function announcement(el) {
  return el.querySelector("summary").textContent.replace(/\s+/g, " ").trim();
}

/* The result's first lines (its summary and the start of the request) must be in view
 * after the click. The page scrolls only as far as that needs: results open right under
 * their buttons, so usually the button stays in view too, with the cause beside the effect.
 * Focus stays where it was. */
const SHOW_AT_LEAST_PX = 240;
const MARGIN_PX = 16;
export function reveal(el) {
  const rect = el.getBoundingClientRect();
  const below = rect.top + Math.min(rect.height, SHOW_AT_LEAST_PX) - window.innerHeight;
  if (below > 0) window.scrollBy(0, below + MARGIN_PX);
  else if (rect.top < 0) window.scrollBy(0, rect.top - MARGIN_PX);
}

const CREDENTIALS_KEYS = { include: "result.credInclude", omit: "result.credOmit", "same-origin": "result.credSameOrigin" };

function renderRequest(record) {
  const req = record.request;
  const box = makeEl("div", "request");
  box.append(makeEl("h3", null, t("result.request")));
  const line = makeEl("p", "request-line mono");
  line.append(makeEl("span", "method", req.wireMethod), " ", renderUrl(req.url));
  box.append(line);

  const dl = makeEl("dl", "request-options");
  const options = makeEl("ul", "plain");
  options.append(richEl("li", null, req.mode === "no-cors" ? "result.modeNoCors" : "result.mode"));
  options.append(richEl("li", null, CREDENTIALS_KEYS[req.credentials] || "result.credDefault"));
  addDef(dl, t("result.options"), options);

  const headers = makeEl("ul", "plain mono");
  if (req.headers.length === 0) headers.append(makeEl("li", "muted", t("result.noHeadersSet")));
  for (const [name, value] of req.headers) {
    const li = makeEl("li", null, name + ": " + shortened(name, value));
    if (Array.isArray(req.sentHeaderNames) && !req.sentHeaderNames.includes(name.toLowerCase())) {
      li.classList.add("dropped");
      const reason = t(req.mode === "no-cors" ? "result.droppedNoCors" : "result.droppedForbidden");
      li.append(" ", makeEl("span", "dropped-note", "(" + t("result.dropped", { reason }) + ")"));
    }
    headers.append(li);
  }
  if (!record.notSent) headers.append(richEl("li", "muted", browserAddsKey(req)));
  addDef(dl, t("result.headersSet"), headers);

  if (req.body !== undefined) {
    const text = typeof req.body === "string" ? req.body : prettyJson(redactPassword(req.body));
    addDef(dl, t("result.requestBody"), makeEl("pre", "mono small", text));
  }
  box.append(dl);
  return box;
}

/* Origin (and, with credentials, Cookie) come from the browser, not from the page; a
 * no-cors GET or HEAD goes without Origin. */
function browserAddsKey(req) {
  const cookies = req.credentials === "include";
  if (req.mode === "no-cors" && ["GET", "HEAD"].includes(req.wireMethod)) {
    return cookies ? "result.browserAddsCookiesNoOrigin" : "result.browserAddsNoOrigin";
  }
  return cookies ? "result.browserAddsCookies" : "result.browserAdds";
}

/** The URL as sent, with the lab's tag dimmed: it is real, but not part of the lesson
 *  (the header explains it once). */
function renderUrl(url) {
  const span = makeEl("span", "url");
  const match = /[?&]lab=[^&#]*/.exec(url);
  if (!match) {
    span.textContent = url;
    return span;
  }
  const start = match.index + 1;
  const end = match.index + match[0].length;
  span.append(url.slice(0, start), makeEl("span", "lab-tag", url.slice(start, end)), url.slice(end));
  return span;
}

function shortened(name, value) {
  // The full token is shown in the JWT panel; here a prefix is enough to recognise it.
  if (name.toLowerCase() === "authorization" && value.length > 40) return value.slice(0, 30) + "…";
  return value;
}

function redactPassword(body) {
  if (!body || typeof body !== "object" || !("password" in body)) return body;
  return Object.assign({}, body, { password: "•".repeat(Math.min(String(body.password).length, 16)) });
}

/** "On the wire": the run's sequence diagram and the browser's verdict, side by side. */
export function renderWire(record, wire) {
  const box = makeEl("div", "wire");
  box.append(makeEl("h3", null, t("wire.title")));
  const grid = makeEl("div", "wire-grid");
  grid.append(renderDiagram(record, wire), renderVerdict(record, wire));
  box.append(grid);
  return box;
}

/** The experiment's own notes on this outcome, then those any experiment can get. */
function notes(record, experiment, wire) {
  const own = experiment.notes ? experiment.notes(record, wire) : [];
  const common = [];
  // The diagram and the verdict explain a request that never left, or a CORS block,
  // better than this general hint.
  if (record.outcome === "network-error" && !record.notSent && !experiment.expectsBlock && wire.outcome !== "blocked") {
    if (record.error && (record.error.name === "TimeoutError" || record.error.name === "AbortError")) {
      common.push(["result.abortHint", { s: FETCH_TIMEOUT_MS / 1000 }]);
    } else {
      common.push(["result.networkHint", { api: API_ORIGIN, page: PAGE_ORIGIN }]);
    }
  }
  if (record.response && record.response.status === 429) common.push(["note.rateLimited"]);
  return own.concat(common);
}

function renderResponseHeaders(record) {
  const box = makeEl("div", "response-headers");
  box.append(makeEl("h3", null, t("result.headers")));
  box.append(richEl("p", "small muted", "result.headersNote"));
  const dl = makeEl("dl", "headers mono");
  for (const [name, value] of record.response ? record.response.headers : []) {
    const row = makeEl("div", "header-row");
    row.append(makeEl("dt", null, name + ":"), makeEl("dd", null, value));
    dl.append(row);
  }
  box.append(dl);
  if (!record.response) box.append(makeEl("p", "muted", t("result.noHeaders")));
  return box;
}

/* For a network error the .body element holds the rejection ("TypeError: Failed to
 * fetch"): that is everything JavaScript got instead of a body. */
function renderBody(record) {
  const box = makeEl("div", "response-body");
  if (!record.response) {
    box.append(makeEl("h3", null, t("result.error")));
    box.append(makeEl("pre", "body error mono", record.error.name + ": " + record.error.message));
    return box;
  }
  box.append(makeEl("h3", null, t("result.body")));
  const { bodyText, json } = record.response;
  if (bodyText === null) {
    box.append(makeEl("p", "body muted", t("result.bodyNotLogged")));
    return box;
  }
  const pre = makeEl("pre", "body mono", json !== undefined ? prettyJson(json) : bodyText);
  if (!bodyText) pre.dataset.empty = t("result.emptyBody");
  box.append(pre);
  return box;
}

/* A long body (the user list) or a wide table scrolls inside its box. Only then does it
 * become a tab stop, so keyboard users can scroll it without tabbing through every short
 * result. Re-checked on resize and zoom, which change what overflows. */
export function updateScrollableFocus(root) {
  for (const el of root.querySelectorAll("pre.body, .table-scroll")) {
    const scrolls = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
    if (scrolls) {
      el.tabIndex = 0;
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", t(el.matches("pre") ? "result.body" : "csrf.historyTitle"));
    } else {
      el.removeAttribute("tabindex");
      el.removeAttribute("role");
      el.removeAttribute("aria-label");
    }
  }
}

