//! The simulated browser's cookie jar: `Set-Cookie` lines as Chromium stores them, and the
//! `Cookie` header each later request carries. Whether a fetch may send or store a cookie at
//! all is [`cookie_outcome`]'s rule; the jar adds what RFC 6265bis says about names, paths,
//! domains and lifetimes.

use crate::cookies::{CookieAttributes, SameSite, cookie_outcome};
use crate::fetch::{BlockedCookie, Cookies};
use crate::request::Credentials;
use crate::url::Url;

/// Chromium's limits (`kDomainMaxCookies`, `kMaxCookies`); the oldest cookie goes first.
const PER_HOST: usize = 180;
const TOTAL: usize = 3300;

#[derive(Debug, Clone)]
struct Stored {
    name: String,
    value: String,
    /// Lower-case host (cookies ignore ports).
    host: String,
    /// No `Domain` attribute: sent to this host only.
    host_only: bool,
    path: String,
    attributes: CookieAttributes,
    expires_at_ms: Option<u64>,
    /// Order of creation, for the `Cookie` header's order.
    created: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Jar {
    cookies: Vec<Stored>,
    created: u64,
}

impl Jar {
    /// The `Cookie` header value for a request to `url`, if any cookie goes with it; the names
    /// sent are added to `report`.
    pub(crate) fn header_for(&mut self, page: &str, url: &Url<'_>, credentials: Credentials, now: u64, report: &mut Cookies) -> Option<String> {
        self.cookies.retain(|c| c.expires_at_ms.is_none_or(|t| t > now));
        let href = url.href();
        let path = url.path.split('?').next().unwrap_or("/");
        let mut going: Vec<&Stored> = self
            .cookies
            .iter()
            .filter(|c| domain_matches(c, &url.host) && path_matches(&c.path, path))
            .filter(|c| cookie_outcome(page, &href, credentials, c.attributes).sent)
            .collect();
        // RFC 6265bis: longer paths first, then older cookies first.
        going.sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.created.cmp(&b.created)));
        for c in &going {
            if !report.sent.contains(&c.name) {
                report.sent.push(c.name.clone());
            }
        }
        (!going.is_empty()).then(|| going.iter().map(|c| format!("{}={}", c.name, c.value)).collect::<Vec<_>>().join("; "))
    }

    /// Stores what a response's `Set-Cookie` lines set, as a fetch from `page` with
    /// `credentials` may (measured: also when CORS then withholds the response).
    pub(crate) fn store<'l>(&mut self, page: &str, url: &Url<'_>, credentials: Credentials, lines: impl Iterator<Item = &'l str>, now: u64, report: &mut Cookies) {
        let href = url.href();
        for line in lines {
            let Some(cookie) = parse(line, url, now) else { continue };
            let outcome = cookie_outcome(page, &href, credentials, cookie.attributes);
            if !outcome.stored {
                // DevTools lists a cookie it refused, not one a credentials mode never looked at.
                for reason in outcome.blocked_reasons {
                    report.blocked.push(BlockedCookie { name: cookie.name.clone(), reason: reason.to_string() });
                }
                continue;
            }
            let Parsed { name, value, domain, path, attributes, expires_at_ms } = cookie;
            let host = url.host.to_string();
            let (host, host_only) = match domain {
                Some(d) if host == d || host.ends_with(&format!(".{d}")) => (d, false),
                Some(_) => {
                    report.blocked.push(BlockedCookie { name, reason: "DomainMismatch".into() });
                    continue;
                }
                None => (host, true),
            };
            self.cookies.retain(|c| !(c.name == name && c.host == host && c.host_only == host_only && c.path == path));
            if expires_at_ms.is_some_and(|t| t <= now) {
                continue; // a deletion
            }
            if !report.stored.contains(&name) {
                report.stored.push(name.clone());
            }
            self.created += 1;
            self.cookies.push(Stored { name, value, host, host_only, path, attributes, expires_at_ms, created: self.created });
            self.evict();
        }
    }

    fn evict(&mut self) {
        let Some(newest) = self.cookies.last().map(|c| c.host.clone()) else { return };
        if self.cookies.iter().filter(|c| c.host == newest).count() > PER_HOST
            && let Some(i) = self.cookies.iter().position(|c| c.host == newest)
        {
            self.cookies.remove(i);
        }
        if self.cookies.len() > TOTAL {
            self.cookies.remove(0);
        }
    }
}

struct Parsed {
    name: String,
    value: String,
    domain: Option<String>,
    path: String,
    attributes: CookieAttributes,
    expires_at_ms: Option<u64>,
}

/// One `Set-Cookie` line (RFC 6265bis parsing). `Max-Age` counts on the experiment's clock;
/// that clock is not a calendar, so an `Expires` date is read only as "already past" when its
/// year is before 2000 (how servers delete cookies, e.g. Django's 1970 date) and otherwise
/// as outliving the experiment.
fn parse(line: &str, url: &Url<'_>, now: u64) -> Option<Parsed> {
    let mut parts = line.split(';');
    let pair = parts.next()?.trim();
    let (name, value) = match pair.split_once('=') {
        Some((n, v)) => (n.trim(), v.trim()),
        None => ("", pair),
    };
    if name.is_empty() && value.is_empty() {
        return None;
    }
    let mut parsed = Parsed {
        name: name.to_string(),
        value: value.to_string(),
        domain: None,
        path: default_path(url.path),
        attributes: CookieAttributes { same_site: SameSite::Unspecified, secure: false, http_only: false },
        expires_at_ms: None,
    };
    let mut max_age = None;
    for attribute in parts {
        let (key, val) = attribute.split_once('=').map_or((attribute.trim(), ""), |(k, v)| (k.trim(), v.trim()));
        match key.to_ascii_lowercase().as_str() {
            "secure" => parsed.attributes.secure = true,
            "httponly" => parsed.attributes.http_only = true,
            "samesite" => {
                parsed.attributes.same_site = match val.to_ascii_lowercase().as_str() {
                    "strict" => SameSite::Strict,
                    "lax" => SameSite::Lax,
                    "none" => SameSite::None,
                    _ => SameSite::Unspecified,
                }
            }
            "path" if val.starts_with('/') => parsed.path = val.to_string(),
            "domain" if !val.is_empty() => parsed.domain = Some(val.trim_start_matches('.').to_ascii_lowercase()),
            "max-age" => {
                if let Ok(seconds) = val.parse::<i64>() {
                    max_age = Some(seconds);
                }
            }
            "expires" if max_age.is_none() && parsed.expires_at_ms.is_none() => {
                let past = val.split([' ', '-']).filter_map(|p| p.parse::<u32>().ok()).any(|y| (1000..2000).contains(&y));
                if past {
                    parsed.expires_at_ms = Some(0);
                }
            }
            _ => {}
        }
    }
    if let Some(seconds) = max_age {
        // Max-Age wins over Expires; zero or less deletes at once.
        parsed.expires_at_ms = Some(if seconds <= 0 { 0 } else { now.saturating_add((seconds as u64).saturating_mul(1000)) });
    }
    Some(parsed)
}

/// RFC 6265bis default-path: the request path up to its last `/`.
fn default_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("/");
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

fn domain_matches(c: &Stored, host: &str) -> bool {
    if c.host_only { c.host == host } else { host == c.host || host.ends_with(&format!(".{}", c.host)) }
}

fn path_matches(cookie_path: &str, path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path) && (cookie_path.ends_with('/') || path[cookie_path.len()..].starts_with('/')))
}
