/* One attack's result (attack.js), drawn beside its launch button as a fetch's result is
 * beside its own: a <details>, newest open and older ones folded, whose summary line keeps
 * the exploit's own headline. Opened: what the exploit says it obtained, why (for each of
 * the attack's requests the engine's verdict and diagram; for a navigation, which CORS does
 * not stop, what the API received, as corslab's referee saw it; for a request from the
 * attacker's own server, its answer), and what the attacker's server received (its access
 * log, loot included).
 *
 * DOM contract for tests: .attack-result#attack-<run> (data-state running|done|closed|
 * timeout|blocked, data-outcome succeeded|failed or empty), .attack-summary, .attack-fetch
 * (data-kind cors|navigate|server; the verdict box inside as verdict-view.js describes),
 * .attacker-log. */

import { API_ORIGIN, untagged } from "./api.js";
import { addDef, makeEl, prettyJson, parseJson } from "./dom.js";
import { formatTime, pickText, richEl, richText, t } from "./i18n.js";
import { fromLog } from "./results.js";
import { markLatest, renderWire, showAsNewest, updateScrollableFocus } from "./result-view.js";
import { renderFacts, renderVerdict } from "./verdict-view.js";
import { requestHeader, statusLine, summarizeWire } from "./wire.js";

/**
 * Draw `attack` into `container`. `placement`: "newest" when it is launched (first and open,
 * older ones folded), "update" when it changes as it runs (the page's latest result again),
 * "keep" to redraw it as it is (a language switch).
 */
export function renderAttack(attack, container, placement) {
  let el = document.getElementById("attack-" + attack.run);
  if (!el) {
    el = makeEl("details", "result attack-result");
    el.id = "attack-" + attack.run;
    container.prepend(el);
  }
  const latest = placement !== "keep" || el.classList.contains("is-latest");
  el.dataset.state = attack.state;
  el.dataset.outcome = attack.outcome || "";
  el.replaceChildren(summary(attack, latest), body(attack));
  if (placement === "newest") showAsNewest(el);
  if (latest) markLatest(el);
  updateScrollableFocus(el);
  return el;
}

/** The line a folded attack keeps: who attacked what, the exploit's headline, when. */
function summary(attack, latest) {
  const s = makeEl("summary", "result-summary");
  s.append(makeEl("span", "result-name", t(attack.from === "page" ? "scenario.demoName" : "scenario.attackName", {
    site: t("scenario.site." + attack.from), against: t("scenario.against." + attack.against),
  })), " ");
  if (latest) s.append(makeEl("span", "latest-tag", t("result.latest")), " ");
  const status = makeEl("span", "attack-outcome outcome-" + (attack.outcome || attack.state));
  status.textContent = attack.headline ? pickText(attack.headline) : t("scenario.state." + attack.state);
  s.append(status, " ", makeEl("span", "timing", formatTime(attack.startedAt)));
  return s;
}

function body(attack) {
  const box = makeEl("div", "result-body");
  const where = richEl("p", "small muted", "scenario.ranIn", { url: untaggedExploit(attack.url) });
  if (attack.state === "running") {
    box.append(richEl("p", "attack-summary", attack.phase ? "scenario.phase" : "scenario.running", { text: attack.phase ? pickText(attack.phase.text) : "" }), where);
    return box;
  }
  if (attack.state === "blocked") {
    box.append(richEl("p", "attack-summary", "scenario.blocked", { url: attack.url }));
    return box;
  }
  const said = attack.summary
    ? richText("p", "attack-summary", t("scenario.said", { headline: pickText(attack.headline), summary: pickText(attack.summary) }))
    : richEl("p", "attack-summary", "scenario.state." + attack.state + "Long");
  box.append(said, where);
  box.append(makeEl("h3", null, t("scenario.why")), richEl("p", "small muted", "scenario.whyNote"));
  const failed = attack.outcome !== "succeeded";
  if (attack.fetches.length) for (const [group, times] of runsOf(attack.fetches)) box.append(renderFetch(group, times, failed));
  else box.append(makeEl("p", "muted", t("scenario.noExchanges")));
  if (attack.log) box.append(renderLog(attack.log));
  return box;
}

/** The exploit's URL as the learner would type it: without this page's bookkeeping (the
 *  run marker). */
function untaggedExploit(url) {
  const u = new URL(url);
  u.searchParams.delete("run");
  return u.href;
}

/** The fetches as [fetch, times]: the attacker's server asking the same again and again (a
 *  poll: fixation waits for the login) is one line. */
function runsOf(fetches) {
  const runs = [];
  const same = (a, b) => !a.browser && !b.browser && a.method === b.method && a.url === b.url && a.status === b.status;
  for (const group of fetches) {
    const last = runs[runs.length - 1];
    if (last && group.length === 1 && last[0].length === 1 && same(last[0][0], group[0])) last[1] += 1;
    else runs.push([group, 1]);
  }
  return runs;
}

/** One fetch of the attack (a preflight and its request, or one request; `times` over),
 *  folded to a line; opened by itself where it is the reason: a navigation (what went along
 *  decides a forgery), a block that made the attack fail. */
function renderFetch(group, times, failed) {
  const wire = summarizeWire(group);
  const last = group[group.length - 1];
  const view = last.browser;
  const kind = !view ? "server" : view.mode === "navigate" ? "navigate" : "cors";
  const d = makeEl("details", "attack-fetch");
  d.dataset.kind = kind;
  const line = makeEl("summary");
  const method = wire.request ? wire.request.method : requestHeader(last, "access-control-request-method") || last.method;
  line.append(makeEl("code", null, method + " " + pathOf(last)), " ");
  if (times > 1) line.append(makeEl("span", "times", t("scenario.times", { n: times })), " ");
  const inside = makeEl("div", "attack-fetch-body");
  if (kind === "server") {
    line.append(makeEl("span", "fact tone-none", t("scenario.fromServer", { status: statusLine(last.status) })));
    inside.append(richEl("p", null, "scenario.serverNote"));
  } else if (kind === "navigate") {
    line.append(makeEl("span", "fact tone-none", t("scenario.navigation", { status: statusLine(last.status) })));
    inside.append(renderReferee(last));
    d.open = true;
  } else {
    const record = recordOf(group, wire, method);
    line.append(renderFacts(record, wire));
    const drawable = wire.outcome === "blocked" || (wire.outcome === "pass" && record.response);
    inside.append(drawable ? renderWire(record, wire) : renderVerdict(record, wire));
    d.open = failed && wire.outcome === "blocked";
  }
  d.append(line, inside);
  return d;
}

function pathOf(exchange) {
  return untagged(API_ORIGIN + exchange.url).slice(API_ORIGIN.length);
}

/** What JavaScript got, as the engine's verdict says (results.js rebuilds a result so after
 *  a reload); a request the log cannot speak for yet still shows its verdict box. */
function recordOf(group, wire, method) {
  const last = group[group.length - 1];
  const request = {
    method, wireMethod: method, url: API_ORIGIN + last.url, headers: [],
    credentials: last.browser.credentials, mode: last.browser.mode,
  };
  return fromLog("attack", request, group)
    || { key: "attack", request, notSent: false, exchanges: group, feedState: "open", outcome: "network-error", response: null, error: null };
}

/** A navigation (a form post, a link) is not a CORS request: nothing stops it, and its answer
 *  goes to a window the attacker cannot read. What decides is what went along and what the
 *  API did: the referee's account, from the exchange log. */
function renderReferee(e) {
  const box = makeEl("div", "referee");
  box.append(richEl("p", null, "scenario.refereeNote"));
  const dl = makeEl("dl", "referee-facts");
  addDef(dl, t("scenario.sentFrom"), makeEl("code", null, "Sec-Fetch-Site: " + (requestHeader(e, "sec-fetch-site") || "?")));
  const cookies = e.cookies || [];
  addDef(dl, t("scenario.cookiesSent"), cookies.length ? makeEl("code", null, cookies.join(", ")) : makeEl("span", "muted", t("scenario.noCookies")));
  addDef(dl, t("scenario.apiAnswered"), makeEl("span", null, statusLine(e.status)));
  const set = (e.response_headers || []).filter(([name]) => name === "set-cookie").map(([, value]) => value);
  if (set.length) {
    const list = makeEl("ul", "plain mono small");
    for (const value of set) list.append(makeEl("li", null, "Set-Cookie: " + value));
    addDef(dl, t("scenario.cookiesAnswered"), list);
  }
  box.append(dl);
  return box;
}

/** The attacker's access log for this run, as an exploit server shows it: every request its
 *  server received, with the body (the loot). */
function renderLog(entries) {
  const box = makeEl("div", "attacker-log");
  box.append(makeEl("h3", null, t("scenario.attackerLog")), richEl("p", "small muted", "scenario.attackerLogNote"));
  if (!entries.length) {
    box.append(makeEl("p", "muted", t("scenario.attackerLogEmpty")));
    return box;
  }
  const list = makeEl("ol", "plain attacker-log-entries");
  for (const entry of entries) {
    const li = makeEl("li");
    li.append(makeEl("code", null, entry.method + " " + entry.url));
    if (entry.body) {
      const json = parseJson(entry.body);
      const pre = makeEl("pre", "body mono small", json !== undefined ? prettyJson(json) : entry.body);
      pre.lang = "en";
      li.append(pre);
    }
    list.append(li);
  }
  box.append(list);
  return box;
}
