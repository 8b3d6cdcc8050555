//! What the browser made of each recorded exchange: the verdict engine ([`crate::verdict`])
//! run over a visitor's log.
//!
//! The server sees the preflight and the request as separate exchanges; this pairs them
//! back up. A request that needed a preflight but arrived without one was answered from the
//! browser's preflight cache, and the earlier preflight that filled the cache says until when.

use std::sync::Arc;

use serde::Serialize;

use super::{Credentials, Exchange, ExchangeView};
use crate::verdict::{self, Mode, PreflightNeed, Request, Verdict};

/// An exchange with the browser's side of the story.
#[derive(Serialize)]
pub struct Annotated {
    #[serde(flatten)]
    pub exchange: ExchangeView,
    /// `None` when the request did not come from a browser (no `Sec-Fetch-Mode`).
    pub browser: Option<BrowserView>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The browser's `OPTIONS` asking permission; JavaScript never sees it.
    Preflight,
    /// The request the page's script made.
    Request,
}

#[derive(Serialize)]
pub struct BrowserView {
    pub kind: Kind,
    pub mode: Mode,
    pub credentials: verdict::Credentials,
    pub page_origin: String,
    /// Whether the request needed a preflight, and why (requests only).
    pub preflight_need: Option<PreflightNeed>,
    /// The exchange id of the preflight this request followed.
    pub preflight_id: Option<u64>,
    /// A preflight was needed but none came right before: the browser used its cache.
    pub from_cache: Option<FromCache>,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FromCache {
    /// The preflight whose answer was reused, if the log still holds it.
    pub preflight_id: Option<u64>,
    /// When that cache entry expires (ms since the Unix epoch).
    pub until_ms: Option<u64>,
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
    let browser = Seen::of(exchange, cx).map(|seen| seen.view(&history[..index], cx));
    Annotated { exchange: exchange.view(cx.value_bytes), browser }
}

/// One exchange as the browser must have made it.
struct Seen<'e> {
    exchange: &'e Exchange,
    mode: Mode,
    credentials: verdict::Credentials,
    page_origin: String,
    url: String,
    /// For a preflight: the method and header names it asks about.
    preflight_for: Option<(String, Vec<String>)>,
}

/// Headers the browser sets itself; everything else in the log came from the script.
fn browser_set(name: &str) -> bool {
    matches!(name, "origin" | "referer" | "content-length" | "accept-language")
        || name.starts_with("sec-fetch-")
        || name.starts_with("access-control-request-")
}

/// A value that is CORS-unsafe for any header name: over 128 bytes. A preflight lists only
/// header *names*; those names were unsafe, so the verdict must treat them as such.
const UNSAFE_VALUE: &str = concat!(
    "this-value-stands-in-for-one-the-server-never-sees-only-its-name-",
    "in-access-control-request-headers-and-so-is-longer-than-128-bytes",
);

impl<'e> Seen<'e> {
    fn of(exchange: &'e Exchange, cx: &Context<'_>) -> Option<Seen<'e>> {
        let header = |name: &str| exchange.request_header(name);
        let mode = match header("sec-fetch-mode")? {
            "cors" => Mode::Cors,
            "no-cors" => Mode::NoCors,
            "same-origin" => Mode::SameOrigin,
            "navigate" => Mode::Navigate,
            _ => return None,
        };
        let credentials = match exchange.credentials {
            Some(Credentials::Omit) => verdict::Credentials::Omit,
            Some(Credentials::SameOrigin) => verdict::Credentials::SameOrigin,
            Some(Credentials::Include) => verdict::Credentials::Include,
            // Cookies on a cross-origin request mean `include`; otherwise fetch's default.
            None if exchange.request.contains_key(axum::http::header::COOKIE) => verdict::Credentials::Include,
            None => verdict::Credentials::SameOrigin,
        };
        let preflight_for = (exchange.method == "OPTIONS" && mode == Mode::Cors)
            .then(|| header("access-control-request-method"))
            .flatten()
            .map(|method| {
                let names = header("access-control-request-headers")
                    .unwrap_or("")
                    .split(',')
                    .map(|n| n.trim().to_ascii_lowercase())
                    .filter(|n| !n.is_empty())
                    .collect();
                (method.to_owned(), names)
            });
        Some(Seen {
            exchange,
            mode,
            credentials,
            page_origin: header("origin").unwrap_or(cx.page).to_owned(),
            url: format!("{}{}", cx.api, exchange.target()),
            preflight_for,
        })
    }

    /// The headers of the request the script made (for a preflight, the names it lists).
    fn script_headers(&self) -> Vec<(&str, &str)> {
        match &self.preflight_for {
            Some((_, names)) => names.iter().map(|n| (n.as_str(), UNSAFE_VALUE)).collect(),
            None => self
                .exchange
                .request
                .iter()
                .filter(|(k, _)| super::keep_request_header(k.as_str()) && !browser_set(k.as_str()))
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("\u{fffd}")))
                .collect(),
        }
    }

    fn method(&self) -> &str {
        self.preflight_for.as_ref().map_or(self.exchange.method.as_str(), |(m, _)| m)
    }

    fn request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request::new(self.method(), &self.url, &self.page_origin)
            .headers(headers)
            .mode(self.mode)
            .credentials(self.credentials)
    }

    fn view(&self, earlier: &[Arc<Exchange>], cx: &Context<'_>) -> BrowserView {
        let headers = self.script_headers();
        let request = self.request(&headers);
        let response_lines = lines(&self.exchange.response);
        let response = verdict::Exchange::new(self.exchange.status.as_u16(), &response_lines);
        let mut view = BrowserView {
            kind: Kind::Request,
            mode: self.mode,
            credentials: self.credentials,
            page_origin: self.page_origin.clone(),
            preflight_need: None,
            preflight_id: None,
            from_cache: None,
            verdict: Verdict::AwaitingResponse { preflight: verdict::PreflightUse::NotNeeded },
        };
        if self.preflight_for.is_some() {
            view.kind = Kind::Preflight;
            view.verdict = verdict::verdict(&request, Some(&response), None);
            return view;
        }
        let need = verdict::preflight_need(&request);
        let paired = if need.needed { self.paired_preflight(earlier, cx) } else { None };
        view.verdict = match &paired {
            Some(pf) => {
                view.preflight_id = Some(pf.exchange.id);
                let pf_lines = lines(&pf.exchange.response);
                let pf_response = verdict::Exchange::new(pf.exchange.status.as_u16(), &pf_lines);
                verdict::verdict(&request, Some(&pf_response), Some(&response))
            }
            None => verdict::verdict(&request, None, Some(&response)),
        };
        if need.needed && paired.is_none() && self.mode == Mode::Cors {
            view.from_cache = Some(self.cached_by(&request, earlier, cx));
        }
        view.preflight_need = Some(need);
        view
    }

    /// The preflight right before this request: walking back, the first exchange for the
    /// same URL must be a preflight for this method (if it is an earlier request instead,
    /// this one came from the cache).
    fn paired_preflight(&self, earlier: &'e [Arc<Exchange>], cx: &Context<'_>) -> Option<Seen<'e>> {
        let previous = earlier.iter().rev().find(|e| e.uri == self.exchange.uri)?;
        let seen = Seen::of(previous, cx)?;
        let asks_for_this = seen.preflight_for.as_ref().is_some_and(|(m, _)| m == self.exchange.method.as_str());
        asks_for_this.then_some(seen)
    }

    /// The newest earlier preflight whose cached answer covers this request.
    fn cached_by(&self, request: &Request<'_>, earlier: &[Arc<Exchange>], cx: &Context<'_>) -> FromCache {
        for e in earlier.iter().rev().filter(|e| e.uri == self.exchange.uri) {
            let Some(pf) = Seen::of(e, cx).filter(|s| s.preflight_for.is_some()) else { continue };
            let headers = pf.script_headers();
            let lines = lines(&e.response);
            let answer = verdict::Exchange::new(e.status.as_u16(), &lines);
            let entry = verdict::preflight_cache_entry(&pf.request(&headers), &answer, e.at_ms);
            if let Some(entry) = entry.filter(|c| verdict::answered_from_cache(c, request, self.exchange.at_ms)) {
                return FromCache { preflight_id: Some(e.id), until_ms: Some(entry.expires_at_ms) };
            }
        }
        FromCache { preflight_id: None, until_ms: None }
    }
}

/// Header lines as the verdict engine reads them (a non-ASCII value, which no CORS header
/// may hold, becomes U+FFFD and fails whatever check it is in).
fn lines(headers: &axum::http::HeaderMap) -> Vec<(&str, &str)> {
    headers.iter().map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("\u{fffd}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{CorsError, PreflightUse};

    const ORIGINS: Context<'static> = Context { api: "http://localhost:8001", page: "http://localhost:8000", value_bytes: 1024 };
    const ARTICLE_PREFLIGHT: &[(&str, &str)] = &[
        ("vary", "origin"),
        ("access-control-allow-origin", "http://localhost:8000"),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-headers", "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"),
        ("access-control-allow-methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"),
        ("access-control-max-age", "86400"),
    ];
    const ALLOWED: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("vary", "origin"),
        ("access-control-allow-origin", "http://localhost:8000"),
        ("access-control-allow-credentials", "true"),
    ];

    fn exchange(id: u64, at_ms: u64, method: &str, url: &str, req: &[(&str, &str)], status: u16, res: &[(&str, &str)]) -> Arc<Exchange> {
        let map = |v: &[(&str, &str)]| {
            let mut h = axum::http::HeaderMap::new();
            for (k, v) in v {
                h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
            }
            h
        };
        Arc::new(Exchange {
            id,
            at_ms,
            micros: 1,
            credentials: Some(Credentials::Include),
            method: method.parse().unwrap(),
            uri: url.parse().unwrap(),
            request: map(req),
            status: axum::http::StatusCode::from_u16(status).unwrap(),
            response: map(res),
            decided: None,
            ..Exchange::default()
        })
    }

    fn preflight(id: u64, at_ms: u64, url: &str, res: &[(&str, &str)]) -> Arc<Exchange> {
        let req = [
            ("origin", "http://localhost:8000"),
            ("sec-fetch-mode", "cors"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ];
        exchange(id, at_ms, "OPTIONS", url, &req, 200, res)
    }

    fn json_post(id: u64, at_ms: u64, url: &str) -> Arc<Exchange> {
        let req = [("origin", "http://localhost:8000"), ("sec-fetch-mode", "cors"), ("content-type", "application/json")];
        exchange(id, at_ms, "POST", url, &req, 201, ALLOWED)
    }

    #[test]
    fn a_preflight_and_its_request_are_paired_and_pass() {
        let url = "/api/users/?lab=visitor01.include";
        let log = [preflight(1, 1000, url, ARTICLE_PREFLIGHT), json_post(2, 1010, url)];
        let pf = annotate(&log, 0, &ORIGINS).browser.unwrap();
        assert_eq!(pf.kind, Kind::Preflight);
        assert!(matches!(pf.verdict, Verdict::AwaitingResponse { preflight: PreflightUse::Passed }), "{:?}", pf.verdict);
        let req = annotate(&log, 1, &ORIGINS).browser.unwrap();
        assert_eq!(req.kind, Kind::Request);
        assert_eq!(req.preflight_id, Some(1));
        assert!(req.preflight_need.as_ref().unwrap().needed);
        assert!(matches!(req.verdict, Verdict::Pass { preflight: PreflightUse::Passed, .. }), "{:?}", req.verdict);
        assert_eq!(req.from_cache, None);
    }

    #[test]
    fn a_second_request_without_preflight_came_from_the_cache_until_its_max_age() {
        let url = "/api/users/?lab=visitor01.include";
        let log = [preflight(1, 1000, url, ARTICLE_PREFLIGHT), json_post(2, 1010, url), json_post(3, 60_000, url)];
        let again = annotate(&log, 2, &ORIGINS).browser.unwrap();
        assert_eq!(again.preflight_id, None);
        // Chromium caps Access-Control-Max-Age at 7200 s.
        assert_eq!(again.from_cache, Some(FromCache { preflight_id: Some(1), until_ms: Some(1000 + 7_200_000) }));
        assert!(matches!(again.verdict, Verdict::Pass { .. }));
    }

    #[test]
    fn a_preflight_without_cors_headers_blocks_and_names_chromiums_error() {
        let url = "/without-cors/api/users/?lab=visitor01.omit";
        let log = [preflight(1, 1000, url, &[("allow", "GET, POST, HEAD, OPTIONS")])];
        let pf = annotate(&log, 0, &ORIGINS).browser.unwrap();
        let Verdict::Blocked(b) = pf.verdict else { panic!("{:?}", pf.verdict) };
        assert_eq!(b.cors_error, Some(CorsError::PreflightMissingAllowOriginHeader));
        assert_eq!(
            b.console.unwrap(),
            "Access to fetch at 'http://localhost:8001/without-cors/api/users/?lab=visitor01.omit' from origin 'http://localhost:8000' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        );
    }

    #[test]
    fn a_simple_get_without_allow_origin_reached_the_server_but_was_hidden() {
        let req = [("origin", "http://localhost:8000"), ("sec-fetch-mode", "cors")];
        let log = [exchange(1, 0, "GET", "/without-cors/api/hello/?lab=visitor01", &req, 200, &[("content-type", "application/json")])];
        let v = annotate(&log, 0, &ORIGINS).browser.unwrap();
        assert!(!v.preflight_need.unwrap().needed);
        let Verdict::Blocked(b) = v.verdict else { panic!() };
        assert_eq!(b.cors_error, Some(CorsError::MissingAllowOriginHeader));
        assert_eq!(b.js_error, "TypeError: Failed to fetch");
    }

    #[test]
    fn requests_without_sec_fetch_mode_are_not_judged() {
        let log = [exchange(1, 0, "GET", "/api/hello/?lab=visitor01", &[], 200, ALLOWED)];
        assert!(annotate(&log, 0, &ORIGINS).browser.is_none());
    }

    #[test]
    fn the_stand_in_value_is_unsafe_for_every_safelisted_name() {
        for name in ["accept", "accept-language", "content-language", "content-type", "range"] {
            let headers = [(name, UNSAFE_VALUE)];
            let req = Request::new("GET", "http://localhost:8001/", "http://localhost:8000").headers(&headers);
            let need = verdict::preflight_need(&req);
            assert!(need.needed, "{name}");
            assert_eq!(need.access_control_request_headers.as_deref(), Some(name));
        }
    }
}
