//! The lint: every deliberate mistake in a scenario's layers, named and explained.
//!
//! Operator configuration is validated strictly and refused when wrong ([`crate::config`]);
//! a scenario's mistakes are the lesson, so they are served and described instead. Each
//! finding has a stable class (`cors.reflect_origin_with_credentials`, …), which catalogue
//! entries list and `corslab check` reports; the article's settings have none.

use serde::Serialize;

use super::{LabOrigins, Layers};
use crate::verdict::{SameSite, Text};
use crate::cors::{OriginRule, Placement};
use crate::csrf::{FORM_MEDIA_TYPES, SecretScope};
use crate::jwt::JwtVerifier;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not a hole, but the page cannot work as intended (e.g. POST refused).
    Info,
    Low,
    Medium,
    /// Another site or origin can act as the visitor or read their data.
    High,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub class: &'static str,
    pub severity: Severity,
    pub message: Text,
}

fn finding(class: &'static str, severity: Severity, en: impl Into<String>, ja: impl Into<String>) -> Finding {
    Finding { class, severity, message: Text::new(en, ja) }
}

/// Every mistake in `layers`, most severe first.
pub fn lint(layers: &Layers, origins: &LabOrigins) -> Vec<Finding> {
    let mut out = Vec::new();
    cors(layers, origins, &mut out);
    csrf(layers, origins, &mut out);
    cookies(layers, &mut out);
    sessions_and_jwt(layers, &mut out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.class.cmp(b.class)));
    out
}

/// A max-age short enough that a narrowed policy takes effect soon (Chromium's cap before
/// version 76).
const SHORT_MAX_AGE_S: u32 = 600;

fn cors(layers: &Layers, origins: &LabOrigins, out: &mut Vec<Finding>) {
    use Severity::*;
    let cors = &layers.cors;
    let credentials = cors.allow_credentials;
    match &cors.origins {
        OriginRule::Off => {
            out.push(finding(
                "cors.off",
                Info,
                "No CORS headers at all: no other origin can read the API, the lab page included.",
                "CORS ヘッダーがまったくありません。ラボのページを含め、ほかのオリジンは API を読めません。",
            ));
            return;
        }
        OriginRule::ReflectAny if credentials => out.push(finding(
            "cors.reflect_origin_with_credentials",
            High,
            "Any Origin is echoed in Access-Control-Allow-Origin with Allow-Credentials: every site may read every response with the visitor's cookies.",
            "どの Origin も Allow-Credentials とともに Access-Control-Allow-Origin に返されます。どのサイトも訪問者の Cookie 付きですべての応答を読めます。",
        )),
        OriginRule::AllowAll if credentials => out.push(finding(
            "cors.allow_all_with_credentials",
            High,
            "CORS_ALLOW_ALL_ORIGINS with credentials: `*` is refused with credentials, so django-cors-headers echoes the Origin instead — every site reads responses with the visitor's cookies.",
            "資格情報付きの CORS_ALLOW_ALL_ORIGINS です。資格情報付きでは `*` が使えないため django-cors-headers は Origin をそのまま返し、どのサイトも訪問者の Cookie 付きで応答を読めます。",
        )),
        OriginRule::List(list) if list.iter().any(|o| o == "null") => out.push(finding(
            "cors.null_trusted",
            High,
            "`null` is an allowed origin: every sandboxed iframe, data: URL and local file sends `Origin: null`, and so does any fetch redirected across origins, so any page can be `null`.",
            "`null` が許可されています。サンドボックス化された iframe・data: URL・ローカルファイルはすべて `Origin: null` を送り、オリジンをまたいでリダイレクトされた fetch も同じなので、どのページでも `null` になれます。",
        )),
        OriginRule::Prefix(p) => out.push(finding(
            "cors.prefix_match",
            High,
            format!("Origins are matched by prefix ({p:?}): `{p}.evil.example` and `{p}:1234` start with it too."),
            format!("Origin を前方一致（{p:?}）で判定しています。`{p}.evil.example` や `{p}:1234` も一致します。"),
        )),
        OriginRule::HostSuffix(s) => out.push(finding(
            "cors.suffix_match",
            High,
            format!("Origins are matched by host suffix ({s:?}) without a dot boundary or port: `evil{s}` and any port of `{s}` pass."),
            format!("Origin をホストの後方一致（{s:?}）で判定しており、ドットの区切りもポートも見ていません。`evil{s}` や `{s}` の任意のポートが通ります。"),
        )),
        OriginRule::Substring(s) => out.push(finding(
            "cors.substring_match",
            High,
            format!("Origins are matched by substring ({s:?}): any origin that merely contains it passes, such as `http://{s}.evil.example` or `http://evil{s}.example`, at any port."),
            format!("Origin を部分一致（{s:?}）で判定しています。`http://{s}.evil.example` や `http://evil{s}.example` のように、それを含むだけのオリジンが任意のポートで通ります。"),
        )),
        OriginRule::AnySubdomain(d) => out.push(finding(
            "cors.any_subdomain",
            High,
            format!("{d} and every subdomain of it, over plain http too and at any port, are trusted: one XSS or one http page on any of them reads the API."),
            format!("{d} とそのすべてのサブドメインが、平文 http でも任意のポートでも信頼されます。どれか一つの XSS や http のページから API を読めます。"),
        )),
        OriginRule::Regex(patterns) => {
            for p in patterns {
                if has_unescaped_dot(p) {
                    out.push(finding(
                        "cors.regex_unescaped_dot",
                        High,
                        format!("The pattern {p:?} has an unescaped `.`, which matches any character: `appXexample.com` passes for `app.example.com`."),
                        format!("パターン {p:?} にエスケープされていない `.` があり、任意の 1 文字に一致します。`app.example.com` のつもりが `appXexample.com` も通ります。"),
                    ));
                }
                if !p.ends_with('$') {
                    out.push(finding(
                        "cors.regex_unanchored",
                        High,
                        format!("The pattern {p:?} has no `$`: Python's re.match anchors only the start, so anything may follow (`….evil.example`, `…:1234`)."),
                        format!("パターン {p:?} に `$` がありません。Python の re.match は先頭しか固定しないので、後ろに何が続いても一致します（`….evil.example`、`…:1234`）。"),
                    ));
                }
            }
        }
        OriginRule::Wildcard if credentials => out.push(finding(
            "cors.wildcard_with_credentials",
            Info,
            "Access-Control-Allow-Origin: * beside Access-Control-Allow-Credentials: true: browsers refuse `*` on a credentialed request (WildcardOriginNotAllowed), so every cookie-based call fails. It leaks nothing; echoing the Origin to make it work would.",
            "Access-Control-Allow-Origin: * と Access-Control-Allow-Credentials: true の組み合わせです。ブラウザーは資格情報付きのリクエストで `*` を拒否する（WildcardOriginNotAllowed）ので、Cookie を使う呼び出しはすべて失敗します。漏れるものはありませんが、動かすために Origin をそのまま返せば漏れます。",
        )),
        _ => {}
    }
    if let OriginRule::List(list) = &cors.origins {
        http_origins_trusted(list, layers, origins, out);
    }
    if cors.allow_headers.iter().any(|h| h == "*") {
        out.push(finding(
            "cors.allow_headers_wildcard",
            Info,
            "Access-Control-Allow-Headers: * is relied on: with credentials it is only the literal name `*`, so every credentialed call that sends a header fails its preflight; without credentials the Fetch Standard never lets it cover Authorization, and a Bearer call works only because Chromium 156 still lets it through (a departure browsers mean to drop).",
            "Access-Control-Allow-Headers: * に頼っています。資格情報付きでは `*` という名前そのものでしかないため、ヘッダーを送る資格情報付きの呼び出しはすべてプリフライトで失敗します。資格情報なしでも Fetch Standard では `*` は Authorization を含まず、Bearer の呼び出しが通るのは Chromium 156 がまだ通しているから（ブラウザーがやめる予定の逸脱）にすぎません。",
        ));
    }
    let star = matches!(cors.origins, OriginRule::AllowAll | OriginRule::Wildcard);
    if !credentials && star {
        out.push(finding(
            "cors.credentials_missing",
            Info,
            "`*` without credentials: right for public data, which any page may read anyway; every call with credentials: 'include' (the page's login and session calls) is refused with WildcardOriginNotAllowed.",
            "資格情報なしの `*` です。どのページが読んでもよい公開データには正しい設定ですが、credentials: 'include' の呼び出し（ページのログインやセッションの呼び出し）はすべて WildcardOriginNotAllowed で拒否されます。",
        ));
    } else if !credentials {
        out.push(finding(
            "cors.credentials_missing",
            Info,
            "No Access-Control-Allow-Credentials: the page's cookie-based calls (credentials: 'include') are blocked with InvalidAllowCredentials.",
            "Access-Control-Allow-Credentials がありません。Cookie を使うページの呼び出し（credentials: 'include'）は InvalidAllowCredentials でブロックされます。",
        ));
    }
    match cors.placement {
        Placement::First => {}
        Placement::AfterAuth => out.push(finding(
            "cors.preflight_after_auth",
            Info,
            "The CORS layer runs after authentication: a preflight carries no credentials, gets a bare 401, and every non-simple call fails at its preflight.",
            "CORS の処理が認証の後にあります。プリフライトは資格情報を持たないので素の 401 になり、単純でない呼び出しはすべてプリフライトで失敗します。",
        )),
        Placement::AfterRouting => out.push(finding(
            "cors.preflight_after_routing",
            Info,
            "The CORS layer runs after a router with no OPTIONS routes: every preflight gets a bare 404.",
            "CORS の処理が OPTIONS のルートを持たないルーターの後にあります。プリフライトはすべて素の 404 になります。",
        )),
        Placement::AfterSlashRedirect => out.push(finding(
            "cors.preflight_redirected",
            Info,
            "A trailing-slash redirect runs before the CORS layer: a call to a path without its slash gets a bare 301, and a browser never follows a redirect for a preflight (PreflightDisallowedRedirect).",
            "末尾のスラッシュを補うリダイレクトが CORS の処理より前にあります。スラッシュのないパスへの呼び出しは素の 301 になり、ブラウザーはプリフライトのリダイレクトを決してたどりません（PreflightDisallowedRedirect）。",
        )),
    }
    if let Some(max_age) = cors.preflight_max_age.filter(|&s| cors.change.is_some() && s > SHORT_MAX_AGE_S) {
        let (chromium, firefox) = (max_age.min(7_200), max_age.min(86_400));
        out.push(finding(
            "cors.max_age_outlives_change",
            Low,
            format!("Access-Control-Max-Age is {max_age} s and the allowed methods or headers are narrowed later: a browser that cached the preflight keeps the old answer and sends what it allowed, without asking, for up to {chromium} s in Chromium (it caps the value at 7200 s) and {firefox} s in Firefox (86400 s)."),
            format!("Access-Control-Max-Age が {max_age} 秒で、許可するメソッドやヘッダーを後から狭めています。プリフライトをキャッシュしたブラウザーは古い答えを使い続け、尋ね直さずに許されていたものを送ります。Chromium では最長 {chromium} 秒（値を 7200 秒で打ち切ります）、Firefox では {firefox} 秒（86400 秒）です。"),
        ));
    }
    if !cors.on_errors {
        out.push(finding(
            "cors.errors_without_cors",
            Low,
            "Error responses carry no CORS headers: the page sees a CORS error instead of the real 401, 403 or 404 and cannot tell the user what went wrong.",
            "エラー応答に CORS ヘッダーがありません。ページには本当の 401・403・404 ではなく CORS エラーが見え、何が起きたかを伝えられません。",
        ));
    }
    // A bare `*` is the same for every origin: nothing for a cache to mix up.
    let star_only = cors.origins == OriginRule::Wildcard || (cors.origins == OriginRule::AllowAll && !credentials);
    if !cors.vary_origin && !star_only {
        out.push(finding(
            "cors.vary_missing",
            Medium,
            "The answer depends on Origin but says no `Vary: Origin`: a shared cache can hand one origin's response, and its Access-Control-Allow-Origin, to another.",
            "応答は Origin によって変わるのに `Vary: Origin` がありません。共有キャッシュがあるオリジン向けの応答（とその Access-Control-Allow-Origin）を別のオリジンに渡しえます。",
        ));
    }
}

/// Plain-http origins allowed with credentials although the cookies are `Secure`, which says
/// the API is served over https: a network attacker answers an http origin with any script.
/// The lab page itself is exempt (it is on loopback, where nobody sits in between).
fn http_origins_trusted(list: &[String], layers: &Layers, origins: &LabOrigins, out: &mut Vec<Finding>) {
    let page = origins.page.to_string();
    let http: Vec<&str> = list.iter().map(String::as_str).filter(|o| o.starts_with("http://") && *o != page).collect();
    if !layers.cookies.secure || !layers.cors.allow_credentials || http.is_empty() {
        return;
    }
    let http = http.join(", ");
    out.push(finding(
        "cors.http_origin_trusted",
        Severity::High,
        format!("The cookies are Secure, so the API is meant for https, yet {http} — plain http — may read it with credentials: on a hostile network (public Wi-Fi, a rogue router) anyone can answer that origin with their own script, and the API trusts it."),
        format!("Cookie が Secure なので API は https で使う前提なのに、平文 http の {http} が資格情報付きで読めます。敵対的なネットワーク（公衆 Wi-Fi、不正なルーター）では誰でもそのオリジンに自分のスクリプトで応答でき、API はそれを信頼します。"),
    ));
}

/// A `.` in a pattern that is not `\.`, not inside `[...]` and not followed by `*`, `+` or
/// `?` (as in `.*`): one meant literally, most likely.
fn has_unescaped_dot(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    let (mut escaped, mut in_class) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'.' if !in_class && !matches!(bytes.get(i + 1), Some(b'*' | b'+' | b'?')) => return true,
            _ => {}
        }
    }
    false
}

fn csrf(layers: &Layers, origins: &LabOrigins, out: &mut Vec<Finding>) {
    use Severity::*;
    let csrf = &layers.csrf;
    if layers.sessions.logout_on_get {
        out.push(finding(
            "csrf.state_change_on_get",
            High,
            "Logout also answers GET (as Django's LogoutView did before 5.0): the CSRF check never looks at a GET, and SameSite=Lax cookies go along on top-level GET navigations from any site, so any page can log the visitor out.",
            "ログアウトが GET にも応じます（Django 5.0 より前の LogoutView と同じ）。CSRF チェックは GET を見ませんし、SameSite=Lax の Cookie はどのサイトからのトップレベルの GET 遷移にも付いて行くので、どのページでも訪問者をログアウトさせられます。",
        ));
    }
    if !csrf.enabled {
        out.push(finding(
            "csrf.off",
            High,
            "No CSRF check: a form on any page the visitor opens posts to the API with their cookies (from the same site always, from other sites where SameSite lets them): it can log them out, or do anything else a form body can carry.",
            "CSRF チェックがありません。訪問者が開いたどのページのフォームでも、訪問者の Cookie 付きで API に POST できます（同一サイトからは常に、ほかのサイトからは SameSite が許すとき）。ログアウトさせることも、フォームの本文で送れるほかのことも何でもできます。",
        ));
        return;
    }
    let page = origins.page.to_string();
    if !csrf.trusted_origins.contains(&page) && page != origins.api.to_string() {
        out.push(finding(
            "csrf.trusted_origin_missing",
            Info,
            format!("{page} is not in CSRF_TRUSTED_ORIGINS: its GETs work, but every POST is refused 403 \"Origin checking failed - {page} does not match any trusted origins.\""),
            format!("{page} が CSRF_TRUSTED_ORIGINS にありません。GET は通りますが、POST はすべて 403「Origin checking failed - {page} does not match any trusted origins.」で拒否されます。"),
        ));
    }
    // Both token mistakes below are measured harmless on their own here: another site cannot
    // put a token into X-CSRFToken without a preflight CORS refuses, and the Origin check
    // refuses its forms before any token is read.
    if !csrf.rotate_on_login {
        out.push(finding(
            "csrf.no_rotation",
            Low,
            "Login does not rotate the CSRF secret: a token obtained before login (planted by a sibling subdomain, or read from a page cached while logged out) still works after it. Here the Origin check keeps other origins' forms out; where only the token is checked (Django before 4.0), that token is the attack.",
            "ログインで CSRF シークレットを入れ替えません。ログイン前に得たトークン（兄弟サブドメインが仕込んだもの、ログアウト中にキャッシュされたページから読んだものなど）がログイン後も使えます。ここでは Origin チェックがほかのオリジンのフォームを止めますが、トークンしか確認しない所（Django 4.0 より前）では、そのトークンが攻撃になります。",
        ));
    }
    if csrf.secret == SecretScope::Shared {
        out.push(finding(
            "csrf.token_not_tied",
            Low,
            "One CSRF secret for every browser: a token anyone fetches for themselves passes for everybody. Here it stays harmless only because the Origin check refuses other origins' forms and a custom header needs a preflight; where only the token is checked, the attacker's own token passes for the victim.",
            "すべてのブラウザーで CSRF シークレットが共通です。誰かが自分用に取得したトークンが全員に通ります。ここで害がないのは、Origin チェックがほかのオリジンのフォームを拒み、独自ヘッダーにはプリフライトが要るからにすぎません。トークンしか確認しない所では、攻撃者自身のトークンが被害者でも通ります。",
        ));
    }
    if !csrf.unchecked_methods.is_empty() {
        let list = csrf.unchecked_methods.join(", ");
        // A form sends only GET and POST; any other method from another origin needs a
        // preflight, which CORS must allow first.
        let form_can_send = csrf.unchecked_methods.iter().any(|m| m.eq_ignore_ascii_case("POST"));
        let (severity, en, ja) = if form_can_send {
            (High, "a plain form from any page sends it", "どのページの素のフォームでも送れます")
        } else {
            (Low, "only a request whose preflight CORS allows can use it", "CORS がプリフライトを許したリクエストしかそれを使えません")
        };
        out.push(finding(
            "csrf.unchecked_methods",
            severity,
            format!("The CSRF check skips {list}: a forged {list} request changes state unchecked, and {en}."),
            format!("CSRF チェックが {list} を飛ばします。偽造された {list} リクエストが確認なしに状態を変えます。{ja}。"),
        ));
    }
    let json_unchecked = csrf.unchecked_content_types.iter().any(|t| t.eq_ignore_ascii_case("application/json"));
    let form_types: Vec<&str> = csrf
        .unchecked_content_types
        .iter()
        .filter(|t| FORM_MEDIA_TYPES.iter().any(|f| t.eq_ignore_ascii_case(f)))
        .map(String::as_str)
        .collect();
    if !form_types.is_empty() {
        let list = form_types.join(", ");
        out.push(finding(
            "csrf.unchecked_content_types",
            High,
            format!("The CSRF check skips requests sent as {list}, which a plain HTML form can send from any site."),
            format!("CSRF チェックが {list} で送られたリクエストを飛ばします。これはどのサイトの素の HTML フォームからでも送れます。"),
        ));
    } else if json_unchecked {
        out.push(finding(
            "csrf.unchecked_content_types",
            Low,
            "The CSRF check skips JSON requests, relying on the preflight a cross-site JSON request needs: that holds only while CORS refuses other origins and nothing else is parsed as JSON.",
            "CSRF チェックが JSON のリクエストを飛ばし、クロスサイトの JSON リクエストに要るプリフライトに頼っています。それが成り立つのは、CORS がほかのオリジンを拒み、ほかの何も JSON として読まれない間だけです。",
        ));
    }
    if csrf.json_as_text_plain {
        let (severity, en, ja) = if json_unchecked {
            (
                High,
                "and the CSRF check skips JSON, so a form with enctype=\"text/plain\" on any site posts JSON the check never looks at, with no preflight.",
                "CSRF チェックは JSON を飛ばすので、どのサイトの enctype=\"text/plain\" のフォームでも、チェックされない JSON をプリフライトなしで送れます。",
            )
        } else {
            (
                Low,
                "so a form with enctype=\"text/plain\" can post JSON cross-site with no preflight; here the CSRF check still looks at it, but every CSRF-exempt JSON view is open to such forms.",
                "enctype=\"text/plain\" のフォームでもプリフライトなしにクロスサイトで JSON を送れます。ここでは CSRF チェックがそれも確認しますが、CSRF 対象外の JSON ビューはすべてそのフォームに開かれています。",
            )
        };
        out.push(finding(
            "csrf.json_as_text_plain",
            severity,
            format!("JSON is accepted as text/plain, {en}"),
            format!("JSON を text/plain としても受け付けます。{ja}"),
        ));
    }
}

fn cookies(layers: &Layers, out: &mut Vec<Finding>) {
    use Severity::*;
    let c = &layers.cookies;
    match c.same_site {
        // Measured in Chromium 156: such a cookie is refused when set, so none is stored.
        SameSite::None if !c.secure => out.push(finding(
            "cookies.samesite_none_insecure",
            Info,
            "SameSite=None without Secure: browsers refuse such a cookie when it is set, so neither the session nor the CSRF cookie is stored, and logins fail (403 \"CSRF cookie not set.\") or look fine and lead nowhere.",
            "Secure なしの SameSite=None です。ブラウザーはこの Cookie を設定時に拒否するので、セッションの Cookie も CSRF の Cookie も保存されず、ログインは失敗する（403「CSRF cookie not set.」）か、成功に見えて何にもつながりません。",
        )),
        SameSite::None => out.push(finding(
            "cookies.samesite_none",
            High,
            "SameSite=None: the cookies go along on other sites' form POSTs and links (and on their fetches, where a browser allows third-party cookies), which leaves only the CSRF check.",
            "SameSite=None です。Cookie がほかのサイトのフォーム POST やリンクに付いて行き（サードパーティー Cookie を許すブラウザーでは fetch にも）、残る守りは CSRF チェックだけです。",
        )),
        // Measured in Chromium 156: sent on a cross-site top-level POST 112 s after it got its
        // value, not at 126 s; sent again once a new value is set, not when the same one is.
        SameSite::Unspecified => out.push(finding(
            "cookies.samesite_unset",
            Medium,
            "No SameSite attribute: Chromium treats the cookie as Lax, except that for two minutes after it gets a value it still goes along on other sites' top-level POSTs (the \"Lax+POST\" exception; every login sets a new session key, so every login opens the window again). Firefox and Safari do not default to Lax at all.",
            "SameSite 属性がありません。Chromium は Lax として扱いますが、Cookie が値を得てから 2 分間は、ほかのサイトのトップレベル POST にも付いて行きます（「Lax+POST」の例外。ログインのたびにセッションキーが新しくなるので、ログインのたびにこの 2 分間が始まります）。Firefox と Safari はそもそも Lax を既定にしていません。",
        )),
        SameSite::Lax | SameSite::Strict => {}
    }
    if !c.http_only {
        out.push(finding(
            "cookies.session_not_http_only",
            High,
            "The session cookie is not HttpOnly: any script on the API's site, injected ones included, can read and send it away.",
            "セッション Cookie が HttpOnly ではありません。注入されたものを含め、API のサイトのどのスクリプトでも読み出して持ち出せます。",
        ));
    }
}

fn sessions_and_jwt(layers: &Layers, out: &mut Vec<Finding>) {
    use Severity::*;
    if !layers.sessions.cycle_key_on_login {
        out.push(finding(
            "sessions.fixation",
            High,
            "Login keeps the session key the browser came with: a key an attacker planted before login becomes the victim's session (session fixation).",
            "ログイン時にブラウザーが持っていたセッションキーをそのまま使います。攻撃者がログイン前に仕込んだキーが被害者のセッションになります（セッション固定）。",
        ));
    }
    let (class, en, ja) = match &layers.jwt {
        JwtVerifier::Strict => return,
        JwtVerifier::AcceptsAlgNone => (
            "jwt.alg_none",
            "The verifier accepts `\"alg\": \"none\"`: anyone can write an unsigned token for any user.".to_owned(),
            "検証が `\"alg\": \"none\"` を受け付けます。誰でも任意のユーザーの署名なしトークンを書けます。".to_owned(),
        ),
        JwtVerifier::WeakSecret(_) => (
            "jwt.weak_secret",
            "The HS256 secret is in public wordlists: any one token (an account of one's own yields one) is cracked offline in seconds, and then anyone signs tokens for any user.".to_owned(),
            "HS256 の秘密鍵が公開の単語リストにあります。トークンが一つあれば（自分のアカウントで手に入ります）オフラインで数秒で割り出され、誰でも任意のユーザーのトークンに署名できます。".to_owned(),
        ),
        JwtVerifier::SignatureNotChecked => (
            "jwt.signature_unchecked",
            "The signature is never checked: any payload, any user, is believed.".to_owned(),
            "署名をまったく確認しません。どんなペイロード、どのユーザーでも信じてしまいます。".to_owned(),
        ),
        JwtVerifier::RefreshAsAccess => (
            "jwt.refresh_as_access",
            "A refresh token (valid for a day) is accepted where an access token (5 minutes) is required.".to_owned(),
            "アクセストークン（5 分）が必要な所でリフレッシュトークン（1 日有効）を受け付けます。".to_owned(),
        ),
    };
    out.push(finding(class, High, en, ja));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::CookieSettings;
    use crate::scenario::tests::origins;

    fn classes(layers: &Layers) -> Vec<&'static str> {
        lint(layers, &origins()).iter().map(|f| f.class).collect()
    }

    #[test]
    fn an_extra_http_origin_is_a_finding_only_where_the_cookies_say_https() {
        let o = origins();
        let mut layers = Layers::article(std::slice::from_ref(&o.page), std::slice::from_ref(&o.page), CookieSettings::default());
        layers.cors.origins = OriginRule::List(vec![o.page.to_string(), "http://localhost:3000".into()]);
        assert_eq!(classes(&layers), Vec::<&str>::new(), "a development setup: everything is http");
        layers.cookies.secure = true;
        assert_eq!(classes(&layers), ["cors.http_origin_trusted"]);
        layers.cors.origins = OriginRule::List(vec![o.page.to_string(), "https://app.example.com".into()]);
        assert_eq!(classes(&layers), Vec::<&str>::new(), "https origins and the lab's own page are fine");
    }

    #[test]
    fn a_wildcard_is_named_for_what_the_browser_does_with_it() {
        let o = origins();
        let mut layers = Layers::article(std::slice::from_ref(&o.page), std::slice::from_ref(&o.page), CookieSettings::default());
        layers.cors.origins = OriginRule::Wildcard;
        layers.cors.vary_origin = false;
        assert_eq!(classes(&layers), ["cors.wildcard_with_credentials"], "a bare `*` needs no Vary");
        layers.cors.allow_credentials = false;
        let found = lint(&layers, &o);
        assert_eq!(found.iter().map(|f| f.class).collect::<Vec<_>>(), ["cors.credentials_missing"]);
        assert!(found[0].message.en.contains("WildcardOriginNotAllowed"), "not InvalidAllowCredentials: {:?}", found[0].message);
    }

    #[test]
    fn unescaped_dots_are_found_where_they_are_meant_literally() {
        assert!(has_unescaped_dot(r"^https://app.example.com$"));
        assert!(!has_unescaped_dot(r"^https://app\.example\.com$"));
        assert!(!has_unescaped_dot(r"^https://.*\.example\.com$"));
        assert!(!has_unescaped_dot(r"^https://[a-z.]+\.example\.com$"));
    }
}
