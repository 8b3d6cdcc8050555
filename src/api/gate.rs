//! What sits in front of the CORS layer when a scenario misplaces it ([`Placement`]): an
//! authentication layer that refuses requests without credentials, a router with no
//! `OPTIONS` routes, or a trailing-slash redirect. Their answers never pass through CORS,
//! so they carry no CORS headers — which is exactly why a preflight (never credentialed,
//! never redirected) then fails in the browser.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};

use super::{ApiError, Auth, ENDPOINTS};
use crate::cors::Placement;
use crate::jwt::AuthorizationError;
use crate::{cookie, session};

#[derive(Clone)]
pub struct Gate {
    placement: Placement,
    /// The mount's prefix, which a redirect's `Location` starts with (the requests the gate
    /// sees have it stripped).
    prefix: Arc<str>,
}

impl Gate {
    /// The gate of the mount at `prefix`.
    pub fn new(placement: Placement, prefix: &str) -> Gate {
        Gate { placement, prefix: prefix.into() }
    }
}

impl<S> tower::Layer<S> for Gate {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> GateService<S> {
        GateService { gate: self.clone(), inner }
    }
}

#[derive(Clone)]
pub struct GateService<S> {
    gate: Gate,
    inner: S,
}

impl<S> tower::Service<Request<Body>> for GateService<S>
where
    S: tower::Service<Request<Body>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        match self.gate.answer(&req) {
            Some(answer) => Either::Left(ready(Ok(answer))),
            None => Either::Right(self.inner.call(req)),
        }
    }
}

impl Gate {
    /// The answer of the layer in front of CORS, if it answers this request itself.
    fn answer(&self, req: &Request<Body>) -> Option<Response> {
        match self.placement {
            Placement::AfterSlashRedirect => self.slash_redirect(req),
            placement => refusal(placement, req).map(IntoResponse::into_response),
        }
    }

    /// 301 to the same path with its trailing slash (query kept), when that is an endpoint
    /// and the path is not: what `rewrite ^(.*[^/])$ $1/ permanent;` would answer, empty body.
    fn slash_redirect(&self, req: &Request<Body>) -> Option<Response> {
        let path = req.uri().path();
        let with_slash = format!("{path}/");
        if path.ends_with('/') || !ENDPOINTS.iter().any(|e| e.path == with_slash) {
            return None;
        }
        let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::MOVED_PERMANENTLY;
        let h = res.headers_mut();
        // A path and query hyper accepted are visible ASCII, and so is the lab's prefix.
        if let Ok(location) = HeaderValue::try_from(format!("{}{with_slash}{query}", self.prefix)) {
            h.insert(header::LOCATION, location);
        }
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        Some(res)
    }
}

/// What an authentication layer or a router in front of CORS refuses.
fn refusal(placement: Placement, req: &Request<Body>) -> Option<ApiError> {
    match placement {
        Placement::First | Placement::AfterSlashRedirect => None,
        Placement::AfterRouting => (req.method() == Method::OPTIONS).then(|| ApiError::not_found(None)),
        Placement::AfterAuth => {
            let auth = ENDPOINTS.iter().find(|e| e.path == req.uri().path()).map_or(Auth::Anyone, |e| e.auth);
            let headers = req.headers();
            match auth {
                Auth::Anyone => None,
                Auth::Bearer => (!headers.contains_key(header::AUTHORIZATION)).then(|| ApiError::authorization(AuthorizationError::Missing)),
                Auth::Session => cookie::find(headers, session::COOKIE_NAME, cookie::Precedence::First)
                    .is_none()
                    .then(ApiError::not_authenticated),
            }
        }
    }
}
