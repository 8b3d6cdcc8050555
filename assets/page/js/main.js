/* corslab's lab page: start-up and wiring. Plain ES modules, no framework, no build step;
 * served under a strict CSP (script-src 'self'), so nothing here is inline.
 *
 * The sections of the page, in order, each its own module registering its experiments with
 * the runner: the cards (cards.js data, drawn by card-view.js), the composer (composer.js),
 * the policy editor (editor.js), the scenarios (scenarios.js).
 * Everything a rule decides comes from the server: the verdicts from the exchange log
 * (feed.js), the setup from /origins.json, the CSRF token's parts from /csrf/explain, the
 * cards' endpoints from /endpoints.json. */

import { API_META, API_ORIGIN, PAGE_ORIGIN, VISITOR, getJson } from "./api.js";
import { byId } from "./dom.js";
import { checkDictionary, initialLanguage, onLanguageChange, setGlobals, setLanguage, t, toggleLanguage } from "./i18n.js";
import { onFeedState, startFeed } from "./feed.js";
import { CARDS } from "./cards.js";
import { redrawNotices, renderCards, renderToc } from "./card-view.js";
import { mountComposer } from "./composer.js";
import { mountEditor } from "./editor.js";
import { experiment, known, redrawResults, register, restoreResults, resultsByKey, runExperiment, runWithSetup } from "./runner.js";
import { loadSetup, renderFeedStatus, renderSetup } from "./setup-view.js";
import { mountScenarios, renderScenarios, selectScenario } from "./scenarios.js";
import { parseFragment } from "./share.js";
import { updateScrollableFocus } from "./result-view.js";

async function init() {
  checkDictionary();
  setGlobals({ page: PAGE_ORIGIN, api: API_ORIGIN || API_META });
  // Once now for the static texts while the rest loads, once more when everything is drawn.
  setLanguage(initialLanguage(), false);

  const [table, catalogue] = await Promise.all([getJson("/endpoints.json"), getJson("/scenarios.json")]);
  const routes = table ? new Map(table.endpoints.map((e) => [e.path, e])) : null;
  const experiments = renderCards(CARDS, routes, byId("cards"));
  const composer = mountComposer(composerPaths(table));
  experiments.set(composer.key, composer);
  const editor = await mountEditor(composer);
  experiments.set(editor.key, editor);
  register(experiments);
  mountScenarios(catalogue);
  renderToc(byId("toc"), CARDS.map((card) => ({ id: "card-" + card.id, titleKey: card.title, keys: card.experiments.map((e) => e.key) }))
    .concat([{ id: "card-composer", titleKey: "composer.title", keys: ["composer"] }, { id: "card-editor", titleKey: "editor.title", keys: ["editor"] },
      { id: "card-scenarios", titleKey: "scenario.title", keys: [] }]));
  for (const card of CARDS) if (card.init) card.init({ setValue: (id, value) => { byId(id).value = value; } });

  for (const button of document.querySelectorAll("button[data-experiment]")) {
    button.addEventListener("click", () => run(() => runExperiment(button.dataset.experiment)));
  }
  byId("lang-toggle").addEventListener("click", toggleLanguage);
  onLanguageChange(redraw);
  onFeedState(renderFeedStatus);
  window.addEventListener("resize", debounce(() => updateScrollableFocus(document), 150));
  window.addEventListener("hashchange", () => run(openFragment));
  setLanguage(initialLanguage(), false);

  // A small, read-only surface for tests and tools.
  window.corslab = Object.freeze({
    apiOrigin: API_ORIGIN,
    visitor: VISITOR,
    runExperiment,
    results: resultsByKey,
    setLanguage: (lang) => setLanguage(lang, true),
  });

  const setup = loadSetup();
  if (API_ORIGIN) restoreResults(VISITOR, await startFeed(VISITOR));
  await setup;
  document.documentElement.dataset.ready = "true";
  await openFragment();
}

/** The API's paths, at the default mount and at each alias, for the composer's suggestions. */
function composerPaths(table) {
  if (!table) return [];
  return [""].concat(table.aliases).flatMap((prefix) => table.endpoints.map((e) => prefix + e.path));
}

function redraw() {
  renderLangToggle();
  renderSetup();
  redrawNotices();
  for (const card of CARDS) if (card.redraw) card.redraw();
  redrawResults();
  renderScenarios();
}

/* The toggle names the *other* language in that language (a common pattern readers of
 * either language recognise); its accessible name starts with the visible text so
 * speech-input users can say what they see (WCAG 2.5.3), and lang= makes screen readers
 * pronounce it correctly. */
function renderLangToggle() {
  const button = byId("lang-toggle");
  button.textContent = t("lang.toggle");
  button.lang = t("lang.toggleLang");
  button.setAttribute("aria-label", t("lang.toggleLabel"));
}

/** A permalink: run its experiment (a composed one filled in first), or show its scenario.
 *  The fragment is then dropped, so a reload shows the result instead of running it again. */
async function openFragment() {
  const asked = parseFragment(window.location.hash);
  if (!asked) return;
  if (asked.scenario) {
    if (selectScenario(asked.scenario)) byId("scenario-" + asked.scenario).scrollIntoView();
    return;
  }
  if (!known(asked.run)) return;
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  const opened = experiment(asked.run);
  if (opened.open) opened.open(asked.fields);
  const button = document.querySelector('button[data-experiment="' + asked.run + '"]');
  if (button) button.scrollIntoView({ block: "center" });
  await runWithSetup(asked.run);
}

// Rendering bugs must not vanish silently; fetch failures never get here.
function run(task) {
  Promise.resolve().then(task).catch((err) => console.error("corslab:", err));
}

function debounce(fn, ms) {
  let timer = 0;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, ms);
  };
}

run(init);
