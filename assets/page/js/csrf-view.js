/* The cookie card's CSRF state and panels: the masked tokens the page has received (in
 * memory), `document.cookie` as this page sees it, and each token taken apart.
 *
 * Taking a token apart is Django's rule, so the page does not do it: POST /csrf/explain
 * (on the page origin) returns the mask, the cipher and the secret as the server's own CSRF
 * code reads them, and whether Django's check would accept the token with the cookie the
 * page can see, with Django's reason when not. */

import { postJson } from "./api.js";
import { addDef, makeEl, panelEl } from "./dom.js";
import { formatTime, richEl, t } from "./i18n.js";
import { updateScrollableFocus } from "./result-view.js";

const HISTORY_MAX = 6;
const state = {
  current: null, // the masked token sent as X-CSRFToken
  stale: null, // the token in use right before the last successful login
  history: [], // { at, source, token }, newest first
};
/** token + "\n" + cookie → the server's explanation (or the pending request for it). */
const explained = new Map();
let panels = null;

export function currentToken() {
  return state.current;
}

export function staleToken() {
  return state.stale;
}

/** A token received from `source` (a dictionary key) becomes the one in use; resolves once
 *  the panels show it taken apart. */
export function rememberToken(token, source) {
  state.current = token;
  state.history.unshift({ at: new Date(), source, token });
  state.history.length = Math.min(state.history.length, HISTORY_MAX);
  return refreshCookiePanels();
}

/* Login rotated the secret: the token sent with it is now stale (kept for the demo button)
 * and the one in the response is the only one that works from now on. */
export function rememberLogin(sentToken, newToken, source) {
  state.stale = sentToken || null;
  return rememberToken(newToken, source);
}

/** The first cookie of that name visible to this page, or null. */
function readCookie(name) {
  for (const pair of document.cookie ? document.cookie.split(";") : []) {
    const eq = pair.indexOf("=");
    if (eq >= 0 && pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return null;
}

function cacheKey(token) {
  return token + "\n" + (readCookie("csrftoken") || "");
}

/** Ask the server about every token shown that it has not explained for the current cookie
 *  (a login changes the cookie), then redraw both panels. */
export async function refreshCookiePanels() {
  const tokens = new Set(state.history.map((e) => e.token).concat(state.stale ? [state.stale] : []));
  const pending = [];
  for (const token of tokens) {
    const key = cacheKey(token);
    if (!explained.has(key)) explained.set(key, postJson("/csrf/explain", { token, cookie: readCookie("csrftoken") }));
    // false: the server could not be asked; the panel says so instead of waiting.
    pending.push(Promise.resolve(explained.get(key)).then((answer) => explained.set(key, answer || false)));
  }
  await Promise.all(pending);
  renderCookiePanels();
}

/** The server's explanation of `token`, false if it could not be had, null while pending. */
function explanation(token) {
  const answer = explained.get(cacheKey(token));
  return answer instanceof Promise || answer === undefined ? null : answer;
}

/** The two panels (#document-cookie-panel, #csrf-compare), drawn by renderCookiePanels(). */
export function cookiePanels() {
  const cookiePanel = panelEl("document-cookie-panel", "cookie.docCookieTitle");
  const pre = makeEl("pre", "mono");
  pre.id = "document-cookie";
  cookiePanel.append(pre);
  for (const key of ["cookie.docCookieWhy", "cookie.docCookieHosts"]) {
    const note = makeEl("p", "panel-note");
    note.dataset.i18n = key;
    cookiePanel.append(note);
  }
  const compare = panelEl("csrf-compare", "csrf.title");
  compare.append(makeEl("div", "panel-body"));
  panels = { cookie: pre, compare: compare.querySelector(".panel-body") };
  return [cookiePanel, compare];
}

export function renderCookiePanels() {
  if (!panels) return;
  const value = document.cookie;
  panels.cookie.textContent = value === "" ? t("cookie.docCookieEmpty") : value;
  panels.cookie.classList.toggle("muted", value === "");
  renderCompare(panels.compare);
}

function renderCompare(body) {
  const token = state.current;
  if (!token) {
    body.replaceChildren(makeEl("p", "muted", t("csrf.none")));
    return;
  }
  const answer = explanation(token);
  const dl = makeEl("dl", "csrf-grid");
  const masked = makeEl("div", "csrf-token mono");
  if (answer && answer.mask) {
    masked.append(half("csrf-mask", "csrf.mask", answer.mask), half("csrf-cipher", "csrf.cipher", answer.cipher));
  } else {
    masked.append(makeEl("span", "token-half-value", token));
  }
  const maskedDd = makeEl("div");
  maskedDd.append(masked, richEl("p", "small", "csrf.inUse"));
  addDef(dl, richEl("span", null, "csrf.masked"), maskedDd);
  addDef(dl, richEl("span", null, "csrf.cookie"),
    makeEl("span", "mono csrf-cookie-secret", (answer && answer.cookie_secret) || readCookie("csrftoken") || t("csrf.noCookie")));

  const result = makeEl("div");
  result.append(richEl("p", "small", "csrf.formula"));
  result.append(makeEl("span", "mono csrf-unmasked", (answer && answer.secret) || "—"), " ");
  const passes = Boolean(answer && answer.check.passes);
  const word = answer === false ? "csrf.explainFailed" : !answer ? "csrf.pending" : passes ? "csrf.match" : "csrf.mismatch";
  const verdict = makeEl("span", "verdict " + (passes ? "verdict-ok" : "verdict-bad"), t(word));
  verdict.dataset.match = String(passes);
  result.append(verdict);
  if (answer && answer.check.reason) result.append(richEl("p", "small", "csrf.reason", { reason: answer.check.reason }));
  addDef(dl, richEl("span", null, "csrf.unmasked"), result);

  if (state.stale) addDef(dl, richEl("span", null, "csrf.stale"), makeEl("span", "mono small", state.stale));
  body.replaceChildren(dl, history());
  updateScrollableFocus(body);
}

function half(className, labelKey, text) {
  const wrap = makeEl("span", "token-half " + className);
  wrap.append(makeEl("span", "token-half-label", t(labelKey)), makeEl("span", "token-half-value", text));
  return wrap;
}

function history() {
  const wrap = makeEl("div", "csrf-history");
  wrap.append(makeEl("h4", null, t("csrf.historyTitle")), makeEl("p", "small", t("csrf.historyNote")));
  const scroller = makeEl("div", "table-scroll");
  const table = makeEl("table", "mono small");
  const head = makeEl("tr");
  for (const key of ["csrf.colTime", "csrf.colSource", "csrf.colToken", "csrf.colSecret"]) {
    const th = makeEl("th", null, t(key));
    th.scope = "col";
    head.append(th);
  }
  const thead = makeEl("thead");
  thead.append(head);
  const tbody = makeEl("tbody");
  for (const entry of state.history) {
    const answer = explanation(entry.token);
    const tr = makeEl("tr");
    tr.append(
      makeEl("td", null, formatTime(entry.at)),
      makeEl("td", null, t(entry.source)),
      makeEl("td", "token-cell", entry.token),
      makeEl("td", "token-cell", (answer && answer.secret) || "—"),
    );
    tbody.append(tr);
  }
  table.append(thead, tbody);
  scroller.append(table);
  wrap.append(scroller);
  return wrap;
}
