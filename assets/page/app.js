/* corslab lab page.
 *
 * Plain ES2020, no framework, no build step. The page is served with a strict CSP
 * (script-src 'self', style-src 'self', connect-src <API origin>), so there is no inline
 * script or style anywhere, and nothing from the network or from inputs ever reaches
 * innerHTML: all DOM is built with createElement + textContent.
 *
 * Layout of this file:
 *   1. i18n        MESSAGES dictionary (en/ja, dotted keys), t(), language choice
 *   2. config      API origin from <meta name="corslab-api">, origin comparison
 *   3. state       tokens, CSRF history, latest result per experiment
 *   4. experiments EXPERIMENTS table: key -> card, button, build(), after()
 *   5. fetch       runExperiment(key) -> sendRequest(req) -> record -> renderResult()
 *                  and a "corslab:exchange" DOM event for later hooks (sequence diagram)
 *   6. rendering   results, JWT panel, CSRF comparison, document.cookie
 *   7. start-up
 */
"use strict";

(function corslabPage() {

  /* ------------------------------------------------------------------------------------
   * 1. i18n
   *
   * Keys are "<area>.<name>". Values may contain `backticks` (rendered as <code>) and
   * {placeholders} filled by t(key, vars). Both languages must have the same keys;
   * checkDictionary() warns at start-up if they drift apart.
   * ---------------------------------------------------------------------------------- */

  const MESSAGES = {
    en: {
      "meta.title": "corslab — same-origin policy, CORS, CSRF and JWT, hands-on",
      "nav.skip": "Skip to the experiments",
      "lang.toggle": "日本語",
      "lang.toggleLabel": "日本語に切り替える",
      "lang.toggleLang": "ja",

      "header.tagline": "Same-origin policy, CORS and preflights, CSRF tokens, session cookies and JWT — hands-on.",
      "header.lead": "This page and the API it calls live on different origins, like the original article's `kikuichige.com` and `django6.kikuichige.com`. An origin is scheme + host + port, and all three must match for “same origin”; a site is just the scheme plus the registrable domain, ignoring ports and subdomains, so here the two are the same site but different origins. Every button below sends a real `fetch` from this page to the API, and each result shows exactly what JavaScript is allowed to see — the last card shows what it is not.",
      "header.pageOrigin": "Page origin (this page)",
      "header.apiOrigin": "API origin (fetch target)",
      "header.verdictCrossSameSite": "Cross-origin (different {parts}) but same-site: the browser applies CORS, and SameSite=Lax cookies are still sent on credentialed requests.",
      "header.verdictCrossCrossSite": "Cross-origin (different {parts}) and cross-site: the browser applies CORS, and SameSite=Lax cookies are not sent on these fetches.",
      "header.verdictCrossUnknownSite": "Cross-origin (different {parts}). Whether they are the same site depends on the registrable domain (e.g. `example.com` and `api.example.com` are the same site).",
      "header.verdictSame": "Same origin: CORS does not apply, so the experiments will not show the cross-origin behaviour.",
      "header.partScheme": "scheme",
      "header.partHost": "host",
      "header.partPort": "port",
      "header.partJoin": " and ",
      "header.configError": "The API origin is not configured: <meta name=\"corslab-api\"> holds “{value}”. The buttons cannot work.",

      "common.username": "Username",
      "common.password": "Password",

      "hello.title": "1. Simple GET — no preflight",
      "hello.p1": "A `GET` without custom headers is a “simple request” (in Fetch Standard terms, its method and headers are all CORS-safelisted): the browser sends it at once, adds `Origin: {page}`, and sends no preflight.",
      "hello.p2": "The API answers with `Access-Control-Allow-Origin: {page}`. Only because that header names this page's origin does the browser hand the response to JavaScript. The request reaches the server either way — CORS decides who may read the answer, not who may send.",
      "hello.p3": "`response.headers` shows only CORS-safelisted response headers (`Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, `Expires`, `Last-Modified`, `Pragma`) plus those the server lists in `Access-Control-Expose-Headers`. `Date`, `Vary`, `WWW-Authenticate` and others stay hidden, and `Set-Cookie` is never visible to scripts.",
      "hello.btn": "Send GET /api/hello/",

      "users.title": "2. JSON POST — a preflight first",
      "users.p1": "A request is simple only if its method is `GET`, `HEAD` or `POST` and it sets only safelisted headers. `Content-Type` counts as safelisted only for `application/x-www-form-urlencoded`, `multipart/form-data` and `text/plain` — what an HTML form could always send to any site. `application/json` is not among them, so before the POST the browser asks permission with a preflight: an `OPTIONS` request with `Access-Control-Request-Method: POST` and `Access-Control-Request-Headers: content-type`.",
      "users.p2": "The API answers the preflight with the methods and headers it allows and `Access-Control-Max-Age: 86400`; only then does the browser send the POST. Chromium caches the preflight (for at most 2 hours), so a second click soon after goes without one. JavaScript never sees the preflight — only the POST's response. Open DevTools → Network to see both.",
      "users.username": "Username",
      "users.usernameHint": "Must be unique. Letters, digits and @ . + - _ only, up to 150 characters.",
      "users.email": "Email",
      "users.postBtn": "Create user (POST /api/users/)",
      "users.listBtn": "List users (GET /api/users/)",

      "jwt.title": "3. JWT — a Bearer token in the Authorization header",
      "jwt.p1": "Get a token pair with the demo account, then call `/api/protected/` with `Authorization: Bearer <access>`. No cookies are involved (`credentials: 'omit'`): the page keeps the token in a JavaScript variable and attaches it itself. `Authorization` is not a safelisted request header, so that call is preflighted too.",
      "jwt.p2": "A JWT is `header.payload.signature`, each part base64url-encoded. The signature is an HMAC-SHA256 of `header.payload` under a secret only the server holds. It proves that the server wrote exactly these bytes: change one character and the server rejects the token. It hides nothing: base64url is an encoding, not encryption, so anyone holding the token can read the payload — this page decodes it below without knowing the secret. And the server keeps no list of issued tokens: an access token stays valid until its `exp`, and logging out cannot revoke it. That is why access tokens are short-lived (5 minutes here) and a refresh token (1 day) gets new ones.",
      "jwt.p3": "Here the tokens live only in memory. `localStorage` would survive a reload, but it also hands the token to any script that runs on the page, injected ones (XSS) included.",
      "jwt.tokenBtn": "Get tokens (POST /api/token/)",
      "jwt.protectedBtn": "Call the protected API (GET /api/protected/)",
      "jwt.refreshBtn": "Refresh the access token (POST /api/token/refresh/)",
      "jwt.decodedTitle": "Current access token, decoded in the browser",
      "jwt.none": "No token yet — press “Get tokens”.",
      "jwt.raw": "Token (header . payload . signature)",
      "jwt.header": "Header",
      "jwt.payload": "Payload",
      "jwt.signature": "Signature",
      "jwt.signatureNote": "32 bytes of HMAC-SHA256. Decoding shows nothing readable, and this page cannot check it: only the server has the secret.",
      "jwt.iat": "`iat` (issued at)",
      "jwt.exp": "`exp` (expires)",
      "jwt.remaining": "valid for another {s} s",
      "jwt.expired": "expired — the API now answers 401 `token_expired`; refresh it",
      "jwt.undecodable": "This token could not be decoded as a JWT.",
      "jwt.source": "Obtained from {source}.",

      "cookie.title": "4. Cookie auth — session cookie and CSRF token",
      "cookie.p1": "Django-style login: the session lives on the server; the browser gets only an `HttpOnly` cookie, `sessionid`. A cross-origin `fetch` sends cookies only with `credentials: 'include'`, and JavaScript sees the response only if the API answers with `Access-Control-Allow-Credentials: true` and a concrete origin (never `*`). The `SameSite=Lax` cookies are sent because this page and the API are the same site.",
      "cookie.p2": "Because the browser attaches cookies by itself, any page could make it send a logged-in request. So, for unsafe methods (`POST`, …), Django checks that the `Origin` header is in `CSRF_TRUSTED_ORIGINS` and requires an `X-CSRFToken` header that matches the `csrftoken` cookie — which only a page that can read the token can send. Step 1 gets a token: the JSON holds a 64-character masked token, the cookie the 32-character secret. The mask changes on every issue (against BREACH compression attacks), and unmasking always gives the same secret.",
      "cookie.p3": "Logging in rotates the secret (a new `csrftoken` cookie), so a token from before the login no longer matches. That is why `/api/login/` returns a fresh `csrfToken` and this page switches to it. “Log out with the token from before login” shows what would happen otherwise.",
      "cookie.csrfBtn": "1. Get a CSRF token (GET /api/csrf/)",
      "cookie.loginBtn": "2. Log in (POST /api/login/)",
      "cookie.sessionBtn": "3. Session data (GET /api/session-data/)",
      "cookie.logoutBtn": "4. Log out (POST /api/logout/)",
      "cookie.staleBtn": "Log out with the token from before login",
      "cookie.staleHint": "Sends X-CSRFToken with the token you had before the last login. Expect 403.",
      "cookie.staleNone": "There is no token from before a login yet: get a CSRF token (1), log in (2), then try again.",
      "cookie.switched": "Logged in: the page now uses the new CSRF token returned by /api/login/.",
      "cookie.docCookieTitle": "`document.cookie` as this page sees it",
      "cookie.docCookieEmpty": "(empty string)",
      "cookie.docCookieWhy": "`csrftoken` shows up here: it is not `HttpOnly` (Django's default, so that JavaScript can copy it into a header), and cookies are not isolated by port, so the API's cookie for `localhost` is visible to this page too. `sessionid` never shows up, even while you are logged in: it is `HttpOnly`, so no script — an injected one included — can read it, yet the browser still sends it with `credentials: 'include'`.",
      "cookie.docCookieHosts": "If the API were on another host (like the article's `django6.kikuichige.com`), its cookies would not be in this page's `document.cookie` at all. Reading the token from the JSON body works in every setup; that is what this page does.",

      "csrf.title": "Masked token vs cookie secret",
      "csrf.none": "No token yet — press “1. Get a CSRF token”.",
      "csrf.masked": "Masked token from the JSON body (64 characters)",
      "csrf.mask": "mask (first 32)",
      "csrf.cipher": "cipher (last 32)",
      "csrf.cookie": "Secret from `document.cookie` → `csrftoken` (32 characters)",
      "csrf.noCookie": "(no csrftoken cookie visible to this page)",
      "csrf.unmasked": "Unmasked in JavaScript",
      "csrf.formula": "`secret[i] = CHARS[(idx(cipher[i]) − idx(mask[i])) mod 62]`, `CHARS = a–z A–Z 0–9`",
      "csrf.match": "✓ equals the cookie secret",
      "csrf.mismatch": "✗ differs from the cookie secret",
      "csrf.invalid": "✗ not a valid 64-character token",
      "csrf.inUse": "This is the token the page sends as `X-CSRFToken`.",
      "csrf.stale": "Token from before the last login (used by the “old token” button)",
      "csrf.historyTitle": "Tokens issued so far",
      "csrf.historyNote": "Every call returns a new masked token, yet they all unmask to the same secret — until a login rotates it.",
      "csrf.colTime": "Time",
      "csrf.colSource": "From",
      "csrf.colToken": "Masked token",
      "csrf.colSecret": "Unmasks to",

      "blocked.title": "5. A blocked request — the server answered, JavaScript got nothing",
      "blocked.p1": "`{api}/without-cors/…` is the same API with CORS switched off, as if django-cors-headers were not installed: it works normally but never sends `Access-Control-Allow-Origin`.",
      "blocked.p2": "The GET is a simple request, so the browser sends it and the server answers `200 OK` with the message. The browser receives that response, finds no `Access-Control-Allow-Origin` for this origin and withholds it: `fetch` rejects with `TypeError: Failed to fetch`. JavaScript learns neither the status nor the body nor the reason — on purpose, so that a page cannot probe other origins.",
      "blocked.p3": "The JSON POST needs a preflight. The server answers the `OPTIONS` with `200` but without CORS headers, so the preflight fails and the POST itself never leaves the browser: no user is created. JavaScript gets the very same `TypeError`.",
      "blocked.p4": "So CORS does not keep requests from reaching the server; only a preflight does, and only for requests that are not simple. A simple cross-site POST is still processed, which is why endpoints that change state need CSRF protection. The reason for a block is shown only in DevTools: the Console says “… has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.”, the Network tab marks the request “CORS error”. A later version of corslab will draw them here.",
      "blocked.getBtn": "Send GET without CORS",
      "blocked.postBtn": "Send JSON POST without CORS",

      "exp.hello": "Simple GET",
      "exp.users-post": "Create user",
      "exp.users-list": "List users",
      "exp.token": "Get tokens",
      "exp.protected": "Protected API",
      "exp.refresh": "Refresh access token",
      "exp.csrf": "CSRF token",
      "exp.login": "Log in",
      "exp.session": "Session data",
      "exp.logout": "Log out",
      "exp.stale-logout": "Log out with the token from before login",
      "exp.blocked": "GET without CORS",
      "exp.blocked-post": "JSON POST without CORS",

      "result.latest": "latest",
      "result.request": "Request",
      "result.options": "fetch options",
      "result.mode": "`mode: \"cors\"` (default for a cross-origin URL)",
      "result.credDefault": "`credentials` not set → `\"same-origin\"`: no cookies go to another origin",
      "result.credInclude": "`credentials: \"include\"`: cookies are sent and stored, and the response is readable only with `Access-Control-Allow-Credentials: true`",
      "result.credOmit": "`credentials: \"omit\"`: no cookies at all",
      "result.headersSet": "Request headers",
      "result.noHeadersSet": "(none set by the page)",
      "result.browserAdds": "+ added by the browser: `Origin: {page}`",
      "result.browserAddsCookies": "+ added by the browser: `Origin: {page}` and the cookies it holds for the API (`Cookie`)",
      "result.requestBody": "Request body",
      "result.preflight": "Preflight",
      "result.preflightNo": "not needed — a simple request",
      "result.preflightYes": "needed — not safelisted: {reasons}. Skipped while a cached preflight for this URL is still valid.",
      "result.preflightMethod": "method {method}",
      "result.statusLabel": "Status: ",
      "result.networkStatus": "0 (no response)",
      "result.outcome.ok": "success (2xx)",
      "result.outcome.http-error": "HTTP error — the server answered and JavaScript can read it",
      "result.outcome.network-error": "network error — nothing reached JavaScript",
      "result.headers": "Response headers visible to JavaScript",
      "result.headersNote": "Only CORS-safelisted headers and those named in `Access-Control-Expose-Headers` appear.",
      "result.noHeaders": "(none — there is no Response object)",
      "result.body": "Body",
      "result.emptyBody": "(empty body)",
      "result.error": "What fetch() rejected with",
      "result.timing": "{ms} ms · {time}",
      "result.networkHint": "The browser gives JavaScript no reason. Either the API is not reachable at {api}, or it answered without an `Access-Control-Allow-Origin` for {page} (check the API's allowed origins). DevTools → Console tells which.",
      "result.abortHint": "No answer within {s} seconds; the page gave up.",

      "note.blocked": "The server did answer `200 OK` — the browser hid the response because it carried no `Access-Control-Allow-Origin`.",
      "note.blocked-post": "The preflight (`OPTIONS`) got no `Access-Control-Allow-Origin`, so the browser never sent the POST.",
      "note.blockedUnexpected": "Unexpected: the response was readable. Is this origin allowed on the without-cors endpoints?",
      "note.stale": "This token belongs to the secret from before the login. The login rotated the secret, so the token no longer matches the `csrftoken` cookie, and Django refuses the request before logging anyone out. The page's normal logout uses the token that `/api/login/` returned.",
      "note.csrfMissing": "No CSRF token yet: press “1. Get a CSRF token” first.",
      "note.csrfFailed": "Django's CSRF check refused the request: {reason}",
      "note.noAccess": "No access token yet: the request went without `Authorization` (and therefore without a preflight). Press “Get tokens” first.",
      "note.noRefresh": "No refresh token yet: press “Get tokens” first.",
      "note.tokenExpired": "The access token has expired. Press “Refresh the access token”.",
      "note.notLoggedIn": "Not logged in: no valid `sessionid` cookie reached the server.",
      "note.rateLimited": "Rate-limited. The server sends `Retry-After`, but it is not in `Access-Control-Expose-Headers`, so JavaScript cannot read it. Wait a minute.",
      "note.usernameTaken": "That username exists already: change it and send again.",
      "note.created": "Created. The list (GET /api/users/) now includes this user.",

      "source.csrf": "GET /api/csrf/",
      "source.login": "POST /api/login/",
      "source.token": "POST /api/token/",
      "source.refresh": "POST /api/token/refresh/",

      "footer.text": "This page loads nothing from the internet: its HTML, script and styles are embedded in the corslab binary, and it talks only to the API origin above."
    },

    ja: {
      "meta.title": "corslab — 同一オリジンポリシー・CORS・CSRF・JWT を手を動かして学ぶ",
      "nav.skip": "実験へ移動",
      "lang.toggle": "English",
      "lang.toggleLabel": "English version of this page",
      "lang.toggleLang": "en",

      "header.tagline": "同一オリジンポリシー、CORS とプリフライト、CSRF トークン、セッションクッキー、JWT を実際に試せる実験ページです。",
      "header.lead": "このページと、ページが呼び出す API は別々のオリジンにあります。元記事の `kikuichige.com` と `django6.kikuichige.com` と同じ関係です。オリジンはスキーム・ホスト・ポートの組で、3 つすべてが一致して初めて「同一オリジン」になります。一方、サイトはスキームと登録可能ドメインだけで判定され、ポートやサブドメインは区別しないため、この 2 つは同一サイトですが別オリジンです。下のボタンはどれも、このページから API へ実際に `fetch` を送ります。結果欄には JavaScript が読めるものをそのまま表示し、最後のカードでは読めないものを確かめます。",
      "header.pageOrigin": "ページのオリジン（このページ）",
      "header.apiOrigin": "API のオリジン（fetch の宛先）",
      "header.verdictCrossSameSite": "別オリジン（{parts}が異なる）ですが同一サイトです。ブラウザは CORS を適用し、SameSite=Lax のクッキーは credentials 付きのリクエストで送信されます。",
      "header.verdictCrossCrossSite": "別オリジン（{parts}が異なる）かつ別サイトです。ブラウザは CORS を適用し、SameSite=Lax のクッキーはこれらの fetch では送信されません。",
      "header.verdictCrossUnknownSite": "別オリジン（{parts}が異なる）です。同一サイトかどうかは登録可能ドメインで決まります（例：`example.com` と `api.example.com` は同一サイト）。",
      "header.verdictSame": "同一オリジンです。CORS は適用されないため、クロスオリジンの挙動は再現できません。",
      "header.partScheme": "スキーム",
      "header.partHost": "ホスト",
      "header.partPort": "ポート",
      "header.partJoin": "・",
      "header.configError": "API のオリジンが設定されていません（<meta name=\"corslab-api\"> の値が「{value}」）。ボタンは動作しません。",

      "common.username": "ユーザー名",
      "common.password": "パスワード",

      "hello.title": "1. 単純な GET — プリフライトなし",
      "hello.p1": "カスタムヘッダーを付けない `GET` は「単純リクエスト」（Fetch Standard の言葉でいえば、メソッドとヘッダーがすべて CORS セーフリストに含まれるリクエスト）です。ブラウザはプリフライトなしですぐに送信し、`Origin: {page}` を付けます。",
      "hello.p2": "API は `Access-Control-Allow-Origin: {page}` を付けて応答します。このヘッダーにこのページのオリジンが書かれているからこそ、ブラウザはレスポンスを JavaScript に渡します。リクエスト自体はどちらにしてもサーバーに届きます。CORS が決めるのは「誰が送れるか」ではなく「誰が応答を読めるか」です。",
      "hello.p3": "`response.headers` に現れるのは、CORS セーフリストのレスポンスヘッダー（`Cache-Control`・`Content-Language`・`Content-Length`・`Content-Type`・`Expires`・`Last-Modified`・`Pragma`）と、サーバーが `Access-Control-Expose-Headers` に列挙したものだけです。`Date`・`Vary`・`WWW-Authenticate` などは隠され、`Set-Cookie` はスクリプトからは決して見えません。",
      "hello.btn": "GET /api/hello/ を送信",

      "users.title": "2. JSON の POST — 先にプリフライト",
      "users.p1": "単純リクエストと見なされるのは、メソッドが `GET`・`HEAD`・`POST` のいずれかで、セーフリストに載ったヘッダーしか付けていない場合だけです。`Content-Type` がセーフリスト扱いになるのは `application/x-www-form-urlencoded`・`multipart/form-data`・`text/plain` の 3 つだけで、これは HTML フォームが昔からどのサイトにも送れた形式です。`application/json` は含まれないので、ブラウザは POST の前に、`Access-Control-Request-Method: POST` と `Access-Control-Request-Headers: content-type` を付けた `OPTIONS` リクエスト（プリフライト）で許可を確認します。",
      "users.p2": "API はプリフライトに、許可するメソッドとヘッダー、そして `Access-Control-Max-Age: 86400` を返します。それを確認して初めて、ブラウザは POST を送信します。Chromium はプリフライトの結果をキャッシュする（最長 2 時間）ので、続けてもう一度押すとプリフライトは省略されます。プリフライトは JavaScript からは見えず、見えるのは POST のレスポンスだけです。両方を見るには DevTools の Network タブを開いてください。",
      "users.username": "ユーザー名",
      "users.usernameHint": "重複不可。英数字と @ . + - _ のみ、150 文字まで。",
      "users.email": "メールアドレス",
      "users.postBtn": "ユーザーを作成（POST /api/users/）",
      "users.listBtn": "ユーザー一覧（GET /api/users/）",

      "jwt.title": "3. JWT — Authorization ヘッダーで Bearer トークンを送る",
      "jwt.p1": "デモアカウントでトークンのペアを取得し、`Authorization: Bearer <access>` を付けて `/api/protected/` を呼び出します。クッキーは一切使いません（`credentials: 'omit'`）。トークンはページが JavaScript の変数に保持し、自分でヘッダーに付けます。`Authorization` はセーフリスト外のリクエストヘッダーなので、この呼び出しもプリフライトの対象です。",
      "jwt.p2": "JWT は `header.payload.signature` の 3 つの部分からなり、それぞれ base64url でエンコードされています。署名は、サーバーだけが持つ秘密鍵で `header.payload` に対して計算した HMAC-SHA256 です。署名が証明するのは「秘密鍵を持つサーバーが、まさにこのバイト列を書いた」ということで、1 文字でも書き換えればサーバーはトークンを拒否します。一方、署名は何も隠しません。base64url はエンコードであって暗号化ではないため、トークンを手にした人は誰でもペイロードを読めます（下の表示も、このページが秘密鍵なしでデコードしたものです）。また、サーバーは発行したトークンを記録していないので、アクセストークンは `exp` まで有効なままで、ログアウトしても無効化できません。だからアクセストークンは短命（ここでは 5 分）にし、リフレッシュトークン（1 日）で新しいものを取り直すのです。",
      "jwt.p3": "このページではトークンをメモリ上にだけ保持しています。`localStorage` に入れればリロード後も残りますが、ページ上で動くあらゆるスクリプト（XSS で注入されたものを含む）にも読まれてしまいます。",
      "jwt.tokenBtn": "トークンを取得（POST /api/token/）",
      "jwt.protectedBtn": "保護された API を呼ぶ（GET /api/protected/）",
      "jwt.refreshBtn": "アクセストークンを更新（POST /api/token/refresh/）",
      "jwt.decodedTitle": "現在のアクセストークン（ブラウザでデコード）",
      "jwt.none": "まだトークンがありません。「トークンを取得」を押してください。",
      "jwt.raw": "トークン（header . payload . signature）",
      "jwt.header": "ヘッダー",
      "jwt.payload": "ペイロード",
      "jwt.signature": "署名",
      "jwt.signatureNote": "HMAC-SHA256 の 32 バイトです。デコードしても読める内容はなく、このページでは検証もできません。秘密鍵を持つのはサーバーだけです。",
      "jwt.iat": "`iat`（発行時刻）",
      "jwt.exp": "`exp`（有効期限）",
      "jwt.remaining": "残り {s} 秒",
      "jwt.expired": "期限切れ — API は 401 `token_expired` を返します。更新してください",
      "jwt.undecodable": "このトークンは JWT としてデコードできませんでした。",
      "jwt.source": "{source} で取得。",

      "cookie.title": "4. クッキー認証 — セッションクッキーと CSRF トークン",
      "cookie.p1": "Django 流のログインです。セッションの中身はサーバーが保持し、ブラウザには `HttpOnly` のクッキー `sessionid` だけを渡します。クロスオリジンの `fetch` がクッキーを送るのは `credentials: 'include'` を指定したときだけで、しかも API が `Access-Control-Allow-Credentials: true` と具体的なオリジン（`*` は不可）を返さない限り、JavaScript はレスポンスを読めません。`SameSite=Lax` のクッキーが送られるのは、このページと API が同一サイトだからです。",
      "cookie.p2": "ブラウザはクッキーを自動で付けるため、どんなページからでもログイン済みのリクエストを送らせることができてしまいます。そこで Django は、`POST` などの安全でないメソッドに対して、`Origin` ヘッダーが `CSRF_TRUSTED_ORIGINS` に含まれることを確かめ、さらに `csrftoken` クッキーと対応する `X-CSRFToken` ヘッダーを要求します。トークンを読めるページでなければ送れないヘッダーです。手順 1 でトークンを取得すると、JSON には 64 文字のマスク済みトークンが、クッキーには 32 文字のシークレットが入っています。マスクは発行のたびに変わります（圧縮を悪用する BREACH 攻撃への対策）が、マスクを外せば常に同じシークレットに戻ります。",
      "cookie.p3": "ログインするとシークレットがローテーションされ（新しい `csrftoken` クッキーが発行され）、ログイン前のトークンは一致しなくなります。`/api/login/` が新しい `csrfToken` を返し、このページがそれに切り替えるのはそのためです。「ログイン前のトークンでログアウト」を押すと、切り替えなかった場合にどうなるかを確かめられます。",
      "cookie.csrfBtn": "1. CSRF トークンを取得（GET /api/csrf/）",
      "cookie.loginBtn": "2. ログイン（POST /api/login/）",
      "cookie.sessionBtn": "3. セッションの情報（GET /api/session-data/）",
      "cookie.logoutBtn": "4. ログアウト（POST /api/logout/）",
      "cookie.staleBtn": "ログイン前のトークンでログアウト",
      "cookie.staleHint": "直前のログインより前に取得したトークンを X-CSRFToken に付けて送ります。403 になるはずです。",
      "cookie.staleNone": "ログイン前のトークンがまだありません。CSRF トークンを取得（1）してからログイン（2）し、もう一度試してください。",
      "cookie.switched": "ログインしました。以降は /api/login/ が返した新しい CSRF トークンを使います。",
      "cookie.docCookieTitle": "このページから見た `document.cookie`",
      "cookie.docCookieEmpty": "（空文字列）",
      "cookie.docCookieWhy": "`csrftoken` はここに表示されます。`HttpOnly` ではない（JavaScript がヘッダーにコピーできるようにするための Django の既定）うえ、クッキーはポートで区別されないため、API が `localhost` に設定したクッキーがこのページからも見えるのです。一方 `sessionid` はログイン中でも決して表示されません。`HttpOnly` なので、注入されたものを含めどのスクリプトからも読めませんが、`credentials: 'include'` を指定すればブラウザは送信します。",
      "cookie.docCookieHosts": "API が別ホスト（元記事の `django6.kikuichige.com` など）にある場合、そのクッキーはこのページの `document.cookie` にはまったく現れません。JSON のボディからトークンを読む方法ならどの構成でも通用するので、このページはそうしています。",

      "csrf.title": "マスク済みトークンとクッキーのシークレット",
      "csrf.none": "まだトークンがありません。「1. CSRF トークンを取得」を押してください。",
      "csrf.masked": "JSON ボディのマスク済みトークン（64 文字）",
      "csrf.mask": "マスク（前半 32 文字）",
      "csrf.cipher": "暗号文（後半 32 文字）",
      "csrf.cookie": "`document.cookie` の `csrftoken` にあるシークレット（32 文字）",
      "csrf.noCookie": "（このページからは csrftoken クッキーが見えません）",
      "csrf.unmasked": "JavaScript でマスクを外した結果",
      "csrf.formula": "`secret[i] = CHARS[(idx(cipher[i]) − idx(mask[i])) mod 62]`、`CHARS = a–z A–Z 0–9`",
      "csrf.match": "✓ クッキーのシークレットと一致",
      "csrf.mismatch": "✗ クッキーのシークレットと不一致",
      "csrf.invalid": "✗ 64 文字の正しいトークンではありません",
      "csrf.inUse": "ページが `X-CSRFToken` として送るのはこのトークンです。",
      "csrf.stale": "直前のログインより前のトークン（「ログイン前のトークン」ボタンが使用）",
      "csrf.historyTitle": "これまでに発行されたトークン",
      "csrf.historyNote": "呼び出すたびにマスク済みトークンは変わりますが、マスクを外すとすべて同じシークレットになります。シークレットが変わるのはログインしたときだけです。",
      "csrf.colTime": "時刻",
      "csrf.colSource": "発行元",
      "csrf.colToken": "マスク済みトークン",
      "csrf.colSecret": "マスクを外すと",

      "blocked.title": "5. ブロックされるリクエスト — サーバーは応答したのに、JavaScript には何も届かない",
      "blocked.p1": "`{api}/without-cors/…` は、CORS を無効にした同じ API です（django-cors-headers を入れていない状態に相当）。処理は普通に行いますが、`Access-Control-Allow-Origin` を一切返しません。",
      "blocked.p2": "GET は単純リクエストなので、ブラウザはそのまま送信し、サーバーは `200 OK` でメッセージを返します。ブラウザはそのレスポンスを受け取りますが、このオリジン向けの `Access-Control-Allow-Origin` がないため JavaScript には渡さず、`fetch` は `TypeError: Failed to fetch` で reject されます。JavaScript にはステータスもボディも失敗の理由も知らされません。ページが他のオリジンを探れないよう、わざとそうなっています。",
      "blocked.p3": "JSON の POST にはプリフライトが必要です。サーバーは `OPTIONS` に `200` で応答しますが CORS ヘッダーがないので、プリフライトは失敗し、POST 本体はブラウザから送信すらされません（ユーザーは作成されません）。JavaScript が受け取るのは、まったく同じ `TypeError` です。",
      "blocked.p4": "つまり CORS は、リクエストがサーバーに届くこと自体は止めません。止められるのはプリフライトだけで、それも単純リクエストでない場合に限られます。単純なクロスサイト POST は処理されてしまうので、状態を変えるエンドポイントには CSRF 対策が必要なのです。ブロックの理由は DevTools でしか確認できません。Console には「… has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.」と表示され、Network タブではリクエストに「CORS error」と表示されます。corslab の今後のバージョンでは、これらをこのページ上に図示する予定です。",
      "blocked.getBtn": "CORS なしで GET を送信",
      "blocked.postBtn": "CORS なしで JSON を POST",

      "exp.hello": "単純な GET",
      "exp.users-post": "ユーザーを作成",
      "exp.users-list": "ユーザー一覧",
      "exp.token": "トークンを取得",
      "exp.protected": "保護された API",
      "exp.refresh": "アクセストークンを更新",
      "exp.csrf": "CSRF トークン",
      "exp.login": "ログイン",
      "exp.session": "セッションの情報",
      "exp.logout": "ログアウト",
      "exp.stale-logout": "ログイン前のトークンでログアウト",
      "exp.blocked": "CORS なしの GET",
      "exp.blocked-post": "CORS なしの JSON POST",

      "result.latest": "最新",
      "result.request": "リクエスト",
      "result.options": "fetch のオプション",
      "result.mode": "`mode: \"cors\"`（クロスオリジンの URL での既定値）",
      "result.credDefault": "`credentials` 指定なし → `\"same-origin\"`：別オリジンにはクッキーを送らない",
      "result.credInclude": "`credentials: \"include\"`：クッキーを送受信する。レスポンスを読めるのは `Access-Control-Allow-Credentials: true` があるときだけ",
      "result.credOmit": "`credentials: \"omit\"`：クッキーを一切使わない",
      "result.headersSet": "リクエストヘッダー",
      "result.noHeadersSet": "（ページが付けたものはなし）",
      "result.browserAdds": "＋ ブラウザが付加：`Origin: {page}`",
      "result.browserAddsCookies": "＋ ブラウザが付加：`Origin: {page}` と、API 向けに保持しているクッキー（`Cookie`）",
      "result.requestBody": "リクエストボディ",
      "result.preflight": "プリフライト",
      "result.preflightNo": "不要 — 単純リクエスト",
      "result.preflightYes": "必要 — セーフリスト外：{reasons}。この URL のプリフライト結果がキャッシュされている間は省略されます。",
      "result.preflightMethod": "メソッド {method}",
      "result.statusLabel": "ステータス：",
      "result.networkStatus": "0（レスポンスなし）",
      "result.outcome.ok": "成功（2xx）",
      "result.outcome.http-error": "HTTP エラー — サーバーが応答し、JavaScript も内容を読める",
      "result.outcome.network-error": "ネットワークエラー — JavaScript には何も届いていない",
      "result.headers": "JavaScript から見えるレスポンスヘッダー",
      "result.headersNote": "表示されるのは CORS セーフリストのヘッダーと、`Access-Control-Expose-Headers` に列挙されたものだけです。",
      "result.noHeaders": "（なし — Response オブジェクトがありません）",
      "result.body": "ボディ",
      "result.emptyBody": "（ボディなし）",
      "result.error": "fetch() が reject したエラー",
      "result.timing": "{ms} ms・{time}",
      "result.networkHint": "ブラウザは JavaScript に理由を教えません。{api} の API に届かなかったのか、{page} 向けの `Access-Control-Allow-Origin` なしで応答したのか（API の許可オリジン設定を確認）は、DevTools の Console で確認できます。",
      "result.abortHint": "{s} 秒以内に応答がなかったため、ページ側で打ち切りました。",

      "note.blocked": "サーバーは `200 OK` で応答しています。`Access-Control-Allow-Origin` がなかったため、ブラウザがレスポンスを隠しました。",
      "note.blocked-post": "プリフライト（`OPTIONS`）の応答に `Access-Control-Allow-Origin` がなかったため、ブラウザは POST を送信していません。",
      "note.blockedUnexpected": "想定外：レスポンスを読めてしまいました。without-cors のエンドポイントでこのオリジンが許可されていませんか？",
      "note.stale": "このトークンはログイン前のシークレットに対応するものです。ログインでシークレットがローテーションされたため `csrftoken` クッキーと一致せず、Django はログアウト処理の前にリクエストを拒否しました。通常のログアウトボタンは `/api/login/` が返したトークンを使います。",
      "note.csrfMissing": "CSRF トークンがまだありません。先に「1. CSRF トークンを取得」を押してください。",
      "note.csrfFailed": "Django の CSRF チェックで拒否されました：{reason}",
      "note.noAccess": "アクセストークンがまだないため、`Authorization` なし（したがってプリフライトもなし）で送信しました。先に「トークンを取得」を押してください。",
      "note.noRefresh": "リフレッシュトークンがまだありません。先に「トークンを取得」を押してください。",
      "note.tokenExpired": "アクセストークンの有効期限が切れています。「アクセストークンを更新」を押してください。",
      "note.notLoggedIn": "ログインしていません。有効な `sessionid` クッキーがサーバーに届いていません。",
      "note.rateLimited": "レート制限にかかりました。サーバーは `Retry-After` を返していますが、`Access-Control-Expose-Headers` に含まれないため JavaScript からは読めません。1 分ほど待ってください。",
      "note.usernameTaken": "このユーザー名はすでに使われています。変更してからもう一度送信してください。",
      "note.created": "作成しました。一覧（GET /api/users/）にこのユーザーが含まれます。",

      "source.csrf": "GET /api/csrf/",
      "source.login": "POST /api/login/",
      "source.token": "POST /api/token/",
      "source.refresh": "POST /api/token/refresh/",

      "footer.text": "このページはインターネットから何も読み込みません。HTML・スクリプト・スタイルはすべて corslab のバイナリに埋め込まれており、通信先は上に示した API のオリジンだけです。"
    }
  };

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
    const el = makeEl(tag, className);
    setRichText(el, t(key, vars));
    return el;
  }

  /** Both languages must define the same keys; drift is a bug worth a warning. */
  function checkDictionary() {
    const en = Object.keys(MESSAGES.en);
    const ja = Object.keys(MESSAGES.ja);
    const missingJa = en.filter((k) => !(k in MESSAGES.ja));
    const missingEn = ja.filter((k) => !(k in MESSAGES.en));
    if (missingJa.length || missingEn.length) {
      console.warn("corslab i18n: keys missing", { ja: missingJa, en: missingEn });
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
    quietly(rerenderAll);
  }

  /* Re-rendering results in the other language must not make screen readers read every
   * result again: live regions are switched off for the swap and back on afterwards
   * (the accessibility tree is updated asynchronously, hence the delay). */
  let liveRestoreTimer = 0;
  function quietly(fn) {
    const regions = document.querySelectorAll(".results, #cookie-notice");
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
      showCookieNotice("cookie.staleNone");
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
      showCookieNotice("cookie.switched");
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

  function notesBlocked(record) {
    if (record.outcome === "network-error") return [["note." + record.key]];
    return [["note.blockedUnexpected"]];
  }

  /** Notes every experiment can get, after its own. */
  function commonNotes(record) {
    const notes = [];
    if (record.outcome === "network-error" && !record.key.startsWith("blocked")) {
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
   * Run one experiment: build its request, send it, keep and render the record, tell
   * listeners. Later features (the sequence diagram) hook in through the
   * "corslab:exchange" event on document, whose detail is the record.
   */
  async function runExperiment(key) {
    const experiment = EXPERIMENTS[key];
    if (!experiment || state.inFlight.has(key) || !API_ORIGIN) return null;
    if (experiment.card === "cookie") showCookieNotice(null);
    const spec = experiment.build();
    if (!spec) {
      renderCardState();
      return null;
    }
    const button = buttonFor(key);
    state.inFlight.add(key);
    setBusy(button, true);
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

  /**
   * Send a request and describe what happened, never throwing:
   * { key, request: {method, url, credentials, headers, body}, startedAt, durationMs,
   *   outcome: "ok" | "http-error" | "network-error",
   *   response: {status, statusText, type, headers: [[name, value]], bodyText, json} | null,
   *   error: {name, message} | null }
   */
  async function sendRequest(key, spec) {
    const request = {
      method: spec.method,
      url: API_ORIGIN + spec.path,
      credentials: spec.credentials, // undefined = the fetch default ("same-origin")
      headers: spec.headers || {},
      body: spec.body,
    };
    const init = { method: request.method, headers: request.headers };
    if (request.credentials) init.credentials = request.credentials;
    if (request.body !== undefined) init.body = JSON.stringify(request.body);
    if (typeof AbortSignal !== "undefined" && typeof AbortSignal.timeout === "function") {
      init.signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    }

    const record = {
      key, request, startedAt: new Date(), durationMs: 0,
      outcome: "network-error", response: null, error: null,
    };
    const started = performance.now();
    try {
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
      record.outcome = res.ok ? "ok" : "http-error";
    } catch (err) {
      // A CORS block and an unreachable server look identical here, by design.
      record.error = { name: (err && err.name) || "Error", message: (err && err.message) || String(err) };
    }
    record.durationMs = Math.round(performance.now() - started);
    return record;
  }

  function parseJson(text) {
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch (_) {
      return undefined;
    }
  }

  /** Which request headers make this request non-simple (so the browser preflights it). */
  function preflightReasons(request) {
    const reasons = [];
    if (!["GET", "HEAD", "POST"].includes(request.method)) {
      reasons.push(t("result.preflightMethod", { method: request.method }));
    }
    const simpleTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (lower === "content-type") {
        const essence = String(value).split(";")[0].trim().toLowerCase();
        if (!simpleTypes.includes(essence)) reasons.push(name + ": " + value);
      } else if (!["accept", "accept-language", "content-language"].includes(lower)) {
        reasons.push(name);
      }
    }
    return reasons;
  }

  /* ------------------------------------------------------------------------------------
   * 6. rendering (DOM nodes + textContent only)
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
    renderCookieNotice();
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

    section.replaceChildren(
      title,
      renderStatusLine(record),
      renderRequest(record),
      ...renderNotes(record),
      renderResponseHeaders(record),
      renderBody(record),
    );
    updateScrollableFocus(section);
  }

  function renderStatusLine(record) {
    const p = makeEl("p", "status-line");
    const badge = makeEl("span", "badge badge-" + record.outcome);
    badge.textContent = record.response
      ? (record.response.status + " " + (record.response.statusText || STATUS_TEXT[record.response.status] || "")).trim()
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

  function renderRequest(record) {
    const req = record.request;
    const box = makeEl("div", "request");
    box.append(makeEl("h4", null, t("result.request")));
    const line = makeEl("p", "request-line mono");
    line.append(makeEl("span", "method", req.method), " ", makeEl("span", "url", req.url));
    box.append(line);

    const dl = makeEl("dl", "request-options");
    const options = makeEl("ul", "plain");
    options.append(richEl("li", null, "result.mode"));
    const credKey = req.credentials === "include" ? "result.credInclude"
      : req.credentials === "omit" ? "result.credOmit" : "result.credDefault";
    options.append(richEl("li", null, credKey));
    addDef(dl, t("result.options"), options);

    const headerNames = Object.keys(req.headers);
    const headers = makeEl("ul", "plain mono");
    if (headerNames.length === 0) headers.append(makeEl("li", "muted", t("result.noHeadersSet")));
    for (const name of headerNames) {
      headers.append(makeEl("li", null, name + ": " + displayHeaderValue(name, req.headers[name])));
    }
    // Origin (and, with credentials, Cookie) come from the browser, not from the page.
    const added = richEl("li", "muted", req.credentials === "include" ? "result.browserAddsCookies" : "result.browserAdds");
    headers.append(added);
    addDef(dl, t("result.headersSet"), headers);

    if (req.body !== undefined) {
      addDef(dl, t("result.requestBody"), makeEl("pre", "mono small", prettyJson(redactBody(req.body))));
    }

    const reasons = preflightReasons(req);
    const preflight = makeEl("span");
    setRichText(preflight, reasons.length
      ? t("result.preflightYes", { reasons: reasons.map((r) => "`" + r + "`").join(", ") })
      : t("result.preflightNo"));
    addDef(dl, t("result.preflight"), preflight);
    box.append(dl);
    return box;
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

  let cookieNoticeKey = null;
  function showCookieNotice(key) {
    cookieNoticeKey = key;
    renderCookieNotice();
  }

  function renderCookieNotice() {
    byId("cookie-notice").textContent = cookieNoticeKey ? t(cookieNoticeKey) : "";
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
   * 7. start-up
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
    byId("lang-toggle").addEventListener("click", toggleLanguage);
    // The credential forms exist for password managers and a11y; they never submit.
    for (const form of document.querySelectorAll("form")) {
      form.addEventListener("submit", (event) => event.preventDefault());
    }
    setLanguage(pickInitialLanguage());
    window.setInterval(tickJwtCountdown, 1000);
    window.addEventListener("resize", onResize);

    // A small, read-only surface for later features and for tests.
    window.corslab = Object.freeze({
      apiOrigin: API_ORIGIN,
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
