//! Explanations and fixes, in English and Japanese.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::address_space::AddressSpace;
use crate::analysis::Analysis;
use crate::headers::{HeaderRule, trim_ows};
use crate::preflight::PreflightNeed;
use crate::response::Response;
use crate::verdict::{CorsError, Failure};

/// A short text in English and Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub ja: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Text { en: en.into(), ja: ja.into() }
    }
}

/// The headers a preflight answer must carry for this request, as
/// `Header: value` items.
fn preflight_answer(a: &Analysis<'_>, need: &PreflightNeed) -> String {
    let mut items = vec![format!("`Access-Control-Allow-Origin: {}`", a.origin_sent())];
    if a.include() {
        items.push("`Access-Control-Allow-Credentials: true`".into());
    }
    if let Some(m) = &need.unsafe_method {
        items.push(format!("`Access-Control-Allow-Methods: {m}`"));
    }
    if let Some(h) = &need.access_control_request_headers {
        items.push(format!("`Access-Control-Allow-Headers: {}`", h.replace(',', ", ")));
    }
    items.join(", ")
}

fn fix_preflight(a: &Analysis<'_>, need: &PreflightNeed) -> Text {
    let items = preflight_answer(a, need);
    Text::new(
        format!("Answer the OPTIONS preflight for {} directly (before redirects, routing and authentication) with status 204 or 200 and {items}.", a.url.href()),
        format!("{} への OPTIONS プリフライトには、リダイレクト・ルーティング・認証より前に、ステータス 204 か 200 と {items} で直接応答してください。", a.url.href()),
    )
}

fn fix_actual(a: &Analysis<'_>) -> Text {
    let o = a.origin_sent();
    let t = a.url.origin();
    let (c_en, c_ja) = if a.include() {
        (" with `Access-Control-Allow-Credentials: true`", "と `Access-Control-Allow-Credentials: true` ")
    } else {
        ("", "")
    };
    Text::new(
        format!("Have {t} send `Access-Control-Allow-Origin: {o}`{c_en} on every response to this page, errors and redirects included (and `Vary: Origin`)."),
        format!("{t} から、このページへのすべてのレスポンス（エラーやリダイレクトも含む）に `Access-Control-Allow-Origin: {o}` {c_ja}を付けてください（`Vary: Origin` も）。"),
    )
}

pub(crate) fn text_same_origin_mode(target: &str) -> Text {
    Text::new(
        format!("The fetch uses mode: 'same-origin' but the URL is on another origin ({target}), so Chromium refuses it before sending anything."),
        format!("fetch が mode: 'same-origin' なのに URL が別オリジン（{target}）にあるため、Chromium は何も送らずに拒否します。"),
    )
}

pub(crate) fn fix_same_origin_mode(target: &str) -> Text {
    Text::new(
        format!("Use the default mode 'cors' for cross-origin calls and let {target} allow this page with CORS headers, or call a URL on the page's own origin."),
        format!("クロスオリジンの呼び出しには既定の mode: 'cors' を使い、{target} 側で CORS ヘッダーによりこのページを許可してください。またはページと同じオリジンの URL を呼んでください。"),
    )
}

pub(crate) fn text_authorization_wildcard() -> Text {
    Text::new(
        "Chromium let Authorization through because Access-Control-Allow-Headers is `*`. The Fetch Standard says `*` never covers Authorization, so browsers that follow it block this request; Chromium also never caches such a preflight. List it explicitly: `Access-Control-Allow-Headers: authorization, …`.",
        "Access-Control-Allow-Headers が `*` なので Chromium は Authorization を通しました。Fetch Standard では `*` は Authorization を含まないため、標準どおりのブラウザーではこのリクエストは拒否されます。Chromium もこのプリフライト結果はキャッシュしません。`Access-Control-Allow-Headers: authorization, …` と明示してください。",
    )
}

fn rule_text(rule: HeaderRule) -> (&'static str, &'static str) {
    match rule {
        HeaderRule::NameNotSafelisted => ("it is not a CORS-safelisted header", "CORS セーフリストにないヘッダーです"),
        HeaderRule::ValueOver128Bytes => ("its value is longer than 128 bytes", "値が 128 バイトを超えています"),
        HeaderRule::UnsafeValueBytes => ("its value has characters outside the safelist", "値にセーフリスト外の文字が含まれています"),
        HeaderRule::ContentTypeNotSimple => (
            "only application/x-www-form-urlencoded, multipart/form-data and text/plain are simple Content-Types",
            "単純な Content-Type は application/x-www-form-urlencoded・multipart/form-data・text/plain だけです",
        ),
        HeaderRule::ContentTypeUnsafeBytes => (
            "the Content-Type contains a CORS-unsafe byte such as a double quote",
            "Content-Type にダブルクォートなど CORS で安全でないバイトが含まれています",
        ),
        HeaderRule::RangeNotSimple => (
            "only a single bytes=N- or bytes=N-M range is simple",
            "単純な Range は bytes=N- または bytes=N-M の 1 範囲だけです",
        ),
        HeaderRule::ClientHintValue => ("the client-hint value is malformed", "クライアントヒントの値の形式が正しくありません"),
        HeaderRule::ValueNotSafelisted => (
            "its value is not CORS-safelisted (the preflight names the header, not its value)",
            "値が CORS セーフリストの条件を満たしていません（プリフライトが伝えるのはヘッダー名だけで、値は伝えません）",
        ),
        HeaderRule::SafelistedTotalOver1024 => (
            "the safelisted headers together exceed 1024 bytes",
            "セーフリストのヘッダーの値が合計で 1024 バイトを超えています",
        ),
    }
}

/// Explanation, fix and standard difference for a failed check.
pub(crate) fn describe(a: &Analysis<'_>, need: &PreflightNeed, f: &Failure, ex: &Response<'_>) -> (Text, Text, Option<Text>) {
    use CorsError::*;
    let o = a.origin_sent();
    let t = a.url.origin();
    let m = a.method;
    let v = f.param.as_str();
    let status = ex.status();
    let preflight_of = |en: &str, ja: &str| Text::new(format!("The preflight (OPTIONS) answer: {en}"), format!("プリフライト (OPTIONS) への応答: {ja}"));
    let is_pf = f.error.has_preflight_prefix();
    match f.error {
        MissingAllowOriginHeader => {
            let (r_en, r_ja) = if ex.is_redirect() {
                (" (It was a redirect: every hop of a CORS request needs the header.)", "（これはリダイレクトでした。CORS リクエストでは途中の各レスポンスにもこのヘッダーが必要です。）")
            } else {
                ("", "")
            };
            (
                Text::new(
                    format!("{t} answered with status {status} but without an Access-Control-Allow-Origin header, so Chromium withholds the response from the page's JavaScript. The request itself reached the server and ran; only reading the answer is blocked.{r_en}"),
                    format!("{t} はステータス {status} で応答しましたが Access-Control-Allow-Origin ヘッダーがないため、Chromium はレスポンスをページの JavaScript に渡しません。リクエスト自体はサーバーに届いて処理されており、止められたのは読み取りだけです。{r_ja}"),
                ),
                fix_actual(a),
                None,
            )
        }
        PreflightMissingAllowOriginHeader => {
            let differs = (!(200..=299).contains(&status)).then(|| Text::new(
                format!("Fetch Standard: a preflight fails unless it passes the CORS check and has an ok status, without ranking the two. Chromium checks Access-Control-Allow-Origin first, so this {status} answer is reported as PreflightMissingAllowOriginHeader, not PreflightInvalidStatus: fixing the status alone is not enough."),
                format!("Fetch Standard では、プリフライトは CORS チェックと 2xx ステータスの両方を満たす必要があり、どちらを先に報告するかは決めていません。Chromium は Access-Control-Allow-Origin を先に調べるため、この {status} の応答は PreflightInvalidStatus ではなく PreflightMissingAllowOriginHeader として報告されます。ステータスを直すだけでは解決しません。"),
            ));
            (
                Text::new(
                    format!("The preflight (OPTIONS) answer, status {status}, has no Access-Control-Allow-Origin header, so Chromium never sends the actual {m} request."),
                    format!("プリフライト (OPTIONS) への応答（ステータス {status}）に Access-Control-Allow-Origin ヘッダーがないため、Chromium は本来の {m} リクエストを送りません。"),
                ),
                fix_preflight(a, need),
                differs,
            )
        }
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => {
            let en = "the fetch sends credentials (credentials: 'include'), and then `Access-Control-Allow-Origin: *` is never accepted, even with `Access-Control-Allow-Credentials: true`.";
            let ja = "この fetch は資格情報 (credentials: 'include') 付きで、その場合 `Access-Control-Allow-Credentials: true` があっても `Access-Control-Allow-Origin: *` は受け付けられません。";
            let explanation = if is_pf { preflight_of(en, ja) } else { Text::new(format!("The response is shared with `*`, but {en}"), format!("レスポンスは `*` で共有されていますが、{ja}")) };
            (
                explanation,
                Text::new(
                    format!("Echo the origin instead of `*`: `Access-Control-Allow-Origin: {o}` with `Access-Control-Allow-Credentials: true` and `Vary: Origin`. If no cookies are needed, drop credentials: 'include'."),
                    format!("`*` の代わりにオリジンを返してください: `Access-Control-Allow-Origin: {o}` と `Access-Control-Allow-Credentials: true`、`Vary: Origin`。Cookie が不要なら credentials: 'include' をやめてください。"),
                ),
                None,
            )
        }
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => {
            let en = format!("Access-Control-Allow-Origin must hold exactly one origin, but the value is '{v}' (the header was sent more than once, or lists several origins).");
            let ja = format!("Access-Control-Allow-Origin にはオリジンを 1 つだけ書けますが、値は '{v}' でした（ヘッダーが複数回送られたか、複数のオリジンを並べています）。");
            (
                if is_pf { preflight_of(&en, &ja) } else { Text::new(en, ja) },
                Text::new(
                    format!("Send the header once, with only the requesting origin: `Access-Control-Allow-Origin: {o}`. To allow several origins, compare the request's Origin with your allow-list on the server and echo the one that matches (with `Vary: Origin`)."),
                    format!("ヘッダーは 1 回だけ、要求元のオリジンだけを送ってください: `Access-Control-Allow-Origin: {o}`。複数のオリジンを許可するには、サーバーでリクエストの Origin を許可リストと照合し、一致したものを返します（`Vary: Origin` も付けます）。"),
                ),
                Some(Text::new(
                    "Fetch Standard: the CORS check compares the whole value with the origin, so this is simply a mismatch. Chromium reports a value containing a space or a comma as MultipleAllowOriginValues (repeated header lines are first joined with ', ').",
                    "Fetch Standard の CORS チェックは値全体をオリジンと比べるだけなので、これは単なる不一致です。Chromium は空白やカンマを含む値を MultipleAllowOriginValues として報告します（複数行のヘッダーは先に ', ' で連結されます）。",
                )),
            )
        }
        InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => {
            let en = format!("the Access-Control-Allow-Origin value '{v}' is not an origin (Chromium cannot read it as a URL).");
            let ja = format!("Access-Control-Allow-Origin の値 '{v}' はオリジンとして読めません（Chromium は URL として解釈できませんでした）。");
            (
                if is_pf { preflight_of(&en, &ja) } else { Text::new(format!("The response is refused: {en}"), format!("レスポンスは拒否されました: {ja}")) },
                Text::new(
                    format!("Send the origin exactly as the browser serializes it, scheme and port included, no path or trailing slash: `Access-Control-Allow-Origin: {o}`."),
                    format!("ブラウザーが送るとおりの形（スキームとポートを含み、パスや末尾のスラッシュなし）でオリジンを送ってください: `Access-Control-Allow-Origin: {o}`。"),
                ),
                Some(Text::new(
                    "Fetch Standard: any value other than the exact origin (or `*`) fails the same way; InvalidAllowOriginValue is a Chromium diagnostic.",
                    "Fetch Standard では正確なオリジン（または `*`）以外の値はすべて同じように失敗します。InvalidAllowOriginValue は Chromium 独自の診断です。",
                )),
            )
        }
        AllowOriginMismatch | PreflightAllowOriginMismatch => {
            let mut en = format!("Access-Control-Allow-Origin is '{v}', but the request's origin is '{o}'. The comparison is exact: scheme, host, port and letter case must match, with no trailing slash.");
            let mut ja = format!("Access-Control-Allow-Origin は '{v}' ですが、リクエストのオリジンは '{o}' です。比較は完全一致で、スキーム・ホスト・ポート・大文字小文字がすべて一致し、末尾のスラッシュも付けてはいけません。");
            if a.req.tainted_origin {
                en.push_str(" After a redirect across origins the browser sends `Origin: null`, so only `null` or `*` can match.");
                ja.push_str("オリジンをまたぐリダイレクトの後はブラウザーが `Origin: null` を送るため、一致するのは `null` か `*` だけです。");
            }
            let fix = Text::new(
                format!("Send `Access-Control-Allow-Origin: {o}` (echo the request's Origin when it is on your allow-list)."),
                format!("`Access-Control-Allow-Origin: {o}` を送ってください（許可リストにあるときはリクエストの Origin をそのまま返します）。"),
            );
            (if is_pf { preflight_of(&en, &ja) } else { Text::new(en, ja) }, fix, None)
        }
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => {
            let (got_en, got_ja) = if v.is_empty() {
                ("it has none".to_string(), "ありません".to_string())
            } else {
                (format!("it has '{v}'"), format!("値は '{v}' でした"))
            };
            let en = format!("the fetch uses credentials: 'include', so the response must also carry `Access-Control-Allow-Credentials: true` (exactly, in lower case, once); {got_en}.");
            let ja = format!("fetch が credentials: 'include' なので、レスポンスにも `Access-Control-Allow-Credentials: true`（小文字で完全一致、1 回だけ）が必要ですが、{got_ja}。");
            (
                if is_pf { preflight_of(&en, &ja) } else { Text::new(format!("The origin matches, but {en}"), format!("オリジンは一致していますが、{ja}")) },
                if is_pf {
                    fix_preflight(a, need)
                } else {
                    Text::new(
                        format!("Add `Access-Control-Allow-Credentials: true` next to `Access-Control-Allow-Origin: {o}`."),
                        format!("`Access-Control-Allow-Origin: {o}` と一緒に `Access-Control-Allow-Credentials: true` を送ってください。"),
                    )
                },
                None,
            )
        }
        PreflightInvalidStatus => (
            Text::new(
                format!("The preflight (OPTIONS) answer had status {status}; a preflight must succeed with a 2xx status, so the actual {m} request is never sent."),
                format!("プリフライト (OPTIONS) への応答のステータスが {status} でした。プリフライトは 2xx で成功する必要があるため、本来の {m} リクエストは送られません。"),
            ),
            fix_preflight(a, need),
            None,
        ),
        PreflightDisallowedRedirect => {
            let to = ex.location().unwrap_or("");
            (
                Text::new(
                    format!("The preflight (OPTIONS) was answered with a redirect ({status} to '{to}'); Chromium never follows a redirect for a preflight, so the actual {m} request is not sent."),
                    format!("プリフライト (OPTIONS) にリダイレクト（{status}、'{to}' へ）が返されました。Chromium はプリフライトのリダイレクトをたどらないため、本来の {m} リクエストは送られません。"),
                ),
                Text::new(
                    format!("Call the final URL directly from the page (a missing trailing slash is the classic cause), and answer OPTIONS there with 204 and {}.", preflight_answer(a, need)),
                    format!("ページから最終的な URL を直接呼んでください（末尾のスラッシュ抜けがよくある原因です）。その URL で OPTIONS に 204 と {} で応答します。", preflight_answer(a, need)),
                ),
                None,
            )
        }
        InvalidAllowMethodsPreflightResponse | InvalidAllowHeadersPreflightResponse => {
            let (header, example) = if f.error == InvalidAllowMethodsPreflightResponse {
                ("Access-Control-Allow-Methods", need.unsafe_method.clone().unwrap_or_else(|| "GET, POST".into()))
            } else {
                ("Access-Control-Allow-Headers", need.access_control_request_headers.as_deref().unwrap_or("content-type").replace(',', ", "))
            };
            let value = ex.combined(header).unwrap_or_default();
            (
                Text::new(
                    format!("Chromium cannot parse `{header}: {value}`: it must be a comma-separated list of tokens (no spaces inside a name, no quotes, parentheses or semicolons), and one bad item invalidates the whole header, whatever the request."),
                    format!("Chromium は `{header}: {value}` を解析できません。カンマ区切りのトークン（名前の中に空白・引用符・括弧・セミコロンを含まない）である必要があり、1 つでも不正な項目があるとリクエストの内容に関係なくヘッダー全体が無効になります。"),
                ),
                Text::new(format!("Send plain tokens, e.g. `{header}: {example}`."), format!("トークンだけを送ってください。例: `{header}: {example}`。")),
                None,
            )
        }
        MethodDisallowedByPreflightResponse => {
            let acam = ex.combined("access-control-allow-methods").unwrap_or_default();
            let mut en = format!("The preflight answer allows methods '{acam}' but not {m}; methods are compared case-sensitively.");
            let mut ja = format!("プリフライトの応答が許可しているメソッドは '{acam}' で、{m} は含まれていません。メソッドは大文字小文字を区別して比較されます。");
            let upper = m.to_ascii_uppercase();
            if upper != m {
                let _ = write!(en, " fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so '{m}' is sent as written.");
                let _ = write!(ja, "fetch() が大文字にするのは DELETE・GET・HEAD・OPTIONS・POST・PUT だけなので、'{m}' は書いたとおりに送られます。");
            }
            if a.include() && acam.split(',').any(|x| trim_ows(x) == "*") {
                en.push_str(" `*` is a wildcard only without credentials; with credentials: 'include' it means a method literally named '*'.");
                ja.push_str("`*` がワイルドカードになるのは資格情報なしのときだけで、credentials: 'include' では '*' という名前のメソッドを意味します。");
            }
            let (fe, fj) = if upper != m {
                (format!(" (or write the method as '{upper}' in fetch() and allow that)"), format!("（または fetch() でメソッドを '{upper}' と書き、それを許可します）"))
            } else {
                (String::new(), String::new())
            };
            (
                Text::new(en, ja),
                Text::new(
                    format!("List the method exactly as sent: `Access-Control-Allow-Methods: {m}`{fe}."),
                    format!("送られるとおりの綴りでメソッドを列挙してください: `Access-Control-Allow-Methods: {m}`{fj}。"),
                ),
                None,
            )
        }
        HeaderDisallowedByPreflightResponse => {
            let acah = ex.combined("access-control-allow-headers").unwrap_or_default();
            let rule = need.unsafe_headers.iter().find(|h| h.name == v).map(|h| h.rule).unwrap_or(HeaderRule::NameNotSafelisted);
            let (r_en, r_ja) = rule_text(rule);
            let mut en = format!("The request sends `{v}`, which needs permission ({r_en}), and the preflight's Access-Control-Allow-Headers ('{acah}') does not list it.");
            let mut ja = format!("リクエストは `{v}` を送ります。これは許可が必要なヘッダーで（{r_ja}）、プリフライトの Access-Control-Allow-Headers（'{acah}'）に含まれていません。");
            if a.include() && acah.split(',').any(|x| trim_ows(x) == "*") {
                en.push_str(" `*` is a wildcard only without credentials; with credentials: 'include' it allows only a header literally named '*'.");
                ja.push_str("`*` がワイルドカードになるのは資格情報なしのときだけで、credentials: 'include' では '*' という名前のヘッダーしか許可しません。");
            }
            let all = need.access_control_request_headers.as_deref().unwrap_or(v).replace(',', ", ");
            (
                Text::new(en, ja),
                Text::new(
                    format!("Allow every header the preflight asks for (its Access-Control-Request-Headers): `Access-Control-Allow-Headers: {all}`."),
                    format!("プリフライトが求めるヘッダー（Access-Control-Request-Headers）をすべて許可してください: `Access-Control-Allow-Headers: {all}`。"),
                ),
                None,
            )
        }
        RedirectContainsCredentials => (
            Text::new(
                "The response redirects to a URL with a user name and password (user:pass@…); Chromium refuses to follow such a redirect for a cross-origin request.",
                "レスポンスがユーザー名とパスワード付きの URL（user:pass@…）へリダイレクトしています。Chromium はクロスオリジンのリクエストではこのリダイレクトをたどりません。",
            ),
            Text::new(
                "Redirect to a URL without credentials, and authenticate with a header or a cookie instead.",
                "資格情報を含まない URL へリダイレクトし、認証はヘッダーや Cookie で行ってください。",
            ),
            None,
        ),
        CorsDisabledScheme => (
            Text::new(
                format!("The response redirects to {}, which is not http(s); a cross-origin request can only follow redirects to http(s) URLs.", ex.location().unwrap_or("")),
                format!("レスポンスは http(s) ではない {} へリダイレクトしています。クロスオリジンのリクエストがたどれるのは http(s) の URL へのリダイレクトだけです。", ex.location().unwrap_or("")),
            ),
            Text::new("Redirect to an http(s) URL.", "http(s) の URL へリダイレクトしてください。"),
            None,
        ),
        LocalNetworkAccessPermissionDenied => {
            let space = f.address_space.map_or("", AddressSpace::name);
            (
                Text::new(
                    format!("The page is on the public internet and {t} is in the `{space}` address space. Chromium's Local Network Access lets a public page reach it only after the user allows it (a prompt); without that permission nothing is sent."),
                    format!("ページは公開インターネット上にあり、{t} は `{space}` アドレス空間にあります。Chromium の Local Network Access では、公開ページがそこへアクセスできるのはユーザーが許可した後だけです（確認のプロンプトが出ます）。許可がなければ何も送られません。"),
                ),
                Text::new(
                    format!("Serve the page from the same network as {t} (or from it), or have users grant the page the '{}' permission when Chromium asks.", if space == "loopback" { "loopback-network" } else { "local-network" }),
                    format!("ページを {t} と同じネットワーク（またはそのサーバー自身）から配信するか、Chromium が尋ねたときにユーザーがページに '{}' の許可を与えるようにしてください。", if space == "loopback" { "loopback-network" } else { "local-network" }),
                ),
                Some(Text::new(
                    "Local Network Access is a Chromium feature (a WICG draft, not part of the Fetch Standard); other browsers send this request.",
                    "Local Network Access は Chromium の機能（WICG の草案で、Fetch Standard には含まれません）で、他のブラウザーはこのリクエストを送ります。",
                )),
            )
        }
        InsecureLocalNetwork => {
            let space = f.address_space.map_or("", AddressSpace::name);
            (
                Text::new(
                    format!("The page is on the public internet and is not a secure context (plain http), and {t} is in the more private `{space}` address space. Chromium never lets such a page reach it, permission or not."),
                    format!("ページは公開インターネット上にあり、安全なコンテキストではなく（http）、{t} はより内側の `{space}` アドレス空間にあります。Chromium は許可の有無にかかわらず、このようなページからのアクセスを認めません。"),
                ),
                Text::new("Serve the page over https; Chromium then asks the user for permission.", "ページを https で配信してください。そうすれば Chromium はユーザーに許可を求めます。"),
                Some(Text::new(
                    "Local Network Access is a Chromium feature (a WICG draft, not part of the Fetch Standard); other browsers send this request.",
                    "Local Network Access は Chromium の機能（WICG の草案で、Fetch Standard には含まれません）で、他のブラウザーはこのリクエストを送ります。",
                )),
            )
        }
    }
}
