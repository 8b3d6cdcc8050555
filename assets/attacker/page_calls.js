// The lab page's own calls, made from the page's origin, which the scenario allows: a
// trap's demonstration, or what the page gets after an attack that harms it. The catalogue
// names the calls (`config.calls`) and those the scenario breaks (`config.broken`): the
// outcome is "succeeded" when exactly those fail (the fetch rejects) and the others get an
// answer, whatever its status.

import { CALLS, urlOf } from "./calls.js";
import { config, finish } from "./common.js";

async function send(name, spec) {
  const credentials = spec.credentials || "same-origin";
  const url = new URL(urlOf(spec));
  // The lab's tag is left out; any other query (a URL not preflighted yet) is shown.
  url.searchParams.delete("lab");
  const result = { call: name, request: `${spec.method} ${url.pathname}${url.search}`, credentials };
  if (spec.policySwitch && config.against === "default") {
    return { ...result, skipped: "the default mount's policy never changes" };
  }
  const init = { method: spec.method, credentials };
  if (spec.headers) init.headers = spec.headers;
  if (spec.body) init.body = spec.body;
  try {
    const res = await fetch(urlOf(spec), init);
    return { ...result, status: res.status, body: await res.json().catch(() => null) };
  } catch (e) {
    return { ...result, error: `${e.name}: ${e.message}` };
  }
}

const state = { access: null };
const calls = [];
for (const name of config.calls) {
  const result = await send(name, CALLS[name](state));
  if (name === "token" && result.body && result.body.access) state.access = result.body.access;
  calls.push(result);
}

const rejected = (r) => "error" in r;
const ja = config.lang === "ja";

/** One line per call, above the full results: what was sent, what came back. */
function show(results) {
  const list = document.createElement("ol");
  for (const r of results) {
    const item = document.createElement("li");
    const got = rejected(r) ? r.error : r.skipped ? (ja ? "省略" : "skipped") : `HTTP ${r.status}`;
    const mark = config.broken.includes(r.call) ? (ja ? "（シナリオが壊す呼び出し）" : " (the call the scenario breaks)") : "";
    item.textContent = `${r.request} (credentials: ${r.credentials}) → ${got}${mark}`;
    list.append(item);
  }
  document.getElementById("loot").before(list);
}
const unexpected = calls.filter((r) => rejected(r) !== config.broken.includes(r.call));
const loot = { against: config.against, calls };
const describe = (r) => (rejected(r) ? `${r.request} → ${r.error}` : `${r.request} → ${r.skipped ? "skipped" : `HTTP ${r.status}`}`);
show(calls);
if (unexpected.length === 0) {
  const broken = calls.filter(rejected).map(describe).join("; ");
  finish(true, loot, {
    en: `the calls this scenario breaks failed (${broken}), though they came from the page's own origin; the others got their answers.`,
    ja: `ページ自身のオリジンからなのに、このシナリオが壊す呼び出しは失敗しました（${broken}）。ほかの呼び出しは応答を受け取りました。`,
  });
} else {
  const list = unexpected.map(describe).join("; ");
  finish(false, loot, {
    en: `not what the scenario breaks: ${list}.`,
    ja: `シナリオが壊すとおりにはなりませんでした: ${list}。`,
  });
}
