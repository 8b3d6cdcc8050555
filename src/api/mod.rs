//! The JSON API of SPEC §2: its route table, shared state, and the mounts in front.
//!
//! A request flows: [`crate::server`] (limits, peer address) → [`Api`] (picks the mount:
//! the default `/api/…` or a scenario's `/s/<id>/api/…`) → [`ExchangeLayer`] (records tagged
//! requests) → [`CdnLayer`] (a shared cache, when the scenario has one) → [`Gate`] (an
//! authentication layer, router or slash redirect placed before CORS, when the scenario
//! says so) → [`CorsLayer`] (preflights are answered here) → the route table below
//! → an extractor or two ([`extract`]: CSRF check, cookies, JSON body) → a thin handler
//! ([`handlers`]) calling the rule modules with the mount's settings.

mod error;
mod extract;
mod gate;
mod handlers;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use axum::Router;
use serde::Serialize;
use tower::{Layer, Service};

pub use error::ApiError;
pub(crate) use extract::{is_json, read_body};
use gate::{Gate, GateService};

use crate::accounts::Accounts;
use crate::cdn::{Cdn, CdnLayer, CdnService};
use crate::config::Limits;
use crate::cookie::CookieSettings;
use crate::cors::{Cors, CorsLayer, CorsService};
use crate::csrf::{CsrfSettings, Secret, SecretScope, TrustedOrigins};
use crate::exchange::{ExchangeLayer, ExchangeLog, ExchangeService};
use crate::jwt::JwtKeys;
use crate::origin::Origin;
use crate::ratelimit::RateLimiter;
use crate::scenario::Layers;
use crate::session::{SessionSettings, Sessions};

/// What every mount shares: accounts, the session store, rate limits.
pub struct Lab {
    /// Where the lab page is, for the API's own 404 at `/`.
    pub page_origin: String,
    pub api_origin: Origin,
    pub accounts: Accounts,
    pub sessions: Sessions,
    pub limits: Limits,
    pub login_per_address: RateLimiter,
    pub login_failures_per_username: RateLimiter,
    pub users_per_address: RateLimiter,
}

/// One API mount, as its handlers see it: the lab's shared parts and one scenario's layers,
/// compiled.
pub struct App {
    pub lab: Arc<Lab>,
    /// Sessions made here are valid only here: `""` for the default mount, else the
    /// scenario's id.
    pub session_scope: String,
    pub cors: Arc<Cors>,
    pub csrf: CsrfSettings,
    pub trusted: TrustedOrigins,
    /// The one secret every browser's token is compared with, for [`SecretScope::Shared`].
    pub shared_csrf_secret: Option<Secret>,
    pub cookies: CookieSettings,
    pub session_settings: SessionSettings,
    pub jwt: JwtKeys,
    pub cdn: Option<Arc<Cdn>>,
}

pub type AppState = Arc<App>;

impl App {
    /// Compiles `layers` for the mount of scenario `id`, signing tokens with `jwt_secret`.
    pub fn new(lab: Arc<Lab>, id: &str, session_scope: &str, layers: &Layers, jwt_secret: &[u8]) -> Result<App, String> {
        Ok(App {
            cors: Arc::new(Cors::new(id, layers.cors.clone())?),
            trusted: TrustedOrigins::new(&lab.api_origin, &layers.csrf.trusted_origins),
            shared_csrf_secret: (layers.csrf.secret == SecretScope::Shared).then(Secret::generate),
            csrf: layers.csrf.clone(),
            cookies: layers.cookies.clone(),
            session_settings: layers.sessions,
            jwt: JwtKeys::with_verifier(jwt_secret, layers.jwt.clone()),
            cdn: layers.cdn.clone().map(|settings| Arc::new(Cdn::new(settings))),
            session_scope: session_scope.to_owned(),
            lab,
        })
    }
}

/// One row of the API: path, the credentials it requires, and the methods it answers (the
/// `Allow` header) with their handlers, which may depend on the mount's session settings.
struct Endpoint {
    path: &'static str,
    auth: Auth,
    methods: fn(SessionSettings) -> (&'static str, MethodRouter<AppState>),
}

/// What an endpoint authenticates with (an authentication layer in front refuses requests
/// that carry none; see [`gate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    Anyone,
    Bearer,
    Session,
}

/// The whole API. `Allow` lists methods in Django REST framework's order.
static ENDPOINTS: [Endpoint; 9] = [
    Endpoint { path: "/api/hello/", auth: Auth::Anyone, methods: |_| ("GET, HEAD, OPTIONS", get(handlers::hello)) },
    Endpoint {
        path: "/api/users/",
        auth: Auth::Anyone,
        methods: |_| ("GET, POST, HEAD, OPTIONS", get(handlers::list_users).post(handlers::create_user)),
    },
    Endpoint { path: "/api/token/", auth: Auth::Anyone, methods: |_| ("POST, OPTIONS", post(handlers::token)) },
    Endpoint { path: "/api/token/refresh/", auth: Auth::Anyone, methods: |_| ("POST, OPTIONS", post(handlers::refresh)) },
    Endpoint { path: "/api/protected/", auth: Auth::Bearer, methods: |_| ("GET, HEAD, OPTIONS", get(handlers::protected)) },
    Endpoint { path: "/api/csrf/", auth: Auth::Anyone, methods: |_| ("GET, HEAD, OPTIONS", get(handlers::csrf_token)) },
    Endpoint { path: "/api/login/", auth: Auth::Anyone, methods: |_| ("POST, OPTIONS", post(handlers::login)) },
    Endpoint {
        path: "/api/session-data/",
        auth: Auth::Session,
        methods: |_| ("GET, POST, HEAD, OPTIONS", get(handlers::session_data).post(handlers::session_data)),
    },
    Endpoint {
        path: "/api/logout/",
        auth: Auth::Anyone,
        // A GET here changes state, which the CSRF check (rightly) never looks at.
        methods: |sessions| match sessions.logout_on_get {
            true => ("GET, POST, HEAD, OPTIONS", get(handlers::logout).post(handlers::logout)),
            false => ("POST, OPTIONS", post(handlers::logout)),
        },
    },
];

/// One row of the route table as the lab page lists it (`GET /endpoints.json`).
#[derive(Debug, Serialize)]
pub struct EndpointInfo {
    pub path: &'static str,
    /// The methods the view answers, in its `Allow` order.
    pub methods: Vec<&'static str>,
    pub auth: Auth,
}

/// The default mount's route table, described: what the page builds its experiment cards on.
pub fn describe() -> Vec<EndpointInfo> {
    ENDPOINTS
        .iter()
        .map(|e| EndpointInfo { path: e.path, methods: (e.methods)(SessionSettings::DJANGO).0.split(", ").collect(), auth: e.auth })
        .collect()
}

/// One mount of the route table: its exchange log recorder outside (it sees what the browser
/// got, from the cache or not), then the cache, the gate, and its CORS layer.
type Mount = ExchangeService<CdnService<GateService<CorsService<Router>>>>;

/// The API: the default mount (`/api/…`) and each scenario's (`/s/<id>/api/…`), each wrapped
/// in the exchange log.
///
/// Each mount wraps the whole route table once. `Router::layer` would wrap every route
/// instead, and then every request pays for boxing and cloning one service per layer.
#[derive(Clone)]
pub struct Api {
    default: Mount,
    /// By scenario id.
    scenarios: Arc<HashMap<String, Mount>>,
    /// Other prefixes a scenario answers at (`/without-cors`).
    aliases: Arc<[(&'static str, Mount)]>,
}

impl Api {
    /// `default` at `/`, each `(id, app)` at `/s/<id>`, each `(prefix, app)` alias at its
    /// prefix.
    pub fn new(log: Arc<ExchangeLog>, default: App, scenarios: Vec<(String, App)>, aliases: Vec<(&'static str, App)>) -> Api {
        let mount = |prefix: &str, app: App| {
            let app = Arc::new(app);
            let cors = app.cors.clone();
            let gate = Gate::new(cors.policy().placement, prefix);
            let cdn = CdnLayer::new(app.cdn.clone());
            ExchangeLayer::new(log.clone(), cors.clone(), prefix)
                .layer(cdn.layer(gate.layer(CorsLayer::new(cors).layer(endpoints(app)))))
        };
        Api {
            default: mount("", default),
            scenarios: Arc::new(
                scenarios.into_iter().map(|(id, app)| {
                    let m = mount(&crate::scenario::prefix(&id), app);
                    (id, m)
                }).collect(),
            ),
            aliases: aliases.into_iter().map(|(prefix, app)| (prefix, mount(prefix, app))).collect(),
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
        let path = req.uri().path();
        if let Some(rest) = path.strip_prefix("/s/") {
            let id = rest.split('/').next().unwrap_or("");
            if let Some(mount) = self.scenarios.get(id)
                && let Some(uri) = strip_prefix(req.uri(), &crate::scenario::prefix(id))
            {
                *req.uri_mut() = uri;
                return mount.clone().call(req);
            }
        }
        for (prefix, mount) in self.aliases.iter() {
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
            let (allow, methods) = (e.methods)(app.session_settings);
            let methods = methods
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
        return ApiError::api_root(&app.lab.page_origin);
    }
    let with_slash = format!("{}/", uri.path());
    let hint = ENDPOINTS.iter().any(|e| e.path == with_slash).then_some(with_slash);
    ApiError::not_found(hint)
}

pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    // Serializing the lab's own plain structs cannot fail.
    json_bytes(status, serde_json::to_vec(body).expect("response serializes"))
}

/// A response whose body is this JSON, already serialized.
pub(crate) fn json_bytes(status: StatusCode, json: impl Into<Body>) -> Response {
    let mut res = Response::new(json.into());
    *res.status_mut() = status;
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
            let legacy = SessionSettings { logout_on_get: true, ..SessionSettings::DJANGO };
            for settings in [SessionSettings::DJANGO, legacy] {
                assert!((e.methods)(settings).0.ends_with("OPTIONS"), "{}", e.path);
            }
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
