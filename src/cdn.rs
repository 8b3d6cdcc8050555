//! A shared cache in front of an API mount, as a CDN or a caching proxy is: what makes a
//! missing `Vary: Origin` matter.
//!
//! A shared cache keys a stored response by its URL, plus the request headers its `Vary`
//! names (RFC 9111 §4.1). An API whose `Access-Control-Allow-Origin` depends on the
//! request's `Origin` but does not say `Vary: Origin` lets the cache hand one origin's answer
//! to another: a copy stored for a request without `Origin` (an `<img>`, a `no-cors` fetch,
//! curl) reaches the page without its allow header, and the page's fetch fails until the
//! copy expires. With `Vary: Origin` the same cache keeps one copy per origin.
//!
//! Configured as a CDN rule is: which paths are cached and for how long ("edge TTL"),
//! whatever the API's own caching headers say (it sends none, so the browser's own HTTP
//! cache never reuses these answers: each fetch reaches this cache). Only GETs answered 200
//! without `Set-Cookie` are stored, and never for a request with `Authorization` (RFC 9111
//! §3.5). Every answer for a cached path says `X-Cache: HIT` or `MISS`, a hit also its `Age`.
//!
//! Bounded: at most [`ENTRIES`] copies and [`BYTES`] in all, each body at most
//! [`BODY_BYTES`], the oldest dropped first; every copy is owned (nothing of a connection's
//! buffers is kept).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use bytes::Bytes;
use futures_util::future::Either;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};

/// Copies kept at once, all URLs together.
pub const ENTRIES: usize = 256;
/// Bytes kept at once: bodies, header lines and keys.
pub const BYTES: usize = 512 * 1024;
/// The largest body stored; larger answers pass through uncached.
pub const BODY_BYTES: usize = 16 * 1024;
/// The longest URL stored.
const URL_BYTES: usize = 2048;

const X_CACHE: HeaderName = HeaderName::from_static("x-cache");
const HIT: HeaderValue = HeaderValue::from_static("HIT");
const MISS: HeaderValue = HeaderValue::from_static("MISS");

/// A CDN's cache rule for one API mount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdnSettings {
    /// Paths as the mount sees them (`/api/hello/`) whose GET answers are cached, whatever
    /// their query string (which is part of the key).
    pub paths: Vec<String>,
    /// How long a stored copy is served.
    pub ttl_seconds: u32,
}

/// One mount's cache.
#[derive(Debug)]
pub struct Cdn {
    settings: CdnSettings,
    ttl: Duration,
    store: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    /// Oldest first; with one TTL for all, also the first to expire.
    copies: VecDeque<Stored>,
    bytes: usize,
}

/// A stored answer, owned.
#[derive(Debug)]
struct Stored {
    /// Path and query, as the mount saw them.
    url: Box<str>,
    /// The request headers the answer's `Vary` names, with the values the request that
    /// stored it had (`None`: absent). Empty without `Vary`: the copy serves everyone.
    vary: Vec<(HeaderName, Option<Bytes>)>,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    stored: Instant,
    bytes: usize,
}

impl Cdn {
    pub fn new(settings: CdnSettings) -> Cdn {
        Cdn { ttl: Duration::from_secs(settings.ttl_seconds.into()), settings, store: Mutex::default() }
    }

    /// Whether this request may be answered from, or stored in, the cache.
    fn caches(&self, req: &Request<Body>) -> bool {
        req.method() == Method::GET
            && !req.headers().contains_key(header::AUTHORIZATION)
            && self.settings.paths.iter().any(|p| p == req.uri().path())
            && url(req).len() <= URL_BYTES
    }

    /// A stored copy for this request, as the cache sends it.
    fn lookup(&self, req: &Request<Body>, now: Instant) -> Option<Response<Body>> {
        let url = url(req);
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let copy = store.copies.iter().rev().find(|c| {
            &*c.url == url && now.duration_since(c.stored) < self.ttl && c.vary.iter().all(|(name, value)| request_value(req.headers(), name) == *value)
        })?;
        let mut res = Response::new(Body::from(copy.body.clone()));
        *res.status_mut() = copy.status;
        *res.headers_mut() = copy.headers.clone();
        let h = res.headers_mut();
        h.insert(header::AGE, HeaderValue::from(now.duration_since(copy.stored).as_secs()));
        h.insert(X_CACHE, HIT);
        Some(res)
    }

    /// Stores an answer, replacing a copy for the same URL and `Vary` values; `None` when
    /// the answer says it must not be shared.
    fn store(&self, url: &str, request: &HeaderMap, status: StatusCode, headers: &HeaderMap, body: Bytes, now: Instant) -> Option<()> {
        if status != StatusCode::OK || headers.contains_key(header::SET_COOKIE) || private(headers) || body.len() > BODY_BYTES {
            return None;
        }
        let mut vary = Vec::new();
        for line in headers.get_all(header::VARY) {
            for name in line.to_str().ok()?.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                // `Vary: *` (no later request can be shown to match), or a header this cache
                // does not keep while it waits for the answer: no copy.
                let name = HeaderName::try_from(name).ok().filter(|n| VARY_CANDIDATES.contains(n))?;
                let value = request_value(request, &name);
                vary.push((name, value));
            }
        }
        // Owned copies: a `HeaderValue` from the connection would keep its whole read buffer.
        let mut owned = HeaderMap::new();
        for (name, value) in headers {
            owned.append(name.clone(), HeaderValue::from_bytes(value.as_bytes()).ok()?);
        }
        let lines: usize = owned.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
        let keys: usize = vary.iter().map(|(n, v)| n.as_str().len() + v.as_ref().map_or(0, Bytes::len)).sum();
        let bytes = url.len() + lines + keys + body.len();
        let copy = Stored { url: url.into(), vary, status, headers: owned, body: Bytes::copy_from_slice(&body), stored: now, bytes };
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let store = &mut *store;
        let replaced = |c: &Stored| c.url == copy.url && c.vary == copy.vary;
        let before = store.copies.len();
        store.copies.retain(|c| !replaced(c) && now.duration_since(c.stored) < self.ttl);
        if store.copies.len() != before {
            store.bytes = store.copies.iter().map(|c| c.bytes).sum();
        }
        store.bytes += copy.bytes;
        store.copies.push_back(copy);
        while store.copies.len() > ENTRIES || store.bytes > BYTES {
            let Some(oldest) = store.copies.pop_front() else { break };
            store.bytes -= oldest.bytes;
        }
        Some(())
    }

    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let store = self.store.lock().unwrap();
        (store.copies.len(), store.bytes)
    }
}

/// Path and query: the key a URL-keyed cache uses.
fn url(req: &Request<Body>) -> &str {
    req.uri().path_and_query().map_or("/", |p| p.as_str())
}

/// A request header's value as a cache compares it: every line, joined.
fn request_value(headers: &HeaderMap, name: &HeaderName) -> Option<Bytes> {
    let mut lines = headers.get_all(name).iter();
    let first = lines.next()?;
    let mut value = first.as_bytes().to_vec();
    for line in lines {
        value.extend_from_slice(b", ");
        value.extend_from_slice(line.as_bytes());
    }
    Some(value.into())
}

/// `Cache-Control: no-store` or `private`: a shared cache keeps no copy.
fn private(headers: &HeaderMap) -> bool {
    headers.get_all(header::CACHE_CONTROL).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|d| {
        let d = d.trim();
        d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("private")
    })
}

/// Puts a mount's [`Cdn`], if it has one, in front of a service.
#[derive(Clone)]
pub struct CdnLayer {
    cdn: Option<Arc<Cdn>>,
}

impl CdnLayer {
    pub fn new(cdn: Option<Arc<Cdn>>) -> CdnLayer {
        CdnLayer { cdn }
    }
}

impl<S> tower::Layer<S> for CdnLayer {
    type Service = CdnService<S>;

    fn layer(&self, inner: S) -> CdnService<S> {
        CdnService { cdn: self.cdn.clone(), inner }
    }
}

#[derive(Clone)]
pub struct CdnService<S> {
    cdn: Option<Arc<Cdn>>,
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> tower::Service<Request<Body>> for CdnService<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let Some(cdn) = self.cdn.clone().filter(|cdn| cdn.caches(&req)) else {
            return Either::Left(self.inner.call(req));
        };
        if let Some(hit) = cdn.lookup(&req, Instant::now()) {
            return Either::Right(Box::pin(async move { Ok(hit) }));
        }
        let url = url(&req).to_owned();
        let request = vary_candidates(req.headers());
        let answer = self.inner.call(req);
        Either::Right(Box::pin(async move {
            let res = answer.await?;
            let small = res.body().size_hint().exact().is_some_and(|n| n <= BODY_BYTES as u64);
            let (mut parts, body) = res.into_parts();
            parts.headers.insert(X_CACHE, MISS);
            if !small {
                return Ok(Response::from_parts(parts, body));
            }
            // The API's own bodies are in memory already; one that fails to arrive is not
            // stored, and the browser sees the connection end, as behind a real CDN.
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return Ok(Response::from_parts(parts, Body::empty())),
            };
            let mut stored_headers = parts.headers.clone();
            stored_headers.remove(X_CACHE);
            cdn.store(&url, &request, parts.status, &stored_headers, body.clone(), Instant::now());
            Ok(Response::from_parts(parts, Body::from(body)))
        }))
    }
}

/// The request headers a `Vary` may name for its answer to be stored.
const VARY_CANDIDATES: [HeaderName; 5] = [header::ORIGIN, header::COOKIE, header::ACCEPT, header::ACCEPT_ENCODING, header::ACCEPT_LANGUAGE];

/// The request's [`VARY_CANDIDATES`], copied, kept while the request is answered.
fn vary_candidates(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in VARY_CANDIDATES {
        for value in headers.get_all(&name) {
            if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
                kept.append(name.clone(), v);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdn() -> Cdn {
        Cdn::new(CdnSettings { paths: vec!["/api/hello/".into()], ttl_seconds: 60 })
    }

    fn get(url: &str, origin: Option<&'static str>) -> Request<Body> {
        let mut req = Request::get(url).body(Body::empty()).unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        req
    }

    fn answer(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    const PAGE: &str = "http://localhost:8000";
    const URL: &str = "/api/hello/?lab=visitor01.same-origin";

    fn acao(res: &Response<Body>) -> Option<&str> {
        res.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap())
    }

    #[test]
    fn without_vary_a_copy_stored_without_origin_is_served_to_the_page() {
        let c = cdn();
        let now = Instant::now();
        let primer = get(URL, None);
        c.store(URL, primer.headers(), StatusCode::OK, &answer(&[("content-type", "application/json")]), Bytes::from_static(b"{}"), now);
        let hit = c.lookup(&get(URL, Some(PAGE)), now + Duration::from_secs(3)).expect("one copy for every origin");
        assert_eq!(acao(&hit), None, "the page gets the primer's answer, without its allow header");
        assert_eq!(hit.headers()["x-cache"], "HIT");
        assert_eq!(hit.headers()["age"], "3");
        assert!(c.lookup(&get(URL, Some(PAGE)), now + Duration::from_secs(60)).is_none(), "expired");
        assert!(c.lookup(&get("/api/hello/?lab=visitor02.same-origin", Some(PAGE)), now).is_none(), "the query is part of the key");
    }

    #[test]
    fn with_vary_origin_each_origin_gets_its_own_copy() {
        let c = cdn();
        let now = Instant::now();
        c.store(URL, get(URL, None).headers(), StatusCode::OK, &answer(&[("vary", "origin")]), Bytes::from_static(b"{}"), now);
        assert!(c.lookup(&get(URL, Some(PAGE)), now).is_none(), "the page's Origin is another key");
        let page = get(URL, Some(PAGE));
        let allowed = answer(&[("vary", "origin"), ("access-control-allow-origin", PAGE)]);
        c.store(URL, page.headers(), StatusCode::OK, &allowed, Bytes::from_static(b"{}"), now);
        assert_eq!(acao(&c.lookup(&get(URL, Some(PAGE)), now).unwrap()), Some(PAGE));
        assert_eq!(acao(&c.lookup(&get(URL, None), now).unwrap()), None);
        assert_eq!(c.held().0, 2);
    }

    #[test]
    fn what_must_not_be_shared_is_not_stored() {
        let c = cdn();
        let now = Instant::now();
        let h = get(URL, None);
        let h = h.headers();
        let body = || Bytes::from_static(b"{}");
        assert!(c.store(URL, h, StatusCode::UNAUTHORIZED, &answer(&[]), body(), now).is_none());
        assert!(c.store(URL, h, StatusCode::OK, &answer(&[("set-cookie", "a=b")]), body(), now).is_none());
        assert!(c.store(URL, h, StatusCode::OK, &answer(&[("cache-control", "max-age=0, private")]), body(), now).is_none());
        assert!(c.store(URL, h, StatusCode::OK, &answer(&[("vary", "*")]), body(), now).is_none());
        assert!(c.store(URL, h, StatusCode::OK, &answer(&[]), Bytes::from(vec![b'x'; BODY_BYTES + 1]), now).is_none());
        assert_eq!(c.held(), (0, 0));
        let mut bearer = get(URL, None);
        bearer.headers_mut().insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(!c.caches(&bearer));
        assert!(!c.caches(&get("/api/users/", None)), "only the rule's paths");
    }

    #[test]
    fn the_store_stays_within_its_bounds_dropping_the_oldest() {
        let c = cdn();
        let now = Instant::now();
        let body = Bytes::from(vec![b'x'; 4096]);
        for i in 0..1000 {
            let url = format!("/api/hello/?lab=visitor{i:05}");
            c.store(&url, &HeaderMap::new(), StatusCode::OK, &answer(&[("content-type", "application/json")]), body.clone(), now);
        }
        let (copies, bytes) = c.held();
        assert!(copies <= ENTRIES && bytes <= BYTES, "{copies} copies, {bytes} bytes");
        assert!(c.lookup(&get("/api/hello/?lab=visitor00999", None), now).is_some(), "the newest stay");
        assert!(c.lookup(&get("/api/hello/?lab=visitor00000", None), now).is_none(), "the oldest went first");
        // Storing the same key again replaces the copy instead of adding one.
        c.store("/api/hello/?lab=visitor00999", &HeaderMap::new(), StatusCode::OK, &answer(&[]), body.clone(), now);
        assert_eq!(c.held().0, copies);
    }
}
