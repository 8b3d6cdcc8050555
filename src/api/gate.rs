//! What sits in front of the CORS layer when a scenario misplaces it ([`Placement`]): an
//! authentication layer that refuses requests without credentials, or a router with no
//! `OPTIONS` routes. Their answers never pass through CORS, so they carry no CORS headers —
//! which is exactly why a preflight (never credentialed) then fails in the browser.

use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Method, Request, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};

use super::{ApiError, Auth, ENDPOINTS};
use crate::cors::Placement;
use crate::jwt::AuthorizationError;
use crate::{cookie, session};

#[derive(Clone, Copy)]
pub struct Gate {
    placement: Placement,
}

impl Gate {
    pub fn new(placement: Placement) -> Gate {
        Gate { placement }
    }
}

impl<S> tower::Layer<S> for Gate {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> GateService<S> {
        GateService { placement: self.placement, inner }
    }
}

#[derive(Clone)]
pub struct GateService<S> {
    placement: Placement,
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
        match refusal(self.placement, &req) {
            Some(refused) => Either::Left(ready(Ok(refused.into_response()))),
            None => Either::Right(self.inner.call(req)),
        }
    }
}

/// The answer of the layer in front of CORS, if it answers this request itself.
fn refusal(placement: Placement, req: &Request<Body>) -> Option<ApiError> {
    match placement {
        Placement::First => None,
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
