// A credentialed read: fetch the visitor's session data and a CSRF token with their cookies
// (`credentials: "include"`). It works only if the API's CORS answer names this page's
// origin and allows credentials; otherwise the browser withholds both responses.

import { apiUrl, config, finish, readWithCookies, report } from "./common.js";

const session = await readWithCookies(apiUrl("/api/session-data/", "include"));
const csrf = await readWithCookies(apiUrl("/api/csrf/", "include"));
const loot = { against: config.against, session, csrf };
await report(loot);
const username = session.body && session.body.username;
const token = csrf.body && csrf.body.csrfToken;
if (username && token) {
  finish(true, loot, {
    en: `read your username (${username}) and a valid CSRF token.`,
    ja: `あなたのユーザー名（${username}）と有効な CSRF トークンを読み取りました。`,
  });
} else {
  const why = session.error || csrf.error || `HTTP ${session.status}`;
  finish(false, loot, {
    en: `the browser gave this page nothing it could read (${why}).`,
    ja: `ブラウザーはこのページに読めるものを何も渡しませんでした（${why}）。`,
  });
}
