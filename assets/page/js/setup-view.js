/* The page's setup, said at once: the two origins, how they relate, and, when the API will
 * not accept this page (opened at 127.0.0.1:8000, the address Django's runserver prints,
 * instead of localhost:8000), a banner with the way out, before any click.
 *
 * The server judges all of it with its own rules (GET /origins.json: the engine's same-site
 * rule, the default CORS policy, the CSRF check, the session cookie); the page only shows
 * the answer. */

import { API_META, API_ORIGIN, PAGE_ORIGIN, VISITOR, getJson } from "./api.js";
import { byId, makeEl } from "./dom.js";
import { pickText, richEl, richText, setRichText, t } from "./i18n.js";
import { feedState } from "./feed.js";

let report = null;

/** Ask the server about this page's origin; resolves once the header shows the answer. */
export async function loadSetup() {
  if (API_ORIGIN) report = await getJson("/origins.json?page=" + encodeURIComponent(PAGE_ORIGIN));
  renderSetup();
}

export function renderSetup() {
  byId("page-origin").textContent = PAGE_ORIGIN;
  byId("api-origin").textContent = API_ORIGIN || API_META;
  const error = byId("config-error");
  error.hidden = Boolean(API_ORIGIN);
  if (!API_ORIGIN) error.textContent = t("header.configError", { value: API_META });
  setRichText(byId("lab-tag"), t("lab.tag", { visitor: "`" + VISITOR + "`" }));
  renderRelation();
  renderBanner();
  renderFeedStatus();
}

function renderRelation() {
  const el = byId("origin-verdict");
  if (!report) {
    el.replaceChildren();
    return;
  }
  const parts = report.differs.map((part) => t("header.part." + part)).join(t("header.partJoin"));
  setRichText(el, t("header.relation." + report.relation, { parts }));
}

function renderBanner() {
  const banner = byId("setup-banner");
  const problems = report ? problemTexts(report) : [];
  banner.hidden = problems.length === 0;
  if (banner.hidden) {
    banner.replaceChildren();
    return;
  }
  const title = makeEl("h2", "banner-title", t("setup.title"));
  title.id = "setup-banner-title";
  banner.setAttribute("aria-labelledby", title.id);
  banner.replaceChildren(title, ...problems.map((text) => richText("p", null, text)));
  if (report.fix) banner.append(renderFix(report.fix));
}

/** What is wrong, most serious first. */
function problemTexts(r) {
  const texts = [];
  const list = (origins) => origins.map((o) => "`" + o + "`").join(t("header.partJoin"));
  if (!r.cors.allowed) texts.push(t("setup.corsRefused", { page: r.page, api: r.api, allowed: list(r.cors.allowed_origins) }));
  if (!r.csrf.trusted) texts.push(t("setup.csrfRefused", { page: r.page, trusted: list(r.csrf.trusted_origins) }));
  if (!r.session_cookie.sent) texts.push(t("setup.cookies", { reason: pickText(r.session_cookie.reason) }));
  return texts;
}

function renderFix(fix) {
  const box = makeEl("div", "banner-fix");
  box.append(makeEl("h3", null, t("setup.fix")));
  const list = makeEl("ul");
  if (fix.open) {
    const li = richEl("li", null, "setup.open");
    const link = makeEl("a", null, fix.open);
    link.href = fix.open;
    li.append(" ", link);
    list.append(li);
  }
  const li = richEl("li", null, fix.open ? "setup.orRestart" : "setup.restart");
  li.append(makeEl("pre", "mono small", "corslab " + fix.flags));
  list.append(li);
  box.append(list);
  return box;
}

/** The log's connection, a dot and a word (the dot repeats the word, never replaces it). */
export function renderFeedStatus() {
  const el = byId("feed-status");
  el.hidden = !API_ORIGIN;
  el.dataset.state = feedState();
  el.replaceChildren(makeEl("span", "feed-label", t("feed.label")), " ", makeEl("span", "feed-state", t("feed." + feedState())));
}
