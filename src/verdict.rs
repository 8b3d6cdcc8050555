//! The verdict engine: what Chromium 156 does with one fetch, as a pure function.
//!
//! Everything here was checked against real Chromium 156.0.8078.79 with
//! `probe/cors_probe.py` (results in `probe/RESULTS.md`); where Chromium and the
//! Fetch Standard disagree, the browser wins and the difference is reported in a
//! `standard_differs` text. Nothing here does I/O or reads a clock: time is a
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
//! Inputs borrow (`&str`), outputs own: building a verdict allocates only the
//! output and a few short vectors. No function here panics on any input.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

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
// URLs and origins (just enough of the URL Standard for http(s))
// ===========================================================================

/// A parsed absolute URL. Scheme and host are lower-cased, the port is the
/// effective one (80/443 when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url<'a> {
    scheme: Cow<'a, str>,
    has_userinfo: bool,
    host: Cow<'a, str>,
    port: u16,
    /// Path and query, without the fragment; "/" when empty.
    path: &'a str,
}

/// Why a URL string is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlProblem {
    /// No `scheme:` at all.
    NotAbsolute,
    /// A scheme other than http/https; carries nothing, the caller has the text.
    OtherScheme,
    /// http(s) with an empty host or a bad port.
    Invalid,
}

fn lower<'a>(s: &'a str) -> Cow<'a, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// The scheme of `s` (the URL Standard's scheme state): ALPHA *( ALPHA / DIGIT /
/// "+" / "-" / "." ) followed by ':'. Returns (scheme, rest after ':').
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    if !first.is_ascii_alphabetic()
        || !bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    Some((scheme, &s[colon + 1..]))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Parses an absolute http(s) URL.
fn parse_url(s: &str) -> Result<Url<'_>, UrlProblem> {
    let s = s.trim_matches(|c: char| c <= ' ');
    let (scheme, rest) = split_scheme(s).ok_or(UrlProblem::NotAbsolute)?;
    let scheme = lower(scheme);
    let Some(port_default) = default_port(&scheme).filter(|_| scheme.starts_with("http")) else {
        return Err(UrlProblem::OtherScheme);
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (has_userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    let (host, port) = split_host_port(hostport).ok_or(UrlProblem::Invalid)?;
    if host.is_empty() {
        return Err(UrlProblem::Invalid);
    }
    let port = port.unwrap_or(port_default);
    let path = tail.split('#').next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    Ok(Url { scheme, has_userinfo, host: lower(host), port, path })
}

/// Splits `host[:port]` (IPv6 in brackets). `None` for a bad port.
fn split_host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let after = &hostport[close + 1..];
        match after.strip_prefix(':') {
            Some(p) => (&hostport[..=close], Some(p)),
            None if after.is_empty() => (&hostport[..=close], None),
            None => return None,
        }
    } else {
        match hostport.rfind(':') {
            Some(c) => (&hostport[..c], Some(&hostport[c + 1..])),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let v: u32 = p.bytes().try_fold(0u32, |acc, b| {
                let v = acc * 10 + u32::from(b - b'0');
                (v <= 65535).then_some(v)
            })?;
            Some(v as u16)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

impl Url<'_> {
    fn is_default_port(&self) -> bool {
        default_port(&self.scheme) == Some(self.port)
    }

    /// The origin's serialization: `scheme://host[:port]`.
    fn origin(&self) -> String {
        let mut s = String::with_capacity(self.scheme.len() + self.host.len() + 9);
        s.push_str(&self.scheme);
        s.push_str("://");
        s.push_str(&self.host);
        if !self.is_default_port() {
            let _ = write!(s, ":{}", self.port);
        }
        s
    }

    /// The URL as Chromium prints it in console messages.
    fn href(&self) -> String {
        let mut s = self.origin();
        s.push_str(self.path);
        s
    }

    fn same_origin(&self, other: &Url<'_>) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// Potentially trustworthy (secure context): https, or a loopback host.
    fn is_trustworthy(&self) -> bool {
        self.scheme == "https" || is_loopback_host(&self.host)
    }
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: Chromium treats these as
/// secure contexts even over http.
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || (host.starts_with("127.") && is_ipv4(host))
}

fn is_ipv4(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    parts == 4
}

/// The page's origin: a tuple origin, or the opaque origin `null`.
#[derive(Debug, Clone)]
enum PageOrigin<'a> {
    Tuple(Url<'a>),
    Opaque,
}

impl<'a> PageOrigin<'a> {
    fn parse(s: &'a str) -> Option<Self> {
        let s = s.trim();
        if s == "null" {
            return Some(PageOrigin::Opaque);
        }
        parse_url(s).ok().map(PageOrigin::Tuple)
    }

    fn serialize(&self) -> String {
        match self {
            PageOrigin::Tuple(u) => u.origin(),
            PageOrigin::Opaque => "null".to_string(),
        }
    }

    fn same_origin(&self, url: &Url<'_>) -> bool {
        matches!(self, PageOrigin::Tuple(u) if u.same_origin(url))
    }
}

/// Resolves a `Location` value against the URL of the hop that returned it.
fn resolve_location(base: &Url<'_>, location: &str) -> String {
    let location = location.trim();
    if split_scheme(location).is_some() {
        return location.to_string();
    }
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}://{}", base.scheme, rest);
    }
    let mut out = base.origin();
    if location.starts_with('/') {
        out.push_str(location);
    } else if location.starts_with('?') {
        out.push_str(base.path.split('?').next().unwrap_or("/"));
        out.push_str(location);
    } else if location.is_empty() || location.starts_with('#') {
        out.push_str(base.path);
    } else {
        let dir = base.path.split('?').next().unwrap_or("/");
        let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
        out.push_str(if dir.is_empty() { "/" } else { dir });
        out.push_str(location);
    }
    out
}

/// Chromium's rough "is this a URL" test for an `Access-Control-Allow-Origin`
/// value (`GURL::is_valid`): it tells `InvalidAllowOriginValue` from
/// `AllowOriginMismatch`. A scheme is required; for http(s)/ws(s)/ftp a host and
/// a numeric port in range; other schemes are accepted as GURL accepts them.
fn looks_like_valid_url(value: &str) -> bool {
    let Some((scheme, rest)) = split_scheme(value) else {
        return false;
    };
    let scheme = lower(scheme);
    if default_port(&scheme).is_none() {
        return true;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit('@').next().unwrap_or("");
    match split_host_port(hostport) {
        Some((host, _)) => {
            !host.is_empty()
                && !host.bytes().any(|b| {
                    b < 0x20 || matches!(b, b' ' | b'#' | b'%' | b'<' | b'>' | b'^' | b'|' | b'@')
                })
        }
        None => false,
    }
}

// ===========================================================================
// Request headers: normalization, forbidden names, the CORS safelist
// ===========================================================================

/// Trims HTTP optional whitespace (SP, HT) as an HTTP parser does.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `Headers` normalizes a value by stripping leading and trailing HTTP
/// whitespace (Fetch Standard "normalize").
fn normalize_value(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// Byte length of a JavaScript `ByteString` value: one byte per char up to
/// U+00FF (what Chromium measures for the 128/1024 limits).
fn byte_len(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x100 { 1 } else { c.len_utf8() }).sum()
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Fetch Standard "CORS-unsafe request-header byte".
fn is_cors_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}\x7f".contains(&b)
}

fn is_forbidden_method(m: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"].iter().any(|f| m.eq_ignore_ascii_case(f))
}

/// Chromium's forbidden request-header names (`net::HttpUtil::IsSafeHeader`),
/// which still include `User-Agent` (crbug.com/571722) and, measured
/// (`n_req_setcookie`), `Set-Cookie`. Setting them from script is silently
/// ignored.
fn forbidden_header(name: &str, value: &str) -> Option<DropReason> {
    const NAMES: [&str; 23] = [
        "accept-charset", "accept-encoding", "access-control-request-headers",
        "access-control-request-method", "access-control-request-private-network",
        "connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect",
        "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "via",
    ];
    if NAMES.contains(&name) || name.starts_with("proxy-") || name.starts_with("sec-") {
        return Some(DropReason::ForbiddenName);
    }
    // Fetch Standard: a method-override header naming a forbidden method
    // (measured: `X-HTTP-Method-Override: TRACE` and `X-Method-Override: get,
    // trace` are dropped, `X-HTTP-Method-Override: GET` is not).
    if matches!(name, "x-http-method" | "x-http-method-override" | "x-method-override")
        && value.split(',').any(|m| is_forbidden_method(trim_ows(m)))
    {
        return Some(DropReason::ForbiddenMethodOverride);
    }
    None
}

/// Headers Chromium safelists beyond the Fetch Standard's five (Intervention
/// and client hints; `cors.cc` `IsCorsSafelistedHeader`).
const CHROMIUM_EXTRA_SAFELIST: [&str; 8] = [
    "intervention", "device-memory", "dpr", "width", "viewport-width", "rtt", "downlink", "ect",
];

/// `1*DIGIT [ "." 1*DIGIT ]` (device-memory, dpr, downlink).
fn is_double_like(v: &str) -> bool {
    let (int, frac) = match v.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (v, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// Parses a `Content-Type` essence the way Chromium's
/// `ExtractMIMETypeFromMediaType` does: text before `;`, split at `/` into two
/// tokens, leading spaces of the type and trailing spaces of the subtype
/// trimmed (measured: `text/plain ;…` passes, `text /plain` does not).
fn content_type_essence(lower_value: &str) -> Option<(&str, &str)> {
    let media = lower_value.split(';').next().unwrap_or("");
    let (ty, sub) = media.split_once('/')?;
    let ty = ty.trim_start_matches([' ', '\t']);
    let sub = sub.trim_end_matches([' ', '\t']);
    (is_token(ty) && is_token(sub)).then_some((ty, sub))
}

/// Fetch Standard "simple range header value": `bytes=N-` or `bytes=N-M` with
/// N <= M, one range, no spaces (measured: `bytes=5-` passes, `bytes=-5`,
/// `bytes=10-5`, `bytes=0-1,3-4` do not).
fn is_simple_range(lower_value: &str) -> bool {
    let Some(spec) = lower_value.strip_prefix("bytes=") else {
        return false;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return false;
    };
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .filter(|v| *v <= i64::MAX as u64)
    };
    let Some(first) = num(first) else { return false };
    last.is_empty() || num(last).is_some_and(|last| first <= last)
}

/// Chromium's per-header safelist check (`cors.cc` `IsCorsSafelistedHeader`):
/// `None` when safelisted, otherwise the rule broken. `name` is lower-case.
fn safelist_rule(name: &str, value: &str) -> Option<HeaderRule> {
    const STANDARD: [&str; 5] = ["accept", "accept-language", "content-language", "content-type", "range"];
    if !STANDARD.contains(&name) && !CHROMIUM_EXTRA_SAFELIST.contains(&name) && name != "save-data" {
        return Some(HeaderRule::NameNotSafelisted);
    }
    if byte_len(value) > 128 {
        return Some(HeaderRule::ValueOver128Bytes);
    }
    let ok = |good: bool, rule| if good { None } else { Some(rule) };
    match name {
        "accept" => ok(!value.bytes().any(is_cors_unsafe_byte), HeaderRule::UnsafeValueBytes),
        "accept-language" | "content-language" => ok(
            value.bytes().all(|b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b)),
            HeaderRule::UnsafeValueBytes,
        ),
        "content-type" => {
            if value.bytes().any(is_cors_unsafe_byte) {
                return Some(HeaderRule::ContentTypeUnsafeBytes);
            }
            let lower_value = value.to_ascii_lowercase();
            let simple = matches!(
                content_type_essence(&lower_value),
                Some(("application", "x-www-form-urlencoded") | ("multipart", "form-data") | ("text", "plain"))
            );
            ok(simple, HeaderRule::ContentTypeNotSimple)
        }
        "range" => ok(is_simple_range(&value.to_ascii_lowercase()), HeaderRule::RangeNotSimple),
        "device-memory" | "dpr" | "downlink" => ok(is_double_like(value), HeaderRule::ClientHintValue),
        "width" | "viewport-width" | "rtt" => ok(
            !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
            HeaderRule::ClientHintValue,
        ),
        "ect" => ok(
            ["Unknown", "Offline", "slow-2g", "2g", "3g", "4g"].contains(&value),
            HeaderRule::ClientHintValue,
        ),
        "save-data" => ok(value.eq_ignore_ascii_case("on"), HeaderRule::ClientHintValue),
        _ => None, // intervention: any value
    }
}

/// In `no-cors` mode `Headers` keeps only these, with safelisted values.
fn is_no_cors_safelisted(name: &str, value: &str) -> bool {
    matches!(name, "accept" | "accept-language" | "content-language" | "content-type")
        && safelist_rule(name, value).is_none()
}

/// How many author headers the engine looks at (see [`sent_headers`]).
pub const MAX_AUTHOR_HEADERS: usize = 256;

/// One header as the browser will send it.
#[derive(Debug, Clone)]
struct SentHeader<'a> {
    /// Lower-case name.
    name: Cow<'a, str>,
    /// Normalized value; duplicates joined with ", " as `Headers.append` does.
    value: Cow<'a, str>,
    /// The implicit `Accept: */*` fetch adds when the script sets none.
    implicit: bool,
}

/// The author headers after `Headers` processing: names lower-cased, values
/// normalized, duplicates combined, forbidden (and in no-cors, non-safelisted)
/// ones dropped; plus the implicit `Accept: */*`.
///
/// Only the first [`MAX_AUTHOR_HEADERS`] headers are considered, so that the
/// duplicate merging (quadratic) stays cheap on absurd input; real requests
/// are far below (HTTP servers refuse ~100+ header lines).
fn sent_headers<'a>(req: &Request<'a>) -> (Vec<SentHeader<'a>>, Vec<DroppedHeader>) {
    let headers = &req.headers[..req.headers.len().min(MAX_AUTHOR_HEADERS)];
    let mut sent: Vec<SentHeader<'a>> = Vec::with_capacity(headers.len() + 1);
    let mut dropped = Vec::new();
    for (name, value) in headers {
        let name = lower(name.trim());
        let value = normalize_value(value);
        if let Some(h) = sent.iter_mut().find(|h| h.name == name) {
            let mut v = h.value.to_string();
            v.push_str(", ");
            v.push_str(value);
            h.value = Cow::Owned(v);
        } else {
            sent.push(SentHeader { name, value: Cow::Borrowed(value), implicit: false });
        }
    }
    sent.retain(|h| {
        let reason = forbidden_header(&h.name, &h.value).or_else(|| {
            (req.mode == Mode::NoCors && !is_no_cors_safelisted(&h.name, &h.value))
                .then_some(DropReason::NotNoCorsSafelisted)
        });
        if let Some(reason) = reason {
            dropped.push(DroppedHeader { name: h.name.to_string(), reason });
        }
        reason.is_none()
    });
    if !sent.iter().any(|h| h.name == "accept") {
        sent.push(SentHeader { name: Cow::Borrowed("accept"), value: Cow::Borrowed("*/*"), implicit: true });
    }
    (sent, dropped)
}

/// Fetch's method normalization: only DELETE, GET, HEAD, OPTIONS, POST and PUT
/// are upper-cased (measured: `put` is sent as PUT, `patch` stays `patch`).
fn normalize_method(m: &str) -> &str {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALIZED.iter().find(|n| m.eq_ignore_ascii_case(n)).copied().unwrap_or(m)
}

fn is_safelisted_method(normalized: &str) -> bool {
    matches!(normalized, "GET" | "HEAD" | "POST")
}

// ===========================================================================
// Which refused header Chromium names: Blink's header-map order
// ===========================================================================
//
// When several headers are refused, Chromium names the first one in the order
// its network service holds the request headers. That order is the iteration
// order of Blink's `HTTPHeaderMap`, a WTF open-addressing hash table keyed
// case-insensitively (rapidhash of the case-folded UTF-16 name, 24 bits),
// filled with the author headers in `FetchHeaderList` order (sorted
// case-insensitively), then the `Sec-CH-UA*` client hints (secure-context
// targets only), then `User-Agent`; fetch's implicit `Accept: */*` is appended
// after the map. This model reproduces the wire order of all 158 measured
// requests and the named header of all 9 measured multi-header failures
// (`probe/header_order_check.py`). It depends on Blink internals and may change
// with the Chromium version.

const RAPIDHASH_SEED: u64 = 0xbdd8_9aa9_8270_4029;
const RAPIDHASH_SECRET: [u64; 3] = [0x2d35_8dcc_aa6c_78a5, 0x8bb8_4b93_962e_acc9, 0x4b33_a62e_d433_d4a3];

fn mum(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    (r as u64, (r >> 64) as u64)
}

fn mix(a: u64, b: u64) -> u64 {
    let (lo, hi) = mum(a, b);
    lo ^ hi
}

fn read32(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&d[i..i + 4]);
    u64::from(u32::from_le_bytes(b))
}

fn read64(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[i..i + 8]);
    u64::from_le_bytes(b)
}

/// rapidhash (the variant WTF's `StringHasher` uses).
fn rapidhash(d: &[u8]) -> u64 {
    let [s0, s1, s2] = RAPIDHASH_SECRET;
    let len = d.len();
    let n = len as u64;
    let mut seed = RAPIDHASH_SEED ^ mix(RAPIDHASH_SEED ^ s0, s1) ^ n;
    let (a, b);
    if len <= 16 {
        if len >= 4 {
            let delta = (len & 24) >> (len >> 3);
            a = (read32(d, 0) << 32) | read32(d, len - 4);
            b = (read32(d, delta) << 32) | read32(d, len - 4 - delta);
        } else if len > 0 {
            a = (u64::from(d[0]) << 56) | (u64::from(d[len >> 1]) << 32) | u64::from(d[len - 1]);
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
    } else {
        let mut i = len;
        if i > 48 {
            let (mut see1, mut see2) = (seed, seed);
            while i >= 48 {
                let p = len - i;
                seed = mix(read64(d, p) ^ s0, read64(d, p + 8) ^ seed);
                see1 = mix(read64(d, p + 16) ^ s1, read64(d, p + 24) ^ see1);
                see2 = mix(read64(d, p + 32) ^ s2, read64(d, p + 40) ^ see2);
                i -= 48;
            }
            seed ^= see1 ^ see2;
        }
        if i > 16 {
            let p = len - i;
            seed = mix(read64(d, p) ^ s2, read64(d, p + 8) ^ seed ^ s1);
            if i > 32 {
                seed = mix(read64(d, p + 16) ^ s2, read64(d, p + 24) ^ seed);
            }
        }
        a = read64(d, len - 16);
        b = read64(d, len - 8);
    }
    let (lo, hi) = mum(a ^ s1, b ^ seed);
    mix(lo ^ s0 ^ n, hi ^ s1)
}

/// WTF `CaseFoldingHash` of a header name: Latin-1 case folding, UTF-16LE
/// bytes, rapidhash, top 8 bits masked (0 becomes 0x800000).
fn case_folding_hash(name: &str) -> u32 {
    let mut buf = Vec::with_capacity(name.len() * 2);
    for c in name.chars() {
        let folded = match c as u32 {
            0x41..=0x5a => c as u32 + 0x20,
            cp @ 0xc0..=0xde if cp != 0xd7 => cp + 0x20,
            cp => cp,
        };
        let mut units = [0u16; 2];
        let s = char::from_u32(folded).unwrap_or(c).encode_utf16(&mut units);
        for u in s.iter() {
            buf.extend_from_slice(&u.to_le_bytes());
        }
    }
    let h = (rapidhash(&buf) & 0x00ff_ffff) as u32;
    if h == 0 { 0x0080_0000 } else { h }
}

/// Iteration order of a WTF `HashMap` filled with `keys` (distinct — the caller
/// merges duplicates —, lower-case)
/// in this order: table of 8 slots doubling when `(size + 1) * 2 >= capacity`,
/// quadratic (triangular) probing, iteration in slot order.
fn wtf_hash_map_order<'k>(keys: &[&'k str]) -> Vec<&'k str> {
    fn insert<'k>(table: &mut [Option<(&'k str, u32)>], key: &'k str, hash: u32) {
        let mask = table.len() - 1;
        let mut idx = hash as usize & mask;
        let mut step = 0;
        while table[idx].is_some() {
            step += 1;
            if step >= table.len() {
                return; // unreachable: triangular probing visits every slot of a table under 50 % load
            }
            idx = (idx + step) & mask;
        }
        table[idx] = Some((key, hash));
    }
    let mut table: Vec<Option<(&'k str, u32)>> = vec![None; 8];
    for (size, key) in keys.iter().enumerate() {
        if (size + 1) * 2 >= table.len() {
            let mut bigger = vec![None; table.len() * 2];
            for (k, h) in table.iter().flatten() {
                insert(&mut bigger, k, *h);
            }
            table = bigger;
        }
        insert(&mut table, key, case_folding_hash(key));
    }
    table.into_iter().flatten().map(|(k, _)| k).collect()
}

/// The names of `sent` in the order Chromium's network service holds them.
fn chromium_header_order<'s>(sent: &'s [SentHeader<'_>], target_trustworthy: bool) -> Vec<&'s str> {
    let mut keys: Vec<&str> = sent.iter().filter(|h| !h.implicit).map(|h| h.name.as_ref()).collect();
    keys.sort_unstable();
    if target_trustworthy {
        keys.extend(["sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"]);
    }
    keys.push("user-agent");
    let mut order: Vec<&str> = wtf_hash_map_order(&keys)
        .into_iter()
        .filter(|k| !matches!(*k, "sec-ch-ua" | "sec-ch-ua-mobile" | "sec-ch-ua-platform" | "user-agent"))
        .collect();
    order.extend(sent.iter().filter(|h| h.implicit).map(|h| h.name.as_ref()));
    order
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

// ===========================================================================
// Explanations and fixes (en / ja)
// ===========================================================================

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

fn text_same_origin_mode(target: &str) -> Text {
    Text::new(
        format!("The fetch uses mode: 'same-origin' but the URL is on another origin ({target}), so Chromium refuses it before sending anything."),
        format!("fetch が mode: 'same-origin' なのに URL が別オリジン（{target}）にあるため、Chromium は何も送らずに拒否します。"),
    )
}

fn fix_same_origin_mode(target: &str) -> Text {
    Text::new(
        format!("Use the default mode 'cors' for cross-origin calls and let {target} allow this page with CORS headers, or call a URL on the page's own origin."),
        format!("クロスオリジンの呼び出しには既定の mode: 'cors' を使い、{target} 側で CORS ヘッダーによりこのページを許可してください。またはページと同じオリジンの URL を呼んでください。"),
    )
}

fn text_authorization_wildcard() -> Text {
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
        HeaderRule::SafelistedTotalOver1024 => (
            "the safelisted headers together exceed 1024 bytes",
            "セーフリストのヘッダーの値が合計で 1024 バイトを超えています",
        ),
    }
}

/// Explanation, fix and standard difference for a failed check.
fn describe(a: &Analysis<'_>, need: &PreflightNeed, f: &Failure, ex: &Exchange<'_>) -> (Text, Text, Option<Text>) {
    use CorsError::*;
    let o = a.origin_sent();
    let t = a.url.origin();
    let m = a.method;
    let v = f.param.as_str();
    let status = ex.status;
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
    }
}

// ===========================================================================
// Preflight cache
// ===========================================================================

const DEFAULT_LIFETIME_S: u64 = 5;
const MAX_LIFETIME_S: u64 = 7200;

/// How long Chromium keeps a preflight result, from `Access-Control-Max-Age`
/// (measured: absent ⇒ 5 s (cached after 4 s, not after 6 s); `abc`, `1.5`,
/// two header lines, or a number beyond 64 bits ⇒ the same 5 s; `0`, `-1`,
/// `-5` ⇒ not reused; `+600` ⇒ 600 s; longer than 7200 s ⇒ 7200 s, measured
/// with a shifted clock: cached after 7190 s, not after 7215 s).
pub fn preflight_lifetime(preflight: &Exchange<'_>) -> Lifetime {
    let Some(v) = preflight.combined("access-control-max-age") else {
        return Lifetime { seconds: DEFAULT_LIFETIME_S, rule: LifetimeRule::Default, standard_differs: None };
    };
    let (sign, digits) = match v.as_bytes().first() {
        Some(b'+') => (1i8, &v[1..]),
        Some(b'-') => (-1i8, &v[1..]),
        _ => (0i8, &v[..]),
    };
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let parsed: Option<i64> = all_digits.then(|| digits.parse::<i64>().ok()).flatten();
    let differs = |en: &str, ja: &str| Some(Text::new(en, ja));
    match parsed {
        None if all_digits => Lifetime {
            seconds: DEFAULT_LIFETIME_S,
            rule: LifetimeRule::UnparsableUsesDefault,
            standard_differs: differs(
                "Fetch Standard: any number of seconds is valid and the browser caps it (Chromium's cap is 7200 s); Chromium cannot parse a number beyond 64 bits and falls back to the default 5 s.",
                "Fetch Standard ではどんな秒数も有効で、ブラウザーが上限で切り詰めます（Chromium の上限は 7200 秒）。Chromium は 64 ビットを超える数を解析できず、既定の 5 秒になります。",
            ),
        },
        None => Lifetime { seconds: DEFAULT_LIFETIME_S, rule: LifetimeRule::UnparsableUsesDefault, standard_differs: None },
        Some(n) if sign < 0 && n > 0 => Lifetime {
            seconds: 0,
            rule: LifetimeRule::NotCached,
            standard_differs: differs(
                "Fetch Standard: a negative value is not valid delta-seconds, so the default (5 s) would apply; Chromium instead does not cache the preflight at all.",
                "Fetch Standard では負の値は正しい delta-seconds ではないため既定値（5 秒）が使われるはずですが、Chromium はプリフライト結果をまったくキャッシュしません。",
            ),
        },
        Some(0) => Lifetime { seconds: 0, rule: LifetimeRule::NotCached, standard_differs: None },
        Some(n) => {
            let plus = (sign > 0).then(|| Text::new(
                "Chromium accepts a leading '+'; the Fetch Standard's delta-seconds is digits only, so it would use the default 5 s.",
                "Chromium は先頭の '+' を受け付けます。Fetch Standard の delta-seconds は数字だけなので、既定の 5 秒になるはずです。",
            ));
            let n = n.unsigned_abs();
            if n > MAX_LIFETIME_S {
                Lifetime { seconds: MAX_LIFETIME_S, rule: LifetimeRule::Capped, standard_differs: plus }
            } else {
                Lifetime { seconds: n, rule: LifetimeRule::Given, standard_differs: plus }
            }
        }
    }
}

/// The entry Chromium stores after this preflight, or `None` when it stores
/// nothing reusable: no preflight was needed, it failed (measured
/// `p_maxage_in_fail`), `Authorization` passed only through `*` (measured
/// `c_auth_star_cached`), or the lifetime is 0.
pub fn preflight_cache_entry(req: &Request<'_>, preflight: &Exchange<'_>, now_ms: u64) -> Option<CacheEntry> {
    let a = Analysis::new(req).ok()?;
    let need = need_of(&a);
    if a.scope != Scope::Cors || !need.needed {
        return None;
    }
    let ok = check_preflight(&a, &need, preflight).ok()?;
    let lifetime = preflight_lifetime(preflight).seconds;
    if ok.authorization_by_wildcard || lifetime == 0 {
        return None;
    }
    let list = |name: &str, lower_case: bool| -> Vec<String> {
        let value = preflight.combined(name);
        parse_token_list(value.as_deref())
            .unwrap_or_default()
            .into_iter()
            .map(|t| if lower_case { t.to_ascii_lowercase() } else { t.to_string() })
            .collect()
    };
    Some(CacheEntry {
        origin: a.origin_sent(),
        url: a.url.href(),
        methods: list("access-control-allow-methods", false),
        headers: list("access-control-allow-headers", true),
        credentials: a.include(),
        expires_at_ms: now_ms.saturating_add(lifetime.saturating_mul(1000)),
    })
}

/// Whether Chromium skips the preflight for `req` because of `entry`. `false`
/// also when `req` needs no preflight at all. Measured: the key is origin +
/// full URL (`?q=1` is another entry); a non-credentialed entry does not serve
/// an `include` request, the reverse works; another method or header is
/// covered when the cached lists allow it (`*` without credentials too, except
/// that a cached `*` never covers `Authorization`).
pub fn answered_from_cache(entry: &CacheEntry, req: &Request<'_>, now_ms: u64) -> bool {
    let Ok(a) = Analysis::new(req) else {
        return false;
    };
    let need = need_of(&a);
    if a.scope != Scope::Cors || !need.needed || now_ms >= entry.expires_at_ms {
        return false;
    }
    if entry.origin != a.origin_sent() || entry.url != a.url.href() || (a.include() && !entry.credentials) {
        return false;
    }
    let methods: Vec<&str> = entry.methods.iter().map(String::as_str).collect();
    if !method_allowed(a.method, &methods, entry.credentials) {
        return false;
    }
    let wildcard = !entry.credentials && entry.headers.iter().any(|h| h == "*");
    need.unsafe_headers.iter().all(|h| {
        entry.headers.contains(&h.name) || (wildcard && h.name != "authorization")
    })
}

// ===========================================================================
// Cookies
// ===========================================================================

/// The "site" of a host for SameSite purposes: IP literals and single-label
/// hosts (`localhost`) are their own site; otherwise the last two labels.
/// No Public Suffix List here, so `a.github.io` and `b.github.io` count as
/// one site although browsers treat them as two.
fn registrable_domain(host: &str) -> &str {
    if host.starts_with('[') || is_ipv4(host) {
        return host;
    }
    let mut dots = host.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &host[i + 1..],
        _ => host,
    }
}

/// Schemeful same-site: same scheme and same registrable domain; ports ignored.
fn same_site(a: &Url<'_>, b: &Url<'_>) -> bool {
    a.scheme == b.scheme && registrable_domain(&a.host) == registrable_domain(&b.host)
}

/// Whether a `fetch()` from `page_origin` to `target` (a URL or origin) sends
/// and stores a cookie with these attributes, in Chromium 156 with default
/// settings. Rules, in order: `omit` never; `same-origin` only same-origin;
/// `SameSite=None` without `Secure` is rejected; `Secure` needs https or a
/// loopback host; a cross-site target is third-party and blocked by default
/// (`UserPreferences`, measured `k_cross_site`); same-site (ports ignored)
/// carries Strict, Lax, unspecified and None alike (measured `k_*`).
/// Navigations (top-level Lax GETs) are not modeled here.
pub fn cookie_outcome(page_origin: &str, target: &str, credentials: Credentials, cookie: CookieAttributes) -> CookieOutcome {
    let no = |reasons: Vec<&'static str>, en: String, ja: String| CookieOutcome {
        sent: false,
        stored: false,
        in_page_document_cookie: false,
        blocked_reasons: reasons,
        reason: Text { en, ja },
    };
    let (Some(PageOrigin::Tuple(page)), Ok(target)) = (PageOrigin::parse(page_origin), parse_url(target)) else {
        return no(
            Vec::new(),
            "An opaque page origin or an unparsable URL: a cookie is neither sent nor stored here.".into(),
            "オリジンが不透明 (null) か URL を解釈できないため、Cookie は送信も保存もされません。".into(),
        );
    };
    match credentials {
        Credentials::Omit => {
            return no(
                Vec::new(),
                "credentials: 'omit' never sends cookies and ignores Set-Cookie.".into(),
                "credentials: 'omit' では Cookie は送られず、Set-Cookie も無視されます。".into(),
            );
        }
        Credentials::SameOrigin if !page.same_origin(&target) => {
            return no(
                Vec::new(),
                format!("fetch()'s default credentials: 'same-origin' sends and stores cookies only for the page's own origin; {} is another origin (even if same-site). Use credentials: 'include'.", target.origin()),
                format!("fetch() の既定の credentials: 'same-origin' は、ページと同じオリジンにだけ Cookie を送り保存します。{} は（同一サイトであっても）別オリジンです。credentials: 'include' を使ってください。", target.origin()),
            );
        }
        _ => {}
    }
    if cookie.same_site == SameSite::None && !cookie.secure {
        return no(
            vec!["SameSiteNoneInsecure"],
            "SameSite=None requires Secure; Chromium rejects this cookie when it is set.".into(),
            "SameSite=None には Secure が必要です。Chromium はこの Cookie を設定時に拒否します。".into(),
        );
    }
    if cookie.secure && !target.is_trustworthy() {
        return no(
            vec!["SecureOnly"],
            format!("A Secure cookie needs https (or localhost); {} is plain http.", target.origin()),
            format!("Secure 属性の Cookie には https（または localhost）が必要ですが、{} は http です。", target.origin()),
        );
    }
    if !same_site(&page, &target) {
        let mut reasons = Vec::new();
        match cookie.same_site {
            SameSite::Strict => reasons.push("SchemefulSameSiteStrict"),
            SameSite::Lax => reasons.push("SchemefulSameSiteLax"),
            SameSite::Unspecified => reasons.push("SchemefulSameSiteUnspecifiedTreatedAsLax"),
            SameSite::None => {}
        }
        reasons.push("UserPreferences");
        return no(
            reasons,
            format!("{} and {} are different sites, so this is a third-party cookie: Chromium 156 blocks third-party cookies by default (and SameSite=Lax/Strict cookies are cross-site only by top-level navigation anyway).", page.origin(), target.origin()),
            format!("{} と {} は別サイトなので、これはサードパーティ Cookie です。Chromium 156 は既定でサードパーティ Cookie をブロックします（SameSite=Lax/Strict の Cookie はもともとトップレベルのナビゲーションでしかサイトをまたいで送られません）。", page.origin(), target.origin()),
        );
    }
    let visible = !cookie.http_only && page.host == target.host && (!cookie.secure || page.is_trustworthy());
    let (en, ja) = if page.same_origin(&target) {
        ("Same origin: the cookie is sent and stored.".to_string(), "同一オリジンなので Cookie は送信・保存されます。".to_string())
    } else {
        (
            format!("{} and {} are different origins but the same site (ports do not count), so with credentials: 'include' the cookie is sent and stored, whatever its SameSite.", page.origin(), target.origin()),
            format!("{} と {} は別オリジンですが同一サイトです（ポートは関係ありません）。credentials: 'include' なら SameSite の値にかかわらず Cookie は送信・保存されます。", page.origin(), target.origin()),
        )
    };
    let (en, ja) = if cookie.http_only {
        (format!("{en} It is HttpOnly, so document.cookie never shows it."), format!("{ja}HttpOnly なので document.cookie には表示されません。"))
    } else {
        (en, ja)
    };
    CookieOutcome { sent: true, stored: true, in_page_document_cookie: visible, blocked_reasons: Vec::new(), reason: Text { en, ja } }
}

#[cfg(test)]
mod tests;
