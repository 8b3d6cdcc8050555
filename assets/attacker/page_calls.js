// The lab page's own calls, made from the page's origin, which the scenario allows: a
// trap's demonstration, or what the page gets after an attack that harms it. The catalogue
// names the calls (`config.calls`) and those the scenario breaks (`config.broken`): the
// outcome is "succeeded" when exactly those fail (the fetch rejects) and the others get an
// answer, whatever its status.

import { CALLS, urlOf } from "./calls.js";
import { config, finish } from "./common.js";

async function send(name, spec) {
  const credentials = spec.credentials || "same-origin";
  const result = { call: name, request: spec.policySwitch ? `${spec.method} ${new URL(urlOf(spec)).pathname}` : `${spec.method} ${spec.path}`, credentials };
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
const unexpected = calls.filter((r) => rejected(r) !== config.broken.includes(r.call));
const loot = { against: config.against, calls };
const describe = (r) => (rejected(r) ? `${r.request} → ${r.error}` : `${r.request} → ${r.skipped ? "skipped" : `HTTP ${r.status}`}`);
if (unexpected.length === 0) {
  const broken = calls.filter(rejected).map(describe).join("; ");
  finish(true, loot, {
    en: `the page's own calls failed where the scenario breaks them (${broken}); the others got their answers.`,
    ja: `シナリオが壊す呼び出しはページ自身のものでも失敗しました（${broken}）。ほかの呼び出しは応答を受け取りました。`,
  });
} else {
  const list = unexpected.map(describe).join("; ");
  finish(false, loot, {
    en: `not what the scenario breaks: ${list}.`,
    ja: `シナリオが壊すとおりにはなりませんでした: ${list}。`,
  });
}
