/* Reading the server's log entries: what one run's exchanges say, as the engine judged
 * them. The page decides nothing here; it only looks the server's answers up. */

/** "preflight" or "request"; exchanges not made by a browser count as requests. */
export function exchangeKind(exchange) {
  return exchange.browser && exchange.browser.kind === "preflight" ? "preflight" : "request";
}

export function verdictOf(exchange) {
  return (exchange && exchange.browser && exchange.browser.verdict) || {};
}

/** The first value of a logged header (names are lower-case), or null. */
export function headerValue(pairs, name) {
  const pair = (pairs || []).find((p) => p[0] === name);
  return pair ? pair[1] : null;
}

export function requestHeader(exchange, name) {
  return headerValue(exchange.request_headers, name);
}

export function responseHeader(exchange, name) {
  return headerValue(exchange.response_headers, name);
}

const OUTCOMES = { pass: "pass", blocked: "blocked", awaiting_response: "awaiting" };

/**
 * What the server's log says about one run: its preflight and request exchanges, the
 * verdict (on the request, or on the preflight when the request never came), and the
 * values of the DOM contract: outcome pass|blocked|awaiting|unknown, preflight
 * sent|cache|none.
 */
export function summarizeWire(exchanges) {
  const preflight = exchanges.filter((e) => exchangeKind(e) === "preflight").pop() || null;
  const request = exchanges.filter((e) => exchangeKind(e) === "request").pop() || null;
  const judged = request || preflight;
  const verdict = judged && judged.browser ? judged.browser.verdict : null;
  const view = request && request.browser ? request.browser : null;
  const fromCache = view ? view.from_cache : null;
  return {
    exchanges,
    preflight,
    request,
    verdict,
    need: view ? view.preflight_need : null,
    fromCache,
    outcome: OUTCOMES[verdict && verdict.outcome] || "unknown",
    preflightUse: preflight ? "sent" : fromCache ? "cache" : "none",
  };
}

/** The origin of the page that made the run's fetch, as the log says (an attacker's page
 *  for an attack's requests), or null. */
export function pageOriginOf(wire) {
  const judged = wire.request || wire.preflight;
  return (judged && judged.browser && judged.browser.page_origin) || null;
}

/** Whether another page than this one made the fetch (an attack's): its block is a
 *  defence, not something to fix. */
export function fromAnotherPage(wire) {
  const origin = pageOriginOf(wire);
  return origin !== null && origin !== window.location.origin;
}

/** `sessionid=… (32 chars); HttpOnly; Max-Age=1209600; Path=/` as the log shows a
 *  Set-Cookie → { name, attributes: ["HttpOnly", "Max-Age=1209600", …] }, for drawing. */
export function setCookieParts(value) {
  const [pair, ...attributes] = value.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  return { name: eq < 0 ? pair : pair.slice(0, eq), attributes: attributes.filter((a) => a && !/^expires=/i.test(a)) };
}

/** The names an Access-Control-Expose-Headers value lists, lower-cased. */
export function listedNames(value) {
  return (value || "").split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
}

const STATUS_TEXT = {
  200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect",
  308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 408: "Request Timeout", 413: "Payload Too Large", 415: "Unsupported Media Type",
  429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};

/** "403 Forbidden": the reason phrase as given, or the standard one (HTTP/1.1 fetch() and the
 *  log both may leave it out). */
export function statusLine(status, given) {
  return (status + " " + (given || STATUS_TEXT[status] || "")).trim();
}
