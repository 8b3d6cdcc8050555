//! The console line Chromium prints for a CORS failure, word for word.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::url::parse_url;
use crate::verdict::{CorsError, Failure};

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
pub(crate) fn console_line(a: &Analysis<'_>, f: &Failure) -> String {
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
