//! A CORS policy as data: django-cors-headers' settings, plus the hand-written variations
//! real APIs get wrong, each a named value so a broken scenario is configured, not coded.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::origin::Origin;

/// What the server's CORS layer is told to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsPolicy {
    /// Which `Origin`s get the allow headers.
    pub origins: OriginRule,
    /// `CORS_ALLOW_CREDENTIALS`: send `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// `CORS_ALLOW_METHODS`, sent in answer to preflights.
    pub allow_methods: Vec<String>,
    /// `CORS_ALLOW_HEADERS`, sent in answer to preflights (`*` is a literal wildcard).
    pub allow_headers: Vec<String>,
    /// `CORS_EXPOSE_HEADERS`: response headers JavaScript may read beyond the safelisted ones.
    pub expose_headers: Vec<String>,
    /// `CORS_PREFLIGHT_MAX_AGE` in seconds; `None` or 0 sends no `Access-Control-Max-Age`.
    pub preflight_max_age: Option<u32>,
    /// `Vary: origin` on every response. Without it a shared cache may hand one origin's
    /// answer (and its `Access-Control-Allow-Origin`) to another.
    pub vary_origin: bool,
    /// Whether 4xx and 5xx responses get the allow headers too (django-cors-headers: yes).
    /// An error handler that runs outside the CORS layer sends them bare, so the page sees
    /// a CORS error instead of the real 401 or 404.
    pub on_errors: bool,
    /// Where the CORS layer sits among the others.
    pub placement: Placement,
    /// A later deploy that narrows the preflight answer, as teams do when they drop a
    /// header or method from `CORS_ALLOW_HEADERS`/`CORS_ALLOW_METHODS`. The lab applies it
    /// per visitor, when they flip the scenario's switch ([`super::Cors::set_changed`]), so
    /// each learner sees their own browser keep the old answer it cached.
    pub change: Option<PolicyChange>,
}

/// What the preflight answer says after a [`CorsPolicy::change`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
}

/// How the request's `Origin` is matched: tower-http's `AllowOrigin`, plus the broken
/// matchers that real code ships.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum OriginRule {
    /// django-cors-headers is not installed: no CORS header at all, not even `Vary`, and a
    /// preflight is routed like any `OPTIONS`.
    Off,
    /// `CORS_ALLOWED_ORIGINS`: exact serialized origins. `null` in the list trusts every
    /// sandboxed iframe, `data:` URL and local file.
    List(Vec<String>),
    /// `CORS_ALLOW_ALL_ORIGINS`: `*`, or (with credentials, where `*` is refused) the
    /// request's own origin, which is exactly as permissive.
    AllowAll,
    /// A hand-written middleware echoing whatever `Origin` came.
    ReflectAny,
    /// `Access-Control-Allow-Origin: *` written as is on every response, whatever
    /// `allow_credentials` says: nginx's `add_header Access-Control-Allow-Origin *` beside
    /// `Access-Control-Allow-Credentials true`, Express `cors({origin: "*", credentials: true})`.
    /// Browsers refuse `*` on a credentialed request (WildcardOriginNotAllowed).
    Wildcard,
    /// `CORS_ALLOWED_ORIGIN_REGEXES`, with Python's `re.match` (anchored at the start only).
    Regex(Vec<String>),
    /// `origin.startswith(prefix)`: `https://example.com.evil.net` starts with
    /// `https://example.com`.
    Prefix(String),
    /// `new URL(origin).hostname.endsWith(suffix)`: no dot boundary, and any port.
    HostSuffix(String),
    /// `origin.includes(needle)`.
    Substring(String),
    /// The domain and every subdomain, over http or https, at any port: one XSS on any
    /// subdomain (or a plain-http one on a café network) reads the API.
    AnySubdomain(String),
}

/// Where the CORS layer runs, relative to authentication and routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// First of all (django-cors-headers' advice): a preflight is answered before routing,
    /// authentication and CSRF.
    First,
    /// After an authentication layer that refuses requests without credentials: a
    /// preflight carries none, so it gets a bare 401.
    AfterAuth,
    /// After a router with no `OPTIONS` routes: a preflight gets a bare 404.
    AfterRouting,
    /// After a layer that redirects a path missing its trailing slash to the path with it
    /// (an nginx `rewrite … permanent`, an Express slash middleware before `cors()`,
    /// Werkzeug's strict slashes): a preflight for such a path gets a bare 301, which the
    /// browser never follows. (Django's `APPEND_SLASH` only turns 404s into redirects, and
    /// django-cors-headers answers a preflight 200 first.)
    AfterSlashRedirect,
}

/// django-cors-headers' default `CORS_ALLOW_METHODS`.
pub const DEFAULT_ALLOW_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
/// django-cors-headers' default `CORS_ALLOW_HEADERS`.
pub const DEFAULT_ALLOW_HEADERS: [&str; 6] =
    ["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"];
/// What the article exposes so its page can print the CORS headers it received.
pub const ARTICLE_EXPOSE_HEADERS: [&str; 5] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Credentials",
    "Access-Control-Max-Age",
];

impl CorsPolicy {
    /// The article's settings: `CORS_ALLOWED_ORIGINS=[page]`, `CORS_ALLOW_CREDENTIALS=True`.
    pub fn article(allowed_origins: &[Origin]) -> CorsPolicy {
        CorsPolicy {
            origins: OriginRule::List(allowed_origins.iter().map(Origin::to_string).collect()),
            allow_credentials: true,
            allow_methods: DEFAULT_ALLOW_METHODS.map(str::to_owned).to_vec(),
            allow_headers: DEFAULT_ALLOW_HEADERS.map(str::to_owned).to_vec(),
            expose_headers: ARTICLE_EXPOSE_HEADERS.map(str::to_owned).to_vec(),
            preflight_max_age: Some(86_400),
            vary_origin: true,
            on_errors: true,
            placement: Placement::First,
            change: None,
        }
    }

    /// The same API before anyone installed django-cors-headers.
    pub fn without_cors() -> CorsPolicy {
        CorsPolicy {
            origins: OriginRule::Off,
            allow_credentials: false,
            allow_methods: Vec::new(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            preflight_max_age: None,
            vary_origin: false,
            on_errors: false,
            placement: Placement::First,
            change: None,
        }
    }
}

/// How a rule judged an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Match {
    No,
    /// Allowed; the response names this very origin.
    Echo,
    /// Allowed by `CORS_ALLOW_ALL_ORIGINS` without credentials, or a literal wildcard: the
    /// response says `*`.
    Star,
}

/// An [`OriginRule`] ready to judge request origins (regexes compiled once).
#[derive(Debug)]
pub(super) enum Matcher {
    Off,
    List(Vec<String>),
    AllowAll { credentials: bool },
    ReflectAny,
    Wildcard,
    Regex(Vec<regex_lite::Regex>),
    Prefix(String),
    HostSuffix(String),
    Substring(String),
    AnySubdomain(String),
}

impl Matcher {
    pub(super) fn new(rule: &OriginRule, credentials: bool) -> Result<Matcher, String> {
        Ok(match rule {
            OriginRule::Off => Matcher::Off,
            OriginRule::List(list) => Matcher::List(list.clone()),
            OriginRule::AllowAll => Matcher::AllowAll { credentials },
            OriginRule::ReflectAny => Matcher::ReflectAny,
            OriginRule::Wildcard => Matcher::Wildcard,
            OriginRule::Regex(patterns) => Matcher::Regex(
                patterns
                    .iter()
                    // `re.match`: anchored at the start, not at the end.
                    .map(|p| regex_lite::Regex::new(&format!("^(?:{p})")).map_err(|e| format!("regex {p:?}: {e}")))
                    .collect::<Result<_, _>>()?,
            ),
            OriginRule::Prefix(p) => Matcher::Prefix(p.clone()),
            OriginRule::HostSuffix(s) => Matcher::HostSuffix(s.clone()),
            OriginRule::Substring(s) => Matcher::Substring(s.clone()),
            OriginRule::AnySubdomain(d) => Matcher::AnySubdomain(d.to_ascii_lowercase()),
        })
    }

    pub(super) fn is_off(&self) -> bool {
        matches!(self, Matcher::Off)
    }

    /// Judges the request's `Origin` (as text; a non-UTF-8 origin can only match by bytes).
    pub(super) fn judge(&self, origin: &[u8]) -> Match {
        let text = std::str::from_utf8(origin).unwrap_or("");
        let yes = |b: bool| if b { Match::Echo } else { Match::No };
        match self {
            Matcher::Off => Match::No,
            Matcher::List(list) => yes(list.iter().any(|a| a.as_bytes() == origin)),
            Matcher::AllowAll { credentials: true } => Match::Echo,
            Matcher::AllowAll { credentials: false } => Match::Star,
            Matcher::ReflectAny => Match::Echo,
            Matcher::Wildcard => Match::Star,
            Matcher::Regex(res) => yes(res.iter().any(|r| r.is_match(text))),
            Matcher::Prefix(p) => yes(text.starts_with(p.as_str())),
            Matcher::HostSuffix(s) => yes(host_of(text).is_some_and(|h| h.ends_with(s.as_str()))),
            Matcher::Substring(s) => yes(text.contains(s.as_str())),
            Matcher::AnySubdomain(domain) => yes(host_of(text).is_some_and(|h| {
                h == domain || h.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.'))
            }) && (text.starts_with("http://") || text.starts_with("https://"))),
        }
    }
}

/// The host of a serialized origin (`http://a.test:81` → `a.test`), lower-cased as a
/// browser serializes it; `None` for `null` and other non-URLs.
fn host_of(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => rest,
    };
    (!host.is_empty() && (host.parse::<IpAddr>().is_ok() || host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')))
        .then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(rule: OriginRule, origin: &str) -> Match {
        Matcher::new(&rule, true).unwrap().judge(origin.as_bytes())
    }

    #[test]
    fn each_broken_matcher_lets_in_what_it_should_not() {
        use Match::{Echo, No, Star};
        let page = "http://localhost:8000";
        let cases = [
            (OriginRule::List(vec![page.into()]), "http://localhost:8003", No),
            (OriginRule::List(vec![page.into(), "null".into()]), "null", Echo),
            (OriginRule::ReflectAny, "https://evil.example", Echo),
            (OriginRule::Prefix("http://localhost".into()), "http://localhost:8003", Echo),
            (OriginRule::Prefix("https://example.com".into()), "https://example.com.evil.net", Echo),
            (OriginRule::HostSuffix("example.com".into()), "https://evilexample.com", Echo),
            (OriginRule::HostSuffix("localhost".into()), "http://localhost:8003", Echo),
            (OriginRule::Substring("example.com".into()), "https://example.com.evil.net", Echo),
            (OriginRule::Regex(vec![r"https://app.example.com".into()]), "https://appxexample.com", Echo),
            (OriginRule::Regex(vec![r"https://app\.example\.com".into()]), "https://app.example.com.evil.net", Echo),
            (OriginRule::Regex(vec![r"https://app\.example\.com$".into()]), "https://app.example.com.evil.net", No),
            (OriginRule::AnySubdomain("example.com".into()), "http://blog.example.com:8080", Echo),
            (OriginRule::AnySubdomain("example.com".into()), "https://evilexample.com", No),
            (OriginRule::AnySubdomain("example.com".into()), "null", No),
            // What the lab's attacker (another port of the page's host) gets through.
            (OriginRule::Substring("localhost".into()), "http://localhost:8003", Echo),
            (OriginRule::Regex(vec![r"^http://localhost".into()]), "http://localhost:8003", Echo),
            (OriginRule::AnySubdomain("localhost".into()), "http://localhost:8003", Echo),
            (OriginRule::AnySubdomain("localhost".into()), "http://evil.localhost:8003", Echo),
            (OriginRule::List(vec![page.into(), "null".into()]), "http://localhost:8003", No),
            (OriginRule::Wildcard, "https://evil.example", Star),
            (OriginRule::Off, page, No),
        ];
        for (rule, origin, expected) in cases {
            assert_eq!(judge(rule.clone(), origin), expected, "{rule:?} vs {origin}");
        }
    }

    #[test]
    fn allow_all_says_star_only_without_credentials() {
        assert_eq!(Matcher::new(&OriginRule::AllowAll, false).unwrap().judge(b"https://a.test"), Match::Star);
        assert_eq!(Matcher::new(&OriginRule::AllowAll, true).unwrap().judge(b"https://a.test"), Match::Echo);
    }

    #[test]
    fn a_bad_regex_is_refused_with_the_pattern() {
        let err = Matcher::new(&OriginRule::Regex(vec!["(".into()]), true).unwrap_err();
        assert!(err.contains("\"(\""), "{err}");
    }
}
