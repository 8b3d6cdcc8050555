//! Cookies as Django reads and writes them.
//!
//! Hand-written rather than the `cookie` crate because the lab shows `Set-Cookie` headers to
//! learners and promises them byte-for-byte what Django sends: Python's `http.cookies` emits
//! attributes sorted by name (`Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`,
//! `Secure`), lower-case `expires`, and `""` for an empty value. No crate renders that order.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize};

use crate::verdict::SameSite;

/// A `SameSite` setting as configured: `Lax`, `Strict` or `None`, case-insensitive, as
/// Django's `SESSION_COOKIE_SAMESITE` takes them. (Leaving the attribute out,
/// [`SameSite::Unspecified`], is a scenario's deliberate choice, not an operator's.)
pub fn parse_same_site(s: &str) -> Result<SameSite, String> {
    match s.to_ascii_lowercase().as_str() {
        "lax" => Ok(SameSite::Lax),
        "strict" => Ok(SameSite::Strict),
        "none" => Ok(SameSite::None),
        _ => Err(format!("'{s}' is not one of Lax, Strict, None")),
    }
}

/// The `SameSite=` attribute for a setting, `None` when it is left out.
fn same_site_attribute(same_site: SameSite) -> Option<&'static str> {
    match same_site {
        SameSite::Lax => Some("Lax"),
        SameSite::Strict => Some("Strict"),
        SameSite::None => Some("None"),
        SameSite::Unspecified => None,
    }
}

/// Attributes of the cookies an API mount sets: Django's `SESSION_COOKIE_SECURE` /
/// `CSRF_COOKIE_SECURE`, `…_SAMESITE`, `SESSION_COOKIE_HTTPONLY` and `…_PATH`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieSettings {
    pub secure: bool,
    pub same_site: SameSite,
    /// `HttpOnly` on the session cookie (the CSRF cookie is never `HttpOnly`, as in Django:
    /// pages may read it).
    pub http_only: bool,
    /// The cookies' `Path`: `/` for the default mount, a scenario's own prefix for its
    /// mount, so each scenario's cookies stay its own.
    pub path: String,
}

impl Default for CookieSettings {
    fn default() -> Self {
        CookieSettings { secure: false, same_site: SameSite::Lax, http_only: true, path: "/".to_owned() }
    }
}

impl CookieSettings {
    /// Which of several same-named cookies in a request is this mount's ([`find`]).
    pub fn precedence(&self) -> Precedence {
        if self.path == "/" { Precedence::Last } else { Precedence::First }
    }
}

/// One `Set-Cookie` header, rendered the way Django's `HttpResponse.set_cookie` does.
#[derive(Clone, Debug)]
pub struct SetCookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub lifetime: Lifetime,
    pub http_only: bool,
    pub settings: &'a CookieSettings,
}

#[derive(Clone, Copy, Debug)]
pub enum Lifetime {
    /// `Max-Age` plus the matching `expires` Django adds "for IE".
    MaxAge(Duration),
    /// Django's `delete_cookie`: `expires` in 1970 and `Max-Age=0`.
    Delete,
}

const EPOCH_DATE: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

impl SetCookie<'_> {
    /// `now` is passed in so tests can pin the `expires` date.
    pub fn render(&self, now: SystemTime) -> String {
        let value = if self.value.is_empty() { "\"\"" } else { self.value };
        let (expires, max_age) = match self.lifetime {
            Lifetime::MaxAge(age) => (httpdate::fmt_http_date(now + age), age.as_secs()),
            Lifetime::Delete => (EPOCH_DATE.to_owned(), 0),
        };
        let mut out = format!("{}={}; expires={}", self.name, value, expires);
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        out.push_str(&format!("; Max-Age={max_age}; Path={}", self.settings.path));
        if let Some(same_site) = same_site_attribute(self.settings.same_site) {
            out.push_str("; SameSite=");
            out.push_str(same_site);
        }
        if self.settings.secure {
            out.push_str("; Secure");
        }
        out
    }

    pub fn header_value(&self, now: SystemTime) -> HeaderValue {
        // Names and values are ASCII the lab chose itself, so this cannot fail.
        HeaderValue::try_from(self.render(now)).expect("cookie is ASCII")
    }
}

/// Which of several cookies of one name counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precedence {
    /// Django's `parse_cookie` keeps the last one.
    Last,
    /// A mount below `/` takes the first: browsers list cookies with longer paths first
    /// (RFC 6265 §5.4), so that is the one scoped to the mount, not a `Path=/` namesake.
    First,
}

/// The value of cookie `name` in the request, as Django's `parse_cookie` finds it:
/// `;`-separated pairs, whitespace stripped, quotes and their escapes removed; of several
/// with this name, the one `precedence` says.
pub fn find(headers: &HeaderMap, name: &str, precedence: Precedence) -> Option<String> {
    let mut found = None;
    for (k, v) in pairs(headers) {
        if k == name {
            found = Some(v);
            if precedence == Precedence::First {
                break;
            }
        }
    }
    found.map(Cow::into_owned)
}

/// Names of the cookies a request carried, for the exchange log (values are secrets).
pub fn names(headers: &HeaderMap) -> impl Iterator<Item = String> {
    pairs(headers).map(|(k, _)| k.into_owned())
}

/// Every `name=value` pair, as Django reads the `Cookie` header: decoded as UTF-8 with
/// errors replaced (as `WSGIRequest` does), so one odd byte hides no other cookie.
fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    headers.get_all(header::COOKIE).iter().flat_map(|v| {
        let text = String::from_utf8_lossy(v.as_bytes());
        // Owned pairs when the header needed replacing, borrowed otherwise.
        let owned: Vec<(Cow<'_, str>, Cow<'_, str>)> = match text {
            Cow::Borrowed(text) => split_pairs(text).collect(),
            Cow::Owned(text) => split_pairs(&text).map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned()))).collect(),
        };
        owned
    })
}

fn split_pairs(text: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    text.split(';').filter_map(|chunk| {
        let (k, v) = chunk.split_once('=').unwrap_or(("", chunk));
        let (k, v) = (k.trim_matches(py_isspace), v.trim_matches(py_isspace));
        if k.is_empty() && v.is_empty() {
            return None;
        }
        Some((Cow::Borrowed(k), unquote(v)))
    })
}

/// Python's `str.isspace`, which `str.strip()` uses: Rust's whitespace plus the four
/// ASCII separators `\x1c`–`\x1f`.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `http.cookies._unquote`: a value in double quotes loses them, and inside, `\ooo` (octal,
/// first digit 0-3) and `\x` escapes are decoded.
fn unquote(v: &str) -> Cow<'_, str> {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).filter(|_| v.len() >= 2) else {
        return Cow::Borrowed(v);
    };
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    let octal = |c: Option<&char>, max: char| c.is_some_and(|c| ('0'..=max).contains(c));
    while i < chars.len() {
        if chars[i] == '\\' && octal(chars.get(i + 1), '3') && octal(chars.get(i + 2), '7') && octal(chars.get(i + 3), '7') {
            let n = chars[i + 1..i + 4].iter().fold(0, |n, c| n * 8 + c.to_digit(8).unwrap_or(0));
            out.extend(char::from_u32(n));
            i += 4;
        } else if chars[i] == '\\' && chars.get(i + 1).is_some_and(|&c| c != '\n') {
            out.push(chars[i + 1]);
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn csrf_cookie_is_rendered_like_django() {
        let c = SetCookie {
            name: "csrftoken",
            value: "abc",
            lifetime: Lifetime::MaxAge(Duration::from_secs(31_449_600)),
            http_only: false,
            settings: &CookieSettings::default(),
        };
        // 2026-11-24 00:00:00 + 364 days
        assert_eq!(
            c.render(at(1_795_478_400)),
            "csrftoken=abc; expires=Tue, 23 Nov 2027 00:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax"
        );
    }

    #[test]
    fn session_cookie_puts_httponly_where_python_sorts_it() {
        let c = SetCookie {
            name: "sessionid",
            value: "k",
            lifetime: Lifetime::MaxAge(Duration::from_secs(1_209_600)),
            http_only: true,
            settings: &CookieSettings { secure: true, same_site: SameSite::None, ..CookieSettings::default() },
        };
        assert_eq!(
            c.render(at(0)),
            "sessionid=k; expires=Thu, 15 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=None; Secure"
        );
    }

    #[test]
    fn deleting_cookie_matches_spec_byte_for_byte() {
        let c = SetCookie {
            name: "sessionid",
            value: "",
            lifetime: Lifetime::Delete,
            http_only: false,
            settings: &CookieSettings::default(),
        };
        assert_eq!(
            c.render(at(12345)),
            "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
        );
    }

    #[test]
    fn parses_request_cookies_as_django() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static(" a=1; csrftoken=\"x\" ;flag; a=2"));
        let find = |name| find(&h, name, Precedence::Last);
        assert_eq!(find("a").as_deref(), Some("2"));
        assert_eq!(find("csrftoken").as_deref(), Some("x"));
        assert_eq!(find("").as_deref(), Some("flag"));
        assert_eq!(find("missing"), None);
        assert_eq!(names(&h).collect::<Vec<_>>(), ["a", "csrftoken", "", "a"]);
    }

    #[test]
    fn a_mount_below_the_root_reads_the_cookie_scoped_to_it() {
        let mut h = HeaderMap::new();
        // The browser lists the Path=/s/x/ cookie before its Path=/ namesake.
        h.insert(header::COOKIE, HeaderValue::from_static("sessionid=scenario; sessionid=default"));
        assert_eq!(find(&h, "sessionid", Precedence::First).as_deref(), Some("scenario"));
        assert_eq!(find(&h, "sessionid", Precedence::Last).as_deref(), Some("default"));
        let scenario = CookieSettings { path: "/s/x/".into(), ..CookieSettings::default() };
        assert_eq!(scenario.precedence(), Precedence::First);
        assert_eq!(CookieSettings::default().precedence(), Precedence::Last);
    }

    #[test]
    fn odd_bytes_and_quoted_escapes_are_read_as_django_reads_them() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_bytes(b"x=\xe9; csrftoken=abc; q=\"a\\\"b\\101\"").unwrap());
        let find = |name| find(&h, name, Precedence::Last);
        assert_eq!(find("csrftoken").as_deref(), Some("abc"), "a non-UTF-8 byte elsewhere hides nothing");
        assert_eq!(find("x").as_deref(), Some("\u{fffd}"));
        assert_eq!(find("q").as_deref(), Some("a\"bA"));
    }

    #[test]
    fn an_unspecified_samesite_leaves_the_attribute_out() {
        let c = SetCookie {
            name: "sessionid",
            value: "k",
            lifetime: Lifetime::MaxAge(Duration::from_secs(60)),
            http_only: true,
            settings: &CookieSettings { secure: true, same_site: SameSite::Unspecified, ..CookieSettings::default() },
        };
        assert_eq!(c.render(at(0)), "sessionid=k; expires=Thu, 01 Jan 1970 00:01:00 GMT; HttpOnly; Max-Age=60; Path=/; Secure");
    }

    #[test]
    fn samesite_parses_case_insensitively() {
        assert_eq!(parse_same_site("strict"), Ok(SameSite::Strict));
        assert!(parse_same_site("lux").is_err());
        assert!(parse_same_site("unspecified").is_err(), "leaving it out is not an operator's setting");
    }
}
