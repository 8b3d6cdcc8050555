//! The console line Chromium prints for a CORS failure, word for word.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::address_space::AddressSpace;
use crate::analysis::Analysis;
use crate::url::parse_url;
use crate::verdict::{CorsError, Failure, fail};

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
    let href = a.url.href();
    let initial = a.req.initial_url.map(|u| parse_url(u).map_or_else(|_| u.to_string(), |u| u.href()));
    let mut s = prefix(a, &href, initial.filter(|i| *i != href).as_deref());
    sentence(&mut s, f);
    s
}

/// The same line for a redirect to a URL the engine cannot parse (`ftp:`), which Chromium
/// names as it is, redirected from the first URL.
pub(crate) fn console_line_at(a: &Analysis<'_>, location: &str, error: CorsError) -> String {
    let initial = a.req.initial_url.map_or_else(|| a.url.href(), |u| parse_url(u).map_or_else(|_| u.to_string(), |u| u.href()));
    let mut s = prefix(a, location, Some(&initial));
    sentence(&mut s, &fail(error, ""));
    s
}

fn prefix(a: &Analysis<'_>, href: &str, redirected_from: Option<&str>) -> String {
    let mut s = String::with_capacity(300 + href.len());
    let _ = write!(s, "Access to fetch at '{href}' ");
    if let Some(initial) = redirected_from {
        let _ = write!(s, "(redirected from '{initial}') ");
    }
    let _ = write!(s, "from origin '{}' has been blocked by CORS policy: ", a.page.serialize());
    s
}

fn sentence(s: &mut String, f: &Failure) {
    use CorsError::*;
    if f.error.has_preflight_prefix() {
        s.push_str("Response to preflight request doesn't pass access control check: ");
    }
    let hint = escape_non_ascii(&f.param);
    let space = f.address_space.map_or("", AddressSpace::name);
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
        // Measured (`r_ftp`): Chromium 156 lists the schemes its CORS code accepts.
        CorsDisabledScheme => write!(s, "Cross origin requests are only supported for protocol schemes: chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, http, https, isolated-app."),
        LocalNetworkAccessPermissionDenied => write!(s, "Permission was denied for this request to access the `{space}` address space."),
        InsecureLocalNetwork => write!(s, "The request client is not a secure context and the resource is in more-private address space `{space}`."),
    };
}

/// The line Chromium logs for a response JavaScript can use whose status is 400 or more
/// (measured `e_*`: 399 logs nothing; opaque and same-origin responses log it too; the
/// reason phrase is the server's, empty when it sends none).
pub(crate) fn bad_status_line(status: u16, reason: &str) -> String {
    format!("Failed to load resource: the server responded with a status of {status} ({reason})")
}
