// The attacker's own server, as the exploit pages use it: its HTTP client (`relay`: what a
// real attacker does with curl, no browser involved, so no CORS and no cookies but the ones
// it sends itself), its own account on the lab, and the lab's referee (what the API received
// from this page, for the attacks that cannot see their own effect).

import { apiUrl, config } from "./common.js";

function ownUrl(what, params = {}) {
  const url = new URL(`/${config.id}/${what}`, location.origin);
  if (config.lab) url.searchParams.set("lab", config.lab);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/**
 * Sends `method path` to the attacked mount from the attacker's own server. Resolves to
 * `{status, headers, body, json}` (`json`: the body parsed, or null).
 */
export async function relay(method, path, { headers = [], body = null } = {}) {
  const res = await fetch(ownUrl("relay"), {
    method: "POST",
    headers: { "Content-Type": "text/plain" },
    body: JSON.stringify({ method, url: apiUrl(path, "omit"), headers, body }),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.detail);
  try {
    answer.json = JSON.parse(answer.body);
  } catch {
    answer.json = null;
  }
  return answer;
}

/** The value an answer's `Set-Cookie` gives cookie `name`, or null. */
export function cookieSet(answer, name) {
  for (const [header, value] of answer.headers) {
    if (header !== "set-cookie") continue;
    const [pair] = value.split(";");
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return null;
}

/** A JSON POST from the attacker's server. */
export function postJson(path, value, headers = []) {
  return relay("POST", path, { headers: [["Content-Type", "application/json"], ...headers], body: JSON.stringify(value) });
}

/** The attacker's own username and password, for the attacked mount's login and token views. */
export const account = { username: config.account.username, password: config.account.password };

/** What the API received from this attacker's pages since `since` (ms since the epoch). */
export async function refereeSince(since) {
  const res = await fetch(ownUrl("referee", { since: String(since) }));
  return res.ok ? (await res.json()).seen : [];
}

/** Waits up to `ms` until the referee has seen a request `matches`; resolves to it or null. */
export async function refereeWaitFor(since, matches, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const found = (await refereeSince(since)).find(matches);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}
