//! The verdict on one hop: the CORS check of each response, what JavaScript may read, and
//! how a failure is reported (Chromium's `CorsError`).

use serde::Serialize;

use crate::address_space::AddressSpace;
use crate::analysis::{Analysis, Scope};
use crate::console::console_line;
use crate::explain::{Text, describe, text_authorization_wildcard};
use crate::headers::{is_token, trim_ows};
use crate::preflight::{PreflightNeed, check_preflight, need_of};
use crate::redirect::{redirect_refused, redirect_verdict};
use crate::request::{Credentials, RedirectMode, Request};
use crate::response::Response;
use crate::url::looks_like_valid_url;

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
    /// The network error Chromium logs after it ("Failed to load resource: net::…"), when
    /// the fetch got as far as the network layer.
    pub net_error: Option<NetError>,
    pub explanation: Text,
    pub fix: Text,
    pub standard_differs: Option<Text>,
}

impl Blocked {
    /// Stopped before anything was sent, outside the CORS machinery.
    pub(crate) fn not_sent(js_error: String, console: Option<String>, explanation: Text, fix: Text) -> Blocked {
        Blocked {
            cors_error: None,
            failed_parameter: String::new(),
            stage: Stage::BeforeSend,
            js_error,
            console,
            net_error: None,
            explanation,
            fix,
            standard_differs: None,
        }
    }

    /// A network error after the response arrived, outside the CORS machinery: `fetch()`
    /// rejects with `TypeError: Failed to fetch` and only the net error is logged.
    pub(crate) fn net(net_error: NetError, explanation: Text, fix: Text) -> Blocked {
        Blocked {
            stage: Stage::Actual,
            net_error: Some(net_error),
            ..Blocked::not_sent("TypeError: Failed to fetch".into(), None, explanation, fix)
        }
    }
}

/// Chromium's net error codes a failed fetch logs as "Failed to load resource: `code`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NetError {
    /// Every CORS failure, and a redirect under `redirect: 'error'`.
    #[serde(rename = "net::ERR_FAILED")]
    Failed,
    /// A redirect to a `data:` URL (measured `r_data*`).
    #[serde(rename = "net::ERR_UNSAFE_REDIRECT")]
    UnsafeRedirect,
    /// A `no-cors` redirect to a scheme the network layer cannot load (`r_ftp_nocors`).
    #[serde(rename = "net::ERR_UNKNOWN_URL_SCHEME")]
    UnknownUrlScheme,
    /// More than 20 redirects (`r_chain_21`).
    #[serde(rename = "net::ERR_TOO_MANY_REDIRECTS")]
    TooManyRedirects,
}

impl NetError {
    /// The code as Chromium prints it, e.g. `net::ERR_FAILED`.
    pub fn code(self) -> &'static str {
        match self {
            NetError::Failed => "net::ERR_FAILED",
            NetError::UnsafeRedirect => "net::ERR_UNSAFE_REDIRECT",
            NetError::UnknownUrlScheme => "net::ERR_UNKNOWN_URL_SCHEME",
            NetError::TooManyRedirects => "net::ERR_TOO_MANY_REDIRECTS",
        }
    }
}

/// `Response.type` as JavaScript sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    Basic,
    Cors,
    Opaque,
    /// A redirect answered under `redirect: 'manual'` (status 0, no headers).
    OpaqueRedirect,
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
    /// Chromium's preflight cache (see [`answered_from_cache`](crate::answered_from_cache)).
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
    /// A CORS request redirected to a scheme other than http(s) (measured `r_ftp`).
    CorsDisabledScheme,
    /// Local Network Access: the page may not reach a more private address space without
    /// the user's permission (see [`AddressSpace`](crate::AddressSpace)).
    LocalNetworkAccessPermissionDenied,
    /// Local Network Access: a page that is not a secure context may never reach a more
    /// private address space.
    InsecureLocalNetwork,
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
            CorsDisabledScheme => "CorsDisabledScheme",
            LocalNetworkAccessPermissionDenied => "LocalNetworkAccessPermissionDenied",
            InsecureLocalNetwork => "InsecureLocalNetwork",
        }
    }

    /// Whether Blink prefixes the console text with "Response to preflight
    /// request doesn't pass access control check: " (its `IsPreflightError`).
    pub(crate) fn has_preflight_prefix(self) -> bool {
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

/// A failed check before it is dressed up as a [`Blocked`].
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: CorsError,
    pub(crate) param: String,
    /// The target's address space, for the Local Network Access errors.
    pub(crate) address_space: Option<AddressSpace>,
}

pub(crate) fn fail(error: CorsError, param: impl Into<String>) -> Failure {
    Failure { error, param: param.into(), address_space: None }
}

/// Chromium's `CheckAccess` (Fetch Standard "CORS check"), in its order:
/// `Access-Control-Allow-Origin` first — `*` (refused with credentials),
/// missing, then for a value that is not the origin: a space or comma ⇒
/// MultipleAllowOriginValues, `null` ⇒ mismatch, not a URL ⇒ InvalidAllowOriginValue,
/// else mismatch — and only then, for `include`, `Access-Control-Allow-Credentials`
/// must be exactly `true`. Returns the non-preflight error names.
pub(crate) fn cors_check(resp: &Response<'_>, origin_sent: &str, include: bool) -> Result<(), Failure> {
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
pub(crate) fn as_preflight_error(e: CorsError) -> CorsError {
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
pub(crate) fn parse_token_list(value: Option<&str>) -> Option<Vec<&str>> {
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

/// CORS-safelisted response-header names (Fetch Standard), always readable.
const SAFELISTED_RESPONSE_HEADERS: [&str; 7] =
    ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"];

/// The header names JavaScript can read from a CORS response (`Headers.forEach`
/// order: lower-case, sorted, unique): the safelisted ones present, plus those
/// named in `Access-Control-Expose-Headers` and present; `*` there exposes all
/// only when credentials mode is not `include`. An unparsable
/// `Access-Control-Expose-Headers` exposes nothing extra (measured
/// `s_aceh_invalid`). `Set-Cookie`/`Set-Cookie2` are never readable.
pub fn readable_headers(credentials: Credentials, response: &Response<'_>) -> Vec<String> {
    let aceh = response.combined("access-control-expose-headers");
    let exposed = parse_token_list(aceh.as_deref()).unwrap_or_default();
    let all = credentials != Credentials::Include && exposed.contains(&"*");
    let mut out: Vec<String> = Vec::new();
    for (name, _) in response.headers() {
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
fn basic_headers(response: &Response<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, _) in response.headers() {
        let name = name.to_ascii_lowercase();
        if name != "set-cookie" && name != "set-cookie2" && !out.contains(&name) {
            out.push(name);
        }
    }
    out.sort_unstable();
    out
}

/// Chromium's verdict on one hop. `preflight` is the OPTIONS exchange for this
/// hop, if one happened; `response` is the actual response, if it arrived.
///
/// Order of checks (measured): fetch()'s own refusals; for a preflight:
/// redirect → `Access-Control-Allow-Origin` (wildcard with credentials /
/// missing / several values / invalid / mismatch) → `-Credentials` → ok status
/// → both lists parse → method → headers; for the actual response (every hop,
/// redirects included): origin → credentials → (redirect: the redirect mode, then the
/// location's scheme and `user:pass@`). The response status does not matter to CORS (a 500
/// with the right headers is readable).
pub fn verdict(req: &Request<'_>, preflight: Option<&Response<'_>>, response: Option<&Response<'_>>) -> Verdict {
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
        match a.req.redirect {
            RedirectMode::Follow => return redirect_verdict(&a, resp),
            // Measured `r_manual*`: after the CORS check, whatever the location.
            RedirectMode::Manual => {
                let js = JsView { response_type: ResponseType::OpaqueRedirect, status: 0, readable_headers: Vec::new() };
                return Verdict::Pass { js: Some(js), preflight: used, standard_differs };
            }
            RedirectMode::Error => return Verdict::Blocked(Box::new(redirect_refused(resp))),
        }
    }
    let js = match a.scope {
        Scope::Navigate => None,
        Scope::NoCors => Some(JsView { response_type: ResponseType::Opaque, status: 0, readable_headers: Vec::new() }),
        Scope::Basic => Some(JsView { response_type: ResponseType::Basic, status: resp.status(), readable_headers: basic_headers(resp) }),
        Scope::Cors => Some(JsView {
            response_type: ResponseType::Cors,
            status: resp.status(),
            readable_headers: readable_headers(a.req.credentials, resp),
        }),
    };
    Verdict::Pass { js, preflight: used, standard_differs }
}

/// A CORS failure as the user meets it: the CorsError, its console line, `net::ERR_FAILED`.
pub(crate) fn blocked(a: &Analysis<'_>, need: &PreflightNeed, f: Failure, stage: Stage, ex: &Response<'_>) -> Verdict {
    let console = console_line(a, &f);
    let (explanation, fix, standard_differs) = describe(a, need, &f, ex);
    Verdict::Blocked(Box::new(Blocked {
        cors_error: Some(f.error),
        failed_parameter: f.param,
        stage,
        js_error: "TypeError: Failed to fetch".into(),
        console: Some(console),
        net_error: Some(NetError::Failed),
        explanation,
        fix,
        standard_differs,
    }))
}
