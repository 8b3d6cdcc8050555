//! What the browser made of each recorded exchange: the log's records handed to the verdict
//! engine's [`judge`](crate::verdict::judge), which pairs preflights with requests and tells
//! which were answered from the preflight cache.
//!
//! An adapter: the log still keeps `http::HeaderMap`s, so each record the engine looks at is
//! copied into an engine [`Exchange`](verdict::Exchange) first.

use std::sync::Arc;

use axum::http::HeaderMap;
use serde::Serialize;

use super::{Exchange, ExchangeView};
use crate::verdict::{self, Judgement};

/// An exchange with the browser's side of the story.
#[derive(Serialize)]
pub struct Annotated {
    #[serde(flatten)]
    pub exchange: ExchangeView,
    /// `None` when the request did not come from a browser (no `Sec-Fetch-Mode`).
    pub browser: Option<Judgement>,
}

/// What annotation needs to know about the lab.
pub struct Context<'a> {
    /// The API's origin, to make the absolute URLs the browser fetched.
    pub api: &'a str,
    /// The page's origin, for requests that do not say (no `Origin` on a `no-cors` GET).
    pub page: &'a str,
    /// Header values longer than this are cut in the view.
    pub value_bytes: usize,
}

/// Annotates `history[index]`, looking back at the exchanges before it.
pub fn annotate(history: &[Arc<Exchange>], index: usize, cx: &Context<'_>) -> Annotated {
    let exchange = &history[index];
    // Only an exchange for the same URL can be this one's preflight or cache entry, so only
    // those are copied for the engine.
    let earlier = history[..index].iter().rev().filter(|e| e.uri == exchange.uri).map(|e| (e.id, observed(e, cx.api)));
    let browser = verdict::judge(&observed(exchange, cx.api), earlier, &verdict::Context { page_origin: cx.page });
    Annotated { exchange: exchange.view(cx.value_bytes), browser }
}

/// The record as the engine's exchange: the absolute URL the browser fetched, and every
/// header line as text.
fn observed(exchange: &Exchange, api: &str) -> verdict::Exchange {
    let url = format!("{api}{}", exchange.target());
    let mut request = verdict::Exchange::builder(exchange.method.as_str(), &url).at_ms(exchange.at_ms);
    if let Some(credentials) = exchange.credentials {
        request = request.credentials(credentials);
    }
    for (name, value) in lines(&exchange.request) {
        request = request.request_header(name, value);
    }
    let mut response = request.response(exchange.status.as_u16());
    for (name, value) in lines(&exchange.response) {
        response = response.response_header(name, value);
    }
    response.build()
}

/// Header lines as text (a value that is not visible ASCII, which no CORS header may hold,
/// becomes U+FFFD and fails whatever check it is in).
fn lines(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers.iter().map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("\u{fffd}")))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderName, HeaderValue, StatusCode};

    use super::*;
    use crate::verdict::{CorsError, Credentials, Kind, PreflightUse, Verdict};

    const ORIGINS: Context<'static> = Context { api: "http://localhost:8001", page: "http://localhost:8000", value_bytes: 1024 };

    fn exchange(id: u64, method: &str, url: &str, req: &[(&str, &str)], status: u16, res: &[(&str, &str)]) -> Arc<Exchange> {
        let map = |v: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in v {
                h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
            }
            h
        };
        Arc::new(Exchange {
            id,
            at_ms: id * 10,
            micros: 1,
            credentials: Some(Credentials::Include),
            method: method.parse().unwrap(),
            uri: url.parse().unwrap(),
            request: map(req),
            status: StatusCode::from_u16(status).unwrap(),
            response: map(res),
            ..Exchange::default()
        })
    }

    #[test]
    fn the_log_is_judged_with_absolute_urls_and_its_own_ids() {
        let url = "/api/users/?lab=visitor01.include";
        let asking = [
            ("origin", "http://localhost:8000"),
            ("sec-fetch-mode", "cors"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ];
        let allowed = [
            ("access-control-allow-origin", "http://localhost:8000"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-headers", "content-type"),
        ];
        let post = [("origin", "http://localhost:8000"), ("sec-fetch-mode", "cors"), ("content-type", "application/json")];
        let log = [
            exchange(7, "OPTIONS", url, &asking, 200, &[("allow", "GET, POST, HEAD, OPTIONS")]),
            exchange(8, "OPTIONS", url, &asking, 200, &allowed),
            exchange(9, "POST", url, &post, 201, &allowed),
        ];
        let refused = annotate(&log, 0, &ORIGINS).browser.unwrap();
        let Verdict::Blocked(b) = refused.verdict else { panic!("{:?}", refused.verdict) };
        assert_eq!(b.cors_error, Some(CorsError::PreflightMissingAllowOriginHeader));
        assert!(b.console.unwrap().starts_with(&format!("Access to fetch at 'http://localhost:8001{url}' from origin 'http://localhost:8000'")));
        let request = annotate(&log, 2, &ORIGINS);
        assert_eq!(request.exchange.id, 9);
        let browser = request.browser.unwrap();
        assert_eq!((browser.kind, browser.preflight_id, browser.credentials), (Kind::Request, Some(8), Credentials::Include));
        assert!(matches!(browser.verdict, Verdict::Pass { preflight: PreflightUse::Passed, .. }), "{:?}", browser.verdict);
    }

    #[test]
    fn requests_without_sec_fetch_mode_are_not_judged() {
        let log = [exchange(1, "GET", "/api/hello/?lab=visitor01", &[], 200, &[])];
        assert!(annotate(&log, 0, &ORIGINS).browser.is_none());
    }

    #[test]
    fn a_value_that_is_not_visible_ascii_is_not_the_browsers() {
        let mut e = Arc::unwrap_or_clone(exchange(1, "GET", "/api/hello/?lab=visitor01", &[("sec-fetch-mode", "cors")], 200, &[]));
        e.request.insert("origin", HeaderValue::from_bytes(b"http://caf\xe9").unwrap());
        let browser = annotate(&[Arc::new(e)], 0, &ORIGINS).browser.unwrap();
        assert_eq!(browser.page_origin, "http://localhost:8000", "the page's origin is assumed, as without Origin");
    }
}
