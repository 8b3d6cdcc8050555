//! The JSON API of SPEC §2: its route table, shared state, and the CORS policies in front.
//!
//! A request flows: [`crate::server`] (limits, peer address) → [`Api`] (picks the mount) →
//! [`ExchangeLayer`] (records tagged requests) → [`CorsLayer`] (preflights are answered
//! here) → the route table below → an extractor or two ([`extract`]: CSRF check,
//! cookies, JSON body) → a thin handler ([`handlers`]) calling the rule modules.

mod error;
mod extract;
mod handlers;

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use axum::Router;
use serde::Serialize;
use tower::{Layer, Service};

pub use error::ApiError;

use crate::accounts::Accounts;
use crate::config::Limits;
use crate::cookie::CookiePolicy;
use crate::cors::{Cors, CorsLayer, CorsService};
use crate::exchange::{ExchangeLayer, ExchangeLog, ExchangeService};
use crate::csrf::TrustedOrigins;
use crate::jwt::JwtKeys;
use crate::ratelimit::RateLimiter;
use crate::session::Sessions;

/// Everything handlers share.
pub struct App {
    /// Where the lab page is, for the API's own 404 at `/`.
    pub page_origin: String,
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

/// One mount of the route table: its exchange log recorder outside, its CORS policy inside.
type Mount = ExchangeService<CorsService<Router>>;

/// The API behind `default` CORS, plus the same API under each `(prefix, policy)`, each
/// wrapped in the exchange log. The lab mounts [`crate::cors::CorsPolicy::without_cors`] at
/// `/without-cors` so the page can show a request the browser blocks.
///
/// Each mount wraps the whole route table once. `Router::layer` would wrap every route
/// instead, and then every request pays for boxing and cloning one service per layer.
#[derive(Clone)]
pub struct Api {
    default: Mount,
    mounts: Arc<[(&'static str, Mount)]>,
}

impl Api {
    pub fn new(app: AppState, log: Arc<ExchangeLog>, default: Arc<Cors>, mounts: &[(&'static str, Arc<Cors>)]) -> Api {
        let mount = |prefix: &str, cors: Arc<Cors>| {
            ExchangeLayer::new(log.clone(), cors.clone(), prefix).layer(CorsLayer::new(cors).layer(endpoints(app.clone())))
        };
        Api {
            default: mount("", default),
            mounts: mounts.iter().map(|(prefix, cors)| (*prefix, mount(prefix, cors.clone()))).collect(),
        }
    }
}

impl Service<Request<Body>> for Api {
    type Response = Response;
    type Error = Infallible;
    type Future = <Mount as Service<Request<Body>>>::Future;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Every mount ends in an axum `Router`, which is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        for (prefix, mount) in self.mounts.iter() {
            if let Some(uri) = strip_prefix(req.uri(), prefix) {
                *req.uri_mut() = uri;
                return mount.clone().call(req);
            }
        }
        self.default.clone().call(req)
    }
}

/// `/without-cors/api/hello/?x` → `/api/hello/?x`, as `Router::nest` strips a prefix;
/// `None` when the path is not under `prefix`.
fn strip_prefix(uri: &Uri, prefix: &str) -> Option<Uri> {
    let rest = uri.path().strip_prefix(prefix).filter(|rest| rest.is_empty() || rest.starts_with('/'))?;
    let path = if rest.is_empty() { "/" } else { rest };
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    // A suffix of a valid path, plus its query, is itself valid.
    target.parse().ok()
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

/// 404, pointing out a forgotten trailing slash, the most common slip with Django URLs, or,
/// at `/`, where the lab page is (someone opened the API's address in the browser).
async fn not_found(State(app): State<AppState>, uri: Uri) -> ApiError {
    if uri.path() == "/" {
        return ApiError::api_root(&app.page_origin);
    }
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

    #[test]
    fn a_mount_prefix_is_stripped_only_at_a_segment_boundary() {
        let strip = |uri: &str| strip_prefix(&uri.parse().unwrap(), "/without-cors").map(|u| u.to_string());
        assert_eq!(strip("/without-cors/api/hello/?lab=v.include").as_deref(), Some("/api/hello/?lab=v.include"));
        assert_eq!(strip("/without-cors").as_deref(), Some("/"));
        assert_eq!(strip("/without-cors?x=1").as_deref(), Some("/?x=1"));
        assert_eq!(strip("/without-corsets/api/hello/"), None);
        assert_eq!(strip("/api/hello/"), None);
    }
}
