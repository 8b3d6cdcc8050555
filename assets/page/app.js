/* corslab lab page.
 *
 * Plain ES2020, no framework, no build step. The page is served with a strict CSP
 * (script-src 'self', style-src 'self', connect-src <API origin>), so there is no inline
 * script or style anywhere, and nothing from the network or from inputs ever reaches
 * innerHTML: all DOM is built with createElement + textContent.
 *
 * Layout of this file:
 *   1. i18n        t() over messages.js (en/ja, dotted keys), language choice
 *   2. config      API origin from <meta name="corslab-api">, origin comparison, the
 *                  visitor id and the `lab=` tag every request URL carries
 *   3. state       tokens, CSRF history, latest result per experiment
 *   4. experiments EXPERIMENTS table: key -> card, button, build(), after(); the composer
 *   5. fetch       runExperiment(key) -> sendRequest(req) -> record -> renderResult()
 *                  and a "corslab:exchange" DOM event once the run is complete
 *   6. feed        the server's exchange log (EventSource) and matching exchanges to runs
 *   7. rendering   results, JWT panel, CSRF comparison, document.cookie
 *   8. diagram     the sequence diagram of one run (HTML + CSS grid) and its text steps
 *   9. verdict     the browser's verdict as the server computed it
 *  10. start-up
 */
"use strict";

(function corslabPage() {

  /* ------------------------------------------------------------------------------------
   * 1. i18n
   *
   * The texts live in messages.js (CORSLAB_MESSAGES, loaded first); here: t(), rich text
   * with `code`, the check that both languages have the same keys, the language choice.
   * ---------------------------------------------------------------------------------- */

  const MESSAGES = CORSLAB_MESSAGES;

  const LANGS = ["en", "ja"];
  const LANG_STORAGE_KEY = "corslab.lang";
  let currentLang = "en";

  /** Look a key up in the current language, falling back to English, then to the key.
   *  {page} and {api} are always available (the two origins). */
  function t(key, vars) {
    const table = MESSAGES[currentLang] || MESSAGES.en;
    const text = Object.prototype.hasOwnProperty.call(table, key) ? table[key]
      : Object.prototype.hasOwnProperty.call(MESSAGES.en, key) ? MESSAGES.en[key] : key;
    const all = Object.assign({ page: PAGE_ORIGIN, api: API_ORIGIN || API_META }, vars);
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(all, name) ? String(all[name]) : whole);
  }

  /** Fill el with text where `backticks` become <code> — built as nodes, never as HTML. */
  function setRichText(el, text) {
    el.replaceChildren();
    const parts = text.split("`");
    parts.forEach((part, i) => {
      if (part === "") return;
      if (i % 2 === 1) {
        el.append(makeEl("code", null, part));
      } else {
        el.append(document.createTextNode(part));
      }
    });
  }

  /** Rich text for a dictionary key, as a new element. */
  function richEl(tag, className, key, vars) {
    return richText(tag, className, t(key, vars));
  }

  /** Rich text from a string that is not in the dictionary (the server's {en, ja} texts). */
  function richText(tag, className, text) {
    const el = makeEl(tag, className);
    setRichText(el, text);
    return el;
  }

  function hasMessage(key) {
    return Object.prototype.hasOwnProperty.call(MESSAGES.en, key);
  }

  /** Both languages must define the same keys. Drift is logged as an error, so the
   *  browser tests, which fail on any console error of the page's own, catch it. */
  function checkDictionary() {
    const en = Object.keys(MESSAGES.en);
    const ja = Object.keys(MESSAGES.ja);
    const missingJa = en.filter((k) => !(k in MESSAGES.ja));
    const missingEn = ja.filter((k) => !(k in MESSAGES.en));
    if (missingJa.length || missingEn.length) {
      console.error("corslab i18n: keys missing", { ja: missingJa, en: missingEn });
    }
  }

  /** Stored choice first, then the first supported entry of navigator.languages. */
  function pickInitialLanguage() {
    const stored = readStoredLanguage();
    if (stored) return stored;
    const prefs = (navigator.languages && navigator.languages.length)
      ? navigator.languages : [navigator.language || "en"];
    for (const tag of prefs) {
      const lower = String(tag).toLowerCase();
      if (lower === "ja" || lower.startsWith("ja-")) return "ja";
      if (lower === "en" || lower.startsWith("en-")) return "en";
    }
    return "en";
  }

  // localStorage can throw (blocked storage, private modes): the page must work without it.
  function readStoredLanguage() {
    try {
      const value = window.localStorage.getItem(LANG_STORAGE_KEY);
      return LANGS.includes(value) ? value : null;
    } catch (_) {
      return null;
    }
  }

  function storeLanguage(lang) {
    try {
      window.localStorage.setItem(LANG_STORAGE_KEY, lang);
    } catch (_) {
      /* not persisted; the switch still works for this visit */
    }
  }

  /** Switch every string on the page, including results already shown. */
  function setLanguage(lang) {
    currentLang = LANGS.includes(lang) ? lang : "en";
    document.documentElement.lang = currentLang;
    document.title = t("meta.title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      setRichText(el, t(el.dataset.i18n));
    }
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    }
    renderLangToggle();
    renderOrigins();
    renderFeedStatus();
    quietly(rerenderAll);
  }

  /* Re-rendering results in the other language must not make screen readers read every
   * result again: live regions are switched off for the swap and back on afterwards
   * (the accessibility tree is updated asynchronously, hence the delay). */
  let liveRestoreTimer = 0;
  function quietly(fn) {
    const regions = document.querySelectorAll(".results, .notice");
    for (const el of regions) el.setAttribute("aria-live", "off");
    fn();
    window.clearTimeout(liveRestoreTimer);
    liveRestoreTimer = window.setTimeout(() => {
      for (const el of regions) el.setAttribute("aria-live", "polite");
    }, 300);
  }

  /* The toggle names the *other* language in that language (a common pattern readers of
   * either language recognise); its accessible name starts with the visible text so
   * speech-input users can say what they see (WCAG 2.5.3), and lang= makes screen
   * readers pronounce it correctly. */
  function renderLangToggle() {
    const btn = byId("lang-toggle");
    btn.textContent = t("lang.toggle");
    btn.lang = t("lang.toggleLang");
    btn.setAttribute("aria-label", t("lang.toggleLabel"));
  }

  function toggleLanguage() {
    const next = currentLang === "ja" ? "en" : "ja";
    storeLanguage(next);
    setLanguage(next);
  }

  /* ------------------------------------------------------------------------------------
   * 2. config: the API origin comes from the page's <meta>; the server fills it in.
   * ---------------------------------------------------------------------------------- */

  const PAGE_ORIGIN = window.location.origin;
  const API_META = (document.querySelector('meta[name="corslab-api"]') || {}).content || "";
  const API_ORIGIN = parseOrigin(API_META);
  const FETCH_TIMEOUT_MS = 20000;

  /* The visitor id names this tab's exchanges in the server's log. It is made once per tab
   * (sessionStorage) and goes into the URL, never into a header or cookie: a custom header
   * would itself trigger a preflight, and a preflight carries no cookies. */
  const VISITOR_STORAGE_KEY = "corslab.visitor";
  const VISITOR_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const VISITOR = loadVisitorId();

  function loadVisitorId() {
    try {
      const stored = window.sessionStorage.getItem(VISITOR_STORAGE_KEY);
      if (stored && VISITOR_PATTERN.test(stored)) return stored;
    } catch (_) {
      /* storage blocked: a fresh id per page load still works */
    }
    const id = randomId(22);
    try {
      window.sessionStorage.setItem(VISITOR_STORAGE_KEY, id);
    } catch (_) {
      /* not persisted */
    }
    return id;
  }

  /** 22 chars of a 64-letter alphabet = 132 random bits; `& 63` keeps it uniform. */
  function randomId(length) {
    const bytes = new Uint8Array(length);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => ID_ALPHABET[b & 63]).join("");
  }

  /** `lab=<visitor>.<credentials>`: the server cannot see the credentials mode on the wire. */
  function labTag(credentials) {
    return "lab=" + VISITOR + "." + credentials;
  }

  /** The URL with the tag appended to its query (before any fragment). The tag is the same
   *  for every request of this tab with the same credentials mode, so Chromium's preflight
   *  cache, keyed by URL, behaves exactly as it would without it. */
  function taggedUrl(url, credentials) {
    const hash = url.indexOf("#");
    const base = hash < 0 ? url : url.slice(0, hash);
    const fragment = hash < 0 ? "" : url.slice(hash);
    const separator = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
    return base + separator + labTag(credentials) + fragment;
  }

  /** A usable origin, or null (e.g. the placeholder was not replaced). */
  function parseOrigin(value) {
    if (!/^https?:\/\//i.test(value)) return null;
    try {
      const origin = new URL(value).origin;
      return origin === "null" ? null : origin;
    } catch (_) {
      return null;
    }
  }

  /** Which origin parts differ, and whether the two are same-site, as far as we can tell
   *  without the Public Suffix List (null = depends on the registrable domain). */
  function compareOrigins(a, b) {
    const ua = new URL(a);
    const ub = new URL(b);
    const differs = [];
    if (ua.protocol !== ub.protocol) differs.push("scheme");
    if (ua.hostname !== ub.hostname) differs.push("host");
    if (ua.port !== ub.port) differs.push("port");
    let sameSite = null;
    if (ua.protocol !== ub.protocol) {
      sameSite = false; // schemeful same-site
    } else if (ua.hostname === ub.hostname) {
      sameSite = true;
    } else if (isIpOrSingleLabel(ua.hostname) || isIpOrSingleLabel(ub.hostname)) {
      sameSite = false; // 127.0.0.1 vs localhost, two IPs: never the same site
    }
    return { differs, sameSite };
  }

  function isIpOrSingleLabel(host) {
    return !host.includes(".") || /^[\d.]+$/.test(host) || host.startsWith("[");
  }

  function renderOrigins() {
    byId("page-origin").textContent = PAGE_ORIGIN;
    byId("api-origin").textContent = API_ORIGIN || API_META;
    const verdict = byId("origin-verdict");
    const error = byId("config-error");
    if (!API_ORIGIN) {
      verdict.replaceChildren();
      error.hidden = false;
      error.textContent = t("header.configError", { value: API_META });
      return;
    }
    error.hidden = true;
    setRichText(byId("lab-tag"), t("lab.tag", { visitor: "`" + VISITOR + "`" }));
    const { differs, sameSite } = compareOrigins(PAGE_ORIGIN, API_ORIGIN);
    if (differs.length === 0) {
      setRichText(verdict, t("header.verdictSame"));
      return;
    }
    const partKey = { scheme: "header.partScheme", host: "header.partHost", port: "header.partPort" };
    const parts = differs.map((p) => t(partKey[p])).join(t("header.partJoin"));
    const key = sameSite === true ? "header.verdictCrossSameSite"
      : sameSite === false ? "header.verdictCrossCrossSite" : "header.verdictCrossUnknownSite";
    setRichText(verdict, t(key, { parts }));
  }

  /* ------------------------------------------------------------------------------------
   * 3. state (memory only: nothing sensitive goes to storage)
   * ---------------------------------------------------------------------------------- */

  const state = {
    /** Latest record per experiment key (see sendRequest for the shape). */
    results: new Map(),
    /** Key of the most recent result, marked "latest" in its card. */
    latestKey: null,
    /** Keys with a request in flight: a second click is ignored, not queued. */
    inFlight: new Set(),
    /** Counts runs; each result section carries its run's number (data-run). */
    runs: 0,
    /** Per card: a notice shown above its results ({ key, vars } or null). */
    notices: { cookie: null, composer: null },
    jwt: { access: null, refresh: null, source: null },
    csrf: {
      current: null, // masked token sent as X-CSRFToken
      stale: null, // the token in use right before the last successful login
      history: [], // { at, source, token } newest first, capped
    },
  };
  const CSRF_HISTORY_MAX = 6;

  /* ------------------------------------------------------------------------------------
   * 4. experiments
   *
   * build() returns a request description { method, path, credentials?, headers?, body? }
   * (or null to skip with a notice); after(record) updates state from the outcome.
   * The order here is the order results appear in within a card.
   * ---------------------------------------------------------------------------------- */

  const EXPERIMENTS = {
    hello: { card: "hello", build: () => ({ method: "GET", path: "/api/hello/" }) },
    "users-post": { card: "users", build: buildUsersPost, notes: notesUsersPost },
    "users-list": { card: "users", build: () => ({ method: "GET", path: "/api/users/" }) },
    token: { card: "jwt", build: buildToken, after: afterToken },
    protected: { card: "jwt", build: buildProtected, notes: notesProtected },
    refresh: { card: "jwt", build: buildRefresh, after: afterRefresh, notes: notesRefresh },
    csrf: { card: "cookie", build: () => ({ method: "GET", path: "/api/csrf/", credentials: "include" }), after: afterCsrf },
    login: { card: "cookie", build: buildLogin, after: afterLogin, notes: notesCsrfChecked },
    session: { card: "cookie", build: () => ({ method: "GET", path: "/api/session-data/", credentials: "include" }), notes: notesSession },
    logout: { card: "cookie", build: () => buildLogout(state.csrf.current), notes: notesCsrfChecked },
    "stale-logout": { card: "cookie", build: buildStaleLogout, notes: notesStaleLogout },
    blocked: { card: "blocked", build: () => ({ method: "GET", path: "/without-cors/api/hello/" }), notes: notesBlocked },
    "blocked-post": { card: "blocked", build: buildBlockedPost, notes: notesBlocked },
    composer: { card: "composer", build: buildComposer, notes: notesComposer },
  };

  function buildUsersPost() {
    return {
      method: "POST",
      path: "/api/users/",
      headers: { "Content-Type": "application/json" },
      body: { username: byId("user-username").value, email: byId("user-email").value },
    };
  }

  function buildToken() {
    return {
      method: "POST",
      path: "/api/token/",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: { username: byId("jwt-username").value, password: byId("jwt-password").value },
    };
  }

  // Without a token the call still goes out (without Authorization): the 401 teaches too.
  function buildProtected() {
    const headers = {};
    if (state.jwt.access) headers.Authorization = "Bearer " + state.jwt.access;
    return { method: "GET", path: "/api/protected/", credentials: "omit", headers };
  }

  function buildRefresh() {
    return {
      method: "POST",
      path: "/api/token/refresh/",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: { refresh: state.jwt.refresh || "" },
    };
  }

  // Without a CSRF token the header is left out, so Django's refusal can be seen.
  function buildLogin() {
    const headers = { "Content-Type": "application/json" };
    if (state.csrf.current) headers["X-CSRFToken"] = state.csrf.current;
    return {
      method: "POST",
      path: "/api/login/",
      credentials: "include",
      headers,
      body: { username: byId("login-username").value, password: byId("login-password").value },
    };
  }

  function buildLogout(token) {
    const headers = {};
    if (token) headers["X-CSRFToken"] = token;
    return { method: "POST", path: "/api/logout/", credentials: "include", headers };
  }

  function buildStaleLogout() {
    if (!state.csrf.stale) {
      showNotice("cookie", "cookie.staleNone");
      return null;
    }
    return buildLogout(state.csrf.stale);
  }

  function buildBlockedPost() {
    const name = randomUsername("blocked");
    return {
      method: "POST",
      path: "/without-cors/api/users/",
      headers: { "Content-Type": "application/json" },
      body: { username: name, email: name + "@example.com" },
    };
  }

  /* The composer ---------------------------------------------------------------------- */

  /* Presets fill the form; sending stays a separate, deliberate step. Each one shows one
   * rule: an unsafe method or header, method case, no-cors, a request that never leaves,
   * a simple POST that reaches a server without CORS, and the 128-byte value limit. */
  const COMPOSER_PRESETS = {
    propfind: { path: "/api/hello/", method: "PROPFIND" },
    "x-custom": { path: "/api/hello/", headers: "X-Custom: hello" },
    "patch-lowercase": { path: "/api/users/", method: "patch", headers: "Content-Type: application/json", body: "{}" },
    "no-cors": { path: "/without-cors/api/hello/", mode: "no-cors" },
    "put-no-cors": { path: "/api/users/", method: "PUT", mode: "no-cors" },
    "text-plain": {
      path: "/without-cors/api/users/", method: "POST", headers: "Content-Type: text/plain",
      body: '{"username": "text-plain-demo"}',
    },
    "accept-long": { path: "/api/hello/", headers: "Accept: application/json, " + "text/plain;q=0.9, ".repeat(6) + "*/*;q=0.1" },
    "json-without-cors": {
      path: "/without-cors/api/users/", method: "POST", headers: "Content-Type: application/json",
      body: '{"username": "json-demo", "email": "json-demo@example.com"}',
    },
  };

  function applyPreset(name) {
    const preset = COMPOSER_PRESETS[name];
    if (!preset) return;
    byId("composer-path").value = preset.path;
    byId("composer-method").value = preset.method || "GET";
    byId("composer-headers").value = preset.headers || "";
    byId("composer-body").value = preset.body || "";
    byId("composer-credentials").value = preset.credentials || "same-origin";
    byId("composer-mode").value = preset.mode || "cors";
    setComposerInvalid(null);
    showNotice("composer", "composer.filled", { name: t("preset." + name) });
  }

  /* Only the page's own mistakes are refused here (a path off the API origin, a header line
   * without a colon). Everything fetch() itself rejects is sent to fetch(), because seeing
   * that rejection is part of the lesson. */
  function buildComposer() {
    setComposerInvalid(null);
    const path = byId("composer-path").value.trim();
    if (!isApiPath(path)) return refuseComposer("composer-path", "composer.pathInvalid");
    if (/[?&]lab=/.test(path.split("#")[0])) return refuseComposer("composer-path", "composer.pathLab");
    const headers = parseHeaderLines(byId("composer-headers").value);
    if (headers.error) return refuseComposer("composer-headers", "composer.headerLine", headers.error);

    const method = byId("composer-method").value.trim() || "GET";
    const bodyText = byId("composer-body").value;
    const bodyAllowed = !["GET", "HEAD"].includes(method.toUpperCase());
    return {
      method,
      path,
      credentials: byId("composer-credentials").value,
      mode: byId("composer-mode").value,
      headers: headers.pairs,
      body: bodyText !== "" && bodyAllowed ? bodyText : undefined,
      bodyIgnored: bodyText !== "" && !bodyAllowed,
    };
  }

  /** A path on the API origin: one leading slash ("//host" would leave it). */
  function isApiPath(path) {
    if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return false;
    try {
      return new URL(path, API_ORIGIN).origin === API_ORIGIN;
    } catch (_) {
      return false;
    }
  }

  /** "Name: value" lines -> [[name, value]] (blank lines skipped), or the first bad line. */
  function parseHeaderLines(text) {
    const pairs = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.trim() === "") continue;
      const colon = line.indexOf(":");
      if (colon <= 0) return { error: { n: i + 1, line: line.trim() } };
      pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    return { pairs };
  }

  /** A page-side refusal: mark the field, say why (role=status), and go there to fix it. */
  function refuseComposer(fieldId, key, vars) {
    setComposerInvalid(fieldId);
    showNotice("composer", key, vars);
    byId(fieldId).focus();
    return null;
  }

  function setComposerInvalid(fieldId) {
    for (const id of ["composer-path", "composer-headers"]) {
      if (id === fieldId) byId(id).setAttribute("aria-invalid", "true");
      else byId(id).removeAttribute("aria-invalid");
    }
  }

  function afterToken(record) {
    const body = okJson(record);
    if (body && typeof body.access === "string") {
      state.jwt.access = body.access;
      state.jwt.refresh = typeof body.refresh === "string" ? body.refresh : null;
      state.jwt.source = "source.token";
    }
  }

  function afterRefresh(record) {
    const body = okJson(record);
    if (body && typeof body.access === "string") {
      state.jwt.access = body.access;
      // simplejwt only returns a new refresh token when rotation is on; keep ours otherwise.
      if (typeof body.refresh === "string") state.jwt.refresh = body.refresh;
      state.jwt.source = "source.refresh";
    }
  }

  function afterCsrf(record) {
    const body = okJson(record);
    if (body && typeof body.csrfToken === "string") {
      state.csrf.current = body.csrfToken;
      rememberCsrfToken(body.csrfToken, "source.csrf");
    }
  }

  /* Login rotated the secret: the token we sent is now stale (kept for the demo button)
   * and the one in the response is the only one that works from now on. */
  function afterLogin(record) {
    const body = okJson(record);
    if (body && typeof body.csrfToken === "string") {
      state.csrf.stale = record.request.headers["X-CSRFToken"] || null;
      state.csrf.current = body.csrfToken;
      rememberCsrfToken(body.csrfToken, "source.login");
      showNotice("cookie", "cookie.switched");
    }
  }

  function rememberCsrfToken(token, source) {
    state.csrf.history.unshift({ at: new Date(), source, token });
    state.csrf.history.length = Math.min(state.csrf.history.length, CSRF_HISTORY_MAX);
  }

  /* Per-experiment notes: dictionary keys (with vars) explaining this particular outcome. */

  function notesUsersPost(record) {
    if (record.outcome === "ok") return [["note.created"]];
    if (errorCode(record) === "username_taken") return [["note.usernameTaken"]];
    return [];
  }

  function notesProtected(record) {
    if (!record.request.headers.Authorization) return [["note.noAccess"]];
    if (errorCode(record) === "token_expired") return [["note.tokenExpired"]];
    return [];
  }

  function notesRefresh(record) {
    return record.request.body.refresh ? [] : [["note.noRefresh"]];
  }

  function notesCsrfChecked(record) {
    const notes = [];
    if (!record.request.headers["X-CSRFToken"]) notes.push(["note.csrfMissing"]);
    const body = record.response && record.response.json;
    if (errorCode(record) === "csrf_failed" && body && typeof body.reason === "string") {
      notes.push(["note.csrfFailed", { reason: body.reason }]);
    }
    return notes;
  }

  function notesStaleLogout(record) {
    return record.response && record.response.status === 403 ? [["note.stale"]] : notesCsrfChecked(record);
  }

  function notesSession(record) {
    return errorCode(record) === "not_authenticated" ? [["note.notLoggedIn"]] : [];
  }

  /* What the server's log proves, when it has the run; the general explanation otherwise. */
  function notesBlocked(record) {
    if (record.outcome !== "network-error") return [["note.blockedUnexpected"]];
    const wire = summarizeWire(record);
    if (record.key === "blocked" && wire.request) return [["note.blockedLogged", { status: wire.request.status }]];
    if (record.key === "blocked-post" && wire.preflight && !wire.request) {
      return [["note.blockedPostLogged", { status: wire.preflight.status }]];
    }
    return [["note." + record.key]];
  }

  function notesComposer(record) {
    const req = record.request;
    const notes = [];
    if (req.wireMethod !== req.method) {
      notes.push(["note.methodUppercased", { typed: req.method, sent: req.wireMethod }]);
    } else if (req.method !== req.method.toUpperCase()) {
      notes.push(["note.methodKept", { typed: req.method }]);
    }
    if (req.bodyIgnored) notes.push(["note.bodyIgnored"]);
    if (record.outcome === "opaque") notes.push(["note.opaque"]);
    return notes;
  }

  /** Notes every experiment can get, after its own. */
  function commonNotes(record) {
    const notes = [];
    // The diagram and the verdict explain a request that never left, or a CORS block,
    // better than this general hint.
    if (record.outcome === "network-error" && !record.notSent && !record.key.startsWith("blocked")
        && summarizeWire(record).outcome !== "blocked") {
      if (record.error && (record.error.name === "TimeoutError" || record.error.name === "AbortError")) {
        notes.push(["result.abortHint", { s: FETCH_TIMEOUT_MS / 1000 }]);
      } else {
        notes.push(["result.networkHint", { api: API_ORIGIN, page: PAGE_ORIGIN }]);
      }
    }
    if (record.response && record.response.status === 429) notes.push(["note.rateLimited"]);
    return notes;
  }

  function okJson(record) {
    return record.outcome === "ok" && record.response.json && typeof record.response.json === "object"
      ? record.response.json : null;
  }

  function errorCode(record) {
    const body = record.response && record.response.json;
    return body && typeof body === "object" && typeof body.code === "string" ? body.code : null;
  }

  /* ------------------------------------------------------------------------------------
   * 5. fetch: the one path every experiment takes
   * ---------------------------------------------------------------------------------- */

  /**
   * Run one experiment: build its request, send it, wait until the server's log has the
   * run (see section 6), keep and render the record, tell listeners through the
   * "corslab:exchange" event on document, whose detail is the record. The button stays
   * busy, and a second click is ignored, until the run is complete.
   */
  async function runExperiment(key) {
    const experiment = EXPERIMENTS[key];
    if (!experiment || state.inFlight.has(key) || !API_ORIGIN) return null;
    showNotice(experiment.card, null);
    const spec = experiment.build();
    if (!spec) {
      renderCardState();
      return null;
    }
    const button = buttonFor(key);
    state.inFlight.add(key);
    setBusy(button, true);
    markRunStarted(key);
    try {
      const record = await sendRequest(key, spec);
      record.run = ++state.runs;
      if (experiment.after) experiment.after(record);
      state.results.set(key, record);
      state.latestKey = key;
      renderResult(record);
      renderCardState();
      document.dispatchEvent(new CustomEvent("corslab:exchange", { detail: record }));
      return record;
    } finally {
      state.inFlight.delete(key);
      setBusy(button, false);
    }
  }

  /** The previous result stays visible during a new run, but no longer claims to be complete. */
  function markRunStarted(key) {
    const section = byId("result-" + key);
    if (section) section.dataset.runComplete = "false";
  }

  /**
   * Send a request and describe what happened, never throwing:
   * { key, request: {method, wireMethod, url, credentials, mode, headers, body, bodyIgnored,
   *                  sentHeaderNames},
   *   startedAt, durationMs, outcome: "ok" | "http-error" | "opaque" | "network-error",
   *   response: {status, statusText, type, headers: [[name, value]], bodyText, json} | null,
   *   error: {name, message} | null, notSent, exchanges: [server exchanges], feedState }
   * headers is an object (experiments) or [[name, value]] (the composer); body an object
   * sent as JSON, or a string sent as-is.
   */
  async function sendRequest(key, spec) {
    const request = {
      method: spec.method,
      wireMethod: spec.method,
      url: taggedUrl(API_ORIGIN + spec.path, spec.credentials || "same-origin"),
      credentials: spec.credentials, // undefined = the fetch default ("same-origin")
      mode: spec.mode, // undefined = the fetch default ("cors")
      headers: spec.headers || {},
      body: spec.body,
      bodyIgnored: Boolean(spec.bodyIgnored),
      sentHeaderNames: null,
    };
    const init = { method: request.method, headers: request.headers };
    if (request.credentials) init.credentials = request.credentials;
    if (request.mode) init.mode = request.mode;
    if (request.body !== undefined) {
      init.body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    }

    const record = {
      key, request, startedAt: new Date(), durationMs: 0,
      outcome: "network-error", response: null, error: null,
      notSent: false, exchanges: [], feedState: null,
    };
    const checked = checkRequest(request.url, init);
    let run = null;
    if (checked) {
      request.wireMethod = checked.method;
      request.sentHeaderNames = checked.headerNames;
      run = await watchRun(checked.method, checked.path);
    } else {
      record.notSent = true;
    }

    init.signal = timeoutSignal(FETCH_TIMEOUT_MS);
    const started = performance.now();
    try {
      // When checkRequest failed this still calls fetch(), to show its own rejection.
      const res = await fetch(request.url, init);
      const bodyText = await res.text();
      record.response = {
        status: res.status,
        statusText: res.statusText,
        type: res.type,
        headers: Array.from(res.headers.entries()),
        bodyText,
        json: parseJson(bodyText),
      };
      record.outcome = res.type === "opaque" ? "opaque" : res.ok ? "ok" : "http-error";
    } catch (err) {
      // A CORS block and an unreachable server look identical here, by design.
      record.error = { name: (err && err.name) || "Error", message: (err && err.message) || String(err) };
    }
    record.durationMs = Math.round(performance.now() - started);
    if (run) record.exchanges = await settleRun(run);
    record.feedState = feed.state;
    return record;
  }

  /* new Request() runs fetch()'s own checks (method, header names, no-cors limits, a body
   * on GET) without sending anything. If it throws, nothing will reach the network.
   * Otherwise it tells what will: the normalized method, the URL as parsed (the server
   * logs path + query exactly so), and the header names that survive the browser's guard. */
  function checkRequest(url, init) {
    try {
      const req = new Request(url, init);
      const parsed = new URL(req.url);
      return { method: req.method, path: parsed.pathname + parsed.search, headerNames: Array.from(req.headers.keys()) };
    } catch (_) {
      return null;
    }
  }

  function timeoutSignal(ms) {
    return typeof AbortSignal !== "undefined" && typeof AbortSignal.timeout === "function"
      ? AbortSignal.timeout(ms) : undefined;
  }

  function parseJson(text) {
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch (_) {
      return undefined;
    }
  }

  /* ------------------------------------------------------------------------------------
   * 6. feed: the server's log of this tab's exchanges
   *
   * The API records every request whose URL carries our tag, preflights included, each
   * with the verdict its engine computed, and the page origin streams them (SSE). A run
   * owns the exchanges that arrive after it started, for its URL, with its method (the
   * request) or asking for its method (the preflight). It is complete when its request
   * arrives, or its preflight was blocked (no request will come), or FEED_SETTLE_MS after
   * fetch() settled (nothing reached the server, or the log is not connected).
   * ---------------------------------------------------------------------------------- */

  const FEED_SETTLE_MS = 2000;
  const FEED_BACKFILL_TIMEOUT_MS = 5000;
  const FEED_RETRY_MIN_MS = 2000;
  const FEED_RETRY_MAX_MS = 30000;

  const feed = {
    state: "connecting", // connecting | open | reconnecting
    maxId: 0, // the highest exchange id seen
    retryMs: FEED_RETRY_MIN_MS,
    opened: false, // a stream has been open before (so the next "open" is a reconnect)
    ready: Promise.resolve(), // settles once maxId reflects the log as it was at load
    runs: new Set(), // runs waiting for their exchanges
  };

  function startFeed() {
    feed.ready = backfillFeed().then(connectFeed);
  }

  /* The stream replays the log from `after`. Reading the newest id first means a click
   * right after a reload cannot take an old exchange for its own. */
  async function backfillFeed() {
    const newest = await newestExchangeId();
    if (newest !== null) noteExchangeId(newest);
  }

  /** The newest id in this visitor's log (0 when empty), or null if the log is unreachable. */
  async function newestExchangeId() {
    try {
      const res = await fetch("/exchanges?lab=" + VISITOR, { signal: timeoutSignal(FEED_BACKFILL_TIMEOUT_MS) });
      if (!res.ok) return null;
      const listing = await res.json();
      return (listing.exchanges || []).reduce((max, e) => (Number.isSafeInteger(e.id) && e.id > max ? e.id : max), 0);
    } catch (_) {
      return null;
    }
  }

  /* The server numbers a visitor's exchanges from 1 again when it recreates the log (after
   * a restart, or after evicting this visitor to bound its memory). A resumed stream would
   * then wait for ids past the old ones and stay silent: on reconnecting, check, and if so
   * start over from the new newest id. */
  async function restartFeedIfLogReset(source) {
    const newest = await newestExchangeId();
    if (newest === null || newest >= feed.maxId) return;
    source.close();
    feed.maxId = newest;
    connectFeed();
  }

  /* EventSource reconnects by itself after a dropped connection, sending Last-Event-ID so
   * the server resends what was missed. It gives up on an HTTP error (e.g. 503 when the
   * server has too many streams open); then a new one starts after a growing delay. */
  function connectFeed() {
    const source = new EventSource("/exchanges/stream?lab=" + VISITOR + "&after=" + feed.maxId);
    source.addEventListener("open", () => {
      feed.retryMs = FEED_RETRY_MIN_MS;
      setFeedState("open");
      if (feed.opened) restartFeedIfLogReset(source);
      feed.opened = true;
    });
    source.addEventListener("exchange", onExchangeEvent);
    source.addEventListener("error", () => {
      setFeedState("reconnecting");
      if (source.readyState !== EventSource.CLOSED) return;
      window.setTimeout(connectFeed, feed.retryMs);
      feed.retryMs = Math.min(feed.retryMs * 2, FEED_RETRY_MAX_MS);
    });
  }

  function setFeedState(value) {
    feed.state = value;
    renderFeedStatus();
  }

  function renderFeedStatus() {
    const el = byId("feed-status");
    el.hidden = !API_ORIGIN;
    el.dataset.state = feed.state;
    el.replaceChildren(makeEl("span", "feed-label", t("feed.label")), " ", makeEl("span", "feed-state", t("feed." + feed.state)));
  }

  function noteExchangeId(id) {
    if (Number.isSafeInteger(id) && id > feed.maxId) feed.maxId = id;
  }

  function onExchangeEvent(event) {
    const exchange = parseJson(event.data);
    if (!exchange || typeof exchange !== "object" || !Number.isSafeInteger(exchange.id)) return;
    noteExchangeId(exchange.id);
    for (const run of feed.runs) {
      if (!ownsExchange(run, exchange) || run.exchanges.some((e) => e.id === exchange.id)) continue;
      run.exchanges.push(exchange);
      checkRunComplete(run);
    }
  }

  /** Start watching for a run's exchanges. Two runs with the same method and URL could not
   *  be told apart, so a second one waits until the first is complete. */
  async function watchRun(method, path) {
    await feed.ready;
    for (let busy = sameRun(method, path); busy; busy = sameRun(method, path)) await busy.done;
    const run = { method, path, floor: feed.maxId, exchanges: [], fetchSettled: false, finished: false, timer: 0 };
    run.done = new Promise((resolve) => { run.resolve = resolve; });
    feed.runs.add(run);
    return run;
  }

  function sameRun(method, path) {
    for (const run of feed.runs) if (run.method === method && run.path === path) return run;
    return null;
  }

  /** fetch() has settled: the run ends as soon as its exchanges say so, or after a grace time. */
  function settleRun(run) {
    run.fetchSettled = true;
    checkRunComplete(run);
    if (!run.finished) run.timer = window.setTimeout(() => finishRun(run), FEED_SETTLE_MS);
    return run.done;
  }

  function ownsExchange(run, exchange) {
    if (exchange.id <= run.floor || exchange.url !== run.path) return false;
    if (exchangeKind(exchange) === "preflight") return requestHeader(exchange, "access-control-request-method") === run.method;
    return exchange.method === run.method;
  }

  function checkRunComplete(run) {
    if (!run.fetchSettled) return;
    const requestArrived = run.exchanges.some((e) => exchangeKind(e) === "request");
    const preflightBlocked = run.exchanges.some((e) => exchangeKind(e) === "preflight" && verdictOf(e).outcome === "blocked");
    if (requestArrived || preflightBlocked) finishRun(run);
  }

  function finishRun(run) {
    if (run.finished) return;
    run.finished = true;
    window.clearTimeout(run.timer);
    feed.runs.delete(run);
    run.resolve(run.exchanges.slice().sort((a, b) => a.id - b.id));
  }

  /** "preflight" or "request"; exchanges not made by a browser count as requests. */
  function exchangeKind(exchange) {
    return exchange.browser && exchange.browser.kind === "preflight" ? "preflight" : "request";
  }

  function verdictOf(exchange) {
    return (exchange && exchange.browser && exchange.browser.verdict) || {};
  }

  /** The first value of a request (or response) header as logged; names are lower-case. */
  function requestHeader(exchange, name) {
    return headerValue(exchange.request_headers, name);
  }

  function responseHeader(exchange, name) {
    return headerValue(exchange.response_headers, name);
  }

  function headerValue(pairs, name) {
    const pair = (pairs || []).find((p) => p[0] === name);
    return pair ? pair[1] : null;
  }

  /**
   * What the server's log says about one run: its preflight and request exchanges, the
   * verdict (on the request, or on the preflight when the request never came), and
   * the values of the DOM contract: outcome pass|blocked|awaiting|unknown, preflight
   * sent|cache|none.
   */
  function summarizeWire(record) {
    const exchanges = record.exchanges || [];
    const preflight = exchanges.filter((e) => exchangeKind(e) === "preflight").pop() || null;
    const request = exchanges.filter((e) => exchangeKind(e) === "request").pop() || null;
    const judged = request || preflight;
    const verdict = judged && judged.browser ? judged.browser.verdict : null;
    const view = request && request.browser ? request.browser : null;
    const fromCache = view ? view.from_cache : null;
    return {
      exchanges,
      preflight,
      request,
      verdict,
      need: view ? view.preflight_need : null,
      fromCache,
      outcome: VERDICT_OUTCOMES[verdict && verdict.outcome] || "unknown",
      preflightUse: preflight ? "sent" : fromCache ? "cache" : "none",
    };
  }

  const VERDICT_OUTCOMES = { pass: "pass", blocked: "blocked", awaiting_response: "awaiting" };

  /* ------------------------------------------------------------------------------------
   * 7. rendering (DOM nodes + textContent only)
   * ---------------------------------------------------------------------------------- */

  const STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
    415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
  };

  function rerenderAll() {
    for (const record of state.results.values()) renderResult(record);
    renderCardState();
  }

  /** Everything in the cards that is state, not a single result. */
  function renderCardState() {
    renderJwtPanel();
    renderDocumentCookie();
    renderCsrfCompare();
    renderNotices();
  }

  /** The result section for an experiment: created once, in card order, then reused. */
  function resultSection(key) {
    let section = document.querySelector('[data-result="' + key + '"]');
    if (section) return section;
    section = makeEl("section", "result");
    section.dataset.result = key;
    section.id = "result-" + key;
    section.setAttribute("aria-labelledby", "result-" + key + "-title");
    const container = byId("results-" + EXPERIMENTS[key].card);
    const keys = Object.keys(EXPERIMENTS);
    const myIndex = keys.indexOf(key);
    const next = Array.from(container.children).find(
      (el) => keys.indexOf(el.dataset.result) > myIndex);
    container.insertBefore(section, next || null);
    return section;
  }

  function renderResult(record) {
    const section = resultSection(record.key);
    const status = record.response ? record.response.status : 0;
    section.dataset.status = String(status);
    section.dataset.outcome = record.outcome;
    section.dataset.run = String(record.run);
    section.dataset.runComplete = "true";
    // Only the newest result carries the "latest" tag. Removing the old tag node is not
    // announced by the live region (removals are not "additions text"); re-rendering the
    // whole old section would be.
    if (state.latestKey === record.key) {
      for (const el of document.querySelectorAll(".result.is-latest")) {
        if (el === section) continue;
        el.classList.remove("is-latest");
        for (const tag of el.querySelectorAll(".latest-tag")) tag.remove();
      }
    }
    section.classList.toggle("is-latest", state.latestKey === record.key);

    const title = makeEl("h3", "result-title");
    title.id = "result-" + record.key + "-title";
    title.append(makeEl("span", "result-name", t("exp." + record.key)));
    if (state.latestKey === record.key) title.append(" ", makeEl("span", "latest-tag", t("result.latest")));

    // Re-rendering (e.g. in the other language) keeps "Steps as text" open if it was.
    const stepsOpen = Boolean(section.querySelector("details.steps[open]"));
    section.replaceChildren(
      title,
      renderStatusLine(record),
      renderRequest(record),
      renderWire(record),
      ...renderNotes(record),
      renderResponseHeaders(record),
      renderBody(record),
    );
    if (stepsOpen) section.querySelector("details.steps").open = true;
    updateScrollableFocus(section);
  }

  function renderStatusLine(record) {
    const p = makeEl("p", "status-line");
    const badge = makeEl("span", "badge badge-" + record.outcome);
    badge.textContent = record.outcome === "opaque" ? t("result.opaqueStatus")
      : record.response ? statusWithText(record.response.status, record.response.statusText)
        : t("result.networkStatus");
    p.append(
      makeEl("span", "label", t("result.statusLabel")),
      badge, " ",
      makeEl("span", "outcome", t("result.outcome." + record.outcome)), " ",
      makeEl("span", "timing", t("result.timing", {
        ms: record.durationMs, time: formatTime(record.startedAt),
      })),
    );
    return p;
  }

  function statusWithText(status, statusText) {
    return (status + " " + (statusText || STATUS_TEXT[status] || "")).trim();
  }

  const CREDENTIALS_KEYS = {
    include: "result.credInclude",
    omit: "result.credOmit",
    "same-origin": "result.credSameOrigin",
  };

  function renderRequest(record) {
    const req = record.request;
    const box = makeEl("div", "request");
    box.append(makeEl("h4", null, t("result.request")));
    const line = makeEl("p", "request-line mono");
    line.append(makeEl("span", "method", req.wireMethod), " ", renderUrl(req.url));
    box.append(line);

    const dl = makeEl("dl", "request-options");
    const options = makeEl("ul", "plain");
    options.append(richEl("li", null, req.mode === "no-cors" ? "result.modeNoCors" : "result.mode"));
    options.append(richEl("li", null, CREDENTIALS_KEYS[req.credentials] || "result.credDefault"));
    addDef(dl, t("result.options"), options);

    const pairs = headerPairs(req.headers);
    const headers = makeEl("ul", "plain mono");
    if (pairs.length === 0) headers.append(makeEl("li", "muted", t("result.noHeadersSet")));
    for (const [name, value] of pairs) {
      const li = makeEl("li", null, name + ": " + displayHeaderValue(name, value));
      if (isDropped(req, name)) {
        li.classList.add("dropped");
        const reason = t(req.mode === "no-cors" ? "result.droppedNoCors" : "result.droppedForbidden");
        li.append(" ", makeEl("span", "dropped-note", "(" + t("result.dropped", { reason }) + ")"));
      }
      headers.append(li);
    }
    if (!record.notSent) headers.append(richEl("li", "muted", browserAddsKey(req)));
    addDef(dl, t("result.headersSet"), headers);

    if (req.body !== undefined) {
      const text = typeof req.body === "string" ? req.body : prettyJson(redactBody(req.body));
      addDef(dl, t("result.requestBody"), makeEl("pre", "mono small", text));
    }
    box.append(dl);
    return box;
  }

  /* Origin (and, with credentials, Cookie) come from the browser, not from the page; a
   * no-cors GET or HEAD goes without Origin. */
  function browserAddsKey(req) {
    const cookies = req.credentials === "include";
    if (req.mode === "no-cors" && ["GET", "HEAD"].includes(req.wireMethod)) {
      return cookies ? "result.browserAddsCookiesNoOrigin" : "result.browserAddsNoOrigin";
    }
    return cookies ? "result.browserAddsCookies" : "result.browserAdds";
  }

  /** The URL as sent, with the lab's tag dimmed: it is real, but not part of the lesson
   *  (the header explains it once). */
  function renderUrl(url) {
    const span = makeEl("span", "url");
    const match = /[?&]lab=[^&#]*/.exec(url);
    if (!match) {
      span.textContent = url;
      return span;
    }
    const tagStart = match.index + 1;
    span.append(url.slice(0, tagStart),
      makeEl("span", "lab-tag", url.slice(tagStart, match.index + match[0].length)),
      url.slice(match.index + match[0].length));
    return span;
  }

  /** Request headers as [[name, value]], whether the spec gave an object or pairs. */
  function headerPairs(headers) {
    return Array.isArray(headers) ? headers : Object.entries(headers);
  }

  /** A header the script set that the browser's guard silently removed (a forbidden name,
   *  or anything but the few no-cors-safelisted ones in no-cors mode). */
  function isDropped(req, name) {
    return Array.isArray(req.sentHeaderNames) && !req.sentHeaderNames.includes(name.toLowerCase());
  }

  function renderNotes(record) {
    const experiment = EXPERIMENTS[record.key];
    const notes = (experiment.notes ? experiment.notes(record) : []).concat(commonNotes(record));
    return notes.map(([key, vars]) => richEl("p", "note", key, vars));
  }

  function renderResponseHeaders(record) {
    const box = makeEl("div", "response-headers");
    box.append(makeEl("h4", null, t("result.headers")));
    box.append(richEl("p", "small muted", "result.headersNote"));
    const dl = makeEl("dl", "headers mono");
    if (record.response) {
      for (const [name, value] of record.response.headers) {
        const row = makeEl("div", "header-row");
        row.append(makeEl("dt", null, name + ":"), makeEl("dd", null, value));
        dl.append(row);
      }
    }
    box.append(dl);
    if (!record.response) box.append(makeEl("p", "muted", t("result.noHeaders")));
    return box;
  }

  /* For a network error the .body element holds the rejection ("TypeError: Failed to
   * fetch"): that is everything JavaScript got instead of a body. */
  function renderBody(record) {
    const box = makeEl("div", "response-body");
    if (!record.response) {
      box.append(makeEl("h4", null, t("result.error")));
      box.append(makeEl("pre", "body error mono", record.error.name + ": " + record.error.message));
      return box;
    }
    box.append(makeEl("h4", null, t("result.body")));
    const { bodyText, json } = record.response;
    const pre = makeEl("pre", "body mono", json !== undefined ? prettyJson(json) : bodyText);
    if (!bodyText) pre.dataset.empty = t("result.emptyBody");
    box.append(pre);
    return box;
  }

  /* A long body (the user list) or a wide table scrolls inside its box. Only then does it
   * become a tab stop, so keyboard users can scroll it without tabbing through every short
   * result. Re-checked on resize and zoom, which change what overflows. */
  function updateScrollableFocus(root) {
    for (const el of root.querySelectorAll("pre.body, .table-scroll")) {
      const scrolls = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (scrolls) {
        el.tabIndex = 0;
        el.setAttribute("role", "group");
        el.setAttribute("aria-label", t(el.matches("pre") ? "result.body" : "csrf.historyTitle"));
      } else {
        el.removeAttribute("tabindex");
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
      }
    }
  }

  let resizeTimer = 0;
  function onResize() {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => updateScrollableFocus(document), 150);
  }

  function displayHeaderValue(name, value) {
    // The full token is shown in the JWT panel; here a prefix is enough to recognise it.
    if (name.toLowerCase() === "authorization" && value.length > 40) return value.slice(0, 30) + "…";
    return value;
  }

  function redactBody(body) {
    if (!body || typeof body !== "object" || !("password" in body)) return body;
    return Object.assign({}, body, { password: "•".repeat(Math.min(String(body.password).length, 16)) });
  }

  /** "On the wire": the run's sequence diagram and the browser's verdict, side by side. */
  function renderWire(record) {
    const wire = summarizeWire(record);
    const box = makeEl("div", "wire");
    box.append(makeEl("h4", null, t("wire.title")));
    const grid = makeEl("div", "wire-grid");
    grid.append(renderDiagram(diagramSteps(record, wire)), renderVerdict(record, wire));
    box.append(grid);
    return box;
  }

  /* ------------------------------------------------------------------------------------
   * 8. diagram: three lanes (JavaScript, browser, API) and the messages between them
   *
   * One list of steps feeds both the drawing and its text alternative. A step is an arrow
   * { from, to, tone, title, lines } or a note on a lane { lane, tone, text }; a line is
   * { name, value } (a header) or { text, missing } (prose, e.g. a header that is absent).
   * The drawing is HTML on a CSS grid (lanes are columns, each step a subgrid row), so
   * labels wrap like any text; in a narrow box it becomes a vertical list (style.css).
   * ---------------------------------------------------------------------------------- */

  const LANES = ["js", "browser", "api"];
  const PREFLIGHT_ASKS = ["access-control-request-method", "access-control-request-headers"];
  const PREFLIGHT_ANSWERS = ["access-control-allow-origin", "access-control-allow-credentials",
    "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"];
  const REQUEST_DECIDERS = ["authorization", "content-type"]; // after Origin and the cookies
  const RESPONSE_DECIDERS = ["access-control-allow-origin", "access-control-allow-credentials"];

  function diagramSteps(record, wire) {
    const req = record.request;
    const path = pathWithoutTag(req.url);
    const steps = [arrow("js", "browser", "call", "fetch()", [
      { text: req.wireMethod + " " + path },
      { text: t("wire.fetchOptions", { mode: req.mode || "cors", credentials: req.credentials || "same-origin" }) },
    ])];
    if (record.notSent) return steps.concat(note("browser", "barrier", t("wire.nothingSent")), answerToScript(record));

    if (wire.preflight) {
      const pf = wire.preflight;
      steps.push(
        arrow("browser", "api", "preflight", "OPTIONS " + path + " (" + t("wire.preflight") + ")", headerLines(pf.request_headers, PREFLIGHT_ASKS)),
        arrow("api", "browser", "preflight", statusWithText(pf.status), responseLines(pf, PREFLIGHT_ANSWERS, true)));
      if (verdictOf(pf).outcome === "blocked") {
        return steps.concat(
          note("browser", "barrier", blockedText(verdictOf(pf))),
          note("api", "absent", t("wire.neverSent", { method: req.wireMethod })),
          answerToScript(record));
      }
    } else if (wire.fromCache) {
      steps.push(note("browser", "cache", wire.fromCache.until_ms
        ? t("wire.cacheHit", { time: formatTime(new Date(wire.fromCache.until_ms)) }) : t("wire.cacheHitNoTime")));
    }

    if (wire.request) {
      const rq = wire.request;
      steps.push(
        arrow("browser", "api", "request", rq.method + " " + path, requestLines(rq)),
        arrow("api", "browser", "response", statusWithText(rq.status), responseLines(rq, RESPONSE_DECIDERS, req.mode !== "no-cors")));
      if (wire.outcome === "blocked") steps.push(note("browser", "barrier", blockedText(wire.verdict)));
    } else {
      steps.push(note("api", "absent", wire.preflight ? t("wire.requestNotLogged", { method: req.wireMethod }) : t("wire.notLogged")));
    }
    steps.push(answerToScript(record));
    return steps;
  }

  function arrow(from, to, tone, title, lines) {
    return { from, to, tone, title, lines };
  }

  function note(lane, tone, text) {
    return { lane, tone, text };
  }

  /** The last arrow: what the promise gave JavaScript, taken from the page's own fetch. */
  function answerToScript(record) {
    if (!record.response) {
      return arrow("browser", "js", "reject", t("wire.reject"), [{ text: record.error.name + ": " + record.error.message }]);
    }
    if (record.outcome === "opaque") return arrow("browser", "js", "resolve", t("wire.opaque"), []);
    const names = record.response.headers.map(([name]) => name);
    return arrow("browser", "js", "resolve", t("wire.resolve", { status: statusWithText(record.response.status, record.response.statusText) }),
      [{ text: names.length ? t("wire.readable", { names: names.join(", ") }) : t("wire.readableNone") }]);
  }

  function blockedText(verdict) {
    return verdict.cors_error ? t("wire.blocked", { error: verdict.cors_error }) : t("wire.blockedNoName");
  }

  /** The logged headers among `names`, in that order. */
  function headerLines(pairs, names) {
    return names.map((name) => ({ name, value: headerValue(pairs, name) })).filter((line) => line.value !== null);
  }

  /** What decided a request: Origin, the cookies' names (never values), the Authorization
   *  scheme (the server logs only that and the token's length), Content-Type. */
  function requestLines(exchange) {
    const lines = headerLines(exchange.request_headers, ["origin"]);
    const cookies = exchange.cookies || [];
    lines.push({ text: cookies.length ? t("wire.cookieNames", { names: cookies.join(", ") }) : t("wire.noCookies") });
    return lines.concat(headerLines(exchange.request_headers, REQUEST_DECIDERS));
  }

  /** The CORS answer headers, a missing Access-Control-Allow-Origin called out (when CORS
   *  applies), and the names of cookies set. */
  function responseLines(exchange, names, corsApplies) {
    const lines = headerLines(exchange.response_headers, names);
    if (corsApplies && responseHeader(exchange, "access-control-allow-origin") === null) {
      lines.unshift({ text: t("wire.missing", { name: "access-control-allow-origin" }), missing: true });
    }
    for (const [name, value] of exchange.response_headers || []) {
      if (name === "set-cookie") lines.push({ name, value: value.split("=")[0] + "=…" });
    }
    return lines;
  }

  /** Path and query as sent, without the lab's tag (the request line above shows it). */
  function pathWithoutTag(url) {
    try {
      const parsed = new URL(url);
      const query = parsed.search.slice(1).split("&").filter((p) => p && !p.startsWith("lab=")).join("&");
      return parsed.pathname + (query ? "?" + query : "");
    } catch (_) {
      return url;
    }
  }

  function laneName(lane) {
    return t({ js: "wire.laneJs", browser: "wire.laneBrowser", api: "wire.laneApi" }[lane]);
  }

  function laneSub(lane) {
    const sub = makeEl("span", "lane-sub");
    if (lane !== "api") {
      sub.textContent = t(lane === "js" ? "wire.laneJsSub" : "wire.laneBrowserSub");
      return sub;
    }
    // A host:port wider than the lane breaks after the colon, not inside the port.
    const host = new URL(API_ORIGIN).host;
    const colon = host.lastIndexOf(":") + 1;
    sub.append(host.slice(0, colon), document.createElement("wbr"), host.slice(colon));
    return sub;
  }

  /* The drawing is one image to assistive technology (role=img, labelled), because the
   * same steps follow as an ordered list in a <details>. */
  function renderDiagram(steps) {
    const figure = makeEl("figure", "diagram");
    const seq = makeEl("div", "seq");
    seq.setAttribute("role", "img");
    seq.setAttribute("aria-label", t("wire.diagramLabel", { n: steps.length }));
    seq.append(renderLaneHeads());
    for (const step of steps) seq.append(step.to ? renderArrow(step) : renderNote(step));
    figure.append(seq, renderStepList(steps));
    return figure;
  }

  function renderLaneHeads() {
    const row = makeEl("div", "seq-row seq-head");
    for (const lane of LANES) {
      const head = makeEl("span", "lane-head lane-" + lane);
      head.append(makeEl("span", "lane-name", laneName(lane)), laneSub(lane));
      row.append(head);
    }
    return row;
  }

  /** A grid row with the three lifelines; its content overlays them. */
  function diagramRow(className) {
    const row = makeEl("div", "seq-row " + className);
    for (const lane of LANES) row.append(makeEl("span", "life life-" + lane));
    return row;
  }

  function renderArrow(step) {
    const row = diagramRow("seq-msg tone-" + step.tone);
    const between = step.from === "api" || step.to === "api" ? "between-browser-api" : "between-js-browser";
    const direction = LANES.indexOf(step.to) > LANES.indexOf(step.from) ? "to-right" : "to-left";
    const msg = makeEl("div", "msg " + between + " " + direction);
    // The direction is drawn by the arrow; in the narrow (list) layout this text says it.
    msg.append(makeEl("span", "msg-dir", laneName(step.from) + " → " + laneName(step.to)));
    msg.append(makeEl("span", "msg-title", step.title));
    for (const line of step.lines) msg.append(renderLine(line));
    msg.append(makeEl("span", "msg-arrow"));
    row.append(msg);
    return row;
  }

  function renderLine(line) {
    const el = makeEl("span", "msg-line" + (line.missing ? " missing" : ""));
    if (line.name) el.append(makeEl("span", "hdr-name", line.name + ":"), " " + line.value);
    else el.textContent = line.text;
    return el;
  }

  function renderNote(step) {
    const row = diagramRow("seq-note-row tone-" + step.tone + " on-" + step.lane);
    if (step.tone === "barrier") row.append(makeEl("span", "barrier", "✕"));
    const text = makeEl("span", "seq-note");
    text.append(makeEl("span", "msg-dir", laneName(step.lane)), step.text);
    row.append(text);
    return row;
  }

  function renderStepList(steps) {
    const details = makeEl("details", "steps");
    details.append(makeEl("summary", null, t("wire.steps")));
    const list = makeEl("ol", "steps-list");
    for (const step of steps) list.append(makeEl("li", null, stepText(step)));
    details.append(list);
    return details;
  }

  function stepText(step) {
    if (!step.to) return t("wire.noteStep", { lane: laneName(step.lane), text: step.text });
    const lines = step.lines.map((line) => (line.name ? line.name + ": " + line.value : line.text));
    const text = [step.title].concat(lines).join(" — ");
    return t("wire.step", { from: laneName(step.from), to: laneName(step.to), text });
  }

  /* ------------------------------------------------------------------------------------
   * 9. verdict: what Chromium makes of the run, as the server's engine computed it
   *
   * The attributes are the DOM contract for tests: data-verdict (pass|blocked|awaiting|
   * unknown), data-cors-error, data-preflight (sent|cache|none), data-exchanges.
   * Texts from the server come as {en, ja} and may mark code with `backticks`.
   * ---------------------------------------------------------------------------------- */

  function renderVerdict(record, wire) {
    const box = makeEl("div", "verdict cors-verdict verdict-" + wire.outcome);
    box.dataset.verdict = wire.outcome;
    box.dataset.corsError = (wire.outcome === "blocked" && wire.verdict.cors_error) || "";
    box.dataset.preflight = wire.preflightUse;
    box.dataset.exchanges = String(wire.exchanges.length);

    box.append(makeEl("h5", "verdict-title", t("verdict.title")));
    box.append(makeEl("p", "verdict-outcome", t(outcomeKey(wire))));
    const reason = unknownReason(record, wire);
    if (reason) box.append(richEl("p", null, reason.key, reason.vars));
    if (verdictContradicts(record, wire)) box.append(richEl("p", "note verdict-mismatch", "verdict.mismatch"));

    const dl = makeEl("dl", "verdict-details");
    if (wire.outcome === "blocked") addBlockedDetails(dl, wire.verdict);
    if (wire.outcome === "pass") addPassDetails(dl, wire.verdict);
    const preflight = renderPreflightNeed(wire);
    if (preflight) addDef(dl, t("verdict.preflight"), preflight);
    if (dl.children.length) box.append(dl);

    for (const text of standardDiffers(wire)) {
      box.append(richEl("p", "note standard-differs", "verdict.standardDiffers", { text: pickText(text) }));
    }
    box.append(renderExchangeList(wire), makeEl("p", "small muted", t("verdict.source")));
    return box;
  }

  function outcomeKey(wire) {
    if (wire.outcome === "pass") {
      return wire.verdict.js && wire.verdict.js.response_type === "opaque" ? "verdict.passOpaque" : "verdict.pass";
    }
    return "verdict." + wire.outcome;
  }

  /** Why there is no verdict, most specific first; null when there is one. */
  function unknownReason(record, wire) {
    if (wire.outcome !== "unknown") return null;
    const verdict = wire.verdict;
    if (record.notSent) return { key: "verdict.unknownNotSent" };
    if (verdict && verdict.outcome === "redirect") return { key: "verdict.redirect", vars: { location: verdict.location + " " + pickText(verdict.note) } };
    if (verdict && verdict.outcome === "unmodeled") return { key: "verdict.unmodeled", vars: { reason: pickText(verdict.reason) } };
    if (wire.exchanges.length) return { key: "verdict.unknownBrowser" };
    if (record.feedState !== "open") return { key: "verdict.unknownFeed" };
    return { key: "verdict.unknownNoLog" };
  }

  /** The engine claims to match Chromium; if fetch() here disagrees, say so, don't hide it. */
  function verdictContradicts(record, wire) {
    if (wire.outcome === "pass") return !record.response;
    if (wire.outcome === "blocked") return Boolean(record.response);
    return false;
  }

  function addBlockedDetails(dl, verdict) {
    addDef(dl, null, verdict.cors_error ? makeEl("code", "cors-error", verdict.cors_error)
      : makeEl("span", "muted", t("verdict.noCorsError")), "verdict.corsError");
    if (verdict.failed_parameter) addDef(dl, t("verdict.failedParameter"), makeEl("code", null, verdict.failed_parameter));
    if (verdict.stage) addDef(dl, t("verdict.stage"), makeEl("span", null, t("verdict.stage." + verdict.stage)));
    addDef(dl, t("verdict.jsError"), makeEl("code", null, verdict.js_error));
    addDef(dl, t("verdict.console"), verdict.console
      ? consoleLine(verdict.console) : makeEl("span", "muted", t("verdict.noConsole")));
    addDef(dl, t("verdict.why"), richText("span", null, pickText(verdict.explanation)));
    addDef(dl, t("verdict.fix"), richText("span", null, pickText(verdict.fix)));
  }

  /** Chromium's console line, verbatim; English whatever the page language (lang= lets a
   *  screen reader pronounce it as such). */
  function consoleLine(text) {
    const pre = makeEl("pre", "console mono", text);
    pre.lang = "en";
    return pre;
  }

  function addPassDetails(dl, verdict) {
    if (!verdict.js) return;
    addDef(dl, t("verdict.jsView"), richEl("span", null, "verdict.jsViewValue",
      { type: verdict.js.response_type, status: verdict.js.status }));
    const names = verdict.js.readable_headers || [];
    const list = makeEl("span", "mono small", names.length ? names.join(", ") : t("verdict.readableNone"));
    addDef(dl, t("verdict.readable"), list);
  }

  /** Why a preflight was needed (per header, with its rule), what it asked, and whether the
   *  cache answered. For a request that never came the log has only the preflight. */
  function renderPreflightNeed(wire) {
    const box = makeEl("div", "preflight-need");
    const need = wire.need;
    let asks = null;
    if (need) {
      box.append(hasMessage("verdict.because." + need.because)
        ? richEl("p", null, "verdict.because." + need.because) : makeEl("p", null, need.because));
      if (need.needed) box.append(renderUnsafeList(need));
      asks = [["Access-Control-Request-Method", need.access_control_request_method],
        ["Access-Control-Request-Headers", need.access_control_request_headers]];
    } else if (wire.preflight) {
      box.append(richEl("p", null, "verdict.preflightSeen"));
      asks = [["Access-Control-Request-Method", requestHeader(wire.preflight, "access-control-request-method")],
        ["Access-Control-Request-Headers", requestHeader(wire.preflight, "access-control-request-headers")]];
    } else {
      return null;
    }
    const asked = asks.filter(([, value]) => value).map(([name, value]) => "`" + name + ": " + value + "`");
    if (asked.length && (!need || need.needed)) box.append(richEl("p", null, "verdict.asks", { headers: asked.join(", ") }));
    if (wire.fromCache) {
      box.append(wire.fromCache.until_ms
        ? richEl("p", null, "verdict.fromCache", { time: formatTime(new Date(wire.fromCache.until_ms)) })
        : richEl("p", null, "verdict.fromCacheNoTime"));
    }
    return box;
  }

  function renderUnsafeList(need) {
    const list = makeEl("ul", "unsafe-list");
    if (need.unsafe_method) list.append(richEl("li", null, "verdict.unsafeMethod", { method: need.unsafe_method }));
    for (const header of need.unsafe_headers || []) {
      const rule = hasMessage("rule." + header.rule)
        ? t("rule." + header.rule, { bytes: need.safelisted_value_bytes }) : header.rule;
      list.append(richEl("li", null, "verdict.unsafeHeader", { name: header.name, rule }));
    }
    return list;
  }

  /** Chromium's departures from the standard, for the request and for its preflight rule. */
  function standardDiffers(wire) {
    const texts = [];
    if (wire.verdict && wire.verdict.standard_differs) texts.push(wire.verdict.standard_differs);
    if (wire.need && wire.need.standard_differs) texts.push(wire.need.standard_differs);
    return texts;
  }

  function renderExchangeList(wire) {
    if (!wire.exchanges.length) return makeEl("p", "small muted", t("verdict.exchangesNone"));
    const ids = wire.exchanges.map((e) => e.method + " → " + e.status).join(", ");
    return makeEl("p", "small muted", t("verdict.exchanges", { ids }));
  }

  /** A server text {en, ja} in the current language. */
  function pickText(text) {
    if (!text || typeof text !== "object") return "";
    return text[currentLang] || text.en || "";
  }

  /* JWT panel ------------------------------------------------------------------------- */

  function renderJwtPanel() {
    const body = byId("jwt-decoded").querySelector(".panel-body");
    const token = state.jwt.access;
    if (!token) {
      body.replaceChildren(makeEl("p", "muted", t("jwt.none")));
      return;
    }
    const parts = token.split(".");
    const header = parts.length === 3 ? decodeJwtPart(parts[0]) : undefined;
    const payload = parts.length === 3 ? decodeJwtPart(parts[1]) : undefined;

    const raw = makeEl("p", "jwt-raw mono");
    raw.setAttribute("aria-label", t("jwt.raw"));
    parts.forEach((part, i) => {
      if (i > 0) raw.append(makeEl("span", "jwt-dot", "."));
      raw.append(makeEl("span", "jwt-part jwt-part-" + i, part));
    });

    const nodes = [makeEl("p", "small muted", t("jwt.source", { source: t(state.jwt.source) })), makeEl("h4", null, t("jwt.raw")), raw];
    if (header === undefined || payload === undefined) {
      nodes.push(makeEl("p", "note", t("jwt.undecodable")));
      body.replaceChildren(...nodes);
      return;
    }
    const grid = makeEl("div", "jwt-grid");
    grid.append(jwtBlock("jwt.header", "jwt-part-0", prettyJson(header)));
    const payloadBlock = jwtBlock("jwt.payload", "jwt-part-1", prettyJson(payload));
    payloadBlock.append(renderJwtTimes(payload));
    grid.append(payloadBlock);
    const sig = makeEl("div", "jwt-block jwt-part-2-block");
    sig.append(makeEl("h4", null, t("jwt.signature")), makeEl("p", "small", t("jwt.signatureNote")));
    grid.append(sig);
    nodes.push(grid);
    body.replaceChildren(...nodes);
  }

  function jwtBlock(titleKey, partClass, text) {
    const block = makeEl("div", "jwt-block " + partClass + "-block");
    block.append(makeEl("h4", null, t(titleKey)), makeEl("pre", "mono small", text));
    return block;
  }

  function renderJwtTimes(payload) {
    const dl = makeEl("dl", "jwt-times");
    for (const claim of ["iat", "exp"]) {
      if (typeof payload[claim] !== "number") continue;
      const dd = makeEl("dd");
      dd.append(makeEl("span", "mono", String(payload[claim])), " → ",
        makeEl("time", null, formatDateTime(new Date(payload[claim] * 1000))));
      if (claim === "exp") {
        const remaining = makeEl("span", "jwt-remaining");
        remaining.dataset.exp = String(payload.exp);
        dd.append(" ", remaining);
        updateRemaining(remaining);
      }
      addDef(dl, null, dd, "jwt." + claim);
    }
    return dl;
  }

  // Ticks once a second so "valid for another N s" reaches "expired" in front of the learner.
  function updateRemaining(el) {
    const seconds = Math.round(Number(el.dataset.exp) - Date.now() / 1000);
    const key = seconds > 0 ? "jwt.remaining" : "jwt.expired";
    const text = "(" + t(key, { s: seconds }) + ")";
    if (el.dataset.text !== text) {
      el.dataset.text = text;
      setRichText(el, text);
    }
  }

  function tickJwtCountdown() {
    for (const el of document.querySelectorAll(".jwt-remaining")) updateRemaining(el);
  }

  /** base64url → UTF-8 → JSON; undefined when any step fails (never throws). */
  function decodeJwtPart(part) {
    try {
      let b64 = part.replace(/-/g, "+").replace(/_/g, "/");
      while (b64.length % 4) b64 += "=";
      const binary = atob(b64);
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
      const json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      return json && typeof json === "object" ? json : undefined;
    } catch (_) {
      return undefined;
    }
  }

  /* Cookie card ------------------------------------------------------------------------ */

  const CSRF_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  /** Django's _unmask_cipher_token: secret[i] = CHARS[(idx(cipher[i]) - idx(mask[i])) mod 62]. */
  function unmaskCsrfToken(token) {
    if (typeof token !== "string" || token.length !== 64) return null;
    const mask = token.slice(0, 32);
    const cipher = token.slice(32);
    let secret = "";
    for (let i = 0; i < 32; i++) {
      const c = CSRF_CHARS.indexOf(cipher[i]);
      const m = CSRF_CHARS.indexOf(mask[i]);
      if (c < 0 || m < 0) return null;
      secret += CSRF_CHARS[(c - m + CSRF_CHARS.length) % CSRF_CHARS.length];
    }
    return secret;
  }

  /** The first cookie of that name visible to this page, or null. */
  function readCookie(name) {
    if (!document.cookie) return null;
    for (const pair of document.cookie.split(";")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      if (pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim());
    }
    return null;
  }

  function renderDocumentCookie() {
    const pre = byId("document-cookie");
    const value = document.cookie;
    pre.textContent = value === "" ? t("cookie.docCookieEmpty") : value;
    pre.classList.toggle("muted", value === "");
  }

  function renderCsrfCompare() {
    const body = byId("csrf-compare").querySelector(".panel-body");
    const token = state.csrf.current;
    if (!token) {
      body.replaceChildren(makeEl("p", "muted", t("csrf.none")));
      return;
    }
    const cookieSecret = readCookie("csrftoken");
    const unmasked = unmaskCsrfToken(token);
    const dl = makeEl("dl", "csrf-grid");

    const masked = makeEl("div", "csrf-token mono");
    masked.append(
      tokenHalf("csrf-mask", "csrf.mask", token.slice(0, 32)),
      tokenHalf("csrf-cipher", "csrf.cipher", token.slice(32)),
    );
    addDef(dl, null, masked, "csrf.masked");
    dl.lastChild.querySelector("dd").append(richEl("p", "small", "csrf.inUse"));

    addDef(dl, null, makeEl("span", "mono csrf-cookie-secret", cookieSecret || t("csrf.noCookie")), "csrf.cookie");

    const result = makeEl("div");
    result.append(richEl("p", "small", "csrf.formula"));
    result.append(makeEl("span", "mono csrf-unmasked", unmasked || "—"), " ");
    let verdictKey = "csrf.invalid";
    if (unmasked) verdictKey = unmasked === cookieSecret ? "csrf.match" : "csrf.mismatch";
    const verdict = makeEl("span", "verdict " + (verdictKey === "csrf.match" ? "verdict-ok" : "verdict-bad"), t(verdictKey));
    verdict.dataset.match = String(verdictKey === "csrf.match");
    result.append(verdict);
    addDef(dl, null, result, "csrf.unmasked");

    if (state.csrf.stale) {
      addDef(dl, null, makeEl("span", "mono small", state.csrf.stale), "csrf.stale");
    }

    body.replaceChildren(dl, renderCsrfHistory());
    updateScrollableFocus(body);
  }

  function tokenHalf(className, labelKey, text) {
    const wrap = makeEl("span", "token-half " + className);
    wrap.append(makeEl("span", "token-half-label", t(labelKey)), makeEl("span", "token-half-value", text));
    return wrap;
  }

  function renderCsrfHistory() {
    const wrap = makeEl("div", "csrf-history");
    wrap.append(makeEl("h4", null, t("csrf.historyTitle")), makeEl("p", "small", t("csrf.historyNote")));
    const scroller = makeEl("div", "table-scroll");
    const table = makeEl("table", "mono small");
    const head = makeEl("tr");
    for (const key of ["csrf.colTime", "csrf.colSource", "csrf.colToken", "csrf.colSecret"]) {
      const th = makeEl("th", null, t(key));
      th.scope = "col";
      head.append(th);
    }
    const thead = makeEl("thead");
    thead.append(head);
    const tbody = makeEl("tbody");
    for (const entry of state.csrf.history) {
      const tr = makeEl("tr");
      tr.append(
        makeEl("td", null, formatTime(entry.at)),
        makeEl("td", null, t(entry.source)),
        makeEl("td", "token-cell", entry.token),
        makeEl("td", "token-cell", unmaskCsrfToken(entry.token) || "—"),
      );
      tbody.append(tr);
    }
    table.append(thead, tbody);
    scroller.append(table);
    wrap.append(scroller);
    return wrap;
  }

  /* Card notices (#cookie-notice, #composer-notice) are role=status: set, they are read out. */
  function showNotice(card, key, vars) {
    if (!(card in state.notices)) return;
    state.notices[card] = key ? { key, vars } : null;
    renderNotices();
  }

  function renderNotices() {
    for (const [card, notice] of Object.entries(state.notices)) {
      setRichText(byId(card + "-notice"), notice ? t(notice.key, notice.vars) : "");
    }
  }

  /* Small helpers ---------------------------------------------------------------------- */

  function byId(id) {
    return document.getElementById(id);
  }

  function makeEl(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  /** Append a <div><dt/><dd/></div> pair; the term is plain text or a rich dictionary key. */
  function addDef(dl, term, ddContent, termKey) {
    const row = makeEl("div", "def");
    const dt = makeEl("dt");
    if (termKey) setRichText(dt, t(termKey));
    else dt.textContent = term;
    const dd = ddContent.tagName === "DD" ? ddContent : makeEl("dd");
    if (dd !== ddContent) dd.append(ddContent);
    row.append(dt, dd);
    dl.append(row);
  }

  function prettyJson(value) {
    return JSON.stringify(value, null, 2);
  }

  function formatTime(date) {
    return new Intl.DateTimeFormat(currentLang, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(date);
  }

  function formatDateTime(date) {
    return new Intl.DateTimeFormat(currentLang, { dateStyle: "medium", timeStyle: "medium" }).format(date);
  }

  /** learner-482913: crypto randomness so two visitors rarely pick the same default. */
  function randomUsername(prefix) {
    const n = new Uint32Array(1);
    crypto.getRandomValues(n);
    return prefix + "-" + String(100000 + (n[0] % 900000));
  }

  function buttonFor(key) {
    return document.querySelector('button[data-experiment="' + key + '"]');
  }

  /* The button keeps focus and stays operable for assistive tech; a second activation
   * while busy is ignored in runExperiment rather than disabling (which drops focus). */
  function setBusy(button, busy) {
    if (!button) return;
    if (busy) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  }

  /* ------------------------------------------------------------------------------------
   * 10. start-up
   * ---------------------------------------------------------------------------------- */

  function init() {
    checkDictionary();
    const name = randomUsername("learner");
    byId("user-username").value = name;
    byId("user-email").value = name + "@example.com";

    for (const button of document.querySelectorAll("button[data-experiment]")) {
      button.addEventListener("click", () => {
        runExperiment(button.dataset.experiment).catch((err) => {
          // Rendering bugs must not vanish silently; fetch failures never get here.
          console.error("corslab: experiment failed", err);
        });
      });
    }
    for (const button of document.querySelectorAll("button.composer-preset")) {
      button.addEventListener("click", () => applyPreset(button.dataset.preset));
    }
    byId("lang-toggle").addEventListener("click", toggleLanguage);
    // The credential forms exist for password managers and a11y; they never submit.
    for (const form of document.querySelectorAll("form")) {
      form.addEventListener("submit", (event) => event.preventDefault());
    }
    setLanguage(pickInitialLanguage());
    if (API_ORIGIN) startFeed();
    window.setInterval(tickJwtCountdown, 1000);
    window.addEventListener("resize", onResize);

    // A small, read-only surface for later features and for tests.
    window.corslab = Object.freeze({
      apiOrigin: API_ORIGIN,
      visitor: VISITOR,
      runExperiment,
      results: () => new Map(state.results),
      setLanguage: (lang) => { storeLanguage(lang); setLanguage(lang); },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
