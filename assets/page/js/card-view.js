/* Drawing the experiment cards from their data (cards.js) and the API's route table
 * (GET /endpoints.json), the table of contents with each card's progress, and the cards'
 * notices.
 *
 * Ids are what tests and links use: #card-<card>, #<key>-btn (data-experiment=<key>),
 * #results-<card>, #<card>-notice, and each field's own id. */

import { byId, makeEl } from "./dom.js";
import { setRichText, t } from "./i18n.js";

const notices = new Map(); // card id → { key, vars } | null
const tocEntries = []; // { id, keys, progress }

/** The cards, drawn into `container`, checked against `routes` (path → route, or null when
 *  the table is unknown); returns the experiments by key, each knowing its card. */
export function renderCards(cards, routes, container) {
  const experiments = new Map();
  for (const card of cards) {
    container.append(renderCard(card, routes));
    for (const experiment of card.experiments) experiments.set(experiment.key, Object.assign({ card }, experiment));
  }
  return experiments;
}

function renderCard(card, routes) {
  const section = makeEl("section", "card");
  section.id = "card-" + card.id;
  section.setAttribute("aria-labelledby", card.id + "-title");
  const title = makeEl("h2");
  title.id = card.id + "-title";
  title.dataset.i18n = card.title;
  const explain = makeEl("div", "explain");
  for (const key of card.paragraphs) explain.append(i18nEl("p", null, key));
  section.append(title, explain);
  if (card.fields && card.fields.length) section.append(renderFields(card));

  const main = makeEl("div", "controls");
  const extra = makeEl("div", "controls controls-extra");
  for (const experiment of card.experiments) {
    const button = renderButton(experiment, routes);
    if (!experiment.extra) {
      main.append(button);
      continue;
    }
    const hint = i18nEl("p", "hint", experiment.hint);
    hint.id = experiment.key + "-hint";
    button.setAttribute("aria-describedby", hint.id);
    extra.append(button, hint);
  }
  section.append(main);
  if (extra.children.length) section.append(extra);
  section.append(noticeEl(card.id), resultsEl(card.id));
  if (card.panels) section.append(...card.panels());
  return section;
}

/** The card's fields; in a <form> when they are credentials (password managers and
 *  assistive technology expect one; it never submits). */
function renderFields(card) {
  const wrap = makeEl(card.form ? "form" : "div", "fields");
  if (card.form) {
    wrap.id = card.id + "-form";
    wrap.noValidate = true;
    wrap.addEventListener("submit", (event) => event.preventDefault());
  }
  for (const field of card.fields) {
    const box = makeEl("div", "field");
    const label = i18nEl("label", null, field.label);
    label.htmlFor = field.id;
    const input = makeEl("input");
    input.id = field.id;
    input.type = field.type || "text";
    input.value = field.value || "";
    input.autocomplete = field.autocomplete || "off";
    input.setAttribute("autocapitalize", "none");
    input.spellcheck = false;
    if (field.maxlength) input.maxLength = field.maxlength;
    box.append(label, input);
    if (field.hint) {
      const hint = i18nEl("p", "hint", field.hint);
      hint.id = field.id + "-hint";
      input.setAttribute("aria-describedby", hint.id);
      box.append(hint);
    }
    wrap.append(box);
  }
  return wrap;
}

/** A button names what it does and the request it sends; what the endpoint requires comes
 *  from the route table. */
function renderButton(experiment, routes) {
  const button = makeEl("button", experiment.secondary ? "secondary" : null);
  button.type = "button";
  button.id = experiment.key + "-btn";
  button.dataset.experiment = experiment.key;
  // Without the table (it could not be loaded) there is nothing to check against.
  const route = routes ? routes.get(experiment.endpoint) : null;
  if (routes && (!route || !route.methods.includes(experiment.method))) {
    console.error("corslab: the API has no " + experiment.method + " " + experiment.endpoint + " for experiment " + experiment.key);
  }
  const request = makeEl("span", "btn-request", experiment.method + " " + (experiment.mount || "") + experiment.endpoint);
  if (route && route.auth !== "anyone") request.append(" · ", i18nEl("span", null, "auth." + route.auth));
  button.append(i18nEl("span", "btn-label", experiment.label), request);
  return button;
}

/** An element whose text is the dictionary's `key`, refilled on a language switch. */
export function i18nEl(tag, className, key) {
  const el = makeEl(tag, className);
  el.dataset.i18n = key;
  setRichText(el, t(key));
  return el;
}

/** A card's notice (role=status: read out when set) and its results. */
export function noticeEl(cardId) {
  const p = makeEl("p", "notice");
  p.id = cardId + "-notice";
  p.setAttribute("role", "status");
  p.setAttribute("aria-live", "polite");
  notices.set(cardId, null);
  return p;
}

export function resultsEl(cardId) {
  const div = makeEl("div", "results");
  div.id = "results-" + cardId;
  return div;
}

export function showNotice(cardId, key, vars) {
  if (!notices.has(cardId)) return;
  notices.set(cardId, key ? { key, vars } : null);
  renderNotice(cardId);
}

function renderNotice(cardId) {
  const notice = notices.get(cardId);
  setRichText(byId(cardId + "-notice"), notice ? t(notice.key, notice.vars) : "");
}

export function redrawNotices() {
  for (const cardId of notices.keys()) renderNotice(cardId);
}

/** Table of contents: one entry per section of `main`, with progress over `keys` (the
 *  experiments whose results count) where there are any. */
export function renderToc(nav, sections) {
  const title = makeEl("h2", "toc-title");
  title.id = "toc-title";
  title.dataset.i18n = "toc.title";
  nav.setAttribute("aria-labelledby", title.id);
  const list = makeEl("ol");
  for (const { id, titleKey, keys } of sections) {
    const li = makeEl("li");
    const link = makeEl("a");
    link.href = "#" + id;
    link.dataset.i18n = titleKey;
    li.append(link);
    const progress = keys.length ? makeEl("span", "progress") : null;
    if (progress) li.append(" ", progress);
    list.append(li);
    tocEntries.push({ keys, progress });
  }
  nav.append(title, list);
}

/** Mark progress: `done(key)` says whether an experiment has a result. */
export function updateToc(done) {
  for (const { keys, progress } of tocEntries) {
    if (!progress) continue;
    const n = keys.filter(done).length;
    progress.textContent = t("toc.progress", { done: n, total: keys.length });
    progress.dataset.done = String(n);
    progress.classList.toggle("complete", n === keys.length);
  }
}

