//! Does a request need a preflight, and does the preflight answer let it through.

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::{Analysis, Scope};
use crate::explain::Text;
use crate::header_order::chromium_header_order;
use crate::headers::{CHROMIUM_EXTRA_SAFELIST, DroppedHeader, HeaderRule, SentHeader, byte_len, is_safelisted_method};
use crate::request::Request;
use crate::response::Response;
use crate::verdict::{CorsError, Failure, as_preflight_error, cors_check, fail, parse_token_list};

/// A header that needs a preflight, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsafeHeader {
    /// Lower-case, as it appears in `Access-Control-Request-Headers`.
    pub name: String,
    pub rule: HeaderRule,
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
    /// `fetch()` rejects before sending anything (see [`verdict`](crate::verdict())).
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

/// The CORS-unsafe headers of a cross-origin request, Chromium's
/// `CorsUnsafeNotForbiddenRequestHeaderNames`: each header that fails the
/// safelist, plus every safelisted one when their values total over 1024 bytes.
/// Returns the list in ACRH (sorted) order and the safelisted byte total.
fn unsafe_headers(sent: &[SentHeader<'_>]) -> (Vec<UnsafeHeader>, usize) {
    let mut out = Vec::new();
    let mut total = 0usize;
    for h in sent {
        match h.rule() {
            Some(rule) => out.push(UnsafeHeader { name: h.name.to_string(), rule }),
            None => total = total.saturating_add(h.value.as_deref().map_or(0, byte_len)),
        }
    }
    if total > 1024 {
        for h in sent.iter().filter(|h| h.rule().is_none()) {
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

pub(crate) fn need_of(a: &Analysis<'_>) -> PreflightNeed {
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
                && h.rule().is_none()
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

/// A preflight that passed.
pub(crate) struct PreflightOk {
    /// `Authorization` got through only because `Access-Control-Allow-Headers`
    /// is `*` (Chromium lets it, the Fetch Standard does not; such a result is
    /// never cached).
    pub(crate) authorization_by_wildcard: bool,
}

/// Chromium's preflight checks in their measured order: redirect; the CORS
/// check (origin, then credentials) with preflight error names; ok status
/// (so a 404 without CORS headers is PreflightMissingAllowOriginHeader, and
/// one with ACAO but no ACAC under `include` is PreflightInvalidAllowCredentials);
/// then both lists must parse (methods, then headers) before the method is
/// checked, and the method before the headers.
pub(crate) fn check_preflight(a: &Analysis<'_>, need: &PreflightNeed, pf: &Response<'_>) -> Result<PreflightOk, Failure> {
    if pf.is_redirect() {
        return Err(fail(CorsError::PreflightDisallowedRedirect, ""));
    }
    cors_check(pf, &a.origin_sent(), a.include()).map_err(|f| fail(as_preflight_error(f.error), f.param))?;
    if !(200..=299).contains(&pf.status()) {
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
pub(crate) fn method_allowed(method: &str, allowed: &[&str], credentials: bool) -> bool {
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
