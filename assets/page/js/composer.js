/* The composer: any request the visitor can think of, sent from this page, judged like the
 * cards' requests. Its presets are data; a permalink fills the form the same way. The policy
 * editor (editor.js) sends the same form's request, to the answer the visitor wrote.
 *
 * Only the page's own mistakes are refused here (a path off the API origin, a header line
 * without a colon). Everything fetch() itself rejects is sent to fetch(), because seeing
 * that rejection is part of the lesson. */

import { isApiPath } from "./api.js";
import { byId, makeEl } from "./dom.js";
import { t } from "./i18n.js";
import { noticeEl, resultsEl, showNotice } from "./card-view.js";

const CARD = { id: "composer" };
const FIELDS = { path: "composer-path", method: "composer-method", headers: "composer-headers", body: "composer-body", credentials: "composer-credentials", mode: "composer-mode" };
const DEFAULTS = { path: "/api/hello/", method: "GET", headers: "", body: "", credentials: "same-origin", mode: "cors" };

/* Presets fill the form; sending stays a separate, deliberate step. Each one shows one
 * rule: an unsafe method or header, method case, no-cors, a request that never leaves,
 * a simple POST that reaches a server without CORS, and the 128-byte value limit. */
const PRESETS = {
  propfind: { method: "PROPFIND" },
  "x-custom": { headers: "X-Custom: hello" },
  "patch-lowercase": { path: "/api/users/", method: "patch", headers: "Content-Type: application/json", body: "{}" },
  "no-cors": { path: "/without-cors/api/hello/", mode: "no-cors" },
  "put-no-cors": { path: "/api/users/", method: "PUT", mode: "no-cors" },
  "text-plain": { path: "/without-cors/api/users/", method: "POST", headers: "Content-Type: text/plain", body: '{"username": "text-plain-demo"}' },
  "accept-long": { headers: "Accept: application/json, " + "text/plain;q=0.9, ".repeat(6) + "*/*;q=0.1" },
  "json-without-cors": {
    path: "/without-cors/api/users/", method: "POST", headers: "Content-Type: application/json",
    body: '{"username": "json-demo", "email": "json-demo@example.com"}',
  },
};

/** Wire the static form up: presets, the path suggestions from the route table (`paths`),
 *  its notice and results. Returns the composer's experiment. */
export function mountComposer(paths) {
  const presets = byId("composer-presets");
  for (const name of Object.keys(PRESETS)) {
    const button = makeEl("button", "composer-preset secondary");
    button.type = "button";
    button.dataset.preset = name;
    button.dataset.i18n = "preset." + name;
    button.textContent = t("preset." + name);
    button.addEventListener("click", () => {
      fill(PRESETS[name]);
      showNotice(CARD.id, "composer.filled", { name: t("preset." + name) });
    });
    presets.append(button);
  }
  const list = byId("composer-paths");
  for (const path of paths) list.append(option(path));
  const form = byId("composer-form");
  form.addEventListener("submit", (event) => event.preventDefault());
  form.after(noticeEl(CARD.id), resultsEl(CARD.id));
  return { key: "composer", card: CARD, build, notes, open: fill };
}

function option(value) {
  const el = makeEl("option");
  el.value = value;
  return el;
}

/** Put `values` into the form, everything not given back to its default. */
export function fill(values) {
  for (const [name, id] of Object.entries(FIELDS)) byId(id).value = name in values ? values[name] : DEFAULTS[name];
  setInvalid(null);
}

function build() {
  setInvalid(null);
  const path = byId(FIELDS.path).value.trim();
  if (!isApiPath(path)) return refuse(FIELDS.path, "composer.pathInvalid");
  if (/[?&]lab=/.test(path.split("#")[0])) return refuse(FIELDS.path, "composer.pathLab");
  const headers = parseHeaderLines(byId(FIELDS.headers).value);
  if (headers.error) return refuse(FIELDS.headers, "composer.headerLine", headers.error);
  const method = byId(FIELDS.method).value.trim() || "GET";
  const bodyText = byId(FIELDS.body).value;
  const bodyAllowed = !["GET", "HEAD"].includes(method.toUpperCase());
  return {
    method,
    path,
    credentials: byId(FIELDS.credentials).value,
    mode: byId(FIELDS.mode).value,
    headers: headers.pairs,
    body: bodyText !== "" && bodyAllowed ? bodyText : undefined,
    bodyIgnored: bodyText !== "" && !bodyAllowed,
  };
}

/** "Name: value" lines → [[name, value]] (blank lines skipped), or the first bad line. */
function parseHeaderLines(text) {
  const pairs = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return { error: { n: i + 1, line: line.trim() } };
    pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { pairs };
}

/** A page-side refusal: mark the field, say why (role=status), and go there to fix it. */
function refuse(fieldId, key, vars) {
  setInvalid(fieldId);
  showNotice(CARD.id, key, vars);
  byId(fieldId).focus();
  return null;
}

function setInvalid(fieldId) {
  for (const id of [FIELDS.path, FIELDS.headers]) {
    if (id === fieldId) byId(id).setAttribute("aria-invalid", "true");
    else byId(id).removeAttribute("aria-invalid");
  }
}

function notes(record) {
  const req = record.request;
  const out = [];
  if (req.wireMethod !== req.method) out.push(["note.methodUppercased", { typed: req.method, sent: req.wireMethod }]);
  else if (req.method !== req.method.toUpperCase()) out.push(["note.methodKept", { typed: req.method }]);
  if (req.bodyIgnored) out.push(["note.bodyIgnored"]);
  if (record.outcome === "opaque") out.push(["note.opaque"]);
  return out;
}
