//! The misconfiguration classes `corslab check` reports: the lint's own names
//! ([`crate::scenario::lint`]), so the lab and the checker speak one language, each with what
//! it looks like from outside and its fix.
//!
//! A black box cannot tell every lint class apart: an API that echoes any Origin and one that
//! sets `CORS_ALLOW_ALL_ORIGINS` with credentials answer every request alike, and so do a
//! prefix check and a regex without `$`. Such a class is reported under one name and lists the
//! others it stands for in [`Class::same_on_the_wire`]. One class is the checker's own:
//! `cors.request_blocked`, the request as given fails for none of the other reasons; the
//! lint has no such class because it describes a policy, not one request.

use crate::scenario::lint::Severity::{self, High, Info, Low, Medium};

/// A text in both languages, fixed at compile time.
#[derive(Clone, Copy, Debug)]
pub struct Words {
    pub en: &'static str,
    pub ja: &'static str,
}

const fn words(en: &'static str, ja: &'static str) -> Words {
    Words { en, ja }
}

/// One class as the checker reports it.
#[derive(Debug)]
pub struct Class {
    /// The lint's name, e.g. `cors.null_trusted`.
    pub name: &'static str,
    /// The severity of a finding of this class when the hole is open with credentials.
    pub severity: Severity,
    /// Other lint classes that answer every probe the same way.
    pub same_on_the_wire: &'static [&'static str],
    pub title: Words,
    pub fix: Words,
}

pub static REFLECT: Class = Class {
    name: "cors.reflect_origin_with_credentials",
    severity: High,
    same_on_the_wire: &["cors.allow_all_with_credentials"],
    title: words("Any origin may read the API with the visitor's cookies", "どのオリジンも訪問者の Cookie 付きで API を読める"),
    fix: words(
        "Compare the Origin with an exact list of your own origins (CORS_ALLOWED_ORIGINS) and answer any other without Access-Control-Allow-Origin. Never echo the Origin, and never combine CORS_ALLOW_ALL_ORIGINS with credentials: django-cors-headers then echoes it too.",
        "Origin を自分のオリジンの完全なリスト（CORS_ALLOWED_ORIGINS）と比べ、それ以外には Access-Control-Allow-Origin を返さないでください。Origin をそのまま返さず、CORS_ALLOW_ALL_ORIGINS を資格情報と組み合わせないでください（django-cors-headers もその場合 Origin を返します）。",
    ),
};

pub static NULL: Class = Class {
    name: "cors.null_trusted",
    severity: High,
    same_on_the_wire: &[],
    title: words("`null` is a trusted origin", "`null` が信頼されている"),
    fix: words(
        "Remove `null` from the allowed origins. Sandboxed iframes, data: URLs, local files and every fetch redirected across origins say `Origin: null`: serve such pages from a real origin and list that one.",
        "許可するオリジンから `null` を外してください。サンドボックス化された iframe・data: URL・ローカルファイル・オリジンをまたいでリダイレクトされた fetch はすべて `Origin: null` を送ります。そうしたページは本物のオリジンから配信し、そのオリジンを許可してください。",
    ),
};

pub static PREFIX: Class = Class {
    name: "cors.prefix_match",
    severity: High,
    same_on_the_wire: &["cors.regex_unanchored"],
    title: words("Origins are matched by prefix", "Origin を前方一致で判定している"),
    fix: words(
        "Compare the whole origin, port included, for equality. A regex must end in `$` and spell out the port: Python's re.match (django-cors-headers' CORS_ALLOWED_ORIGIN_REGEXES) anchors only the start.",
        "ポートを含むオリジン全体を完全一致で比べてください。正規表現なら末尾に `$` を付け、ポートも書いてください。Python の re.match（django-cors-headers の CORS_ALLOWED_ORIGIN_REGEXES）は先頭しか固定しません。",
    ),
};

pub static SUFFIX: Class = Class {
    name: "cors.suffix_match",
    severity: High,
    same_on_the_wire: &[],
    title: words("Origins are matched by host suffix, without a dot boundary", "Origin をドットの区切りなしのホストの後方一致で判定している"),
    fix: words(
        "Compare whole origins. If subdomains must pass, match `.example.com` with its leading dot, and the scheme and port too.",
        "オリジン全体を比べてください。サブドメインを通す必要があるなら、先頭のドット付きの `.example.com` で照合し、スキームとポートも確かめてください。",
    ),
};

pub static SUBSTRING: Class = Class {
    name: "cors.substring_match",
    severity: High,
    same_on_the_wire: &[],
    title: words("Origins are matched by substring", "Origin を部分一致で判定している"),
    fix: words(
        "Compare whole origins for equality, never with `in`, `includes` or an unanchored search.",
        "オリジン全体を完全一致で比べてください。`in`・`includes`・固定されていない検索は使わないでください。",
    ),
};

pub static ANY_SUBDOMAIN: Class = Class {
    name: "cors.any_subdomain",
    severity: High,
    same_on_the_wire: &[],
    title: words("Any subdomain may read the API", "どのサブドメインも API を読める"),
    fix: words(
        "List the subdomains that really call the API, over https only. Any other one — an old blog, a user-content host, a plain-http page — can otherwise read it with the visitor's cookies.",
        "API を実際に呼ぶサブドメインだけを https で並べてください。そうしないと、古いブログ・ユーザーコンテンツのホスト・平文 http のページなど、ほかのどのサブドメインも訪問者の Cookie 付きで読めます。",
    ),
};

pub static UNESCAPED_DOT: Class = Class {
    name: "cors.regex_unescaped_dot",
    severity: High,
    same_on_the_wire: &[],
    title: words("An origin regex leaves a dot unescaped", "Origin の正規表現にエスケープされていないドットがある"),
    fix: words(
        "Escape every dot and anchor both ends (^https://app\\.example\\.com$); better, list exact origins and keep regexes for the patterns you really need.",
        "ドットをすべてエスケープし、両端を固定してください（^https://app\\.example\\.com$）。できれば完全なオリジンを並べ、正規表現は本当に必要なパターンだけにしてください。",
    ),
};

pub static HTTP_TRUSTED: Class = Class {
    name: "cors.http_origin_trusted",
    severity: High,
    same_on_the_wire: &[],
    title: words("The https page's plain-http twin is trusted", "https のページの平文 http 版が信頼されている"),
    fix: words(
        "Allow only https origins; redirect http to https (SECURE_SSL_REDIRECT) and send HSTS, so that browsers never load the http twin, which anyone on the network can answer.",
        "https のオリジンだけを許可してください。http は https にリダイレクトし（SECURE_SSL_REDIRECT）、HSTS を送って、ネットワーク上の誰でも応答できる http 版をブラウザーが読み込まないようにしてください。",
    ),
};

pub static CSRF_OFF: Class = Class {
    name: "csrf.off",
    severity: High,
    same_on_the_wire: &[],
    title: words("A state-changing request from another site is accepted", "ほかのサイトからの状態を変えるリクエストが受け付けられる"),
    fix: words(
        "Check every unsafe request: its Origin against your own and trusted origins (Django's CsrfViewMiddleware with CSRF_TRUSTED_ORIGINS), and a CSRF token where cookies authenticate. SameSite cookies alone leave same-site pages and Lax's exceptions open.",
        "安全でないリクエストはすべて確認してください。Origin を自分のオリジンと信頼するオリジンに照らし（Django の CsrfViewMiddleware と CSRF_TRUSTED_ORIGINS）、Cookie で認証するなら CSRF トークンも確かめます。SameSite の Cookie だけでは、同一サイトのページや Lax の例外が開いたままです。",
    ),
};

pub static CSRF_TEXT_PLAIN: Class = Class {
    name: "csrf.json_as_text_plain",
    severity: High,
    same_on_the_wire: &[],
    title: words("A cross-site text/plain body gets past the CSRF check", "クロスサイトの text/plain の本文が CSRF チェックを通る"),
    fix: words(
        "Parse JSON only from application/json bodies and refuse others (415), and let no content type skip the CSRF check: a form with enctype=\"text/plain\" on any site sends a body without a preflight.",
        "JSON は application/json の本文からだけ読み、ほかは拒否してください（415）。どの Content-Type でも CSRF チェックを飛ばさないでください。どのサイトの enctype=\"text/plain\" のフォームでも、プリフライトなしに本文を送れます。",
    ),
};

pub static VARY_MISSING: Class = Class {
    name: "cors.vary_missing",
    severity: Medium,
    same_on_the_wire: &[],
    title: words("The answer depends on Origin without `Vary: Origin`", "応答が Origin で変わるのに `Vary: Origin` がない"),
    fix: words(
        "Send `Vary: Origin` on every response whose Access-Control-Allow-Origin depends on the request's Origin, allowed or not (django-cors-headers does), so that no cache hands one origin's answer to another.",
        "Access-Control-Allow-Origin がリクエストの Origin によって変わる応答には、許可したかどうかにかかわらず `Vary: Origin` を付けてください（django-cors-headers はそうします）。キャッシュがあるオリジン向けの応答を別のオリジンに渡さないようにするためです。",
    ),
};

pub static ERRORS_WITHOUT_CORS: Class = Class {
    name: "cors.errors_without_cors",
    severity: Low,
    same_on_the_wire: &[],
    title: words("Error responses carry no CORS headers", "エラー応答に CORS ヘッダーがない"),
    fix: words(
        "Add the CORS headers to error responses too: run the CORS middleware outside the error handling (first in Django's MIDDLEWARE), so that the page sees the real 4xx or 5xx instead of a CORS error.",
        "エラー応答にも CORS ヘッダーを付けてください。CORS ミドルウェアをエラー処理の外側（Django の MIDDLEWARE の先頭）で動かせば、ページには CORS エラーではなく本当の 4xx・5xx が見えます。",
    ),
};

pub static WILDCARD_WITH_CREDENTIALS: Class = Class {
    name: "cors.wildcard_with_credentials",
    severity: Info,
    same_on_the_wire: &[],
    title: words("`*` beside Access-Control-Allow-Credentials: true", "`*` と Access-Control-Allow-Credentials: true の組み合わせ"),
    fix: words(
        "Choose one: `*` without Access-Control-Allow-Credentials for public data read without cookies, or your exact origin with credentials. Echoing the Origin to make credentials work would open the API to every site.",
        "どちらかを選んでください。Cookie なしで読む公開データなら Access-Control-Allow-Credentials なしの `*`、資格情報を使うなら自分のオリジンそのものです。資格情報を通すために Origin をそのまま返すと、どのサイトにも API が開かれます。",
    ),
};

pub static CREDENTIALS_MISSING: Class = Class {
    name: "cors.credentials_missing",
    severity: Info,
    same_on_the_wire: &[],
    title: words("Credentialed calls are refused: no Access-Control-Allow-Credentials", "資格情報付きの呼び出しが拒否される（Access-Control-Allow-Credentials がない）"),
    fix: words(
        "If the page calls with credentials: 'include', answer its exact origin with Access-Control-Allow-Credentials: true (CORS_ALLOW_CREDENTIALS = True); otherwise call without credentials.",
        "ページが credentials: 'include' で呼ぶなら、そのオリジンそのものと Access-Control-Allow-Credentials: true を返してください（CORS_ALLOW_CREDENTIALS = True）。そうでなければ資格情報なしで呼んでください。",
    ),
};

pub static ALLOW_HEADERS_WILDCARD: Class = Class {
    name: "cors.allow_headers_wildcard",
    severity: Info,
    same_on_the_wire: &[],
    title: words("Access-Control-Allow-Headers: * is relied on for Authorization", "Authorization を Access-Control-Allow-Headers: * に頼っている"),
    fix: words(
        "Name the request headers (Access-Control-Allow-Headers: authorization, content-type). In the Fetch Standard `*` never covers Authorization, and with credentials it is only the literal name `*`.",
        "リクエストヘッダーを名前で並べてください（Access-Control-Allow-Headers: authorization, content-type）。Fetch Standard では `*` は Authorization を含まず、資格情報付きでは `*` という名前そのものでしかありません。",
    ),
};

pub static PREFLIGHT_AFTER_AUTH: Class = Class {
    name: "cors.preflight_after_auth",
    severity: Info,
    same_on_the_wire: &[],
    title: words("Preflights are refused by authentication", "プリフライトが認証で拒否される"),
    fix: words(
        "Answer preflights before authentication (the CORS middleware first): a preflight never carries cookies or Authorization, so an authentication layer in front of CORS refuses every one.",
        "プリフライトには認証より前に答えてください（CORS ミドルウェアを先頭に）。プリフライトは Cookie も Authorization も持たないので、CORS の前にある認証はすべてのプリフライトを拒否します。",
    ),
};

pub static PREFLIGHT_AFTER_ROUTING: Class = Class {
    name: "cors.preflight_after_routing",
    severity: Info,
    same_on_the_wire: &[],
    title: words("Preflights are refused by routing", "プリフライトがルーティングで拒否される"),
    fix: words(
        "Answer preflights before routing (the CORS middleware first), or give every path an OPTIONS route that the CORS layer answers.",
        "プリフライトにはルーティングより前に答えてください（CORS ミドルウェアを先頭に）。あるいはすべてのパスに CORS の層が答える OPTIONS のルートを用意してください。",
    ),
};

pub static PREFLIGHT_REDIRECTED: Class = Class {
    name: "cors.preflight_redirected",
    severity: Info,
    same_on_the_wire: &[],
    title: words("The preflight is redirected", "プリフライトがリダイレクトされる"),
    fix: words(
        "Call the final URL from the page (with its trailing slash, over https), or answer the preflight before the redirect: a browser never follows a redirect for a preflight.",
        "ページからは最終的な URL（末尾のスラッシュ付き、https）を呼ぶか、リダイレクトより前にプリフライトに答えてください。ブラウザーはプリフライトのリダイレクトを決してたどりません。",
    ),
};

pub static OFF: Class = Class {
    name: "cors.off",
    severity: Info,
    same_on_the_wire: &[],
    title: words("No CORS at all", "CORS がまったくない"),
    fix: words(
        "If a page on another origin must read this API, add CORS for that origin (django-cors-headers with CORS_ALLOWED_ORIGINS = [the page's origin]).",
        "ほかのオリジンのページがこの API を読む必要があるなら、そのオリジンに CORS を設定してください（django-cors-headers と CORS_ALLOWED_ORIGINS = [ページのオリジン]）。",
    ),
};

pub static REQUEST_BLOCKED: Class = Class {
    name: "cors.request_blocked",
    severity: Info,
    same_on_the_wire: &[],
    title: words("The request as given is blocked", "指定したリクエストがブロックされる"),
    fix: words(
        "Follow the verdict's fix.",
        "判定の修正案に従ってください。",
    ),
};

pub static CSRF_TRUSTED_MISSING: Class = Class {
    name: "csrf.trusted_origin_missing",
    severity: Info,
    same_on_the_wire: &[],
    title: words("The page's own origin fails the CSRF origin check", "ページ自身のオリジンが CSRF の Origin チェックに通らない"),
    fix: words(
        "Add the page's origin, with its scheme, to CSRF_TRUSTED_ORIGINS.",
        "ページのオリジンをスキーム付きで CSRF_TRUSTED_ORIGINS に追加してください。",
    ),
};

/// Every class the checker can report, most severe first.
pub static CLASSES: [&Class; 21] = [
    &REFLECT,
    &NULL,
    &PREFIX,
    &SUFFIX,
    &SUBSTRING,
    &ANY_SUBDOMAIN,
    &UNESCAPED_DOT,
    &HTTP_TRUSTED,
    &CSRF_OFF,
    &CSRF_TEXT_PLAIN,
    &VARY_MISSING,
    &ERRORS_WITHOUT_CORS,
    &WILDCARD_WITH_CREDENTIALS,
    &CREDENTIALS_MISSING,
    &ALLOW_HEADERS_WILDCARD,
    &PREFLIGHT_AFTER_AUTH,
    &PREFLIGHT_AFTER_ROUTING,
    &PREFLIGHT_REDIRECTED,
    &OFF,
    &REQUEST_BLOCKED,
    &CSRF_TRUSTED_MISSING,
];

/// The class the checker reports for a lint class: itself, or the one it looks like.
pub fn reported_as(lint_class: &str) -> Option<&'static Class> {
    CLASSES.iter().copied().find(|c| c.name == lint_class || c.same_on_the_wire.contains(&lint_class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ordered_by_severity() {
        for (i, c) in CLASSES.iter().enumerate() {
            assert!(CLASSES[..i].iter().all(|d| d.name != c.name && !d.same_on_the_wire.contains(&c.name)), "{}", c.name);
            assert!(i == 0 || CLASSES[i - 1].severity >= c.severity, "{} out of order", c.name);
        }
        assert_eq!(reported_as("cors.regex_unanchored").map(|c| c.name), Some(PREFIX.name));
        let documented = include_str!("../../../docs/CHECK.md");
        for c in CLASSES {
            assert!(documented.contains(&format!("| `{}`", c.name)), "docs/CHECK.md lists {}", c.name);
        }
        assert!(reported_as("jwt.alg_none").is_none());
    }
}
