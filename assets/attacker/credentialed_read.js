// A credentialed read: fetch the visitor's session data and a CSRF token with their cookies
// (`credentials: "include"`). It works only if the API's CORS answer names this page's
// origin and allows credentials; otherwise the browser withholds both responses.

import { apiUrl, config, finish, report } from "./common.js";

async function read(path) {
  try {
    const res = await fetch(apiUrl(path, "include"), { credentials: "include" });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

const session = await read("/api/session-data/");
const csrf = await read("/api/csrf/");
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
