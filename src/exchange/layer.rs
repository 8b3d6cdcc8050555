//! The recording middleware: one [`ExchangeLayer`] per API mount, outside its CORS layer,
//! copies each tagged request and its response into the [`ExchangeLog`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, Request, Response, StatusCode, Uri, header};

use super::{Decided, Exchange, ExchangeLog, Tag};
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
    exchange: Exchange,
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
        let admitted = Tag::from_query(req.uri().query()).and_then(|t| {
            let started = Instant::now();
            self.log.admit(t.visitor, started).map(|n| (t.credentials, n, started))
        });
        let pending = admitted.map(|(credentials, unrecorded_before, started)| {
            let decision = self.cors.decide(req.method(), req.headers());
            Pending {
                log: self.log.clone(),
                started,
                exchange: Exchange {
                    id: 0,
                    at_ms: 0,
                    micros: 0,
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
                    unrecorded_before,
                    weight: 0,
                },
            }
        });
        ResponseFuture { inner: self.inner.call(req), pending }
    }
}

pin_project_lite::pin_project! {
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        pending: Option<Pending>,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(this.inner.poll(cx))?;
        if let Some(p) = this.pending.take() {
            let Pending { log, started, mut exchange } = p;
            exchange.micros = started.elapsed().as_micros() as u64;
            exchange.status = res.status();
            exchange.response = res.headers().clone();
            // hyper adds Content-Length when it writes the response; record it as sent.
            if let Some(n) = res.body().size_hint().exact().filter(|_| !res.headers().contains_key(header::CONTENT_LENGTH)) {
                exchange.response.insert(header::CONTENT_LENGTH, n.into());
            }
            log.record(exchange, started);
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
