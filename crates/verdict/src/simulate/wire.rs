//! The request headers as they go on the wire, and the server's answers rendered against
//! them: an answer's `{name}` placeholders take the values of the request that reached it.

use crate::analysis::{Analysis, Scope};
use crate::experiment::Answer;
use crate::headers::is_token;
use crate::preflight::PreflightNeed;
use crate::request::{CacheMode, Mode};

/// A rendered value never grows past this; the rest of the template stays as written.
const MAX_RENDERED: usize = 64 * 1024;

/// `host` as the browser writes it: the URL's host and port (the port only when not the
/// scheme's default).
fn host(a: &Analysis<'_>) -> String {
    let origin = a.url.origin();
    origin.split_once("://").map_or(origin.clone(), |(_, h)| h.to_string())
}

/// The headers of the preflight for this hop: no cookies, no author headers.
pub(crate) fn preflight(a: &Analysis<'_>, need: &PreflightNeed, site: &str) -> Vec<(String, String)> {
    let mut h = vec![("host".into(), host(a)), ("accept".into(), "*/*".into())];
    if let Some(m) = &need.access_control_request_method {
        h.push(("access-control-request-method".into(), m.clone()));
    }
    if let Some(list) = &need.access_control_request_headers {
        h.push(("access-control-request-headers".into(), list.clone()));
    }
    h.push(("origin".into(), a.origin_sent()));
    cache_headers(a, &mut h);
    fetch_metadata(&mut h, "cors", site);
    h
}

/// The headers of the request itself: the script's (as `Headers` kept them), fetch's own, the
/// cookies. `Origin` goes on every CORS request and on every request that is not GET or HEAD.
pub(crate) fn request(a: &Analysis<'_>, cookie: Option<String>, site: &str) -> Vec<(String, String)> {
    let mut h = vec![("host".to_string(), host(a))];
    h.extend(a.sent.iter().filter_map(|s| Some((s.name.to_string(), s.value.as_deref()?.to_string()))));
    if a.scope == Scope::Cors || !matches!(a.method, "GET" | "HEAD") {
        h.push(("origin".into(), a.origin_sent()));
    }
    if let Some(cookie) = cookie {
        h.push(("cookie".into(), cookie));
    }
    cache_headers(a, &mut h);
    let mode = match a.req.mode {
        Mode::Cors => "cors",
        Mode::NoCors => "no-cors",
        Mode::SameOrigin => "same-origin",
        Mode::Navigate => "navigate",
    };
    fetch_metadata(&mut h, mode, site);
    h
}

/// What the cache mode makes the network layer add to the preflight and the request
/// (measured `c_mode_*`).
fn cache_headers(a: &Analysis<'_>, h: &mut Vec<(String, String)>) {
    match a.req.cache {
        CacheMode::NoStore | CacheMode::Reload => {
            h.push(("pragma".into(), "no-cache".into()));
            h.push(("cache-control".into(), "no-cache".into()));
        }
        CacheMode::NoCache => h.push(("cache-control".into(), "max-age=0".into())),
        CacheMode::Default | CacheMode::ForceCache | CacheMode::OnlyIfCached => {}
    }
}

fn fetch_metadata(h: &mut Vec<(String, String)>, mode: &str, site: &str) {
    h.push(("sec-fetch-site".into(), site.into()));
    h.push(("sec-fetch-mode".into(), mode.into()));
    h.push(("sec-fetch-dest".into(), "empty".into()));
}

/// The answer's header lines with each `{name}` replaced by that request header's value; a
/// line whose placeholder has no value is left out. Braces around anything but a header
/// name are kept as written.
pub(crate) fn render(answer: &Answer, wire: &[(String, String)]) -> Vec<(String, String)> {
    let value_of = |name: &str| wire.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let mut out = Vec::with_capacity(answer.headers.len());
    'lines: for (name, template) in &answer.headers {
        let mut value = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            let inner = &rest[open + 1..close];
            value.push_str(&rest[..open]);
            if is_token(inner) && value.len() < MAX_RENDERED {
                match value_of(inner) {
                    Some(v) => value.push_str(v),
                    None => continue 'lines,
                }
            } else {
                value.push_str(&rest[open..=close]);
            }
            rest = &rest[close + 1..];
        }
        value.push_str(rest);
        out.push((name.clone(), value));
    }
    out
}
