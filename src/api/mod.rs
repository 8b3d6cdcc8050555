//! The JSON API of SPEC §2: its route table, shared state, and the CORS policies in front.
//!
//! A request flows: [`crate::server`] (limits, peer address) → [`ExchangeLayer`] (records
//! tagged requests) → [`CorsLayer`] (preflights are
//! answered here) → the route table below → an extractor or two ([`extract`]: CSRF check,
//! cookies, JSON body) → a thin handler ([`handlers`]) calling the rule modules.

mod error;
mod extract;
mod handlers;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::Router;
use serde::Serialize;

pub use error::ApiError;

use crate::accounts::Accounts;
use crate::config::Limits;
use crate::cookie::CookiePolicy;
use crate::cors::{Cors, CorsLayer};
use crate::exchange::{ExchangeLayer, ExchangeLog};
use crate::csrf::TrustedOrigins;
use crate::jwt::JwtKeys;
use crate::ratelimit::RateLimiter;
use crate::session::Sessions;

/// Everything handlers share.
pub struct App {
    pub csrf: TrustedOrigins,
    pub cookies: CookiePolicy,
    pub accounts: Accounts,
    pub sessions: Sessions,
    pub jwt: JwtKeys,
    pub limits: Limits,
    pub login_per_address: RateLimiter,
    pub login_failures_per_username: RateLimiter,
    pub users_per_address: RateLimiter,
}

pub type AppState = Arc<App>;

/// One row of the API: path, the methods it answers (the `Allow` header), and handlers.
struct Endpoint {
    path: &'static str,
    allow: &'static str,
    methods: fn() -> MethodRouter<AppState>,
}

/// The whole API. `Allow` lists methods in Django REST framework's order.
static ENDPOINTS: [Endpoint; 9] = [
    Endpoint { path: "/api/hello/", allow: "GET, HEAD, OPTIONS", methods: || get(handlers::hello) },
    Endpoint {
        path: "/api/users/",
        allow: "GET, POST, HEAD, OPTIONS",
        methods: || get(handlers::list_users).post(handlers::create_user),
    },
    Endpoint { path: "/api/token/", allow: "POST, OPTIONS", methods: || post(handlers::token) },
    Endpoint { path: "/api/token/refresh/", allow: "POST, OPTIONS", methods: || post(handlers::refresh) },
    Endpoint { path: "/api/protected/", allow: "GET, HEAD, OPTIONS", methods: || get(handlers::protected) },
    Endpoint { path: "/api/csrf/", allow: "GET, HEAD, OPTIONS", methods: || get(handlers::csrf_token) },
    Endpoint { path: "/api/login/", allow: "POST, OPTIONS", methods: || post(handlers::login) },
    Endpoint {
        path: "/api/session-data/",
        allow: "GET, POST, HEAD, OPTIONS",
        methods: || get(handlers::session_data).post(handlers::session_data),
    },
    Endpoint { path: "/api/logout/", allow: "POST, OPTIONS", methods: || post(handlers::logout) },
];

/// The API behind `default` CORS, plus the same API under each `(prefix, policy)`, each
/// wrapped in the exchange log. The lab mounts [`crate::cors::CorsPolicy::without_cors`] at
/// `/without-cors` so the page can show a request the browser blocks.
pub fn router(app: AppState, log: Arc<ExchangeLog>, default: Arc<Cors>, mounts: &[(&str, Arc<Cors>)]) -> Router {
    let mount = |prefix: &str, cors: Arc<Cors>| {
        endpoints(app.clone()).layer(CorsLayer::new(cors.clone())).layer(ExchangeLayer::new(log.clone(), cors, prefix))
    };
    mounts.iter().fold(mount("", default), |router, (prefix, cors)| router.nest(prefix, mount(prefix, cors.clone())))
}

fn endpoints(app: AppState) -> Router {
    ENDPOINTS
        .iter()
        .fold(Router::new(), |router, e| {
            let allow = e.allow;
            let methods = (e.methods)()
                // An OPTIONS that is not a preflight reaches the view, as in Django.
                .options(move || async move { options_response(allow) })
                .fallback(move |method: Method| async move { ApiError::method_not_allowed(method.as_str(), allow) });
            router.route(e.path, methods)
        })
        .fallback(not_found)
        .with_state(app)
}

/// Django's `View.options`: 200, the `Allow` header, no body.
fn options_response(allow: &'static str) -> Response {
    let mut res = Response::new(Body::empty());
    res.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    res
}

/// 404, pointing out a forgotten trailing slash, the most common slip with Django URLs.
async fn not_found(uri: Uri) -> ApiError {
    let with_slash = format!("{}/", uri.path());
    let hint = ENDPOINTS.iter().any(|e| e.path == with_slash).then_some(with_slash);
    ApiError::not_found(hint)
}

pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    // Serializing the lab's own plain structs cannot fail.
    let bytes = serde_json::to_vec(body).expect("response serializes");
    let mut res = (status, bytes).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_path_ends_in_a_slash_and_allows_options() {
        for e in &ENDPOINTS {
            assert!(e.path.starts_with("/api/") && e.path.ends_with('/'), "{}", e.path);
            assert!(e.allow.ends_with("OPTIONS"), "{}", e.path);
        }
    }
}
