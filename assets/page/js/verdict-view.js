/* The browser's CORS verdict as the server's engine computed it, and the two facts every
 * result opens with: what HTTP answered, and whether CORS lets JavaScript read it. A 403 the
 * script may read is a CORS success and an HTTP failure; the page never folds the two into
 * one "passed".
 *
 * The verdict box's attributes are the DOM contract for tests: data-verdict (pass|blocked|
 * awaiting|unknown), data-cors-error, data-preflight (sent|cache|none), data-exchanges.
 * Texts from the server come as {en, ja} and may mark code with `backticks`. */

import { addDef, makeEl } from "./dom.js";
import { formatTime, hasMessage, pickText, richEl, richText, t } from "./i18n.js";
import { fromAnotherPage, requestHeader, statusLine } from "./wire.js";

/** The machine code of a JSON error body ({"code": "csrf_failed"}), or null. */
export function errorCode(record) {
  const body = record.response && record.response.json;
  return body && typeof body === "object" && typeof body.code === "string" ? body.code : null;
}

/** Fact one: the HTTP outcome, from the response JavaScript read or, when it read none,
 *  from the server's log. { tone, text } */
function httpFact(record, wire) {
  const res = record.response;
  if (res && record.outcome !== "opaque") {
    const code = errorCode(record);
    const text = statusLine(res.status, res.statusText) + (code ? " · " + code : "");
    return { tone: res.status >= 200 && res.status < 300 ? "ok" : "http-error", text };
  }
  if (wire.request) return { tone: "hidden", text: t("fact.httpHidden", { status: statusLine(wire.request.status) }) };
  if (wire.preflight) return { tone: "hidden", text: t("fact.httpPreflightOnly", { status: statusLine(wire.preflight.status) }) };
  return { tone: "none", text: t(record.notSent ? "fact.httpNotSent" : "fact.httpNone") };
}

/** Fact two: what CORS let the script have. { tone, text } */
function corsFact(record, wire) {
  if (record.notSent) return { tone: "none", text: t("fact.corsNotSent") };
  if (wire.outcome === "pass") {
    const opaque = wire.verdict.js && wire.verdict.js.response_type === "opaque";
    return opaque ? { tone: "opaque", text: t("fact.corsOpaque") } : { tone: "ok", text: t("fact.corsReadable") };
  }
  if (wire.outcome === "blocked") {
    return { tone: "blocked", text: wire.verdict.cors_error ? t("fact.corsBlocked", { error: wire.verdict.cors_error }) : t("fact.corsBlockedNoName") };
  }
  return { tone: "none", text: t("fact." + (wire.outcome === "awaiting" ? "corsAwaiting" : "corsUnknown")) };
}

/** The two facts, labelled, side by side. */
export function renderFacts(record, wire) {
  const box = makeEl("span", "facts");
  for (const [label, fact, name] of [["fact.http", httpFact(record, wire), "http"], ["fact.cors", corsFact(record, wire), "cors"]]) {
    const el = makeEl("span", "fact fact-" + name + " tone-" + fact.tone);
    el.append(makeEl("span", "fact-label", t(label)), " ", makeEl("span", "fact-value", fact.text));
    box.append(el);
  }
  return box;
}

export function renderVerdict(record, wire) {
  const box = makeEl("div", "verdict cors-verdict verdict-" + wire.outcome);
  box.dataset.verdict = wire.outcome;
  box.dataset.corsError = (wire.outcome === "blocked" && wire.verdict.cors_error) || "";
  box.dataset.preflight = wire.preflightUse;
  box.dataset.exchanges = String(wire.exchanges.length);

  box.append(makeEl("h4", "verdict-title", t("verdict.title")));
  box.append(makeEl("p", "verdict-outcome", t(outcomeKey(wire))));
  const reason = unknownReason(record, wire);
  if (reason) box.append(richEl("p", null, reason.key, reason.vars));
  if (contradicts(record, wire)) box.append(richEl("p", "note verdict-mismatch", "verdict.mismatch"));

  const dl = makeEl("dl", "verdict-details");
  // The fix says how to make the fetch work: for another page's (an attacker's), the block is
  // the defence.
  if (wire.outcome === "blocked") addBlockedDetails(dl, wire.verdict, !fromAnotherPage(wire));
  if (wire.outcome === "pass") addPassDetails(dl, wire.verdict);
  const preflight = preflightNeed(wire);
  if (preflight) addDef(dl, t("verdict.preflight"), preflight);
  if (dl.children.length) box.append(dl);

  for (const text of standardDiffers(wire)) {
    box.append(richEl("p", "note standard-differs", "verdict.standardDiffers", { text: pickText(text) }));
  }
  box.append(exchangeList(wire), makeEl("p", "small muted", t("verdict.source")));
  return box;
}

function outcomeKey(wire) {
  if (wire.outcome === "pass") return wire.verdict.js && wire.verdict.js.response_type === "opaque" ? "verdict.passOpaque" : "verdict.pass";
  return "verdict." + wire.outcome;
}

/** Why there is no verdict, most specific first; null when there is one. */
function unknownReason(record, wire) {
  if (wire.outcome !== "unknown") return null;
  const verdict = wire.verdict;
  if (record.notSent) return { key: "verdict.unknownNotSent" };
  if (verdict && verdict.outcome === "redirect") return { key: "verdict.redirect", vars: { location: verdict.location + " " + pickText(verdict.note) } };
  if (verdict && verdict.outcome === "unmodeled") return { key: "verdict.unmodeled", vars: { reason: pickText(verdict.reason) } };
  if (wire.exchanges.length) return { key: "verdict.unknownBrowser" };
  if (record.feedState !== "open") return { key: "verdict.unknownFeed" };
  return { key: "verdict.unknownNoLog" };
}

/** The engine claims to match Chromium; if fetch() here disagrees, say so, don't hide it. */
function contradicts(record, wire) {
  if (wire.outcome === "pass") return !record.response;
  if (wire.outcome === "blocked") return Boolean(record.response);
  return false;
}

function addBlockedDetails(dl, verdict, withFix) {
  addDef(dl, richEl("span", null, "verdict.corsError"), verdict.cors_error
    ? makeEl("code", "cors-error", verdict.cors_error) : makeEl("span", "muted", t("verdict.noCorsError")));
  if (verdict.failed_parameter) addDef(dl, t("verdict.failedParameter"), makeEl("code", null, verdict.failed_parameter));
  if (verdict.stage) addDef(dl, t("verdict.stage"), makeEl("span", null, t("verdict.stage." + verdict.stage)));
  addDef(dl, t("verdict.jsError"), makeEl("code", null, verdict.js_error));
  addDef(dl, t("verdict.console"), verdict.console ? consoleLine(verdict.console) : makeEl("span", "muted", t("verdict.noConsole")));
  addDef(dl, t("verdict.why"), richText("span", null, pickText(verdict.explanation)));
  if (withFix) addDef(dl, t("verdict.fix"), richText("span", null, pickText(verdict.fix)));
}

/** Chromium's console line, verbatim; English whatever the page language (lang= lets a
 *  screen reader pronounce it as such). */
function consoleLine(text) {
  const pre = makeEl("pre", "console mono", text);
  pre.lang = "en";
  return pre;
}

function addPassDetails(dl, verdict) {
  if (!verdict.js) return;
  addDef(dl, t("verdict.jsView"), richEl("span", null, "verdict.jsViewValue", { type: verdict.js.response_type, status: verdict.js.status }));
  const names = verdict.js.readable_headers || [];
  addDef(dl, t("verdict.readable"), makeEl("span", "mono small", names.length ? names.join(", ") : t("verdict.readableNone")));
}

/** Why a preflight was needed (per header, with its rule), what it asked, and whether the
 *  cache answered. For a request that never came the log has only the preflight. */
function preflightNeed(wire) {
  const box = makeEl("div", "preflight-need");
  const need = wire.need;
  let asks = null;
  if (need) {
    box.append(hasMessage("verdict.because." + need.because) ? richEl("p", null, "verdict.because." + need.because) : makeEl("p", null, need.because));
    if (need.needed) box.append(unsafeList(need));
    asks = [["Access-Control-Request-Method", need.access_control_request_method],
      ["Access-Control-Request-Headers", need.access_control_request_headers]];
  } else if (wire.preflight) {
    box.append(richEl("p", null, "verdict.preflightSeen"));
    asks = [["Access-Control-Request-Method", requestHeader(wire.preflight, "access-control-request-method")],
      ["Access-Control-Request-Headers", requestHeader(wire.preflight, "access-control-request-headers")]];
  } else {
    return null;
  }
  const asked = asks.filter(([, value]) => value).map(([name, value]) => "`" + name + ": " + value + "`");
  if (asked.length && (!need || need.needed)) box.append(richEl("p", null, "verdict.asks", { headers: asked.join(", ") }));
  if (wire.fromCache) {
    box.append(wire.fromCache.until_ms
      ? richEl("p", null, "verdict.fromCache", { time: formatTime(new Date(wire.fromCache.until_ms)) })
      : richEl("p", null, "verdict.fromCacheNoTime"));
  }
  return box;
}

function unsafeList(need) {
  const list = makeEl("ul", "unsafe-list");
  if (need.unsafe_method) list.append(richEl("li", null, "verdict.unsafeMethod", { method: need.unsafe_method }));
  for (const header of need.unsafe_headers || []) {
    const rule = hasMessage("rule." + header.rule) ? t("rule." + header.rule, { bytes: need.safelisted_value_bytes }) : header.rule;
    list.append(richEl("li", null, "verdict.unsafeHeader", { name: header.name, rule }));
  }
  return list;
}

/** Chromium's departures from the standard, for the request and for its preflight rule. */
function standardDiffers(wire) {
  const texts = [];
  if (wire.verdict && wire.verdict.standard_differs) texts.push(wire.verdict.standard_differs);
  if (wire.need && wire.need.standard_differs) texts.push(wire.need.standard_differs);
  return texts;
}

function exchangeList(wire) {
  if (!wire.exchanges.length) return makeEl("p", "small muted", t("verdict.exchangesNone"));
  const ids = wire.exchanges.map((e) => e.method + " → " + e.status).join(", ");
  return makeEl("p", "small muted", t("verdict.exchanges", { ids }));
}
