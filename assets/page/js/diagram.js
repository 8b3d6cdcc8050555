/* The sequence diagram of one run: three lanes (JavaScript, browser, API) and the messages
 * between them, with the headers that decided the outcome.
 *
 * One list of steps feeds both the drawing and its text alternative. A step is an arrow
 * { from, to, tone, title, lines } or a note on a lane { lane, tone, text }; a line is
 * { name, value } (a header), { cookie: {name, attributes} } (a Set-Cookie, drawn with its
 * attributes) or { text, missing } (prose, e.g. a header that is absent). The drawing is
 * HTML on a CSS grid (lanes are columns, each step a subgrid row), so labels wrap like any
 * text; in a narrow box it becomes a vertical list (style.css). */

import { API_ORIGIN, untagged } from "./api.js";
import { makeEl } from "./dom.js";
import { formatTime, t } from "./i18n.js";
import { fromAnotherPage, headerValue, listedNames, pageOriginOf, responseHeader, setCookieParts, statusLine, verdictOf } from "./wire.js";

const LANES = ["js", "browser", "api"];
const PREFLIGHT_ASKS = ["access-control-request-method", "access-control-request-headers"];
const PREFLIGHT_ANSWERS = ["access-control-allow-origin", "access-control-allow-credentials",
  "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"];
const REQUEST_DECIDERS = ["authorization", "content-type", "x-csrftoken"]; // after Origin and the cookies
// Expose-Headers is drawn where it decides: on the response JavaScript reads.
const RESPONSE_DECIDERS = ["access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers"];

/** The diagram (with its steps as text) for `record`, whose log says `wire`. */
export function renderDiagram(record, wire) {
  const steps = diagramSteps(record, wire);
  const figure = makeEl("figure", "diagram");
  // The drawing is one image to assistive technology, because the same steps follow as an
  // ordered list in a <details>.
  const seq = makeEl("div", "seq");
  seq.setAttribute("role", "img");
  seq.setAttribute("aria-label", t("wire.diagramLabel", { n: steps.length }));
  // The JavaScript lane is this page's, unless another page (an attacker's) made the fetch.
  seq.append(laneHeads(fromAnotherPage(wire) ? pageOriginOf(wire) : null));
  for (const step of steps) seq.append(step.to ? renderArrow(step) : renderNote(step));
  figure.append(seq, stepList(steps));
  return figure;
}

function diagramSteps(record, wire) {
  const req = record.request;
  const path = untagged(req.url).slice(API_ORIGIN.length) || "/";
  const steps = [arrow("js", "browser", "call", "fetch()", [
    { text: req.wireMethod + " " + path },
    { text: t("wire.fetchOptions", { mode: req.mode || "cors", credentials: req.credentials || "same-origin" }) },
  ])];
  if (record.notSent) return steps.concat(note("browser", "barrier", t("wire.nothingSent")), answerToScript(record, wire));

  if (wire.preflight) {
    const pf = wire.preflight;
    steps.push(
      arrow("browser", "api", "preflight", "OPTIONS " + path + " (" + t("wire.preflight") + ")", headerLines(pf.request_headers, PREFLIGHT_ASKS)),
      arrow("api", "browser", "preflight", statusLine(pf.status), responseLines(pf, PREFLIGHT_ANSWERS, true)));
    if (verdictOf(pf).outcome === "blocked") {
      return steps.concat(
        note("browser", "barrier", blockedText(verdictOf(pf))),
        note("api", "absent", t("wire.neverSent", { method: req.wireMethod })),
        answerToScript(record, wire));
    }
  } else if (wire.fromCache) {
    steps.push(note("browser", "cache", wire.fromCache.until_ms
      ? t("wire.cacheHit", { time: formatTime(new Date(wire.fromCache.until_ms)) }) : t("wire.cacheHitNoTime")));
  }

  if (wire.request) {
    const rq = wire.request;
    steps.push(
      arrow("browser", "api", "request", rq.method + " " + path, requestLines(rq)),
      arrow("api", "browser", "response", statusLine(rq.status), responseLines(rq, RESPONSE_DECIDERS, req.mode !== "no-cors")));
    if (wire.outcome === "blocked") steps.push(note("browser", "barrier", blockedText(wire.verdict)));
  } else {
    steps.push(note("api", "absent", wire.preflight ? t("wire.requestNotLogged", { method: req.wireMethod }) : t("wire.notLogged")));
  }
  steps.push(answerToScript(record, wire));
  return steps;
}

function arrow(from, to, tone, title, lines) {
  return { from, to, tone, title, lines };
}

function note(lane, tone, text) {
  return { lane, tone, text };
}

/** The last arrow: what the promise gave JavaScript, and which of the headers it can read
 *  are there only because Access-Control-Expose-Headers lists them. */
function answerToScript(record, wire) {
  if (!record.response) {
    return arrow("browser", "js", "reject", t("wire.reject"), [{ text: record.error.name + ": " + record.error.message }]);
  }
  if (record.outcome === "opaque") return arrow("browser", "js", "resolve", t("wire.opaque"), []);
  const names = record.response.headers.map(([name]) => name);
  const lines = [{ text: names.length ? t("wire.readable", { names: names.join(", ") }) : t("wire.readableNone") }];
  const listed = wire.request ? listedNames(responseHeader(wire.request, "access-control-expose-headers")) : [];
  const exposed = names.filter((name) => listed.includes(name));
  if (exposed.length) lines.push({ text: t("wire.exposed", { names: exposed.join(", ") }) });
  else if (listed.includes("*")) lines.push({ text: t("wire.exposedWildcard") });
  return arrow("browser", "js", "resolve", t("wire.resolve", { status: statusLine(record.response.status, record.response.statusText) }), lines);
}

function blockedText(verdict) {
  return verdict.cors_error ? t("wire.blocked", { error: verdict.cors_error }) : t("wire.blockedNoName");
}

/** The logged headers among `names`, in that order. */
function headerLines(pairs, names) {
  return names.map((name) => ({ name, value: headerValue(pairs, name) })).filter((line) => line.value !== null);
}

/** What decided a request: Origin, the cookies' names (never values), the Authorization
 *  scheme (the server logs only that and the token's length), Content-Type, the CSRF token. */
function requestLines(exchange) {
  const lines = headerLines(exchange.request_headers, ["origin"]);
  const cookies = exchange.cookies || [];
  lines.push({ text: cookies.length ? t("wire.cookieNames", { names: cookies.join(", ") }) : t("wire.noCookies") });
  return lines.concat(headerLines(exchange.request_headers, REQUEST_DECIDERS));
}

/** The CORS answer headers, a missing Access-Control-Allow-Origin called out (when CORS
 *  applies), and each cookie set, with the attributes that decide where it goes. */
function responseLines(exchange, names, corsApplies) {
  const lines = headerLines(exchange.response_headers, names);
  if (corsApplies && responseHeader(exchange, "access-control-allow-origin") === null) {
    lines.unshift({ text: t("wire.missing", { name: "access-control-allow-origin" }), missing: true });
  }
  for (const [name, value] of exchange.response_headers || []) {
    if (name === "set-cookie") lines.push({ cookie: setCookieParts(value) });
  }
  return lines;
}

function laneName(lane) {
  return t({ js: "wire.laneJs", browser: "wire.laneBrowser", api: "wire.laneApi" }[lane]);
}

/** Under a lane's name: the API's host, the page's (`page`: another page's origin, or null
 *  for this page), or what the browser is. */
function laneSub(lane, page) {
  const sub = makeEl("span", "lane-sub");
  if (lane === "browser" || (lane === "js" && !page)) {
    sub.textContent = t(lane === "js" ? "wire.laneJsSub" : "wire.laneBrowserSub");
    return sub;
  }
  // A host:port wider than the lane breaks after the colon, not inside the port.
  const host = lane === "api" ? new URL(API_ORIGIN).host : page === "null" ? "Origin: null" : new URL(page).host;
  const colon = host.lastIndexOf(":") + 1;
  sub.append(host.slice(0, colon), document.createElement("wbr"), host.slice(colon));
  return sub;
}

function laneHeads(page) {
  const row = makeEl("div", "seq-row seq-head");
  for (const lane of LANES) {
    const head = makeEl("span", "lane-head lane-" + lane);
    head.append(makeEl("span", "lane-name", laneName(lane)), laneSub(lane, page));
    row.append(head);
  }
  return row;
}

/** A grid row with the three lifelines; its content overlays them. */
function diagramRow(className) {
  const row = makeEl("div", "seq-row " + className);
  for (const lane of LANES) row.append(makeEl("span", "life life-" + lane));
  return row;
}

function renderArrow(step) {
  const row = diagramRow("seq-msg tone-" + step.tone);
  const between = step.from === "api" || step.to === "api" ? "between-browser-api" : "between-js-browser";
  const direction = LANES.indexOf(step.to) > LANES.indexOf(step.from) ? "to-right" : "to-left";
  const msg = makeEl("div", "msg " + between + " " + direction);
  // The direction is drawn by the arrow; in the narrow (list) layout this text says it.
  msg.append(makeEl("span", "msg-dir", laneName(step.from) + " → " + laneName(step.to)));
  msg.append(makeEl("span", "msg-title", step.title));
  for (const line of step.lines) msg.append(renderLine(line));
  msg.append(makeEl("span", "msg-arrow"));
  row.append(msg);
  return row;
}

function renderLine(line) {
  const el = makeEl("span", "msg-line" + (line.missing ? " missing" : ""));
  if (line.cookie) {
    el.classList.add("cookie-line");
    el.append(makeEl("span", "hdr-name", "set-cookie:"), " ", makeEl("span", "cookie-name", line.cookie.name));
    for (const attribute of line.cookie.attributes) el.append(" ", makeEl("span", "cookie-attr", attribute));
  } else if (line.name) {
    el.append(makeEl("span", "hdr-name", line.name + ":"), " " + line.value);
  } else {
    el.textContent = line.text;
  }
  return el;
}

function renderNote(step) {
  const row = diagramRow("seq-note-row tone-" + step.tone + " on-" + step.lane);
  if (step.tone === "barrier") row.append(makeEl("span", "barrier", "✕"));
  const text = makeEl("span", "seq-note");
  text.append(makeEl("span", "msg-dir", laneName(step.lane)), step.text);
  row.append(text);
  return row;
}

function stepList(steps) {
  const details = makeEl("details", "steps");
  details.append(makeEl("summary", null, t("wire.steps")));
  const list = makeEl("ol", "steps-list");
  for (const step of steps) list.append(makeEl("li", null, stepText(step)));
  details.append(list);
  return details;
}

function lineText(line) {
  if (line.cookie) return "set-cookie: " + line.cookie.name + " (" + line.cookie.attributes.join(", ") + ")";
  return line.name ? line.name + ": " + line.value : line.text;
}

function stepText(step) {
  if (!step.to) return t("wire.noteStep", { lane: laneName(step.lane), text: step.text });
  const text = [step.title].concat(step.lines.map(lineText)).join(" — ");
  return t("wire.step", { from: laneName(step.from), to: laneName(step.to), text });
}
