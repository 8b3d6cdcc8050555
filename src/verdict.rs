//! The verdict engine: what Chromium 156 does with one fetch, as a pure function.
//!
//! Everything here was checked against real Chromium 156.0.8078.79 with
//! `tools/cors-probe/cors_probe.py` (results in `tools/cors-probe/RESULTS.md`);
//! where Chromium and the Fetch Standard disagree, the browser wins and the
//! difference is reported in a `standard_differs` text. Nothing here does I/O or reads a clock: time is a
//! parameter (milliseconds on any monotonic scale).
//!
//! The API, in the order a request meets it:
//! - [`preflight_need`]: does this request need a preflight, and why (which rule
//!   each header broke), and the exact `Access-Control-Request-Headers` value.
//! - [`verdict`]: given the preflight and/or the response the server sent, what
//!   JavaScript gets, or the `CorsError` Chromium reports with its console text,
//!   an explanation and a fix in English and Japanese.
//! - [`preflight_cache_entry`] / [`answered_from_cache`] / [`preflight_lifetime`]:
//!   Chromium's preflight cache.
//! - [`readable_headers`]: the response header names `Headers.forEach` shows.
//! - [`cookie_outcome`]: whether a cookie is sent / stored on such a fetch.
//!
//! This file holds the inputs, the outputs and the CORS checks themselves;
//! beside it: `url` (just enough URL parsing), `headers` (the safelist),
//! `header_order` (which refused header Chromium names), `explain` (the en/ja
//! texts), `cache` (the preflight cache), `cookies`; `tests` (one per measured row).
//!
//! Inputs borrow (`&str`), outputs own: building a verdict allocates only the
//! output and a few short vectors. No function here panics on any input.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

mod cache;
mod cookies;
mod explain;
mod header_order;
mod headers;
mod url;

pub use cache::*;
pub use cookies::*;
use explain::*;
use header_order::*;
pub use headers::*;
use url::*;

// ===========================================================================
// Inputs
// ===========================================================================

/// `RequestInit.mode`, spelled as in JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    #[serde(rename = "cors")]
    Cors,
    #[serde(rename = "no-cors")]
    NoCors,
    #[serde(rename = "same-origin")]
    SameOrigin,
    /// A navigation (link, form post, `location = …`): no CORS check, no script
    /// reads the response. `fetch()` itself cannot use this mode.
    #[serde(rename = "navigate")]
    Navigate,
}

/// `RequestInit.credentials`, spelled as in JavaScript. `fetch()`'s default is
/// `SameOrigin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Credentials {
    #[serde(rename = "omit")]
    Omit,
    #[serde(rename = "same-origin")]
    SameOrigin,
    #[serde(rename = "include")]
    Include,
}

/// One hop of a request, as the page's JavaScript made it.
///
/// `headers` are the author headers in the order the script set them, values as
/// JavaScript strings (each char one byte, as `ByteString`). Include the
/// `Content-Type` that `fetch()` derives from the body when the script sets none
/// (`text/plain;charset=UTF-8` for a string body, `multipart/form-data; …` for
/// `FormData`, `application/x-www-form-urlencoded;charset=UTF-8` for
/// `URLSearchParams`).
///
/// `url` may be absolute or start with `/` (resolved against `page_origin`, as
/// `fetch('/api/')` is). For a hop that follows a redirect, set `initial_url` to
/// the URL `fetch()` was called with (Chromium names it in the console) and
/// `tainted_origin` as the previous hop's [`Verdict::Redirect`] said.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// `location.origin` of the page, e.g. `http://localhost:8000`, or `null`.
    pub page_origin: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub mode: Mode,
    pub credentials: Credentials,
    pub initial_url: Option<&'a str>,
    pub tainted_origin: bool,
}

impl<'a> Request<'a> {
    /// A `fetch(url, {method})` with fetch's defaults: mode `cors`, credentials
    /// `same-origin`, no headers, first hop.
    pub fn new(method: &'a str, url: &'a str, page_origin: &'a str) -> Self {
        Request {
            method,
            url,
            page_origin,
            headers: &[],
            mode: Mode::Cors,
            credentials: Credentials::SameOrigin,
            initial_url: None,
            tainted_origin: false,
        }
    }
    /// Sets the author headers.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }
    /// Sets `RequestInit.mode`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Sets `RequestInit.credentials`.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
    /// Marks this hop as following a redirect from `initial_url`.
    pub fn after_redirect(mut self, initial_url: &'a str, tainted_origin: bool) -> Self {
        self.initial_url = Some(initial_url);
        self.tainted_origin = tainted_origin;
        self
    }
}

/// A response as the server sent it: status and header lines in order
/// (duplicates matter: Chromium joins repeated lines with `", "`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Exchange<'a> {
    pub status: u16,
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> Exchange<'a> {
    /// A response with this status and these header lines.
    pub fn new(status: u16, headers: &'a [(&'a str, &'a str)]) -> Self {
        Exchange { status, headers }
    }

    /// The `Location` value, if any (first line wins).
    pub fn location(&self) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("location"))
            .map(|(_, v)| trim_ows(v))
    }

    /// Whether the browser treats this response as a redirect: 301, 302, 303,
    /// 307 or 308 *with* a `Location` header (a 300, or a 3xx without
    /// `Location`, is an ordinary non-ok response — measured `p_300_acao`).
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.location().is_some()
    }

    /// All lines named `name` (case-insensitive), each trimmed of SP/HT as an
    /// HTTP parser does, joined with `", "` — Chromium's `GetNormalizedHeader`.
    /// Borrowed when there is exactly one line.
    fn combined(&self, name: &str) -> Option<Cow<'a, str>> {
        let mut out: Option<Cow<'a, str>> = None;
        for (n, v) in self.headers {
            if !n.eq_ignore_ascii_case(name) {
                continue;
            }
            let v = trim_ows(v);
            out = Some(match out {
                None => Cow::Borrowed(v),
                Some(prev) => {
                    let mut s = prev.into_owned();
                    s.push_str(", ");
                    s.push_str(v);
                    Cow::Owned(s)
                }
            });
        }
        out
    }
}

// ===========================================================================
// Outputs
// ===========================================================================

/// A short text in English and Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub en: String,
    pub ja: String,
}

impl Text {
    fn new(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Text { en: en.into(), ja: ja.into() }
    }
}

/// Why a header makes the request "not simple" (CORS-unsafe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderRule {
    /// The name is not on Chromium's safelist.
    NameNotSafelisted,
    /// A safelisted name, but the value is longer than 128 bytes.
    ValueOver128Bytes,
    /// `Accept` with a CORS-unsafe byte (`"():<>?@[\]{}`, DEL, controls), or
    /// `Accept-Language` / `Content-Language` with a byte outside
    /// `0-9A-Za-z *,-.;=`.
    UnsafeValueBytes,
    /// `Content-Type` whose essence is not `application/x-www-form-urlencoded`,
    /// `multipart/form-data` or `text/plain` (or does not parse).
    ContentTypeNotSimple,
    /// `Content-Type` with a CORS-unsafe byte anywhere (e.g. a quoted parameter).
    ContentTypeUnsafeBytes,
    /// `Range` that is not one `bytes=N-` or `bytes=N-M` (N <= M).
    RangeNotSimple,
    /// A client-hint header Chromium safelists, with an ill-formed value.
    ClientHintValue,
    /// Safelisted on its own, but all safelisted values together exceed 1024
    /// bytes, which makes every safelisted header unsafe.
    SafelistedTotalOver1024,
}

/// A header that needs a preflight, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsafeHeader {
    /// Lower-case, as it appears in `Access-Control-Request-Headers`.
    pub name: String,
    pub rule: HeaderRule,
}

/// Why the browser silently removed a header the script set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// A forbidden request-header name (`Cookie`, `Origin`, `Sec-*`, `Proxy-*`,
    /// `User-Agent` in Chromium, …).
    ForbiddenName,
    /// `X-HTTP-Method(-Override)` / `X-Method-Override` naming CONNECT, TRACE or
    /// TRACK.
    ForbiddenMethodOverride,
    /// In `no-cors` mode only `Accept`, `Accept-Language`, `Content-Language` and
    /// a simple `Content-Type` survive.
    NotNoCorsSafelisted,
}

/// A header the script set that never goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedHeader {
    pub name: String,
    pub reason: DropReason,
}

/// Why (or why not) a preflight happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PreflightBecause {
    /// A non-safelisted method or header on a cross-origin `cors` request.
    UnsafeRequest,
    /// Cross-origin `cors`, but only safelisted method and headers.
    SimpleRequest,
    /// Same origin: CORS does not apply.
    SameOrigin,
    /// `no-cors` never preflights (the response is opaque instead).
    NoCorsMode,
    /// Navigations are not CORS requests.
    Navigation,
    /// `fetch()` rejects before sending anything (see [`verdict`]).
    NotSent,
}

/// The answer of [`preflight_need`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreflightNeed {
    pub needed: bool,
    pub because: PreflightBecause,
    /// The method as sent, when it is what requires the preflight.
    pub unsafe_method: Option<String>,
    /// Headers that require the preflight, in `Access-Control-Request-Headers`
    /// order.
    pub unsafe_headers: Vec<UnsafeHeader>,
    /// Total bytes of safelisted header values (the 1024-byte rule), counting the
    /// implicit `Accept: */*` fetch adds when the script sets no `Accept`.
    pub safelisted_value_bytes: usize,
    /// `Access-Control-Request-Method` of the preflight, when one is needed.
    pub access_control_request_method: Option<String>,
    /// Exact `Access-Control-Request-Headers` value (lower-case, sorted, unique,
    /// joined by `,` without spaces), or `None` when Chromium sends no such
    /// header.
    pub access_control_request_headers: Option<String>,
    /// Headers set by the script that Chromium silently drops.
    pub dropped_headers: Vec<DroppedHeader>,
    /// Where Chromium's rule differs from the Fetch Standard for this request.
    pub standard_differs: Option<Text>,
}

/// Chromium's `network::mojom::CorsError` values this engine can produce,
/// serialized with Chromium's identifier (DevTools' `corsErrorStatus.corsError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CorsError {
    WildcardOriginNotAllowed,
    MissingAllowOriginHeader,
    MultipleAllowOriginValues,
    InvalidAllowOriginValue,
    AllowOriginMismatch,
    InvalidAllowCredentials,
    PreflightInvalidStatus,
    PreflightDisallowedRedirect,
    PreflightWildcardOriginNotAllowed,
    PreflightMissingAllowOriginHeader,
    PreflightMultipleAllowOriginValues,
    PreflightInvalidAllowOriginValue,
    PreflightAllowOriginMismatch,
    PreflightInvalidAllowCredentials,
    InvalidAllowMethodsPreflightResponse,
    InvalidAllowHeadersPreflightResponse,
    MethodDisallowedByPreflightResponse,
    HeaderDisallowedByPreflightResponse,
    RedirectContainsCredentials,
}

impl CorsError {
    /// Chromium's identifier, e.g. `"MissingAllowOriginHeader"`.
    pub fn name(self) -> &'static str {
        use CorsError::*;
        match self {
            WildcardOriginNotAllowed => "WildcardOriginNotAllowed",
            MissingAllowOriginHeader => "MissingAllowOriginHeader",
            MultipleAllowOriginValues => "MultipleAllowOriginValues",
            InvalidAllowOriginValue => "InvalidAllowOriginValue",
            AllowOriginMismatch => "AllowOriginMismatch",
            InvalidAllowCredentials => "InvalidAllowCredentials",
            PreflightInvalidStatus => "PreflightInvalidStatus",
            PreflightDisallowedRedirect => "PreflightDisallowedRedirect",
            PreflightWildcardOriginNotAllowed => "PreflightWildcardOriginNotAllowed",
            PreflightMissingAllowOriginHeader => "PreflightMissingAllowOriginHeader",
            PreflightMultipleAllowOriginValues => "PreflightMultipleAllowOriginValues",
            PreflightInvalidAllowOriginValue => "PreflightInvalidAllowOriginValue",
            PreflightAllowOriginMismatch => "PreflightAllowOriginMismatch",
            PreflightInvalidAllowCredentials => "PreflightInvalidAllowCredentials",
            InvalidAllowMethodsPreflightResponse => "InvalidAllowMethodsPreflightResponse",
            InvalidAllowHeadersPreflightResponse => "InvalidAllowHeadersPreflightResponse",
            MethodDisallowedByPreflightResponse => "MethodDisallowedByPreflightResponse",
            HeaderDisallowedByPreflightResponse => "HeaderDisallowedByPreflightResponse",
            RedirectContainsCredentials => "RedirectContainsCredentials",
        }
    }

    /// Whether Blink prefixes the console text with "Response to preflight
    /// request doesn't pass access control check: " (its `IsPreflightError`).
    fn has_preflight_prefix(self) -> bool {
        use CorsError::*;
        matches!(
            self,
            PreflightInvalidStatus
                | PreflightDisallowedRedirect
                | PreflightWildcardOriginNotAllowed
                | PreflightMissingAllowOriginHeader
                | PreflightMultipleAllowOriginValues
                | PreflightInvalidAllowOriginValue
                | PreflightAllowOriginMismatch
                | PreflightInvalidAllowCredentials
        )
    }
}

/// Where the request was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing (more) was sent: `fetch()` threw, or Blink refused the URL.
    BeforeSend,
    /// The preflight failed; the actual request was never sent.
    Preflight,
    /// The actual request reached the server (and ran); its response was
    /// withheld from JavaScript.
    Actual,
}

/// A blocked request: what the user sees and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// Chromium's CorsError; `None` when Blink stopped the request outside the
    /// CORS machinery (DevTools then shows no CORS issue), e.g. mode
    /// `same-origin` to another origin, or `fetch()` throwing.
    pub cors_error: Option<CorsError>,
    /// DevTools' `corsErrorStatus.failedParameter` ("" when Chromium gives none).
    pub failed_parameter: String,
    pub stage: Stage,
    /// What the page's `catch` receives, e.g. `TypeError: Failed to fetch`.
    pub js_error: String,
    /// The console error line, as Chromium words it (`None`: nothing logged).
    pub console: Option<String>,
    pub explanation: Text,
    pub fix: Text,
    pub standard_differs: Option<Text>,
}

/// `Response.type` as JavaScript sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    Basic,
    Cors,
    Opaque,
}

/// What JavaScript can read from a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsView {
    pub response_type: ResponseType,
    /// `Response.status` (0 for opaque).
    pub status: u16,
    /// Header names `Headers.forEach` yields: lower-case, sorted, unique.
    pub readable_headers: Vec<String>,
}

/// How the preflight figured in a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PreflightUse {
    NotNeeded,
    /// A preflight was needed and the given one passed.
    Passed,
    /// A preflight was needed but none was given: assumed answered from
    /// Chromium's preflight cache (see [`answered_from_cache`]).
    NotSeen,
}

/// The verdict on one hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Verdict {
    /// JavaScript gets a response (`js` is `None` for a navigation).
    Pass {
        js: Option<JsView>,
        preflight: PreflightUse,
        standard_differs: Option<Text>,
    },
    /// The fetch rejects.
    Blocked(Box<Blocked>),
    /// This hop is a redirect that passed its checks; the browser follows it.
    Redirect {
        /// Absolute URL of the next hop.
        location: String,
        /// Method of the next hop (303, and 301/302 after POST, become GET and
        /// lose the body and its `Content-Type`).
        next_method: String,
        /// Whether the request's origin is now tainted: the next hop sends
        /// `Origin: null` and only `null` or `*` can match it.
        tainted_origin: bool,
        /// Whether the next hop will be preflighted again.
        preflight_again: bool,
        note: Text,
    },
    /// The request is (or will be) sent; no response given yet.
    AwaitingResponse { preflight: PreflightUse },
    /// Outside what this engine models (e.g. `data:` or `blob:` URLs, an
    /// unparsable URL); nothing is claimed.
    Unmodeled { reason: Text },
}

/// A preflight result as Chromium caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// Serialized page origin (cache key, with `url`).
    pub origin: String,
    /// The request URL, query included.
    pub url: String,
    /// `Access-Control-Allow-Methods` tokens, case kept (compared exactly).
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers` tokens, lower-cased.
    pub headers: Vec<String>,
    /// Cached from a `credentials: 'include'` request (`*` is then literal).
    pub credentials: bool,
    /// Expired when `now >= expires_at_ms`.
    pub expires_at_ms: u64,
}

/// How `Access-Control-Max-Age` was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifetimeRule {
    /// No header: Chromium's default, 5 s.
    Default,
    /// Not an integer (`abc`, `1.5`, two lines, out of range): the default 5 s.
    UnparsableUsesDefault,
    /// A number in range.
    Given,
    /// Over 7200 s: capped at 7200 s (2 h).
    Capped,
    /// 0 or negative: the result is not reused at all.
    NotCached,
}

/// The answer of [`preflight_lifetime`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifetime {
    pub seconds: u64,
    pub rule: LifetimeRule,
    pub standard_differs: Option<Text>,
}

/// The `SameSite` attribute of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SameSite {
    Strict,
    Lax,
    None,
    /// No attribute: Chromium treats it as `Lax`.
    Unspecified,
}

/// The attributes of a cookie that decide whether a fetch carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CookieAttributes {
    pub same_site: SameSite,
    pub secure: bool,
    pub http_only: bool,
}

/// The answer of [`cookie_outcome`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CookieOutcome {
    /// A cookie like this, already stored for the target, is attached.
    pub sent: bool,
    /// A `Set-Cookie` like this on the response is stored (also when CORS then
    /// blocks the response — measured `k_set_blocked_cors`).
    pub stored: bool,
    /// The stored cookie shows in the page's `document.cookie` (same host, not
    /// HttpOnly; ports do not matter for cookies).
    pub in_page_document_cookie: bool,
    /// Chromium's DevTools reasons when blocked (`UserPreferences`,
    /// `SchemefulSameSiteLax`, `SameSiteNoneInsecure`, …).
    pub blocked_reasons: Vec<&'static str>,
    pub reason: Text,
}

// ===========================================================================
// Request analysis shared by every entry point
// ===========================================================================

/// How the browser treats the response of this hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Cross-origin `cors`: the CORS protocol applies.
    Cors,
    /// Same origin (any mode but navigate): no CORS, a `basic` response.
    Basic,
    /// Cross-origin `no-cors`: an opaque response.
    NoCors,
    Navigate,
}

/// A request that `fetch()` refuses, or that the engine does not model.
enum Refused {
    Blocked(Box<Blocked>),
    Unmodeled(Text),
}

impl Refused {
    fn into_verdict(self) -> Verdict {
        match self {
            Refused::Blocked(b) => Verdict::Blocked(b),
            Refused::Unmodeled(reason) => Verdict::Unmodeled { reason },
        }
    }
}

struct Analysis<'a> {
    req: Request<'a>,
    url: Url<'a>,
    page: PageOrigin<'a>,
    /// The method after fetch's normalization.
    method: &'a str,
    sent: Vec<SentHeader<'a>>,
    dropped: Vec<DroppedHeader>,
    scope: Scope,
}

impl<'a> Analysis<'a> {
    fn new(req: &Request<'a>) -> Result<Self, Refused> {
        let page = PageOrigin::parse(req.page_origin).ok_or_else(|| {
            let shown = clip(req.page_origin);
            Refused::Unmodeled(Text::new(
                format!("The page origin '{shown}' is not an origin."),
                format!("ページのオリジン '{shown}' はオリジンとして解釈できません。"),
            ))
        })?;
        let method = check_method(req)?;
        let url = resolve_target(req.url, &page)?;
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
                return Err(Refused::Blocked(Box::new(Blocked {
                    cors_error: None,
                    failed_parameter: String::new(),
                    stage: Stage::BeforeSend,
                    js_error: "TypeError: Failed to fetch".into(),
                    console: Some(format!(
                        "Fetch API cannot load {href}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
                        page.serialize()
                    )),
                    explanation: text_same_origin_mode(&url.origin()),
                    fix: fix_same_origin_mode(&url.origin()),
                    standard_differs: None,
                })));
            }
        };
        let (sent, dropped) = sent_headers(req);
        Ok(Analysis { req: *req, url, page, method, sent, dropped, scope })
    }

    /// The `Origin` the server sees and `Access-Control-Allow-Origin` must
    /// equal: `null` once the origin is tainted by a cross-origin redirect.
    fn origin_sent(&self) -> String {
        if self.req.tainted_origin { "null".into() } else { self.page.serialize() }
    }

    fn include(&self) -> bool {
        self.req.credentials == Credentials::Include
    }
}

/// At most 200 characters of an input echoed back in an `Unmodeled` reason.
fn clip(s: &str) -> &str {
    s.char_indices().nth(200).map_or(s, |(i, _)| &s[..i])
}

/// Resolves the request URL; non-http(s) schemes are refused the way Chromium
/// refuses them (measured for `ftp:`), or left unmodeled.
fn resolve_target<'a>(raw: &'a str, page: &PageOrigin<'a>) -> Result<Url<'a>, Refused> {
    let raw_trim = raw.trim();
    if let (true, PageOrigin::Tuple(p)) = (raw_trim.starts_with('/') && !raw_trim.starts_with("//"), page) {
        let path = raw_trim.split('#').next().unwrap_or("/");
        return Ok(Url { path, has_userinfo: false, ..p.clone() });
    }
    match parse_url(raw) {
        Ok(u) => Ok(u),
        Err(UrlProblem::OtherScheme) => {
            let scheme = split_scheme(raw_trim).map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
            if matches!(scheme.as_str(), "data" | "blob" | "file" | "about" | "filesystem") {
                return Err(Refused::Unmodeled(Text::new(
                    format!("{scheme}: URLs are not network requests; this engine models http(s) only."),
                    format!("{scheme}: の URL はネットワークリクエストではありません。このエンジンは http(s) だけを扱います。"),
                )));
            }
            Err(Refused::Blocked(Box::new(Blocked {
                cors_error: None,
                failed_parameter: String::new(),
                stage: Stage::BeforeSend,
                js_error: "TypeError: Failed to fetch".into(),
                console: Some(format!("Fetch API cannot load {raw_trim}. URL scheme \"{scheme}\" is not supported.")),
                explanation: Text::new(
                    format!("fetch() only loads http: and https: URLs here; a {scheme}: URL is refused before anything is sent."),
                    format!("fetch() がここで読み込めるのは http: と https: の URL だけです。{scheme}: の URL は何も送信されずに拒否されます。"),
                ),
                fix: Text::new("Call the resource over http(s).", "リソースは http(s) で呼び出してください。"),
                standard_differs: None,
            })))
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

/// fetch()'s method checks, in the `Request` constructor's order: a token,
/// not forbidden, then (after normalization) GET/HEAD/POST in `no-cors`.
/// Wording measured (`m_bad_method`, `m_trace`, `n_trace_lower`,
/// `m_nocors_put`, `n_nocors_put_lower`, `m_nocors_patch`).
fn check_method<'a>(req: &Request<'a>) -> Result<&'a str, Refused> {
    let thrown = |message: String, explanation: Text, fix: Text| {
        Refused::Blocked(Box::new(Blocked {
            cors_error: None,
            failed_parameter: String::new(),
            stage: Stage::BeforeSend,
            js_error: format!("TypeError: Failed to execute 'fetch' on 'Window': {message}"),
            console: None,
            explanation,
            fix,
            standard_differs: None,
        }))
    };
    let m = req.method;
    if !is_token(m) {
        return Err(thrown(
            format!("'{m}' is not a valid HTTP method."),
            Text::new(
                format!("'{m}' is not a valid HTTP method name (it must be a token: letters, digits and !#$%&'*+-.^_`|~), so fetch() throws before sending."),
                format!("'{m}' は正しい HTTP メソッド名ではありません（英数字と !#$%&'*+-.^_`|~ だけのトークンである必要があります）。fetch() は送信前に例外を投げます。"),
            ),
            Text::new("Use a method name such as 'PATCH'.", "'PATCH' のような正しいメソッド名を使ってください。"),
        ));
    }
    if is_forbidden_method(m) {
        return Err(thrown(
            format!("'{m}' HTTP method is unsupported."),
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
            format!("'{normalized}' is unsupported in no-cors mode."),
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

// ===========================================================================
// Preflight need
// ===========================================================================

/// The CORS-unsafe headers of a cross-origin request, Chromium's
/// `CorsUnsafeNotForbiddenRequestHeaderNames`: each header that fails the
/// safelist, plus every safelisted one when their values total over 1024 bytes.
/// Returns the list in ACRH (sorted) order and the safelisted byte total.
fn unsafe_headers(sent: &[SentHeader<'_>]) -> (Vec<UnsafeHeader>, usize) {
    let mut out = Vec::new();
    let mut total = 0usize;
    for h in sent {
        match safelist_rule(&h.name, &h.value) {
            Some(rule) => out.push(UnsafeHeader { name: h.name.to_string(), rule }),
            None => total = total.saturating_add(byte_len(&h.value)),
        }
    }
    if total > 1024 {
        for h in sent.iter().filter(|h| safelist_rule(&h.name, &h.value).is_none()) {
            out.push(UnsafeHeader { name: h.name.to_string(), rule: HeaderRule::SafelistedTotalOver1024 });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, total)
}

/// Whether a preflight is needed, and why. See [`PreflightNeed`].
///
/// Fetch Standard "CORS-preflight fetch" conditions as Chromium applies them:
/// a cross-origin `cors` request whose method is not GET/HEAD/POST (after
/// normalization) or that carries a CORS-unsafe header. `no-cors` never
/// preflights; forbidden headers are dropped, not preflighted.
pub fn preflight_need(req: &Request<'_>) -> PreflightNeed {
    match Analysis::new(req) {
        Ok(a) => need_of(&a),
        Err(_) => PreflightNeed {
            needed: false,
            because: PreflightBecause::NotSent,
            unsafe_method: None,
            unsafe_headers: Vec::new(),
            safelisted_value_bytes: 0,
            access_control_request_method: None,
            access_control_request_headers: None,
            dropped_headers: Vec::new(),
            standard_differs: None,
        },
    }
}

fn need_of(a: &Analysis<'_>) -> PreflightNeed {
    let mut need = PreflightNeed {
        needed: false,
        because: match a.scope {
            Scope::Basic => PreflightBecause::SameOrigin,
            Scope::NoCors => PreflightBecause::NoCorsMode,
            Scope::Navigate => PreflightBecause::Navigation,
            Scope::Cors => PreflightBecause::SimpleRequest,
        },
        unsafe_method: None,
        unsafe_headers: Vec::new(),
        safelisted_value_bytes: 0,
        access_control_request_method: None,
        access_control_request_headers: None,
        dropped_headers: a.dropped.clone(),
        standard_differs: safelist_differs(&a.sent, &a.dropped),
    };
    if a.scope != Scope::Cors {
        return need;
    }
    let (unsafe_list, total) = unsafe_headers(&a.sent);
    need.safelisted_value_bytes = total;
    if !is_safelisted_method(a.method) {
        need.unsafe_method = Some(a.method.to_string());
    }
    if !unsafe_list.is_empty() {
        let names: Vec<&str> = unsafe_list.iter().map(|h| h.name.as_str()).collect();
        need.access_control_request_headers = Some(names.join(","));
    }
    need.unsafe_headers = unsafe_list;
    need.needed = need.unsafe_method.is_some() || !need.unsafe_headers.is_empty();
    if need.needed {
        need.because = PreflightBecause::UnsafeRequest;
        need.access_control_request_method = Some(a.method.to_string());
    }
    need
}

/// Chromium safelists headers the Fetch Standard does not (Intervention and
/// client hints), and drops `User-Agent`, which the standard lets scripts set.
fn safelist_differs(sent: &[SentHeader<'_>], dropped: &[DroppedHeader]) -> Option<Text> {
    let extra: Vec<&str> = sent
        .iter()
        .filter(|h| {
            (CHROMIUM_EXTRA_SAFELIST.contains(&h.name.as_ref()) || h.name == "save-data")
                && safelist_rule(&h.name, &h.value).is_none()
        })
        .map(|h| h.name.as_ref())
        .collect();
    let ua = dropped.iter().any(|d| d.name == "user-agent");
    if extra.is_empty() && !ua {
        return None;
    }
    let mut en = String::new();
    let mut ja = String::new();
    if !extra.is_empty() {
        let list = extra.join(", ");
        let _ = write!(en, "Chromium treats {list} as CORS-safelisted (no preflight); the Fetch Standard safelists only Accept, Accept-Language, Content-Language, Content-Type and Range, so other browsers preflight this request.");
        let _ = write!(ja, "Chromium は {list} を CORS セーフリスト扱いにします（プリフライトなし）。Fetch Standard のセーフリストは Accept・Accept-Language・Content-Language・Content-Type・Range だけなので、他のブラウザーではプリフライトが発生します。");
    }
    if ua {
        if !en.is_empty() {
            en.push(' ');
        }
        en.push_str("Chromium silently drops a User-Agent set by script; the Fetch Standard allows it (and it would need a preflight cross-origin).");
        ja.push_str("Chromium はスクリプトが設定した User-Agent を黙って捨てます。Fetch Standard では設定でき、クロスオリジンならプリフライトが必要になります。");
    }
    Some(Text { en, ja })
}

// ===========================================================================
// The CORS check, the preflight check, readable headers
// ===========================================================================

/// A failed check before it is dressed up as a [`Blocked`].
#[derive(Debug)]
struct Failure {
    error: CorsError,
    param: String,
}

fn fail(error: CorsError, param: impl Into<String>) -> Failure {
    Failure { error, param: param.into() }
}

/// Chromium's `CheckAccess` (Fetch Standard "CORS check"), in its order:
/// `Access-Control-Allow-Origin` first — `*` (refused with credentials),
/// missing, then for a value that is not the origin: a space or comma ⇒
/// MultipleAllowOriginValues, `null` ⇒ mismatch, not a URL ⇒ InvalidAllowOriginValue,
/// else mismatch — and only then, for `include`, `Access-Control-Allow-Credentials`
/// must be exactly `true`. Returns the non-preflight error names.
fn cors_check(resp: &Exchange<'_>, origin_sent: &str, include: bool) -> Result<(), Failure> {
    match resp.combined("access-control-allow-origin") {
        None => return Err(fail(CorsError::MissingAllowOriginHeader, "")),
        Some(v) if v == "*" => {
            if include {
                return Err(fail(CorsError::WildcardOriginNotAllowed, ""));
            }
            return Ok(());
        }
        Some(v) if v != origin_sent => {
            let error = if v.contains([' ', ',']) {
                CorsError::MultipleAllowOriginValues
            } else if v == "null" || looks_like_valid_url(&v) {
                CorsError::AllowOriginMismatch
            } else {
                CorsError::InvalidAllowOriginValue
            };
            return Err(fail(error, v));
        }
        Some(_) => {}
    }
    if include {
        let acac = resp.combined("access-control-allow-credentials");
        if acac.as_deref() != Some("true") {
            return Err(fail(CorsError::InvalidAllowCredentials, acac.unwrap_or_default()));
        }
    }
    Ok(())
}

/// The preflight flavour of a CORS-check error (Chromium's `CheckPreflightAccess`).
fn as_preflight_error(e: CorsError) -> CorsError {
    use CorsError::*;
    match e {
        WildcardOriginNotAllowed => PreflightWildcardOriginNotAllowed,
        MissingAllowOriginHeader => PreflightMissingAllowOriginHeader,
        MultipleAllowOriginValues => PreflightMultipleAllowOriginValues,
        InvalidAllowOriginValue => PreflightInvalidAllowOriginValue,
        AllowOriginMismatch => PreflightAllowOriginMismatch,
        InvalidAllowCredentials => PreflightInvalidAllowCredentials,
        other => other,
    }
}

/// Parses an `Access-Control-Allow-Methods/-Headers/-Expose-Headers` value as
/// Chromium does: comma-separated, whitespace trimmed, empty elements skipped,
/// and every element must be a token, or the whole header is invalid
/// (measured: `' GET ,, PUT , '` is fine, `GET, PU(T` and `x-foo, bad header`
/// are not). `None` = invalid; an absent header is an empty list.
fn parse_token_list(value: Option<&str>) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    for item in value.unwrap_or("").split(',') {
        let item = trim_ows(item);
        if item.is_empty() {
            continue;
        }
        if !is_token(item) {
            return None;
        }
        out.push(item);
    }
    Some(out)
}

/// A preflight that passed.
struct PreflightOk {
    /// `Authorization` got through only because `Access-Control-Allow-Headers`
    /// is `*` (Chromium lets it, the Fetch Standard does not; such a result is
    /// never cached).
    authorization_by_wildcard: bool,
}

/// Chromium's preflight checks in their measured order: redirect; the CORS
/// check (origin, then credentials) with preflight error names; ok status
/// (so a 404 without CORS headers is PreflightMissingAllowOriginHeader, and
/// one with ACAO but no ACAC under `include` is PreflightInvalidAllowCredentials);
/// then both lists must parse (methods, then headers) before the method is
/// checked, and the method before the headers.
fn check_preflight(a: &Analysis<'_>, need: &PreflightNeed, pf: &Exchange<'_>) -> Result<PreflightOk, Failure> {
    if pf.is_redirect() {
        return Err(fail(CorsError::PreflightDisallowedRedirect, ""));
    }
    cors_check(pf, &a.origin_sent(), a.include()).map_err(|f| fail(as_preflight_error(f.error), f.param))?;
    if !(200..=299).contains(&pf.status) {
        return Err(fail(CorsError::PreflightInvalidStatus, ""));
    }
    let acam = pf.combined("access-control-allow-methods");
    let methods = parse_token_list(acam.as_deref())
        .ok_or_else(|| fail(CorsError::InvalidAllowMethodsPreflightResponse, ""))?;
    let acah = pf.combined("access-control-allow-headers");
    let allowed = parse_token_list(acah.as_deref())
        .ok_or_else(|| fail(CorsError::InvalidAllowHeadersPreflightResponse, ""))?;
    let credentials = a.include();
    if !method_allowed(a.method, &methods, credentials) {
        return Err(fail(CorsError::MethodDisallowedByPreflightResponse, a.method));
    }
    let wildcard = !credentials && allowed.contains(&"*");
    let listed = |name: &str| allowed.iter().any(|h| h.eq_ignore_ascii_case(name));
    let has_auth = need.unsafe_headers.iter().any(|h| h.name == "authorization");
    if wildcard {
        return Ok(PreflightOk { authorization_by_wildcard: has_auth && !listed("authorization") });
    }
    if need.unsafe_headers.iter().all(|h| listed(&h.name)) {
        return Ok(PreflightOk { authorization_by_wildcard: false });
    }
    // Only a failure pays for working out which header Chromium names.
    let name = refusal_order(a, need).into_iter().find(|n| !listed(n)).unwrap_or_default();
    Err(fail(CorsError::HeaderDisallowedByPreflightResponse, name))
}

/// Safelisted methods always pass; otherwise an exact, case-sensitive match
/// (measured: `patch` vs `PATCH` fails both ways), or `*` without credentials.
fn method_allowed(method: &str, allowed: &[&str], credentials: bool) -> bool {
    is_safelisted_method(method) || allowed.contains(&method) || (!credentials && allowed.contains(&"*"))
}

/// The unsafe header names in the order Chromium checks them: headers that
/// fail the safelist first, then (over 1024 bytes) the safelisted ones, each
/// group in Blink's header-map order.
fn refusal_order(a: &Analysis<'_>, need: &PreflightNeed) -> Vec<String> {
    let order = chromium_header_order(&a.sent, a.url.is_trustworthy());
    let rule_of = |n: &str| need.unsafe_headers.iter().find(|h| h.name == n).map(|h| h.rule);
    let first = order.iter().filter(|n| matches!(rule_of(n), Some(r) if r != HeaderRule::SafelistedTotalOver1024));
    let second = order.iter().filter(|n| rule_of(n) == Some(HeaderRule::SafelistedTotalOver1024));
    first.chain(second).map(|n| n.to_string()).collect()
}

/// CORS-safelisted response-header names (Fetch Standard), always readable.
const SAFELISTED_RESPONSE_HEADERS: [&str; 7] =
    ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"];

/// The header names JavaScript can read from a CORS response (`Headers.forEach`
/// order: lower-case, sorted, unique): the safelisted ones present, plus those
/// named in `Access-Control-Expose-Headers` and present; `*` there exposes all
/// only when credentials mode is not `include`. An unparsable
/// `Access-Control-Expose-Headers` exposes nothing extra (measured
/// `s_aceh_invalid`). `Set-Cookie`/`Set-Cookie2` are never readable.
pub fn readable_headers(credentials: Credentials, response: &Exchange<'_>) -> Vec<String> {
    let aceh = response.combined("access-control-expose-headers");
    let exposed = parse_token_list(aceh.as_deref()).unwrap_or_default();
    let all = credentials != Credentials::Include && exposed.contains(&"*");
    let mut out: Vec<String> = Vec::new();
    for (name, _) in response.headers {
        let name = name.to_ascii_lowercase();
        if name == "set-cookie" || name == "set-cookie2" || out.contains(&name) {
            continue;
        }
        if all
            || SAFELISTED_RESPONSE_HEADERS.contains(&name.as_str())
            || exposed.iter().any(|e| e.eq_ignore_ascii_case(&name))
        {
            out.push(name);
        }
    }
    out.sort_unstable();
    out
}

/// Every header but `Set-Cookie`/`Set-Cookie2`: what a same-origin (`basic`)
/// response shows (measured `m_same_origin_put`).
fn basic_headers(response: &Exchange<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, _) in response.headers {
        let name = name.to_ascii_lowercase();
        if name != "set-cookie" && name != "set-cookie2" && !out.contains(&name) {
            out.push(name);
        }
    }
    out.sort_unstable();
    out
}

// ===========================================================================
// The verdict
// ===========================================================================

/// Chromium's verdict on one hop. `preflight` is the OPTIONS exchange for this
/// hop, if one happened; `response` is the actual response, if it arrived.
///
/// Order of checks (measured): fetch()'s own refusals; for a preflight:
/// redirect → `Access-Control-Allow-Origin` (wildcard with credentials /
/// missing / several values / invalid / mismatch) → `-Credentials` → ok status
/// → both lists parse → method → headers; for the actual response (every hop,
/// redirects included): origin → credentials → (redirect: location without
/// `user:pass@`). The response status does not matter to CORS (a 500 with the
/// right headers is readable).
pub fn verdict(req: &Request<'_>, preflight: Option<&Exchange<'_>>, response: Option<&Exchange<'_>>) -> Verdict {
    let a = match Analysis::new(req) {
        Ok(a) => a,
        Err(refused) => return refused.into_verdict(),
    };
    let mut used = PreflightUse::NotNeeded;
    let mut standard_differs = None;
    let need = need_of(&a);
    if a.scope == Scope::Cors && need.needed {
        used = PreflightUse::NotSeen;
        if let Some(pf) = preflight {
            match check_preflight(&a, &need, pf) {
                Err(f) => return blocked(&a, &need, f, Stage::Preflight, pf),
                Ok(ok) => {
                    used = PreflightUse::Passed;
                    if ok.authorization_by_wildcard {
                        standard_differs = Some(text_authorization_wildcard());
                    }
                }
            }
        }
    }
    let Some(resp) = response else {
        return Verdict::AwaitingResponse { preflight: used };
    };
    if a.scope == Scope::Cors
        && let Err(f) = cors_check(resp, &a.origin_sent(), a.include())
    {
        return blocked(&a, &need, f, Stage::Actual, resp);
    }
    if resp.is_redirect() {
        return redirect_verdict(&a, resp);
    }
    let js = match a.scope {
        Scope::Navigate => None,
        Scope::NoCors => Some(JsView { response_type: ResponseType::Opaque, status: 0, readable_headers: Vec::new() }),
        Scope::Basic => Some(JsView { response_type: ResponseType::Basic, status: resp.status, readable_headers: basic_headers(resp) }),
        Scope::Cors => Some(JsView {
            response_type: ResponseType::Cors,
            status: resp.status,
            readable_headers: readable_headers(a.req.credentials, resp),
        }),
    };
    Verdict::Pass { js, preflight: used, standard_differs }
}

/// A redirect hop whose CORS check (if any) passed: mode `same-origin` refuses a
/// cross-origin location (measured `n_sameorigin_redirect`); a CORS request
/// refuses a location with `user:pass@` (`RedirectContainsCredentials`,
/// measured `r_userinfo`); otherwise the browser follows, tainting the origin
/// when a CORS request leaves an origin that was already not the page's.
fn redirect_verdict(a: &Analysis<'_>, resp: &Exchange<'_>) -> Verdict {
    let location = resolve_location(&a.url, resp.location().unwrap_or(""));
    let next = parse_url(&location).ok();
    let next_same_as_page = next.as_ref().is_some_and(|n| a.page.same_origin(n));
    if a.req.mode == Mode::SameOrigin && !next_same_as_page {
        return Verdict::Blocked(Box::new(Blocked {
            cors_error: None,
            failed_parameter: String::new(),
            stage: Stage::BeforeSend,
            js_error: "TypeError: Failed to fetch".into(),
            console: Some(format!(
                "Unsafe attempt to load URL {location} from frame with URL {}/. Domains, protocols and ports must match.",
                a.page.serialize()
            )),
            explanation: Text::new(
                format!("The request uses mode: 'same-origin' and was redirected to {location}, another origin; Chromium refuses to follow."),
                format!("mode: 'same-origin' のリクエストが別オリジンの {location} へリダイレクトされたため、Chromium はたどりません。"),
            ),
            fix: fix_same_origin_mode(&next.as_ref().map_or_else(|| location.clone(), |n| n.origin())),
            standard_differs: None,
        }));
    }
    if a.req.mode == Mode::Cors && next.as_ref().is_some_and(|n| n.has_userinfo) && (a.scope == Scope::Cors || !next_same_as_page) {
        let need = need_of(a);
        return blocked(a, &need, fail(CorsError::RedirectContainsCredentials, ""), Stage::Actual, resp);
    }
    let current_is_page_origin = a.page.same_origin(&a.url) && !a.req.tainted_origin;
    let leaves_origin = next.as_ref().is_none_or(|n| !n.same_origin(&a.url));
    let tainted = a.req.tainted_origin || (a.req.mode == Mode::Cors && leaves_origin && !current_is_page_origin);
    let to_get = (resp.status == 303 && !matches!(a.method, "GET" | "HEAD"))
        || (matches!(resp.status, 301 | 302) && a.method == "POST");
    let next_method = if to_get { "GET" } else { a.method };
    let kept: Vec<(&str, &str)> = a
        .req
        .headers
        .iter()
        .filter(|(n, _)| {
            !to_get
                || !["content-type", "content-language", "content-encoding", "content-location"]
                    .iter()
                    .any(|b| n.trim().eq_ignore_ascii_case(b))
        })
        .copied()
        .collect();
    let next_req = Request {
        method: next_method,
        url: &location,
        headers: &kept,
        initial_url: Some(a.req.initial_url.unwrap_or(a.req.url)),
        tainted_origin: tainted,
        ..a.req
    };
    let preflight_again = preflight_need(&next_req).needed;
    let mut en = format!("The browser follows this {} to {location}", resp.status);
    let mut ja = format!("ブラウザーはこの {} に従って {location} へ進みます", resp.status);
    if to_get {
        en.push_str(" as a GET without the body");
        ja.push_str("（本文なしの GET に変わります）");
    }
    en.push('.');
    ja.push('。');
    if tainted && !a.req.tainted_origin {
        en.push_str(" The request left a cross-origin server for another origin, so the next hop sends `Origin: null` and only `Access-Control-Allow-Origin: null` or `*` will match.");
        ja.push_str("別オリジンのサーバーからさらに別のオリジンへ移ったため、次のリクエストは `Origin: null` を送り、一致するのは `Access-Control-Allow-Origin: null` か `*` だけです。");
    }
    if preflight_again {
        en.push_str(" The next hop is preflighted again.");
        ja.push_str("次のリクエストでもう一度プリフライトが行われます。");
    }
    Verdict::Redirect {
        location: location.clone(),
        next_method: next_method.to_string(),
        tainted_origin: tainted,
        preflight_again,
        note: Text { en, ja },
    }
}

fn blocked(a: &Analysis<'_>, need: &PreflightNeed, f: Failure, stage: Stage, ex: &Exchange<'_>) -> Verdict {
    let console = console_line(a, &f);
    let (explanation, fix, standard_differs) = describe(a, need, &f, ex);
    Verdict::Blocked(Box::new(Blocked {
        cors_error: Some(f.error),
        failed_parameter: f.param,
        stage,
        js_error: "TypeError: Failed to fetch".into(),
        console: Some(console),
        explanation,
        fix,
        standard_differs,
    }))
}

/// Non-ASCII bytes of a failed value, as `\u00XX` (UTF-8 bytes shown as Latin-1
/// code points): how the measured console prints them (`s_nonascii`).
fn escape_non_ascii(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() * 3);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\u00{b:02X}");
            }
        }
    }
    Cow::Owned(out)
}

/// Blink's `cors::GetErrorString` for `fetch()`, as Chromium 156 prints it:
/// "Access to fetch at '<url>' [(redirected from '<first url>') ]from origin
/// '<page origin>' has been blocked by CORS policy: " + the error's sentence.
/// (156 no longer appends the older "set the request's mode to 'no-cors'"
/// hint; it appends "Have the server send the header with a valid value." to
/// the three value errors — all measured.)
fn console_line(a: &Analysis<'_>, f: &Failure) -> String {
    use CorsError::*;
    let href = a.url.href();
    let mut s = String::with_capacity(200 + href.len() + f.param.len());
    let _ = write!(s, "Access to fetch at '{href}' ");
    if let Some(initial) = a.req.initial_url {
        let initial = parse_url(initial).map_or_else(|_| initial.to_string(), |u| u.href());
        if initial != href {
            let _ = write!(s, "(redirected from '{initial}') ");
        }
    }
    let _ = write!(s, "from origin '{}' has been blocked by CORS policy: ", a.page.serialize());
    if f.error.has_preflight_prefix() {
        s.push_str("Response to preflight request doesn't pass access control check: ");
    }
    let hint = escape_non_ascii(&f.param);
    const VALID: &str = " Have the server send the header with a valid value.";
    let _ = match f.error {
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => write!(s, "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."),
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => write!(s, "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => write!(s, "The 'Access-Control-Allow-Origin' header contains multiple values '{hint}', but only one is allowed.{VALID}"),
        InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => write!(s, "The 'Access-Control-Allow-Origin' header contains the invalid value '{hint}'.{VALID}"),
        AllowOriginMismatch | PreflightAllowOriginMismatch => write!(s, "The 'Access-Control-Allow-Origin' header has a value '{hint}' that is not equal to the supplied origin.{VALID}"),
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => write!(s, "The value of the 'Access-Control-Allow-Credentials' header in the response is '{hint}' which must be 'true' when the request's credentials mode is 'include'."),
        PreflightInvalidStatus => write!(s, "It does not have HTTP ok status."),
        PreflightDisallowedRedirect => write!(s, "Redirect is not allowed for a preflight request."),
        InvalidAllowMethodsPreflightResponse => write!(s, "Cannot parse Access-Control-Allow-Methods response header field in preflight response."),
        InvalidAllowHeadersPreflightResponse => write!(s, "Cannot parse Access-Control-Allow-Headers response header field in preflight response."),
        MethodDisallowedByPreflightResponse => write!(s, "Method {hint} is not allowed by Access-Control-Allow-Methods in preflight response."),
        HeaderDisallowedByPreflightResponse => write!(s, "Request header field {hint} is not allowed by Access-Control-Allow-Headers in preflight response."),
        RedirectContainsCredentials => write!(s, "Redirect location '{hint}' contains a username and password, which is disallowed for cross-origin requests."),
    };
    s
}

#[cfg(test)]
mod tests;
