/* The experiment cards, as data: what each card explains, its fields, and each button's
 * experiment. card-view.js draws them, checked against the API's route table
 * (GET /endpoints.json): an experiment whose endpoint or method the API does not have is a
 * console error, so the page cannot drift from the server unnoticed.
 *
 * An experiment is { key, label, endpoint, method, mount?, credentials?, secondary?,
 * extra? (its own row, described by `hint`), expectsBlock? (a CORS block is the lesson, not
 * a problem to hint at), setup? (experiments a permalink runs first, so the
 * request is made in the same state), build?(cx) → more of the request ({headers, body}) or
 * null to stop with a notice, after?(record, cx) (may return a promise: the run completes
 * when it settles), notes?(record, wire) → [[dictionary key, vars]] }.
 * cx is { value(id), setValue(id, v), notice(key, vars) } for the experiment's card. */

import { headerSet, randomName } from "./api.js";
import { accessToken, jwtPanel, refreshToken, rememberTokens, renderJwtPanel } from "./jwt-view.js";
import { cookiePanels, currentToken, refreshCookiePanels, rememberLogin, rememberToken, renderCookiePanels, staleToken } from "./csrf-view.js";
import { errorCode } from "./verdict-view.js";

/** The JSON body of a 2xx response, or null. */
function okJson(record) {
  const json = record.outcome === "ok" && record.response && record.response.json;
  return json && typeof json === "object" ? json : null;
}

const JSON_HEADERS = { "Content-Type": "application/json" };

/** A fresh username in the form, so every click on "Create user" creates another user. */
function newLearner(cx) {
  const name = randomName("learner");
  cx.setValue("user-username", name);
  cx.setValue("user-email", name + "@example.com");
}

/** Username and password fields `<prefix>-username`, `<prefix>-password`, filled with the
 *  demo account. */
function demoCredentials(prefix) {
  return [
    { id: prefix + "-username", label: "common.username", value: "demo", autocomplete: "username" },
    { id: prefix + "-password", label: "common.password", value: "demo-password", type: "password", autocomplete: "current-password" },
  ];
}

function logoutWith(token) {
  return { headers: token ? { "X-CSRFToken": token } : {} };
}

function notesCsrfChecked(record) {
  const notes = [];
  if (!headerSet(record.request, "X-CSRFToken")) notes.push(["note.csrfMissing"]);
  const body = record.response && record.response.json;
  if (errorCode(record) === "csrf_failed" && body && typeof body.reason === "string") notes.push(["note.csrfFailed", { reason: body.reason }]);
  return notes;
}

/* What the server's log proves, when it has the run; the general explanation otherwise. */
function notesBlocked(record, wire) {
  if (record.outcome !== "network-error") return [["note.blockedUnexpected"]];
  if (record.key === "blocked" && wire.request) return [["note.blockedLogged", { status: wire.request.status }]];
  if (record.key === "blocked-post" && wire.preflight && !wire.request) return [["note.blockedPostLogged", { status: wire.preflight.status }]];
  return [["note." + record.key]];
}

export const CARDS = [
  {
    id: "hello",
    title: "hello.title",
    paragraphs: ["hello.p1", "hello.p2", "hello.p3"],
    experiments: [{ key: "hello", label: "hello.btn", endpoint: "/api/hello/", method: "GET" }],
  },
  {
    id: "users",
    title: "users.title",
    paragraphs: ["users.p1", "users.p2"],
    fields: [
      { id: "user-username", label: "users.username", hint: "users.usernameHint", maxlength: 150 },
      { id: "user-email", label: "users.email", type: "email" },
    ],
    init: newLearner,
    experiments: [
      {
        key: "users-post", label: "users.postBtn", endpoint: "/api/users/", method: "POST",
        build: (cx) => ({ headers: JSON_HEADERS, body: { username: cx.value("user-username"), email: cx.value("user-email") } }),
        after: (record, cx) => { if (record.outcome === "ok") newLearner(cx); },
        notes: (record) => record.outcome === "ok" ? [["note.created"]] : errorCode(record) === "username_taken" ? [["note.usernameTaken"]] : [],
      },
      { key: "users-list", label: "users.listBtn", endpoint: "/api/users/", method: "GET", secondary: true },
    ],
  },
  {
    id: "jwt",
    title: "jwt.title",
    paragraphs: ["jwt.p1", "jwt.p2", "jwt.p3"],
    form: true,
    fields: demoCredentials("jwt"),
    experiments: [
      {
        key: "token", label: "jwt.tokenBtn", endpoint: "/api/token/", method: "POST", credentials: "omit",
        build: (cx) => ({ headers: JSON_HEADERS, body: { username: cx.value("jwt-username"), password: cx.value("jwt-password") } }),
        after: (record) => rememberTokens(okJson(record), "source.token"),
      },
      {
        // Without a token the call still goes out (without Authorization): the 401 teaches too.
        key: "protected", label: "jwt.protectedBtn", endpoint: "/api/protected/", method: "GET", credentials: "omit", setup: ["token"],
        build: () => ({ headers: accessToken() ? { Authorization: "Bearer " + accessToken() } : {} }),
        notes: (record) => !headerSet(record.request, "Authorization") ? [["note.noAccess"]]
          : errorCode(record) === "token_expired" ? [["note.tokenExpired"]] : [],
      },
      {
        key: "refresh", label: "jwt.refreshBtn", endpoint: "/api/token/refresh/", method: "POST", credentials: "omit", secondary: true, setup: ["token"],
        build: () => ({ headers: JSON_HEADERS, body: { refresh: refreshToken() || "" } }),
        after: (record) => rememberTokens(okJson(record), "source.refresh"),
        notes: (record) => record.request.body && record.request.body.refresh ? [] : [["note.noRefresh"]],
      },
    ],
    panels: () => [jwtPanel()],
    redraw: renderJwtPanel,
  },
  {
    id: "cookie",
    title: "cookie.title",
    paragraphs: ["cookie.p1", "cookie.p2", "cookie.p3"],
    form: true,
    fields: demoCredentials("login"),
    experiments: [
      {
        key: "csrf", label: "cookie.csrfBtn", endpoint: "/api/csrf/", method: "GET", credentials: "include",
        after: (record) => { const body = okJson(record); return body && typeof body.csrfToken === "string" ? rememberToken(body.csrfToken, "source.csrf") : undefined; },
      },
      {
        // Without a CSRF token the header is left out, so Django's refusal can be seen.
        key: "login", label: "cookie.loginBtn", endpoint: "/api/login/", method: "POST", credentials: "include", setup: ["csrf"],
        build: (cx) => ({
          headers: Object.assign({}, JSON_HEADERS, currentToken() ? { "X-CSRFToken": currentToken() } : {}),
          body: { username: cx.value("login-username"), password: cx.value("login-password") },
        }),
        after: (record, cx) => {
          const body = okJson(record);
          if (!body || typeof body.csrfToken !== "string") return undefined;
          cx.notice("cookie.switched");
          return rememberLogin(headerSet(record.request, "X-CSRFToken"), body.csrfToken, "source.login");
        },
        notes: notesCsrfChecked,
      },
      {
        key: "session", label: "cookie.sessionBtn", endpoint: "/api/session-data/", method: "GET", credentials: "include", setup: ["csrf", "login"],
        notes: (record) => errorCode(record) === "not_authenticated" ? [["note.notLoggedIn"]] : [],
      },
      {
        key: "logout", label: "cookie.logoutBtn", endpoint: "/api/logout/", method: "POST", credentials: "include", setup: ["csrf", "login"],
        build: () => logoutWith(currentToken()),
        notes: notesCsrfChecked,
      },
      {
        key: "stale-logout", label: "cookie.staleBtn", hint: "cookie.staleHint", endpoint: "/api/logout/", method: "POST",
        credentials: "include", secondary: true, extra: true, setup: ["csrf", "login"],
        build: (cx) => {
          if (staleToken()) return logoutWith(staleToken());
          cx.notice("cookie.staleNone");
          return null;
        },
        notes: (record) => record.response && record.response.status === 403 ? [["note.stale"]] : notesCsrfChecked(record),
      },
    ],
    panels: cookiePanels,
    redraw: renderCookiePanels,
    // A run can change document.cookie (the CSRF secret rotates on login).
    refresh: refreshCookiePanels,
  },
  {
    id: "blocked",
    title: "blocked.title",
    paragraphs: ["blocked.p1", "blocked.p2", "blocked.p3", "blocked.p4"],
    experiments: [
      { key: "blocked", label: "blocked.getBtn", mount: "/without-cors", endpoint: "/api/hello/", method: "GET", expectsBlock: true, notes: notesBlocked },
      {
        key: "blocked-post", label: "blocked.postBtn", mount: "/without-cors", endpoint: "/api/users/", method: "POST", expectsBlock: true,
        build: () => {
          const name = randomName("blocked");
          return { headers: JSON_HEADERS, body: { username: name, email: name + "@example.com" } };
        },
        notes: notesBlocked,
      },
    ],
  },
];
