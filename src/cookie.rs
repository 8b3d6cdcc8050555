//! Cookies as Django reads and writes them.
//!
//! Hand-written rather than the `cookie` crate because the lab shows `Set-Cookie` headers to
//! learners and promises them byte-for-byte what Django sends: Python's `http.cookies` emits
//! attributes sorted by name (`Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`,
//! `Secure`), lower-case `expires`, and `""` for an empty value. No crate renders that order.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};

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

/// Attributes the deployment chooses for every cookie the API sets
/// (Django's `SESSION_COOKIE_SECURE`/`CSRF_COOKIE_SECURE`, `…_SAMESITE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookiePolicy {
    pub secure: bool,
    pub same_site: SameSite,
}

impl Default for CookiePolicy {
    fn default() -> Self {
        CookiePolicy { secure: false, same_site: SameSite::Lax }
    }
}

/// One `Set-Cookie` header, rendered the way Django's `HttpResponse.set_cookie` does.
#[derive(Clone, Debug)]
pub struct SetCookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub lifetime: Lifetime,
    pub http_only: bool,
    pub policy: CookiePolicy,
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
        out.push_str(&format!("; Max-Age={max_age}; Path=/"));
        if let Some(same_site) = same_site_attribute(self.policy.same_site) {
            out.push_str("; SameSite=");
            out.push_str(same_site);
        }
        if self.policy.secure {
            out.push_str("; Secure");
        }
        out
    }

    pub fn header_value(&self, now: SystemTime) -> HeaderValue {
        // Names and values are ASCII the lab chose itself, so this cannot fail.
        HeaderValue::try_from(self.render(now)).expect("cookie is ASCII")
    }
}

/// The value of cookie `name` in the request, as Django's `parse_cookie` finds it:
/// `;`-separated pairs, whitespace stripped, surrounding quotes removed, the last one wins.
pub fn find<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    pairs(headers).filter(|(k, _)| *k == name).map(|(_, v)| v).last()
}

/// Names of the cookies a request carried, for the exchange log (values are secrets).
pub fn names(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    pairs(headers).map(|(k, _)| k)
}

fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|chunk| {
            let (k, v) = chunk.split_once('=').unwrap_or(("", chunk));
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() && v.is_empty() {
                return None;
            }
            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
            Some((k, v))
        })
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
            policy: CookiePolicy::default(),
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
            policy: CookiePolicy { secure: true, same_site: SameSite::None },
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
            policy: CookiePolicy::default(),
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
        assert_eq!(find(&h, "a"), Some("2"));
        assert_eq!(find(&h, "csrftoken"), Some("x"));
        assert_eq!(find(&h, ""), Some("flag"));
        assert_eq!(find(&h, "missing"), None);
        assert_eq!(names(&h).collect::<Vec<_>>(), ["a", "csrftoken", "", "a"]);
    }

    #[test]
    fn an_unspecified_samesite_leaves_the_attribute_out() {
        let c = SetCookie {
            name: "sessionid",
            value: "k",
            lifetime: Lifetime::MaxAge(Duration::from_secs(60)),
            http_only: true,
            policy: CookiePolicy { secure: true, same_site: SameSite::Unspecified },
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
