//! The verdict on one hop: the CORS check of each response, what JavaScript may read, and
//! how a failure is reported (Chromium's `CorsError`).

use serde::Serialize;

use crate::analysis::{Analysis, Scope};
use crate::console::console_line;
use crate::explain::{Text, describe, fix_same_origin_mode, text_authorization_wildcard};
use crate::headers::{is_token, trim_ows};
use crate::preflight::{PreflightNeed, check_preflight, need_of, preflight_need};
use crate::request::{Credentials, Mode, Request};
use crate::response::Response;
use crate::url::{looks_like_valid_url, parse_url, resolve_location};

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
}

pub(crate) fn fail(error: CorsError, param: impl Into<String>) -> Failure {
    Failure { error, param: param.into() }
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
/// redirects included): origin → credentials → (redirect: location without
/// `user:pass@`). The response status does not matter to CORS (a 500 with the
/// right headers is readable).
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
        return redirect_verdict(&a, resp);
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

/// A redirect hop whose CORS check (if any) passed: mode `same-origin` refuses a
/// cross-origin location (measured `n_sameorigin_redirect`); a CORS request
/// refuses a location with `user:pass@` (`RedirectContainsCredentials`,
/// measured `r_userinfo`); otherwise the browser follows, tainting the origin
/// when a CORS request leaves an origin that was already not the page's.
fn redirect_verdict(a: &Analysis<'_>, resp: &Response<'_>) -> Verdict {
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
    let to_get = (resp.status() == 303 && !matches!(a.method, "GET" | "HEAD"))
        || (matches!(resp.status(), 301 | 302) && a.method == "POST");
    let next_method = if to_get { "GET" } else { a.method };
    // A GET loses the body, and with it the headers that describe the body.
    let kept_after = |name: &str| {
        !to_get
            || !["content-type", "content-language", "content-encoding", "content-location"]
                .iter()
                .any(|b| name.trim().eq_ignore_ascii_case(b))
    };
    let kept: Vec<(&str, &str)> = a.req.headers.iter().filter(|(n, _)| kept_after(n)).copied().collect();
    let kept_unsafe: Vec<&str> = a.req.unsafe_header_names.iter().filter(|n| kept_after(n)).copied().collect();
    let next_req = Request {
        method: next_method,
        url: &location,
        headers: &kept,
        unsafe_header_names: &kept_unsafe,
        initial_url: Some(a.req.initial_url.unwrap_or(a.req.url)),
        tainted_origin: tainted,
        ..a.req
    };
    let preflight_again = preflight_need(&next_req).needed;
    let mut en = format!("The browser follows this {} to {location}", resp.status());
    let mut ja = format!("ブラウザーはこの {} に従って {location} へ進みます", resp.status());
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

fn blocked(a: &Analysis<'_>, need: &PreflightNeed, f: Failure, stage: Stage, ex: &Response<'_>) -> Verdict {
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
