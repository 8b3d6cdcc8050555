/* The JWT card's state and panel: the token pair the page holds (in memory only, never in
 * storage: that is the lesson of the card) and the current access token decoded.
 *
 * Decoding is base64url + JSON, what anyone holding the token can do; verifying the
 * signature is the server's, which is why the panel says it cannot. */

import { addDef, makeEl, panelEl, prettyJson } from "./dom.js";
import { formatDateTime, richText, t } from "./i18n.js";

const tokens = { access: null, refresh: null, source: null };
let panel = null;

export function accessToken() {
  return tokens.access;
}

export function refreshToken() {
  return tokens.refresh;
}

/** Keep the tokens of a successful /api/token/ or /api/token/refresh/ answer. simplejwt
 *  returns a new refresh token only when rotation is on; the old one is kept otherwise. */
export function rememberTokens(body, source) {
  if (!body || typeof body.access !== "string") return;
  tokens.access = body.access;
  if (typeof body.refresh === "string") tokens.refresh = body.refresh;
  tokens.source = source;
}

/** The panel's element (#jwt-decoded), drawn now and redrawn by renderJwtPanel(). */
export function jwtPanel() {
  panel = panelEl("jwt-decoded", "jwt.decodedTitle");
  panel.append(makeEl("div", "panel-body"));
  window.setInterval(tickCountdown, 1000);
  return panel;
}

export function renderJwtPanel() {
  if (!panel) return;
  const body = panel.querySelector(".panel-body");
  const token = tokens.access;
  if (!token) {
    body.replaceChildren(makeEl("p", "muted", t("jwt.none")));
    return;
  }
  const parts = token.split(".");
  const header = parts.length === 3 ? decodePart(parts[0]) : undefined;
  const payload = parts.length === 3 ? decodePart(parts[1]) : undefined;

  // The heading before it names it; a <p> may not carry a label of its own.
  const raw = makeEl("p", "jwt-raw mono");
  parts.forEach((part, i) => {
    if (i > 0) raw.append(makeEl("span", "jwt-dot", "."));
    raw.append(makeEl("span", "jwt-part jwt-part-" + i, part));
  });

  const nodes = [makeEl("p", "small muted", t("jwt.source", { source: t(tokens.source) })), makeEl("h4", null, t("jwt.raw")), raw];
  if (header === undefined || payload === undefined) {
    nodes.push(makeEl("p", "note", t("jwt.undecodable")));
    body.replaceChildren(...nodes);
    return;
  }
  const grid = makeEl("div", "jwt-grid");
  grid.append(block("jwt.header", "jwt-part-0", prettyJson(header)));
  const payloadBlock = block("jwt.payload", "jwt-part-1", prettyJson(payload));
  payloadBlock.append(times(payload));
  grid.append(payloadBlock);
  const sig = makeEl("div", "jwt-block jwt-part-2-block");
  sig.append(makeEl("h4", null, t("jwt.signature")), makeEl("p", "small", t("jwt.signatureNote")));
  grid.append(sig);
  nodes.push(grid);
  body.replaceChildren(...nodes);
}

function block(titleKey, partClass, text) {
  const el = makeEl("div", "jwt-block " + partClass + "-block");
  el.append(makeEl("h4", null, t(titleKey)), makeEl("pre", "mono small", text));
  return el;
}

function times(payload) {
  const dl = makeEl("dl", "jwt-times");
  for (const claim of ["iat", "exp"]) {
    if (typeof payload[claim] !== "number") continue;
    const dd = makeEl("span");
    dd.append(makeEl("span", "mono", String(payload[claim])), " → ", makeEl("time", null, formatDateTime(new Date(payload[claim] * 1000))));
    if (claim === "exp") {
      const remaining = makeEl("span", "jwt-remaining");
      remaining.dataset.exp = String(payload.exp);
      dd.append(" ", remaining);
      updateRemaining(remaining);
    }
    addDef(dl, richText("span", null, t("jwt." + claim)), dd);
  }
  return dl;
}

// Ticks once a second so "valid for another N s" reaches "expired" in front of the learner.
function updateRemaining(el) {
  const seconds = Math.round(Number(el.dataset.exp) - Date.now() / 1000);
  const text = "(" + t(seconds > 0 ? "jwt.remaining" : "jwt.expired", { s: seconds }) + ")";
  if (el.dataset.text !== text) {
    el.dataset.text = text;
    el.replaceChildren(richText("span", null, text));
  }
}

function tickCountdown() {
  if (panel) for (const el of panel.querySelectorAll(".jwt-remaining")) updateRemaining(el);
}

/** base64url → UTF-8 → JSON; undefined when any step fails (never throws). */
function decodePart(part) {
  try {
    let b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return json && typeof json === "object" ? json : undefined;
  } catch (_) {
    return undefined;
  }
}
