/* The policy editor: the visitor writes the API's answer, the preflight's and the actual
 * response's side by side, and sends the composer's request to it. The server keeps the
 * answer for this visitor only (PUT /policy?lab=<visitor>) and its CORS layer sends it at
 * /play/api/…, so what comes back is a real answer judged by the real browser; the result,
 * its diagram and its verdict are drawn like every other one.
 *
 * The presets (GET /policy/presets.json) each make Chromium report one CorsError. A result's
 * permalink carries the answer and the request (share.js); opening it sets the answer for
 * whoever opens it and sends the request again.
 *
 * Ids tests use: #editor-send (data-experiment="editor"), #editor-reset, #editor-request,
 * each control #editor-<side>-<field> (side preflight|actual; allow_origin has a kind
 * <select> and #editor-<side>-allow_origin-value), preset buttons [data-editor-preset]. */

import { VISITOR, getJson } from "./api.js";
import { byId, makeEl } from "./dom.js";
import { onLanguageChange, t } from "./i18n.js";
import { i18nEl, noticeEl, resultsEl, showNotice } from "./card-view.js";

const CARD = { id: "editor" };
const SIDES = ["preflight", "actual"];
/* The rows of the answer: a field of the server's AnswerSpec each; `header` is the name a
 * row sets (shown as code, never translated), `label` a text key for the others. */
const ROWS = [
  { field: "status", label: "editor.row.status", input: "status" },
  { field: "allow_origin", header: "Access-Control-Allow-Origin", input: "origin" },
  { field: "allow_credentials", header: "Access-Control-Allow-Credentials" },
  { field: "allow_methods", header: "Access-Control-Allow-Methods" },
  { field: "allow_headers", header: "Access-Control-Allow-Headers" },
  { field: "expose_headers", header: "Access-Control-Expose-Headers" },
  { field: "max_age", header: "Access-Control-Max-Age" },
  { field: "vary", header: "Vary" },
  { field: "location", header: "Location" },
  { field: "location_userinfo", label: "editor.row.userinfo" },
];
const ORIGIN_KINDS = ["none", "star", "echo", "fixed", "several"];

let mount = "/play";
let presets = [];
let composer = null;
/** The answer the last send saved, for its record (and so its permalink). */
let saved = null;

function controlId(side, field) {
  return "editor-" + side + "-" + field;
}

/** Draw the section, load the presets and the answer this visitor already has; returns the
 *  editor's experiment. `composerExp` is the composer's, whose request it sends. */
export async function mountEditor(composerExp) {
  composer = composerExp;
  const [listing, current] = await Promise.all([getJson("/policy/presets.json"), getJson("/policy?lab=" + encodeURIComponent(VISITOR))]);
  if (listing) {
    mount = listing.mount;
    presets = listing.presets;
  }
  const root = byId("editor");
  root.append(renderPresets(), renderAnswers(), renderRequest(), renderButtons(), noticeEl(CARD.id), resultsEl(CARD.id));
  fillAnswers(current && current.policy ? current.policy : articlePolicy());
  // The composer's form is the request: keep its summary here current.
  for (const id of ["composer-form", "composer-presets"]) {
    for (const type of ["input", "change", "click"]) byId(id).addEventListener(type, renderRequestLine);
  }
  onLanguageChange(redraw);
  redraw();
  return { key: "editor", card: CARD, build, after, notes: composer.notes, open };
}

function articlePolicy() {
  const article = presets.find((p) => p.id === "article");
  return article ? article.policy : {};
}

function renderPresets() {
  const box = makeEl("div", "presets editor-presets");
  const groups = [
    ["editor.presets.actual", presets.filter((p) => p.error && !/Preflight/.test(p.error))],
    ["editor.presets.preflight", presets.filter((p) => p.error && /Preflight/.test(p.error))],
  ];
  for (const [titleKey, list] of groups) {
    const group = makeEl("div", "editor-preset-group");
    group.setAttribute("role", "group");
    const label = i18nEl("p", "presets-label", titleKey);
    label.id = titleKey.replace(/\./g, "-");
    group.setAttribute("aria-labelledby", label.id);
    const buttons = makeEl("div", "controls");
    for (const preset of list) buttons.append(presetButton(preset));
    group.append(label, buttons);
    box.append(group);
  }
  return box;
}

function presetButton(preset) {
  const button = makeEl("button", "secondary editor-preset");
  button.type = "button";
  button.dataset.editorPreset = preset.id;
  button.append(i18nEl("span", "btn-label", "editor.preset." + preset.id), makeEl("span", "btn-request", preset.error));
  button.addEventListener("click", () => {
    usePreset(preset);
    showNotice(CARD.id, "editor.filled", { name: t("editor.preset." + preset.id) });
  });
  return button;
}

function usePreset(preset) {
  fillAnswers(preset.policy);
  composer.open(preset.request);
  renderRequestLine();
}

/* A table: one row per header, one column per answer, so the two answers read side by side.
 * Each control is named by its column and row headers (aria-labelledby), in either language. */
function renderAnswers() {
  const wrap = makeEl("div", "editor-answers");
  const table = makeEl("table", "editor-table");
  const head = makeEl("tr");
  for (const [id, key] of [["editor-col-header", "editor.col.header"], ["editor-col-preflight", "editor.col.preflight"], ["editor-col-actual", "editor.col.actual"]]) {
    const th = i18nEl("th", null, key);
    th.scope = "col";
    th.id = id;
    head.append(th);
  }
  const thead = makeEl("thead");
  thead.append(head);
  const tbody = makeEl("tbody");
  for (const row of ROWS) tbody.append(renderRow(row));
  table.append(i18nEl("caption", "visually-hidden", "editor.caption"), thead, tbody);
  wrap.append(table, i18nEl("p", "hint", "editor.hint"));
  return wrap;
}

function renderRow(row) {
  const tr = makeEl("tr");
  const th = row.header ? makeEl("th") : i18nEl("th", null, row.label);
  th.scope = "row";
  th.id = "editor-row-" + row.field;
  if (row.header) {
    th.append(makeEl("code", null, row.header));
    th.lang = "en";
  }
  tr.append(th);
  for (const side of SIDES) {
    const td = makeEl("td");
    td.dataset.side = side;
    td.append(...controls(row, side));
    tr.append(td);
  }
  return tr;
}

function controls(row, side) {
  const id = controlId(side, row.field);
  const labelledBy = "editor-col-" + side + " editor-row-" + row.field;
  if (row.input === "origin") {
    const select = makeEl("select");
    select.id = id;
    select.setAttribute("aria-labelledby", labelledBy);
    for (const kind of ORIGIN_KINDS) {
      const option = i18nEl("option", null, "editor.origin." + kind);
      option.value = kind;
      select.append(option);
    }
    const value = makeEl("textarea");
    value.id = id + "-value";
    value.rows = 2;
    value.spellcheck = false;
    value.autocomplete = "off";
    value.setAttribute("autocapitalize", "none");
    const valueLabel = i18nEl("span", "visually-hidden", "editor.originValue");
    valueLabel.id = id + "-value-label";
    value.setAttribute("aria-labelledby", labelledBy + " " + valueLabel.id);
    select.addEventListener("change", () => showOriginValue(side));
    return [select, valueLabel, value];
  }
  const input = makeEl("input");
  input.id = id;
  input.type = "text";
  input.spellcheck = false;
  input.autocomplete = "off";
  input.setAttribute("autocapitalize", "none");
  if (row.input === "status") input.inputMode = "numeric";
  input.setAttribute("aria-labelledby", labelledBy);
  return [input];
}

/** The value box only where the kind takes a value; several values go one per line. */
function showOriginValue(side) {
  const kind = byId(controlId(side, "allow_origin")).value;
  const value = byId(controlId(side, "allow_origin") + "-value");
  value.hidden = kind !== "fixed" && kind !== "several";
  value.rows = kind === "several" ? 3 : 2;
}

function renderRequest() {
  const box = makeEl("div", "editor-request");
  const title = i18nEl("h3", null, "editor.requestTitle");
  const line = makeEl("p", "editor-request-line");
  line.id = "editor-request";
  box.append(title, line);
  return box;
}

/* The composer's request, as this section will send it, and the way back to change it. */
function renderRequestLine() {
  const line = byId("editor-request");
  const get = (id) => byId(id).value;
  const headers = get("composer-headers").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const path = get("composer-path").trim();
  const request = (get("composer-method").trim() || "GET") + " " + (editorPath(path) || path);
  const parts = [makeEl("code", null, request), " · credentials ", makeEl("code", null, get("composer-credentials")), " · mode ", makeEl("code", null, get("composer-mode"))];
  if (headers.length) parts.push(" · ", makeEl("code", null, headers.join(", ")));
  const link = makeEl("a", null, t("editor.editRequest"));
  link.href = "#card-composer";
  line.replaceChildren(...parts, " ", link);
}

function renderButtons() {
  const controls = makeEl("div", "controls");
  const send = i18nEl("button", null, "editor.send");
  send.type = "button";
  send.id = "editor-send";
  send.dataset.experiment = "editor";
  const reset = i18nEl("button", "secondary", "editor.reset");
  reset.type = "button";
  reset.id = "editor-reset";
  reset.addEventListener("click", () => clearAnswer());
  controls.append(send, reset);
  return controls;
}

function redraw() {
  for (const side of SIDES) {
    byId(controlId(side, "status")).placeholder = side === "preflight" ? "200" : t("editor.statusEndpoint");
    byId(controlId(side, "location")).placeholder = mount + "/api/hello/";
    byId(controlId(side, "location_userinfo")).placeholder = "user:pass";
  }
  renderRequestLine();
}

/** The form ← an answer as the server keeps it (AnswerSpec per side). */
function fillAnswers(policy) {
  for (const side of SIDES) {
    const answer = (policy && policy[side]) || {};
    for (const row of ROWS) {
      const id = controlId(side, row.field);
      if (row.input === "origin") {
        const origin = answer.allow_origin || { kind: "none" };
        byId(id).value = ORIGIN_KINDS.includes(origin.kind) ? origin.kind : "none";
        byId(id + "-value").value = Array.isArray(origin.value) ? origin.value.join("\n") : origin.value || "";
        showOriginValue(side);
      } else {
        byId(id).value = answer[row.field] === undefined || answer[row.field] === null ? "" : String(answer[row.field]);
      }
    }
  }
  markInvalid(null);
}

/** The form → an answer: an empty field is a header not sent. A status that is not a
 *  number goes as typed, for the server to say what is wrong with it. */
function readAnswers() {
  const policy = {};
  for (const side of SIDES) {
    const answer = {};
    for (const row of ROWS) {
      const id = controlId(side, row.field);
      if (row.input === "origin") {
        const kind = byId(id).value;
        const text = byId(id + "-value").value;
        if (kind === "fixed") answer.allow_origin = { kind, value: text };
        else if (kind === "several") answer.allow_origin = { kind, value: text.split(/\r?\n/).filter((v) => v !== "") };
        else if (kind !== "none") answer.allow_origin = { kind };
        continue;
      }
      const value = byId(id).value;
      if (value === "") continue;
      answer[row.field] = row.input === "status" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    }
    policy[side] = answer;
  }
  return policy;
}

/** The composer's request, once the answer it goes to is saved; null (with a notice) when
 *  either cannot be. */
async function build(cx) {
  const request = composer.build(cx);
  if (!request) return null;
  const path = editorPath(request.path);
  if (!path) {
    cx.notice("editor.pathOffMount", { mount, path: request.path });
    return null;
  }
  const answer = await savePolicy(readAnswers());
  if (!answer.ok) {
    refuse(answer);
    return null;
  }
  saved = answer.policy;
  return Object.assign(request, { path });
}

/** Where the request goes: a path of the editor's mount as it is, one of the default
 *  mount's (`/api/…`) at the same endpoint of the editor's; others (another mount's) null. */
function editorPath(path) {
  if (path.startsWith(mount + "/")) return path;
  return path.startsWith("/api/") ? mount + path : null;
}

function after(record) {
  record.request.policy = saved;
}

/** A permalink's fields: the request into the composer, the answer into the form. */
function open(fields) {
  composer.open(fields);
  let policy = null;
  try {
    policy = JSON.parse(fields.policy || "null");
  } catch (_) {
    policy = null;
  }
  fillAnswers(policy && typeof policy === "object" ? policy : articlePolicy());
  if (!policy) showNotice(CARD.id, "editor.badLink");
  renderRequestLine();
}

/** PUT the answer; { ok, policy } as the server kept it, or { ok: false, status, body }. */
async function savePolicy(policy) {
  try {
    const res = await fetch("/policy?lab=" + encodeURIComponent(VISITOR), {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(policy),
    });
    const body = await res.json().catch(() => null);
    return res.ok && body ? { ok: true, policy: body.policy } : { ok: false, status: res.status, body };
  } catch (_) {
    return { ok: false, status: 0, body: null };
  }
}

/** The server's refusal, said beside the button, and the field it names marked and focused. */
function refuse(answer) {
  const body = answer.body;
  if (!body || typeof body.detail !== "string") {
    showNotice(CARD.id, "editor.unreachable");
    return;
  }
  showNotice(CARD.id, "editor.refused", { detail: body.detail });
  const el = body.field ? controlOf(body.field) : null;
  markInvalid(el);
  if (el) el.focus();
}

/** The control of a field the server named: `actual.allow_origin.value[1]` → its value box. */
function controlOf(field) {
  const [side, name, rest] = field.split(".");
  if (!SIDES.includes(side) || !ROWS.some((r) => r.field === name)) return null;
  return byId(controlId(side, name) + (name === "allow_origin" && rest && rest.startsWith("value") ? "-value" : ""));
}

function markInvalid(el) {
  for (const other of byId("editor").querySelectorAll("[aria-invalid]")) other.removeAttribute("aria-invalid");
  if (el) el.setAttribute("aria-invalid", "true");
}

/** Back to the article's answer, on the server too. */
async function clearAnswer() {
  fillAnswers(articlePolicy());
  try {
    const res = await fetch("/policy?lab=" + encodeURIComponent(VISITOR), { method: "DELETE" });
    showNotice(CARD.id, res.ok ? "editor.cleared" : "editor.unreachable", { mount });
  } catch (_) {
    showNotice(CARD.id, "editor.unreachable");
  }
}
