/* Running a scenario's exploit from the lab page, as a learner would by hand: the exploit
 * page opened in a new window, with this visitor's id (so the attack's requests land in this
 * visitor's exchange log) and the page's language. The exploit page says how it went
 * (postMessage to this page: its own headline and words, and its progress on the way);
 * then the page reads what the attacker's server received (its access log, GET
 * <attacker>/log.json) and what the browser did with each of the attack's requests (the
 * exchange log, judged by the server's engine). The page judges nothing itself. */

import { PAGE_ORIGIN, VISITOR, getJson } from "./api.js";
import { newestExchangeId } from "./feed.js";
import { lang } from "./i18n.js";
import { requestHeader } from "./wire.js";

const CHECK_WINDOW_MS = 500;
/** Longer than any exploit waits (session fixation waits two minutes for the login). */
const GIVE_UP_MS = 5 * 60 * 1000;

const running = new Set();
/** The newest exchange id an attack's reading of the log saw: the feed may not have shown it
 *  yet, and the next attack's exchanges come after it. */
let newestRead = 0;
window.addEventListener("message", onMessage);

/**
 * Launch `exploit` ({from, url} of the catalogue) of `scenario` against the scenario's mount
 * or, with `against` = "default", the default one. Call it in the click's handler: browsers
 * open a window only for a user's action. Returns the attack, which changes as it runs
 * (`onChange(attack)` is told each time):
 * { run, id, from, against, url, origin, startedAt, state: running | done | closed | timeout |
 *   blocked, phase: {name, text} | null, outcome: succeeded | failed | null, headline, summary
 *   ({en, ja} from the exploit), log: [attacker access log entries] | null, fetches: [[exchanges
 *   of one fetch: its preflight and request]] }
 */
export function launch(scenario, exploit, against, onChange) {
  const run = runId();
  const url = new URL(exploit.url);
  url.searchParams.set("lab", VISITOR);
  if (against === "default") url.searchParams.set("against", "default");
  url.searchParams.set("lang", lang());
  // Marks this run's first request in the attacker's access log.
  url.searchParams.set("run", run);
  const attack = {
    run, id: scenario.id, from: exploit.from, against, url: url.href, origin: url.origin, startedAt: new Date(),
    state: "running", phase: null, outcome: null, headline: null, summary: null, log: null, fetches: [],
    // The page's own calls are part of the attack where it shows itself through them.
    origins: new Set([url.origin, "null"].concat(scenario.attack.calls.length ? [PAGE_ORIGIN] : [])),
    floor: Math.max(newestExchangeId(), newestRead),
    window: null, timer: 0, onChange,
  };
  attack.window = window.open(url.href, "corslab-exploit-" + run);
  if (!attack.window) {
    attack.state = "blocked";
    return attack;
  }
  running.add(attack);
  attack.timer = window.setInterval(() => {
    if (attack.window.closed) conclude(attack, "closed", null);
    else if (Date.now() - attack.startedAt.getTime() > GIVE_UP_MS) conclude(attack, "timeout", null);
  }, CHECK_WINDOW_MS);
  return attack;
}

function runId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/* Only the window this page opened may speak for its attack, from the exploit's origin (or
 * the page's own, where the attack ends on the page's demonstration). Its texts are shown as
 * text, never as markup. */
function onMessage(event) {
  const data = event.data;
  if (!data || typeof data !== "object" || data.corslab !== "exploit") return;
  for (const attack of running) {
    if (event.source !== attack.window || !attack.origins.has(event.origin)) continue;
    if (data.id !== attack.id || data.against !== attack.against) continue;
    if (data.outcome === "succeeded" || data.outcome === "failed") {
      conclude(attack, "done", data);
    } else if (typeof data.phase === "string" && textOf(data.text)) {
      attack.phase = { name: data.phase, text: textOf(data.text) };
      attack.onChange(attack);
    }
  }
}

function textOf(value) {
  if (!value || typeof value.en !== "string") return null;
  return { en: value.en, ja: typeof value.ja === "string" ? value.ja : value.en };
}

async function conclude(attack, state, data) {
  if (!running.delete(attack)) return;
  window.clearInterval(attack.timer);
  if (data) {
    attack.outcome = data.outcome;
    attack.headline = textOf(data.headline);
    attack.summary = textOf(data.summary);
  }
  const [log, exchanges] = await Promise.all([attackerLog(attack), exchangesOf(attack)]);
  attack.log = log;
  attack.fetches = fetches(exchanges);
  attack.state = state;
  attack.onChange(attack);
}

/** This run's entries of the attacker's access log, from its first request on (null for the
 *  page's own demonstration, which no attacker serves, or when the log cannot be read). */
async function attackerLog(attack) {
  if (attack.origin === PAGE_ORIGIN) return null;
  const listing = await getJson(attack.origin + "/log.json?lab=" + encodeURIComponent(VISITOR));
  if (!listing || !Array.isArray(listing.entries)) return null;
  const entries = listing.entries.filter((e) => e && typeof e.url === "string");
  const first = entries.findIndex((e) => e.url.includes("run=" + attack.run));
  return first < 0 ? [] : entries.slice(first).filter((e) => e.url.startsWith("/" + attack.id + "/"));
}

/** The visitor's exchanges since the launch that the attack made: sent from one of its
 *  origins (`Origin`, or the `Referer` of a request that carries none, such as a GET
 *  navigation), or by no browser at all (the attacker's own server). */
async function exchangesOf(attack) {
  const listing = await getJson("/exchanges?lab=" + encodeURIComponent(VISITOR) + "&after=" + attack.floor);
  const all = listing && Array.isArray(listing.exchanges) ? listing.exchanges.filter((e) => e && Number.isSafeInteger(e.id)) : [];
  for (const e of all) newestRead = Math.max(newestRead, e.id);
  return all.filter((e) => {
    const origin = requestHeader(e, "origin");
    if (origin) return attack.origins.has(origin);
    const referer = requestHeader(e, "referer");
    if (referer) return attack.origins.has(originOf(referer));
    return !e.browser;
  });
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch (_) {
    return null;
  }
}

/** Exchanges grouped by fetch, oldest first: a preflight with the request it let through
 *  (the engine names it: `preflight_id`), anything else on its own. */
function fetches(exchanges) {
  const groups = [];
  const byPreflight = new Map();
  for (const e of exchanges.slice().sort((a, b) => a.id - b.id)) {
    const view = e.browser;
    const group = view && view.kind !== "preflight" && byPreflight.get(view.preflight_id);
    if (group) {
      group.push(e);
      continue;
    }
    groups.push([e]);
    if (view && view.kind === "preflight") byPreflight.set(e.id, groups[groups.length - 1]);
  }
  return groups;
}
