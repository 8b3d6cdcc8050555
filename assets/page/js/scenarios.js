/* The scenario section: the catalogue of deliberate misconfigurations (GET /scenarios.json),
 * one picked at a time with what is wrong (the lint's findings), the attack that works on
 * it, the fix, and the secure configuration in several languages. A picked scenario is a
 * permalink (#scenario=<id>). Running a scenario's attack from here comes later. */

import { byId, makeEl } from "./dom.js";
import { hasMessage, pickText, richText, t } from "./i18n.js";
import { scenarioFragment } from "./share.js";

let scenarios = [];
let selected = null;
let snippetLanguage = null;

/** Draw the picker from the catalogue (null when it could not be loaded). */
export function mountScenarios(catalogue) {
  scenarios = catalogue && Array.isArray(catalogue.scenarios) ? catalogue.scenarios : [];
  renderScenarios();
}

/** Pick scenario `id` (from a click or a permalink); false when there is none such. */
export function selectScenario(id) {
  if (!scenarios.some((s) => s.id === id)) return false;
  selected = id;
  renderScenarios();
  return true;
}

export function renderScenarios() {
  const picker = byId("scenario-picker");
  const detail = byId("scenario-detail");
  if (!scenarios.length) {
    picker.replaceChildren(makeEl("p", "muted", t("scenario.none")));
    detail.replaceChildren();
    return;
  }
  const list = makeEl("ul", "scenario-list");
  for (const scenario of scenarios) {
    const button = makeEl("button", "secondary scenario-pick");
    button.type = "button";
    button.dataset.scenario = scenario.id;
    button.setAttribute("aria-pressed", String(scenario.id === selected));
    button.append(makeEl("span", "scenario-name", pickText(scenario.title)), " ",
      makeEl("span", "badge " + (scenario.vulnerable ? "badge-network-error" : "badge-ok"), t(scenario.vulnerable ? "scenario.vulnerable" : "scenario.safe")));
    button.addEventListener("click", () => {
      selectScenario(scenario.id);
      refocus('button[data-scenario="' + scenario.id + '"]');
    });
    const li = makeEl("li");
    li.append(button);
    list.append(li);
  }
  picker.replaceChildren(list);
  const scenario = scenarios.find((s) => s.id === selected);
  detail.replaceChildren(...(scenario ? [renderDetail(scenario)] : [makeEl("p", "muted", t("scenario.pick"))]));
}

function renderDetail(s) {
  const box = makeEl("div", "scenario");
  box.id = "scenario-" + s.id;
  const title = makeEl("h3", null, pickText(s.title));
  const link = makeEl("a", "permalink", t("share.permalink"));
  link.href = scenarioFragment(s.id);
  box.append(title, richText("p", null, pickText(s.summary)), link);

  const dl = makeEl("dl", "scenario-facts");
  const add = (key, node) => {
    const row = makeEl("div", "def");
    row.append(makeEl("dt", null, t(key)), node);
    dl.append(row);
  };
  add("scenario.api", ddOf(makeEl("code", null, s.api + "/api/…")));
  if (s.lint && s.lint.length) {
    const findings = makeEl("ul", "findings");
    for (const finding of s.lint) {
      const li = makeEl("li", "finding severity-" + finding.severity);
      li.append(makeEl("span", "severity", t("severity." + finding.severity)), " ", makeEl("code", null, finding.class), " ",
        richText("span", null, pickText(finding.message)));
      findings.append(li);
    }
    add("scenario.findings", ddOf(findings));
  } else {
    add("scenario.findings", ddOf(makeEl("span", "muted", t("scenario.noFindings"))));
  }
  if (s.attack) add("scenario.attack", ddOf(richText("span", null, pickText(s.attack.steps))));
  add("scenario.fix", ddOf(richText("span", null, pickText(s.fix))));
  box.append(dl);
  if (s.snippets && Object.keys(s.snippets).length) box.append(renderSnippets(s.snippets));
  return box;
}

/** Redrawing replaced the pressed button; focus goes to its successor, not to <body>. */
function refocus(selector) {
  const button = document.querySelector(selector);
  if (button) button.focus();
}

function ddOf(node) {
  const dd = makeEl("dd");
  dd.append(node);
  return dd;
}

/** The secure configuration, one language at a time; the choice holds across scenarios. */
function renderSnippets(snippets) {
  const languages = Object.keys(snippets);
  if (!languages.includes(snippetLanguage)) snippetLanguage = languages[0];
  const box = makeEl("div", "snippets");
  const group = makeEl("div", "controls snippet-switch");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", t("scenario.snippets"));
  for (const language of languages) {
    const button = makeEl("button", "secondary small-button", hasMessage("snippet." + language) ? t("snippet." + language) : language);
    button.type = "button";
    button.dataset.snippet = language;
    button.setAttribute("aria-pressed", String(language === snippetLanguage));
    button.addEventListener("click", () => {
      snippetLanguage = language;
      renderScenarios();
      refocus('button[data-snippet="' + language + '"]');
    });
    group.append(button);
  }
  const pre = makeEl("pre", "mono small snippet", snippets[snippetLanguage]);
  pre.lang = "en";
  box.append(makeEl("h4", null, t("scenario.snippets")), group, pre);
  return box;
}
