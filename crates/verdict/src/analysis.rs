//! What every entry point first works out about a request: the page origin, the target URL,
//! the method after normalization, the headers as the browser will send them, and whether
//! the CORS protocol applies at all, or `fetch()` refuses before sending anything.

use crate::explain::{Text, fix_same_origin_mode, text_same_origin_mode};
use crate::headers::{DroppedHeader, SentHeader, is_forbidden_method, is_safelisted_method, is_token, normalize_method, sent_headers};
use crate::request::{CacheMode, Credentials, Mode, RedirectMode, Request};
use crate::url::{PageOrigin, Url, UrlProblem, parse_url, split_scheme};
use crate::verdict::{Blocked, Verdict};

/// How the browser treats the response of this hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Cross-origin `cors`: the CORS protocol applies.
    Cors,
    /// Same origin (any mode but navigate): no CORS, a `basic` response.
    Basic,
    /// Cross-origin `no-cors`: an opaque response.
    NoCors,
    Navigate,
}

/// A request that `fetch()` refuses, or that the engine does not model.
pub(crate) enum Refused {
    Blocked(Box<Blocked>),
    Unmodeled(Text),
}

impl Refused {
    pub(crate) fn into_verdict(self) -> Verdict {
        match self {
            Refused::Blocked(b) => Verdict::Blocked(b),
            Refused::Unmodeled(reason) => Verdict::Unmodeled { reason },
        }
    }
}

pub(crate) struct Analysis<'a> {
    pub(crate) req: Request<'a>,
    pub(crate) url: Url<'a>,
    pub(crate) page: PageOrigin<'a>,
    /// The method after fetch's normalization.
    pub(crate) method: &'a str,
    pub(crate) sent: Vec<SentHeader<'a>>,
    pub(crate) dropped: Vec<DroppedHeader>,
    pub(crate) scope: Scope,
}

impl<'a> Analysis<'a> {
    /// The request as the browser sees it, or why it is never sent. The refusals come in the
    /// order `fetch()` meets them: the `Request` constructor's exceptions (URL, cache mode,
    /// method, body), then main fetch's network errors (mode, redirect mode, scheme).
    pub(crate) fn new(req: &Request<'a>) -> Result<Self, Refused> {
        let page = PageOrigin::parse(req.page_origin).ok_or_else(|| {
            let shown = clip(req.page_origin);
            Refused::Unmodeled(Text::new(
                format!("The page origin '{shown}' is not an origin."),
                format!("ページのオリジン '{shown}' はオリジンとして解釈できません。"),
            ))
        })?;
        let target = parse_target(req.url, &page)?;
        if req.cache == CacheMode::OnlyIfCached && req.mode != Mode::SameOrigin {
            return Err(thrown(
                "'only-if-cached' can be set only with 'same-origin' mode",
                Text::new(
                    "cache: 'only-if-cached' may only be used with mode: 'same-origin', so fetch() throws before sending.",
                    "cache: 'only-if-cached' は mode: 'same-origin' と一緒にしか使えないため、fetch() は送信前に例外を投げます。",
                ),
                Text::new("Drop cache: 'only-if-cached', or use it for same-origin requests only.", "cache: 'only-if-cached' を外すか、同一オリジンのリクエストだけに使ってください。"),
            ));
        }
        let method = check_method(req)?;
        if req.has_body && matches!(method, "GET" | "HEAD") {
            return Err(thrown(
                "Request with GET/HEAD method cannot have body.",
                Text::new(
                    format!("A {method} request cannot carry a body, so fetch() throws before sending."),
                    format!("{method} リクエストは本文を持てないため、fetch() は送信前に例外を投げます。"),
                ),
                Text::new(
                    "Send the data in the query string, or use POST (or another method that takes a body).",
                    "データはクエリー文字列で送るか、POST など本文を持てるメソッドを使ってください。",
                ),
            ));
        }
        let url = match target {
            Target::Http(url) => url,
            Target::OtherScheme(scheme) => return Err(unsupported_scheme(req.url.trim(), &scheme)),
        };
        let cross = !page.same_origin(&url)
            || req.tainted_origin
            || req.initial_url.and_then(|u| parse_url(u).ok()).is_some_and(|u| !page.same_origin(&u));
        let scope = match req.mode {
            Mode::Navigate => Scope::Navigate,
            _ if !cross => Scope::Basic,
            Mode::NoCors => Scope::NoCors,
            Mode::Cors => Scope::Cors,
            Mode::SameOrigin => {
                let href = url.href();
                return Err(Refused::Blocked(Box::new(Blocked::not_sent(
                    "TypeError: Failed to fetch".into(),
                    Some(format!(
                        "Fetch API cannot load {href}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
                        page.serialize()
                    )),
                    text_same_origin_mode(&url.origin()),
                    fix_same_origin_mode(&url.origin()),
                ))));
            }
        };
        if req.mode == Mode::NoCors && req.redirect != RedirectMode::Follow {
            // Measured (`r_manual_nocors`, `r_error_nocors`): nothing is sent.
            let mode = if req.redirect == RedirectMode::Manual { "manual" } else { "error" };
            return Err(Refused::Blocked(Box::new(Blocked::not_sent(
                "TypeError: Failed to fetch".into(),
                Some(format!("Fetch API cannot load {}. Request mode is \"no-cors\" but the redirect mode is not \"follow\".", url.href())),
                Text::new(
                    format!("A no-cors request must follow redirects; with redirect: '{mode}' the browser refuses it before sending anything."),
                    format!("no-cors のリクエストはリダイレクトをたどる必要があります。redirect: '{mode}' ではブラウザーは何も送らずに拒否します。"),
                ),
                Text::new(
                    "Use mode: 'cors' (the server must then allow this page), or leave redirect at 'follow'.",
                    "mode: 'cors' を使うか（その場合サーバーがこのページを許可する必要があります）、redirect を 'follow' のままにしてください。",
                ),
            ))));
        }
        if req.cache == CacheMode::OnlyIfCached {
            return Err(Refused::Unmodeled(Text::new(
                "cache: 'only-if-cached' answers from the HTTP cache, which this engine does not model.",
                "cache: 'only-if-cached' は HTTP キャッシュから応答しますが、このエンジンは HTTP キャッシュを扱いません。",
            )));
        }
        let (sent, dropped) = sent_headers(req);
        Ok(Analysis { req: *req, url, page, method, sent, dropped, scope })
    }

    /// The `Origin` the server sees and `Access-Control-Allow-Origin` must
    /// equal: `null` once the origin is tainted by a cross-origin redirect.
    pub(crate) fn origin_sent(&self) -> String {
        if self.req.tainted_origin { "null".into() } else { self.page.serialize() }
    }

    pub(crate) fn include(&self) -> bool {
        self.req.credentials == Credentials::Include
    }
}

/// At most 200 characters of an input echoed back in an `Unmodeled` reason.
pub(crate) fn clip(s: &str) -> &str {
    s.char_indices().nth(200).map_or(s, |(i, _)| &s[..i])
}

enum Target<'a> {
    Http(Url<'a>),
    /// A scheme fetch() knows but cannot load here (`ftp:` …), lower-cased.
    OtherScheme(String),
}

/// Parses the request URL as the `Request` constructor does: a URL with credentials throws
/// (measured `m_url_userinfo`, `m_url_user_only`, also same-origin); `data:` and the other
/// local schemes are not network requests and left unmodeled.
fn parse_target<'a>(raw: &'a str, page: &PageOrigin<'a>) -> Result<Target<'a>, Refused> {
    let raw_trim = raw.trim();
    if let (true, PageOrigin::Tuple(p)) = (raw_trim.starts_with('/') && !raw_trim.starts_with("//"), page) {
        let path = raw_trim.split('#').next().unwrap_or("/");
        return Ok(Target::Http(Url { path, has_userinfo: false, ..p.clone() }));
    }
    match parse_url(raw) {
        Ok(u) if u.has_userinfo => Err(thrown(
            &format!("Request cannot be constructed from a URL that includes credentials: {}", clip(raw_trim)),
            Text::new(
                "The URL carries a user name or password (user:pass@host); fetch() refuses such URLs before sending anything.",
                "URL にユーザー名やパスワード（user:pass@host）が含まれています。fetch() はこのような URL を送信前に拒否します。",
            ),
            Text::new(
                "Remove the credentials from the URL and send them in an Authorization header (or a cookie) instead.",
                "URL から資格情報を取り除き、Authorization ヘッダー（または Cookie）で送ってください。",
            ),
        )),
        Ok(u) => Ok(Target::Http(u)),
        Err(UrlProblem::OtherScheme) => {
            let scheme = split_scheme(raw_trim).map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
            if matches!(scheme.as_str(), "data" | "blob" | "file" | "about" | "filesystem") {
                return Err(Refused::Unmodeled(Text::new(
                    format!("{scheme}: URLs are not network requests; this engine models http(s) only."),
                    format!("{scheme}: の URL はネットワークリクエストではありません。このエンジンは http(s) だけを扱います。"),
                )));
            }
            Ok(Target::OtherScheme(scheme))
        }
        Err(_) => {
            let shown = clip(raw_trim);
            Err(Refused::Unmodeled(Text::new(
                format!("'{shown}' is not an absolute http(s) URL this engine can parse."),
                format!("'{shown}' はこのエンジンが解釈できる絶対 http(s) URL ではありません。"),
            )))
        }
    }
}

/// A URL whose scheme fetch() does not load (measured for `ftp:`, `m_ftp`).
fn unsupported_scheme(raw: &str, scheme: &str) -> Refused {
    Refused::Blocked(Box::new(Blocked::not_sent(
        "TypeError: Failed to fetch".into(),
        Some(format!("Fetch API cannot load {}. URL scheme \"{scheme}\" is not supported.", clip(raw))),
        Text::new(
            format!("fetch() only loads http: and https: URLs here; a {scheme}: URL is refused before anything is sent."),
            format!("fetch() がここで読み込めるのは http: と https: の URL だけです。{scheme}: の URL は何も送信されずに拒否されます。"),
        ),
        Text::new("Call the resource over http(s).", "リソースは http(s) で呼び出してください。"),
    )))
}

/// An exception `fetch()` throws before sending: `TypeError: Failed to execute 'fetch' on
/// 'Window': <message>`, with nothing on the console.
fn thrown(message: &str, explanation: Text, fix: Text) -> Refused {
    Refused::Blocked(Box::new(Blocked::not_sent(
        format!("TypeError: Failed to execute 'fetch' on 'Window': {message}"),
        None,
        explanation,
        fix,
    )))
}

/// fetch()'s method checks, in the `Request` constructor's order: a token,
/// not forbidden, then (after normalization) GET/HEAD/POST in `no-cors`.
/// Wording measured (`m_bad_method`, `m_trace`, `n_trace_lower`,
/// `m_nocors_put`, `n_nocors_put_lower`, `m_nocors_patch`).
fn check_method<'a>(req: &Request<'a>) -> Result<&'a str, Refused> {
    let m = req.method;
    if !is_token(m) {
        return Err(thrown(
            &format!("'{m}' is not a valid HTTP method."),
            Text::new(
                format!("'{m}' is not a valid HTTP method name (it must be a token: letters, digits and !#$%&'*+-.^_`|~), so fetch() throws before sending."),
                format!("'{m}' は正しい HTTP メソッド名ではありません（英数字と !#$%&'*+-.^_`|~ だけのトークンである必要があります）。fetch() は送信前に例外を投げます。"),
            ),
            Text::new("Use a method name such as 'PATCH'.", "'PATCH' のような正しいメソッド名を使ってください。"),
        ));
    }
    if is_forbidden_method(m) {
        return Err(thrown(
            &format!("'{m}' HTTP method is unsupported."),
            Text::new(
                format!("{m} is a forbidden method (CONNECT, TRACE and TRACK can never be sent by fetch())."),
                format!("{m} は禁止されたメソッドです（CONNECT・TRACE・TRACK は fetch() からは送れません）。"),
            ),
            Text::new("Use GET, POST or another ordinary method.", "GET や POST など通常のメソッドを使ってください。"),
        ));
    }
    let normalized = normalize_method(m);
    if req.mode == Mode::NoCors && !is_safelisted_method(normalized) {
        return Err(thrown(
            &format!("'{normalized}' is unsupported in no-cors mode."),
            Text::new(
                format!("In mode 'no-cors' only GET, HEAD and POST may be used, so fetch() throws on {normalized} before sending."),
                format!("mode: 'no-cors' で使えるのは GET・HEAD・POST だけなので、{normalized} では fetch() が送信前に例外を投げます。"),
            ),
            Text::new(
                format!("Use the default mode 'cors' and have the server allow it in the preflight (`Access-Control-Allow-Methods: {normalized}`), or use GET/HEAD/POST."),
                format!("既定の mode: 'cors' を使い、サーバーのプリフライト応答で許可してください（`Access-Control-Allow-Methods: {normalized}`）。または GET/HEAD/POST を使います。"),
            ),
        ));
    }
    Ok(normalized)
}
