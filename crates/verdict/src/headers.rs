//! Request headers: normalization, forbidden names, the CORS safelist.

use std::borrow::Cow;

use serde::Serialize;

use crate::request::{Mode, Request};
use crate::url::lower;

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
    /// A safelisted name whose value is known only to break one of the rules above:
    /// a preflight's `Access-Control-Request-Headers` names the header, not its value.
    ValueNotSafelisted,
    /// Safelisted on its own, but all safelisted values together exceed 1024
    /// bytes, which makes every safelisted header unsafe.
    SafelistedTotalOver1024,
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

/// Trims HTTP optional whitespace (SP, HT) as an HTTP parser does.
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `Headers` normalizes a value by stripping leading and trailing HTTP
/// whitespace (Fetch Standard "normalize").
fn normalize_value(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// Byte length of a JavaScript `ByteString` value: one byte per char up to
/// U+00FF (what Chromium measures for the 128/1024 limits).
pub(crate) fn byte_len(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x100 { 1 } else { c.len_utf8() }).sum()
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Fetch Standard "CORS-unsafe request-header byte".
fn is_cors_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}\x7f".contains(&b)
}

pub(crate) fn is_forbidden_method(m: &str) -> bool {
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
pub(crate) const CHROMIUM_EXTRA_SAFELIST: [&str; 8] = [
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
pub(crate) fn safelist_rule(name: &str, value: &str) -> Option<HeaderRule> {
    if !is_safelisted_name(name) {
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

fn is_safelisted_name(name: &str) -> bool {
    const STANDARD: [&str; 5] = ["accept", "accept-language", "content-language", "content-type", "range"];
    STANDARD.contains(&name) || CHROMIUM_EXTRA_SAFELIST.contains(&name) || name == "save-data"
}

/// In `no-cors` mode `Headers` keeps only these, with safelisted values.
fn is_no_cors_safelisted(h: &SentHeader<'_>) -> bool {
    matches!(h.name.as_ref(), "accept" | "accept-language" | "content-language" | "content-type") && h.rule().is_none()
}

/// How many author headers the engine looks at: the first ones, so that merging
/// duplicates (quadratic) stays cheap on absurd input; real requests are far below.
pub const MAX_AUTHOR_HEADERS: usize = 256;

/// One header as the browser will send it.
#[derive(Debug, Clone)]
pub(crate) struct SentHeader<'a> {
    /// Lower-case name.
    pub(crate) name: Cow<'a, str>,
    /// Normalized value; duplicates joined with ", " as `Headers.append` does.
    /// `None`: known to be CORS-unsafe, value unknown ([`Request::unsafe_header_names`]).
    pub(crate) value: Option<Cow<'a, str>>,
    /// The implicit `Accept: */*` fetch adds when the script sets none.
    pub(crate) implicit: bool,
}

impl SentHeader<'_> {
    /// The safelist rule this header breaks, if any (the 1024-byte total aside).
    pub(crate) fn rule(&self) -> Option<HeaderRule> {
        match &self.value {
            Some(value) => safelist_rule(&self.name, value),
            None if is_safelisted_name(&self.name) => Some(HeaderRule::ValueNotSafelisted),
            None => Some(HeaderRule::NameNotSafelisted),
        }
    }
}

/// The author headers after `Headers` processing: names lower-cased, values
/// normalized, duplicates combined, forbidden (and in no-cors, non-safelisted)
/// ones dropped; plus the implicit `Accept: */*`. The headers known only by name
/// follow the others; only the first [`MAX_AUTHOR_HEADERS`] of all are considered
/// (HTTP servers refuse ~100+ header lines anyway).
pub(crate) fn sent_headers<'a>(req: &Request<'a>) -> (Vec<SentHeader<'a>>, Vec<DroppedHeader>) {
    let headers = &req.headers[..req.headers.len().min(MAX_AUTHOR_HEADERS)];
    let unsafe_names = &req.unsafe_header_names[..req.unsafe_header_names.len().min(MAX_AUTHOR_HEADERS - headers.len())];
    let given = headers.iter().map(|(name, value)| (*name, Some(normalize_value(value))));
    let given = given.chain(unsafe_names.iter().map(|name| (*name, None)));
    let mut sent: Vec<SentHeader<'a>> = Vec::with_capacity(headers.len() + unsafe_names.len() + 1);
    let mut dropped = Vec::new();
    for (name, value) in given {
        let name = lower(name.trim());
        if let Some(h) = sent.iter_mut().find(|h| h.name == name) {
            // One value unknown makes the combined value unknown.
            h.value = h.value.take().zip(value).map(|(first, more)| {
                let mut v = first.into_owned();
                v.push_str(", ");
                v.push_str(more);
                Cow::Owned(v)
            });
        } else {
            sent.push(SentHeader { name, value: value.map(Cow::Borrowed), implicit: false });
        }
    }
    sent.retain(|h| {
        // An unknown value names no forbidden method.
        let reason = forbidden_header(&h.name, h.value.as_deref().unwrap_or("")).or_else(|| {
            (req.mode == Mode::NoCors && !is_no_cors_safelisted(h)).then_some(DropReason::NotNoCorsSafelisted)
        });
        if let Some(reason) = reason {
            dropped.push(DroppedHeader { name: h.name.to_string(), reason });
        }
        reason.is_none()
    });
    if !sent.iter().any(|h| h.name == "accept") {
        sent.push(SentHeader { name: Cow::Borrowed("accept"), value: Some(Cow::Borrowed("*/*")), implicit: true });
    }
    (sent, dropped)
}

/// Fetch's method normalization: only DELETE, GET, HEAD, OPTIONS, POST and PUT
/// are upper-cased (measured: `put` is sent as PUT, `patch` stays `patch`).
pub(crate) fn normalize_method(m: &str) -> &str {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALIZED.iter().find(|n| m.eq_ignore_ascii_case(n)).copied().unwrap_or(m)
}

pub(crate) fn is_safelisted_method(normalized: &str) -> bool {
    matches!(normalized, "GET" | "HEAD" | "POST")
}
