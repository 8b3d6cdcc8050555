/* The scenario section: the catalogue of deliberate misconfigurations (GET /scenarios.json),
 * listed by its groups, one scenario shown at a time with what is wrong (the lint's
 * findings), the steps to break it on purpose, the fix, and the secure configuration in
 * several stacks. A shown scenario is a permalink (#scenario=<id>).
 *
 * The steps are the catalogue's `flow` (the server says what an attack of each kind needs,
 * in order), once against the scenario's mount and once against the default, for each of
 * its exploits: the page's own login and session check there (runner experiments, drawn as
 * every fetch's result is) and the exploit launched in a new window (attack.js, drawn by
 * attack-view.js). Each result appears under its step's button.
 *
 * Every scenario's detail is built once, at start, and then only shown or hidden, so results
 * (a reload's rebuilt ones too) stay under their buttons; a language switch refills its texts
 * in place.
 *
 * Ids tests use: button[data-scenario=<id>] (aria-pressed), #scenario-<id>, and in it each
 * step's button[data-step=<n>] (data-kind log_in | launch | check_session |
 * log_out_with_old_token, data-target scenario | default) with its results in
 * #results-scenario-<id>-<n>. */

import { byId, makeEl } from "./dom.js";
import { hasMessage, pickText, setRichText, t } from "./i18n.js";
import { resultFor } from "./results.js";
import { announce, register, runExperiment, runWithSetup } from "./runner.js";
import { reveal } from "./result-view.js";
import { scenarioFragment } from "./share.js";
import { launch } from "./attack.js";
import { renderAttack } from "./attack-view.js";

const TARGETS = ["scenario", "default"];
const JSON_HEADERS = { "Content-Type": "application/json" };

let scenarios = [];
let snippetLanguage = null;
/** Texts to refill on a language switch: [element, () => text]. */
const texts = [];
/** Every attack launched, with where it is drawn: { attack, container }. */
const attacks = [];
/** Each scenario's snippet view, redrawn when the stack is switched in any of them. */
const snippetViews = [];

/** Draw the section from the catalogue (null when it could not be loaded) and register the
 *  page's own steps with the runner (before it restores results after a reload). */
export function mountScenarios(catalogue) {
  scenarios = catalogue && Array.isArray(catalogue.scenarios) ? catalogue.scenarios : [];
  const picker = byId("scenario-picker");
  const detail = byId("scenario-detail");
  if (!scenarios.length) {
    picker.replaceChildren(text("p", "muted", () => t("scenario.none")));
    return;
  }
  picker.replaceChildren(...renderPicker());
  detail.replaceChildren(text("p", "muted scenario-hint", () => t("scenario.pick")), ...scenarios.map(renderDetail));
}

/** Show scenario `id` (from a click or a permalink); false when there is none such. */
export function selectScenario(id) {
  if (!scenarios.some((s) => s.id === id)) return false;
  for (const button of document.querySelectorAll("button[data-scenario]")) {
    button.setAttribute("aria-pressed", String(button.dataset.scenario === id));
  }
  for (const s of scenarios) byId("scenario-" + s.id).hidden = s.id !== id;
  byId("scenario-detail").querySelector(".scenario-hint").hidden = true;
  return true;
}

/** Refill every text in the current language (the results are redrawn by their owners;
 *  attacks are this section's). */
export function renderScenarios() {
  for (const [el, fill] of texts) setRichText(el, fill());
  for (const { attack, container } of attacks) renderAttack(attack, container, "keep");
}

/** An element whose rich text `fill()` gives, refilled on a language switch. */
function text(tag, className, fill) {
  const el = makeEl(tag, className);
  texts.push([el, fill]);
  setRichText(el, fill());
  return el;
}

function renderPicker() {
  const groups = [];
  for (const s of scenarios) if (!groups.includes(s.group)) groups.push(s.group);
  return groups.map((group) => {
    const box = makeEl("div", "scenario-group");
    const key = "scenario.group." + group;
    box.append(text("h3", null, () => (hasMessage(key) ? t(key) : group)));
    const list = makeEl("ul", "scenario-list");
    for (const s of scenarios.filter((x) => x.group === group)) {
      const button = makeEl("button", "secondary scenario-pick");
      button.type = "button";
      button.dataset.scenario = s.id;
      button.setAttribute("aria-pressed", "false");
      button.append(text("span", "scenario-name", () => pickText(s.title)), " ",
        text("span", "badge " + (s.vulnerable ? "badge-network-error" : "badge-ok"), () => t(s.vulnerable ? "scenario.vulnerable" : "scenario.safe")));
      button.addEventListener("click", () => {
        selectScenario(s.id);
        reveal(byId("scenario-" + s.id));
      });
      const li = makeEl("li");
      li.append(button);
      list.append(li);
    }
    box.append(list);
    return box;
  });
}

function renderDetail(s) {
  const box = makeEl("article", "scenario");
  box.id = "scenario-" + s.id;
  box.hidden = true;
  const title = text("h3", null, () => pickText(s.title));
  title.id = "scenario-" + s.id + "-title";
  box.setAttribute("aria-labelledby", title.id);
  const link = text("a", "permalink", () => t("scenario.permalink"));
  link.href = scenarioFragment(s.id);
  box.append(title, text("p", null, () => pickText(s.summary)), link);

  const facts = makeEl("dl", "scenario-facts");
  fact(facts, "scenario.api", makeEl("code", null, s.api + "/api/…"));
  fact(facts, "scenario.findings", renderFindings(s.lint || []));
  if (s.flow && s.flow.length) fact(facts, "scenario.attack", text("span", null, () => pickText(s.attack.steps)));
  box.append(facts);
  if (s.flow && s.flow.length) box.append(renderSteps(s));
  const fix = makeEl("dl", "scenario-facts");
  fact(fix, "scenario.fix", text("span", null, () => pickText(s.fix)));
  box.append(fix);
  if (s.snippets && Object.keys(s.snippets).length) box.append(renderSnippets(s.id, s.snippets));
  return box;
}

function fact(dl, key, node) {
  const row = makeEl("div", "def");
  const dd = makeEl("dd");
  dd.append(node);
  row.append(text("dt", null, () => t(key)), dd);
  dl.append(row);
}

function renderFindings(findings) {
  if (!findings.length) return text("span", "muted", () => t("scenario.noFindings"));
  const list = makeEl("ul", "findings");
  for (const finding of findings) {
    const li = makeEl("li", "finding severity-" + finding.severity);
    li.append(text("span", "severity", () => t("severity." + finding.severity)), " ", makeEl("code", null, finding.class), " ",
      text("span", null, () => pickText(finding.message)));
    list.append(li);
  }
  return list;
}

/* ---- Breaking it: the steps ---- */

/** Where a target is mounted on the API origin: "/s/<id>" or "" (the default). */
function mountOf(s, target) {
  return target === "default" ? "" : new URL(s.api).pathname.replace(/\/$/, "");
}

/** The scenario's steps, numbered: its flow for each exploit, against the scenario, then
 *  against the default. */
function stepsOf(s) {
  const steps = [];
  for (const target of TARGETS) {
    for (const exploit of s.exploits) {
      // A step that uses what a login fetched knows which login (`login`: its number).
      let login = null;
      for (const kind of s.flow) {
        steps.push({ n: steps.length + 1, target, kind, exploit, mount: mountOf(s, target), login });
        if (kind === "log_in") login = steps.length;
      }
    }
  }
  return steps;
}

function renderSteps(s) {
  const box = makeEl("section", "scenario-steps");
  const title = text("h4", null, () => t("scenario.stepsTitle"));
  title.id = "scenario-" + s.id + "-steps";
  box.setAttribute("aria-labelledby", title.id);
  box.append(title);
  const steps = stepsOf(s);
  for (const target of TARGETS) {
    const mine = steps.filter((step) => step.target === target);
    box.append(text("h5", null, () => t("scenario.target." + target, { api: mountOf(s, target) + "/api/…" })));
    const list = makeEl("ol", "step-list");
    list.start = mine[0].n;
    for (const step of mine) list.append(renderStep(s, step));
    box.append(list);
  }
  return box;
}

function renderStep(s, step) {
  const li = makeEl("li", "step");
  const button = makeEl("button", step.kind === "launch" ? "attack-button" : "secondary");
  button.type = "button";
  button.dataset.step = String(step.n);
  button.dataset.kind = step.kind;
  button.dataset.target = step.target;
  const hint = text("span", "btn-request", () => stepHint(s, step));
  button.append(text("span", "btn-label", () => step.n + ". " + stepLabel(s, step)), hint);
  const results = makeEl("div", "results step-results");
  results.id = "results-" + cardId(s, step);
  li.append(button, results);

  if (step.kind === "launch") {
    button.addEventListener("click", () => {
      foldOtherSteps(li);
      const attack = launch(s, step.exploit, step.target, (changed) => {
        const el = renderAttack(changed, results, "update");
        if (changed.state === "running") return;
        settleInView(el);
        announce(el);
      });
      attacks.push({ attack, container: results });
      reveal(renderAttack(attack, results, "newest"));
    });
  } else {
    const key = experimentsOf(s, step);
    button.addEventListener("click", () => {
      if (button.hasAttribute("aria-busy")) return;
      foldOtherSteps(li);
      button.setAttribute("aria-busy", "true");
      const run = step.kind === "log_in" ? runWithSetup(key) : runExperiment(key);
      run.then(() => {
        // A login is a means, not the lesson: its summary line says whether it worked, and
        // the next step stays right below it.
        if (step.kind === "log_in") for (const el of results.querySelectorAll(".result")) el.open = false;
        settleInView(results.querySelector(".result"));
      }).catch((err) => console.error("corslab:", err)).finally(() => button.removeAttribute("aria-busy"));
    });
  }
  return li;
}

/** Brings `el` into view now and again once the frame is laid out: folding the other steps
 *  and moving the "latest" tag reflow the results above it after the runner placed it (a
 *  page in a background tab lays out only when it is shown again). */
function settleInView(el) {
  if (!el) return;
  reveal(el);
  window.requestAnimationFrame(() => reveal(el));
}

/** Only the step at hand shows its result opened; the others keep their summary lines. */
function foldOtherSteps(current) {
  for (const step of current.closest(".scenario-steps").querySelectorAll(".step")) {
    if (step !== current) for (const el of step.querySelectorAll(".step-results > .result")) el.open = false;
  }
}

function cardId(s, step) {
  return "scenario-" + s.id + "-" + step.n;
}

function stepLabel(s, step) {
  const where = step.target === "default" ? "Default" : "";
  if (step.kind !== "launch") return t("scenario.step." + step.kind + where);
  if (step.exploit.from === "page") return t("scenario.step.demo" + where);
  const label = t("scenario.step.launch" + where);
  return s.exploits.length > 1 ? label + " " + t("scenario.fromSite", { site: t("scenario.site." + step.exploit.from) }) : label;
}

function stepHint(s, step) {
  const api = step.mount + "/api/";
  if (step.kind === "log_in") return t("scenario.hint.log_in", { csrf: api + "csrf/", login: api + "login/" });
  if (step.kind === "check_session") return "GET " + api + "session-data/";
  if (step.kind === "log_out_with_old_token") return t("scenario.hint.oldToken", { logout: api + "logout/", n: step.login });
  const url = new URL(step.exploit.url);
  return t("scenario.hint.launch", { url: url.origin + url.pathname });
}

/**
 * Registers the page's own requests of a login or session-check step with the runner, so
 * their results are drawn, announced and rebuilt after a reload as every fetch's are; returns
 * the key to run. The login takes a CSRF token first (its own result), then logs in with the
 * account of the cookie card's form.
 */
function experimentsOf(s, step) {
  const key = cardId(s, step);
  const mount = step.mount;
  const card = {
    id: key,
    // A permalink to one of these results shows the scenario first.
    reveal: () => selectScenario(s.id),
  };
  const named = (name, path) => () => t(name, { path: mount + path });
  if (step.kind === "log_out_with_old_token") {
    const before = cardId(s, { n: step.login }) + "-csrf";
    register(new Map([[key, {
      key, card, name: named("scenario.exp.oldToken", "/api/logout/"),
      method: "POST", mount, endpoint: "/api/logout/", credentials: "include",
      build: () => {
        const token = csrfToken(resultFor(before));
        return { headers: token ? { "X-CSRFToken": token } : {} };
      },
    }]]));
    return key;
  }
  if (step.kind === "check_session") {
    register(new Map([[key, {
      key, card, name: named("scenario.exp.session", "/api/session-data/"),
      method: "GET", mount, endpoint: "/api/session-data/", credentials: "include",
    }]]));
    return key;
  }
  const csrf = key + "-csrf";
  register(new Map([
    [csrf, { key: csrf, card, name: named("scenario.exp.csrf", "/api/csrf/"), method: "GET", mount, endpoint: "/api/csrf/", credentials: "include" }],
    [key, {
      key, card, name: named("scenario.exp.login", "/api/login/"), method: "POST", mount, endpoint: "/api/login/",
      credentials: "include", setup: [csrf],
      build: (cx) => {
        const token = csrfToken(resultFor(csrf));
        return {
          headers: Object.assign({}, JSON_HEADERS, token ? { "X-CSRFToken": token } : {}),
          body: { username: cx.value("login-username"), password: cx.value("login-password") },
        };
      },
    }],
  ]));
  return key;
}

/** The masked token a CSRF step's response gave JavaScript, if it could read one. */
function csrfToken(record) {
  const body = record && record.response && record.response.json;
  return body && typeof body.csrfToken === "string" ? body.csrfToken : null;
}

/* ---- The secure configuration ---- */

/** The secure configuration, one stack at a time; the choice holds across scenarios. */
function renderSnippets(id, snippets) {
  const languages = Object.keys(snippets);
  const box = makeEl("div", "snippets");
  const title = text("h4", null, () => t("scenario.snippets"));
  title.id = "scenario-" + id + "-snippets";
  const group = makeEl("div", "controls snippet-switch");
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", title.id);
  const pre = makeEl("pre", "mono small snippet");
  pre.lang = "en";
  const buttons = languages.map((language) => {
    const button = text("button", "secondary small-button", () => (hasMessage("snippet." + language) ? t("snippet." + language) : language));
    button.type = "button";
    button.dataset.snippet = language;
    button.addEventListener("click", () => {
      snippetLanguage = language;
      for (const show of snippetViews) show();
    });
    return button;
  });
  const show = () => {
    const language = languages.includes(snippetLanguage) ? snippetLanguage : languages[0];
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.snippet === language));
    pre.textContent = snippets[language];
  };
  snippetViews.push(show);
  group.append(...buttons);
  box.append(title, group, pre);
  show();
  return box;
}
