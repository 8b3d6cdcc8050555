// A refresh token where an access token is required: the attacker's own refresh token,
// meant only for /api/token/refresh/ and valid for a day, sent to /api/protected/.

import { config, finish } from "./common.js";
import { attackerTokens, conclude, useToken } from "./tokens.js";

try {
  const refresh = (await attackerTokens()).refresh;
  const used = await useToken(refresh);
  await conclude({ against: config.against, token: refresh, used }, (body) => body.claims && body.claims.token_type === "refresh", {
    en: "a refresh token, valid for a day and meant only for /api/token/refresh/, opened /api/protected/: whoever holds a leaked one has the API for a day.",
    ja: "1 日有効で /api/token/refresh/ 専用のはずのリフレッシュトークンで /api/protected/ が開きました。漏れたものを持つ人は 1 日 API を使えます。",
  });
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}
