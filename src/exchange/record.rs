//! Turning what the recording layer saw into what the log keeps: an engine
//! [`Exchange`](verdict::Exchange) for later exchanges to be judged against, and the view
//! the page reads, both owned copies (nothing of the connection's buffers is kept), long
//! values cut, secrets reduced to their names and lengths.

use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use serde::Serialize;

use super::Decided;
use crate::cors::OriginCheck;
use crate::verdict::{self, Credentials, Judgement};

/// One request and its response as the recording layer saw them; borrowed parts of the
/// request that are dropped as soon as the log has copied what it keeps.
pub struct Recording {
    pub credentials: Option<Credentials>,
    pub method: Method,
    /// Path and query as the client sent them (a mount's prefix included).
    pub uri: Uri,
    pub request: HeaderMap,
    pub status: StatusCode,
    pub response: HeaderMap,
    pub decided: Option<Decided>,
    /// How long the API took, in microseconds.
    pub micros: u64,
    /// This visitor's exchanges left unrecorded just before this one (rate bound).
    pub unrecorded_before: u64,
}

/// What the feed sends for each recorded exchange: its view, and the browser's side of the
/// story (the verdict engine's [`Judgement`], computed once when it was recorded).
#[derive(Serialize)]
pub struct Annotated {
    #[serde(flatten)]
    pub exchange: ExchangeView,
    /// `None` when the request did not come from a browser (no `Sec-Fetch-Mode`).
    pub browser: Option<Judgement>,
}

/// An exchange as the log shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ExchangeView {
    pub id: u64,
    pub at_ms: u64,
    pub credentials: Option<Credentials>,
    pub method: String,
    /// Path and query, as requested.
    pub url: String,
    /// Request headers that matter for CORS, cookies and auth, secrets reduced.
    pub request_headers: Vec<(String, String)>,
    /// Names of the cookies the browser sent (never their values).
    pub cookies: Vec<String>,
    pub status: u16,
    /// Every response header the API sent, `Set-Cookie` values reduced.
    pub response_headers: Vec<(String, String)>,
    /// Which scenario's CORS policy answered, and how it judged the origin.
    pub policy: Option<String>,
    pub cors_preflight: bool,
    pub origin_check: Option<OriginCheck>,
    /// How long the API took, in microseconds.
    pub micros: u64,
    /// Exchanges of this visitor not recorded just before this one (rate bound).
    pub unrecorded_before: u64,
}

/// Request headers the log leaves out: what every browser request carries and no lesson here
/// needs (the cookie *names* are kept). Everything else is kept, because any header the
/// page's script set can decide whether the request needed a preflight.
fn keep_request_header(name: &str) -> bool {
    !matches!(name, "host" | "connection" | "user-agent" | "accept-encoding" | "priority" | "upgrade-insecure-requests")
        && !name.starts_with("sec-ch-")
}

/// Most header lines of each side kept: enough for any browser request, bounded for a client
/// that sends a hundred.
const MAX_HEADERS_KEPT: usize = 32;

impl Recording {
    /// The engine's exchange for `api` + this URL, at `at_ms`: what a later exchange is judged
    /// against (and this one, now). Values are cut at `value_bytes` without a marker, which
    /// keeps every verdict: a cut value is as unsafe, and as mismatching, as the whole.
    pub fn observed(&self, api: &str, at_ms: u64, value_bytes: usize) -> verdict::Exchange {
        let target = self.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = verdict::Exchange::builder(self.method.as_str(), &format!("{api}{}", cut(target, value_bytes))).at_ms(at_ms);
        if let Some(credentials) = self.credentials {
            request = request.credentials(credentials);
        }
        for (name, value) in request_lines(&self.request, |v| cut(v, value_bytes).to_owned()) {
            request = request.request_header(name, &value);
        }
        let mut response = request.response(self.status.as_u16());
        for (name, value) in self.response.iter().take(MAX_HEADERS_KEPT) {
            let value = text(value.as_bytes());
            let value = if name == header::SET_COOKIE { redact_set_cookie(&value) } else { value.into_owned() };
            response = response.response_header(name.as_str(), cut(&value, value_bytes));
        }
        response.build()
    }

    /// The view the page reads, with long values cut at `value_bytes` and marked.
    pub fn view(&self, id: u64, at_ms: u64, value_bytes: usize) -> ExchangeView {
        let marked = |v: &str| truncate(v, value_bytes);
        ExchangeView {
            id,
            at_ms,
            credentials: self.credentials,
            method: self.method.to_string(),
            url: marked(self.uri.path_and_query().map_or("/", |p| p.as_str())),
            request_headers: request_lines(&self.request, marked).filter(|(name, _)| *name != "cookie").map(|(n, v)| (n.to_owned(), v)).collect(),
            cookies: crate::cookie::names(&self.request).take(32).map(|n| truncate(&n, 64)).collect(),
            status: self.status.as_u16(),
            response_headers: self
                .response
                .iter()
                .take(MAX_HEADERS_KEPT)
                .map(|(name, value)| {
                    let value = text(value.as_bytes());
                    let shown = if name == header::SET_COOKIE { redact_set_cookie(&value) } else { marked(&value) };
                    (name.as_str().to_owned(), shown)
                })
                .collect(),
            policy: self.decided.as_ref().map(|d| d.policy.to_string()),
            cors_preflight: self.decided.as_ref().is_some_and(|d| d.preflight),
            origin_check: self.decided.as_ref().map(|d| d.origin),
            micros: self.micros,
            unrecorded_before: self.unrecorded_before,
        }
    }
}

/// The request lines the log keeps, secrets reduced: `Cookie` becomes its names (so a later
/// judgement still sees that cookies went along), a token its length; any other value as
/// `shorten` makes it.
fn request_lines<'h>(headers: &'h HeaderMap, shorten: impl Fn(&str) -> String + 'h) -> impl Iterator<Item = (&'h str, String)> {
    headers.iter().filter(|(name, _)| keep_request_header(name.as_str())).take(MAX_HEADERS_KEPT).map(move |(name, value)| {
        let value = text(value.as_bytes());
        let shown = match name.as_str() {
            // The scheme teaches; the token is a secret.
            "authorization" => match value.split_once(' ') {
                Some((scheme, rest)) => format!("{} … ({} chars)", shorten(scheme), rest.trim().len()),
                None => format!("… ({} chars)", value.len()),
            },
            "x-csrftoken" => format!("… ({} chars)", value.len()),
            "cookie" => crate::cookie::names(headers).take(32).map(|n| cut(&n, 64).to_owned()).collect::<Vec<_>>().join("; "),
            _ => shorten(&value),
        };
        (name.as_str(), shown)
    })
}

/// A header value as text: visible ASCII as it is, anything else (which no CORS header may
/// hold) replaced, so it fails whatever check it is in.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// `sessionid=k3j…; HttpOnly; …` → `sessionid=… (32 chars); HttpOnly; …`: the attributes
/// are the lesson, the value is a secret.
fn redact_set_cookie(value: &str) -> String {
    let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
    let (name, val) = pair.split_once('=').unwrap_or((pair, ""));
    let shown = if val == "\"\"" { val.to_owned() } else { format!("… ({} chars)", val.len()) };
    let sep = if attributes.is_empty() { "" } else { ";" };
    format!("{name}={shown}{sep}{attributes}")
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s`, or its first `max` bytes and a note of how long it was.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    format!("{}… ({} bytes)", cut(s, max), s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(request: &[(&str, &str)]) -> Recording {
        let mut h = HeaderMap::new();
        for (k, v) in request {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        let mut response = HeaderMap::new();
        response.insert(header::SET_COOKIE, "sessionid=abc123; expires=x; HttpOnly".parse().unwrap());
        Recording {
            credentials: None,
            method: Method::GET,
            uri: "/api/hello/?lab=visitor01".parse().unwrap(),
            request: h,
            status: StatusCode::OK,
            response,
            decided: None,
            micros: 1,
            unrecorded_before: 0,
        }
    }

    #[test]
    fn secrets_are_reduced_to_names_and_lengths_in_the_view_and_in_what_is_judged() {
        let r = recording(&[
            ("authorization", "Bearer abc.def.ghi"),
            ("x-csrftoken", &"t".repeat(64)),
            ("origin", "http://localhost:8000"),
            ("user-agent", "whatever"),
            ("x-custom", &"z".repeat(40)),
            ("cookie", "sessionid=s3cr3t; csrftoken=t0k3n"),
        ]);
        let view = r.view(1, 0, 16);
        let get = |n: &str| view.request_headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("authorization"), Some("Bearer … (11 chars)"));
        assert_eq!(get("x-csrftoken"), Some("… (64 chars)"));
        assert_eq!(get("origin"), Some("http://localhost… (21 bytes)"));
        assert_eq!(get("user-agent"), None);
        assert_eq!(get("cookie"), None, "the names are listed apart");
        assert_eq!(get("x-custom"), Some("zzzzzzzzzzzzzzzz… (40 bytes)"));
        assert_eq!(view.cookies, ["sessionid", "csrftoken"]);
        assert_eq!(view.response_headers[0].1, "sessionid=… (6 chars); expires=x; HttpOnly");

        let observed = r.observed("http://localhost:8001", 0, 1024);
        let all: String = observed.request_headers().chain(observed.response_headers()).map(|(k, v)| format!("{k}: {v}\n")).collect();
        for secret in ["abc.def.ghi", "s3cr3t", "t0k3n", "abc123", &"t".repeat(64)] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert_eq!(observed.request_header("cookie"), Some("sessionid; csrftoken"), "that cookies went along is kept");
        assert_eq!(observed.url(), "http://localhost:8001/api/hello/?lab=visitor01");
    }

    #[test]
    fn what_is_judged_is_cut_without_a_marker() {
        let long = format!("http://localhost:8000{}", "x".repeat(2000));
        let r = recording(&[("origin", &long)]);
        let observed = r.observed("http://localhost:8001", 0, 1024);
        assert_eq!(observed.request_header("origin").map(str::len), Some(1024));
        assert!(!observed.request_header("origin").unwrap().contains(' '));
    }
}
