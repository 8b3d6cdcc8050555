//! The recording middleware: one [`ExchangeLayer`] per API mount, outside its CORS layer,
//! copies each tagged request and its response into the [`ExchangeLog`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri, header};

use super::{Decided, ExchangeLog, Recording, Tag};
use crate::cors::Cors;

/// Records every tagged request that passes through it. Wraps a mount's
/// [`crate::cors::CorsLayer`], whose policy it is given to say which rule decided, and the
/// mount's path prefix, which [`crate::api::Api`] has already stripped from the URI it sees.
#[derive(Clone)]
pub struct ExchangeLayer {
    log: Arc<ExchangeLog>,
    cors: Arc<Cors>,
    prefix: Arc<str>,
}

impl ExchangeLayer {
    pub fn new(log: Arc<ExchangeLog>, cors: Arc<Cors>, prefix: &str) -> ExchangeLayer {
        ExchangeLayer { log, cors, prefix: prefix.into() }
    }
}

impl<S> tower::Layer<S> for ExchangeLayer {
    type Service = ExchangeService<S>;

    fn layer(&self, inner: S) -> ExchangeService<S> {
        ExchangeService { log: self.log.clone(), cors: self.cors.clone(), prefix: self.prefix.clone(), inner }
    }
}

#[derive(Clone)]
pub struct ExchangeService<S> {
    log: Arc<ExchangeLog>,
    cors: Arc<Cors>,
    prefix: Arc<str>,
    inner: S,
}

/// The request half of an exchange, waiting for its response.
struct Pending {
    log: Arc<ExchangeLog>,
    started: Instant,
    recording: Recording,
}

impl<S> tower::Service<Request<Body>> for ExchangeService<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // Untagged requests (all real traffic) pay only the query check: no clock read.
        let tag = Tag::from_query(req.uri().query());
        let malformed_tag = tag.is_none() && Tag::is_attempted(req.uri().query());
        let admitted = tag.and_then(|t| {
            let started = Instant::now();
            self.log.admit(t.visitor, started).map(|n| (t.credentials, n, started))
        });
        let pending = admitted.map(|(credentials, unrecorded_before, started)| {
            let decision = self.cors.decide_for(&req);
            Pending {
                log: self.log.clone(),
                started,
                // The header map is shared with the request until the response is ready;
                // the log copies what it keeps and drops it.
                recording: Recording {
                    credentials,
                    method: req.method().clone(),
                    uri: with_prefix(&self.prefix, req.uri()),
                    request: req.headers().clone(),
                    status: StatusCode::OK,
                    response: HeaderMap::new(),
                    decided: Some(Decided {
                        policy: self.cors.name().clone(),
                        preflight: decision.preflight,
                        origin: decision.origin,
                    }),
                    micros: 0,
                    unrecorded_before,
                },
            }
        });
        ResponseFuture { inner: self.inner.call(req), pending, malformed_tag }
    }
}

pin_project_lite::pin_project! {
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        pending: Option<Pending>,
        // The query has a `lab` parameter that is not a visitor id: say why nothing was
        // recorded, rather than leave a tool's user wondering.
        malformed_tag: bool,
    }
}

/// Tells a client whose `lab` tag was refused why its exchange is not in the log. Not a CORS
/// header and not exposed, so it changes nothing a page's script can see.
const NOT_RECORDED: HeaderValue =
    HeaderValue::from_static("not recorded: the visitor id in ?lab= must be 8-64 characters of A-Z a-z 0-9 _ -");

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        if *this.malformed_tag {
            res.headers_mut().insert("corslab-log", NOT_RECORDED);
        }
        if let Some(p) = this.pending.take() {
            let Pending { log, started, mut recording } = p;
            recording.micros = started.elapsed().as_micros() as u64;
            recording.status = res.status();
            recording.response = res.headers().clone();
            // hyper adds Content-Length when it writes the response; record it as sent.
            if let Some(n) = res.body().size_hint().exact().filter(|_| !res.headers().contains_key(header::CONTENT_LENGTH)) {
                recording.response.insert(header::CONTENT_LENGTH, n.into());
            }
            log.record(recording, started);
        }
        Poll::Ready(Ok(res))
    }
}

/// The URI as the client sent it, before the API stripped the mount's prefix.
fn with_prefix(prefix: &str, uri: &Uri) -> Uri {
    if prefix.is_empty() {
        return uri.clone();
    }
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    format!("{prefix}{target}").parse().unwrap_or_else(|_| uri.clone())
}
