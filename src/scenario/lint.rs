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
use crate::csrf::SecretScope;
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
    cors(layers, &mut out);
    csrf(layers, origins, &mut out);
    cookies(layers, &mut out);
    sessions_and_jwt(layers, &mut out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.class.cmp(b.class)));
    out
}

fn cors(layers: &Layers, out: &mut Vec<Finding>) {
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
            "`null` is an allowed origin: every sandboxed iframe, data: URL and local file sends `Origin: null`, so any site can be `null`.",
            "`null` が許可されています。サンドボックス化された iframe・data: URL・ローカルファイルはすべて `Origin: null` を送るので、どのサイトでも `null` になれます。",
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
            format!("Origins are matched by substring ({s:?}): any origin that merely contains it passes."),
            format!("Origin を部分一致（{s:?}）で判定しています。それを含むだけのオリジンが通ります。"),
        )),
        OriginRule::AnySubdomain(d) => out.push(finding(
            "cors.any_subdomain",
            High,
            format!("Every subdomain of {d}, over plain http too and at any port, is trusted: one XSS or one http page on any of them reads the API."),
            format!("{d} のすべてのサブドメインが、平文 http でも任意のポートでも信頼されます。どれか一つの XSS や http のページから API を読めます。"),
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
                        format!("The pattern {p:?} has no `$`: Python's re.match anchors only the start, so anything may follow (`….evil.example`)."),
                        format!("パターン {p:?} に `$` がありません。Python の re.match は先頭しか固定しないので、後ろに何が続いても一致します（`….evil.example`）。"),
                    ));
                }
            }
        }
        _ => {}
    }
    if cors.allow_headers.iter().any(|h| h == "*") {
        out.push(finding(
            "cors.allow_headers_wildcard",
            Medium,
            "Access-Control-Allow-Headers: * is relied on: with credentials it is the literal name `*`, and the Fetch Standard never lets it cover Authorization (Chromium 156 does, other browsers follow the standard).",
            "Access-Control-Allow-Headers: * に頼っています。資格情報付きでは `*` という名前そのものの意味になり、Fetch Standard では Authorization を含みません（Chromium 156 は含めますが、ほかのブラウザーは標準どおりです）。",
        ));
    }
    if !credentials {
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
    }
    if !cors.on_errors {
        out.push(finding(
            "cors.errors_without_cors",
            Low,
            "Error responses carry no CORS headers: the page sees a CORS error instead of the real 401, 403 or 404 and cannot tell the user what went wrong.",
            "エラー応答に CORS ヘッダーがありません。ページには本当の 401・403・404 ではなく CORS エラーが見え、何が起きたかを伝えられません。",
        ));
    }
    let star_only = cors.origins == OriginRule::AllowAll && !credentials;
    if !cors.vary_origin && !star_only {
        out.push(finding(
            "cors.vary_missing",
            Medium,
            "The answer depends on Origin but says no `Vary: Origin`: a shared cache can hand one origin's response, and its Access-Control-Allow-Origin, to another.",
            "応答は Origin によって変わるのに `Vary: Origin` がありません。共有キャッシュがあるオリジン向けの応答（とその Access-Control-Allow-Origin）を別のオリジンに渡しえます。",
        ));
    }
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
    if !csrf.enabled {
        out.push(finding(
            "csrf.off",
            High,
            "No CSRF check: any site can make the visitor's browser log out, log in, or change state, with the visitor's cookies.",
            "CSRF チェックがありません。どのサイトも訪問者のブラウザーに、訪問者の Cookie 付きでログアウト・ログイン・状態の変更をさせられます。",
        ));
        return;
    }
    let page = origins.page.to_string();
    if !csrf.trusted_origins.contains(&page) && page != origins.api.to_string() {
        out.push(finding(
            "csrf.trusted_origin_missing",
            Info,
            format!("{page} is not in CSRF_TRUSTED_ORIGINS: its GETs work, but every POST is refused 403 \"Origin checking failed\"."),
            format!("{page} が CSRF_TRUSTED_ORIGINS にありません。GET は通りますが、POST はすべて 403「Origin checking failed」で拒否されます。"),
        ));
    }
    if !csrf.rotate_on_login {
        out.push(finding(
            "csrf.no_rotation",
            Medium,
            "Login does not rotate the CSRF secret: a token obtained before login (e.g. planted by an attacker) still works after it.",
            "ログインで CSRF シークレットを入れ替えません。ログイン前に得たトークン（攻撃者が仕込んだものなど）がログイン後も使えます。",
        ));
    }
    if csrf.secret == SecretScope::Shared {
        out.push(finding(
            "csrf.token_not_tied",
            High,
            "One CSRF secret for every browser: a token the attacker fetched for themselves passes for the victim.",
            "すべてのブラウザーで CSRF シークレットが共通です。攻撃者が自分用に取得したトークンが被害者でも通ります。",
        ));
    }
    if !csrf.unchecked_methods.is_empty() {
        let list = csrf.unchecked_methods.join(", ");
        out.push(finding(
            "csrf.unchecked_methods",
            High,
            format!("The CSRF check skips {list}: a forged {list} request changes state unchecked."),
            format!("CSRF チェックが {list} を飛ばします。偽造された {list} リクエストが確認なしに状態を変えます。"),
        ));
    }
    if !csrf.unchecked_content_types.is_empty() {
        let list = csrf.unchecked_content_types.join(", ");
        out.push(finding(
            "csrf.unchecked_content_types",
            High,
            format!("The CSRF check skips requests sent as {list}, which a plain HTML form can send from any site."),
            format!("CSRF チェックが {list} で送られたリクエストを飛ばします。これはどのサイトの素の HTML フォームからでも送れます。"),
        ));
    }
    if csrf.json_as_text_plain {
        out.push(finding(
            "csrf.json_as_text_plain",
            Medium,
            "JSON is accepted as text/plain: a form with enctype=\"text/plain\" can post JSON cross-site with no preflight.",
            "JSON を text/plain としても受け付けます。enctype=\"text/plain\" のフォームなら、プリフライトなしにクロスサイトで JSON を送れます。",
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

    #[test]
    fn unescaped_dots_are_found_where_they_are_meant_literally() {
        assert!(has_unescaped_dot(r"^https://app.example.com$"));
        assert!(!has_unescaped_dot(r"^https://app\.example\.com$"));
        assert!(!has_unescaped_dot(r"^https://.*\.example\.com$"));
        assert!(!has_unescaped_dot(r"^https://[a-z.]+\.example\.com$"));
    }
}
