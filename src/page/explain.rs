//! Endpoints on the page origin through which the lab page asks the server's own rules, so
//! that no rule is written twice (once in Rust, once in JavaScript):
//!
//! - `GET /origins.json?page=<origin>`: how the page's origin relates to the API's (same
//!   origin, same site, cross-site, by the verdict engine's cookie rule), whether the default
//!   mount's CORS policy and CSRF check accept it, whether the session cookie flows, and the
//!   fix when they do not. The page shows it at once, before any click.
//! - `POST /csrf/explain`: the visitor's own CSRF token taken apart as Django reads it (mask,
//!   cipher, secret) and judged against the cookie secret the page can see, with Django's
//!   exact reason when they would not pass.
//! - `GET /endpoints.json`: the API's route table, which the page's experiment cards are
//!   built on.
//!
//! They explain what the caller already holds, so they need no protection of their own.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, json_response};
use crate::cookie::CookieSettings;
use crate::cors::{Cors, OriginCheck};
use crate::csrf::{self, Rejection, TrustedOrigins, UnsafeRequest};
use crate::origin::Origin;
use crate::verdict::{self, CookieAttributes, Credentials, SameSite, Text};

/// What the explaining endpoints consult: the default mount's rules as the operator
/// configured them.
pub struct PageRules {
    pub api_origin: Origin,
    /// Where the lab page is meant to be opened: the first fix for a page opened elsewhere.
    pub page_origin: Origin,
    pub cors: Arc<Cors>,
    pub trusted: TrustedOrigins,
    /// `--cors-allowed-origins` and `--csrf-trusted-origins` as configured, for the fix.
    pub allowed_origins: Vec<Origin>,
    pub trusted_origins: Vec<Origin>,
    pub cookies: CookieSettings,
}

/// A CSRF token and a cookie value are 64 and 32 characters; this leaves room for JSON.
const EXPLAIN_BODY_LIMIT: usize = 4096;

pub fn router(rules: PageRules) -> Router {
    Router::new()
        .route("/origins.json", get(origins))
        .route("/csrf/explain", post(csrf_explain))
        .route("/endpoints.json", get(endpoints))
        .with_state(Arc::new(rules))
}

/// How two origins relate, the distinction the lab page opens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Relation {
    SameOrigin,
    /// Another origin, the same site: `SameSite` cookies flow on credentialed fetches.
    SameSite,
    CrossSite,
}

#[derive(Serialize)]
struct OriginsReport {
    page: String,
    api: String,
    relation: Relation,
    /// The parts that differ: `scheme`, `host`, `port`.
    differs: Vec<&'static str>,
    cors: CorsFacts,
    csrf: CsrfFacts,
    /// Whether the `sessionid` cookie is sent and stored on the page's credentialed fetches.
    session_cookie: CookieFacts,
    fix: Option<Fix>,
}

#[derive(Serialize)]
struct CorsFacts {
    allowed: bool,
    origin_check: OriginCheck,
    allowed_origins: Vec<String>,
}

#[derive(Serialize)]
struct CsrfFacts {
    trusted: bool,
    trusted_origins: Vec<String>,
}

#[derive(Serialize)]
struct CookieFacts {
    sent: bool,
    reason: Text,
}

/// The two ways out for a page the API does not accept.
#[derive(Serialize)]
struct Fix {
    /// The lab page where it is accepted, if that is another address.
    open: Option<String>,
    /// Flags that make the API accept this page as well.
    flags: String,
}

#[derive(Deserialize)]
struct OriginsQuery {
    page: String,
}

/// `GET /origins.json?page=<origin>`.
async fn origins(State(rules): State<Arc<PageRules>>, query: Result<Query<OriginsQuery>, QueryRejection>) -> Response {
    let Ok(Query(OriginsQuery { page })) = query else {
        return ApiError::invalid_query("Give the page's origin as ?page=<scheme://host:port>, once.").into_response();
    };
    let page: Origin = match page.parse() {
        Ok(origin) => origin,
        Err(e) => return ApiError::invalid_query(format!("page={page:?} is not an origin: it {e}.")).into_response(),
    };
    json_response(StatusCode::OK, &report(&rules, &page))
}

fn report(rules: &PageRules, page: &Origin) -> OriginsReport {
    let (page_text, api_text) = (page.to_string(), rules.api_origin.to_string());
    let origin_check = cors_check(&rules.cors, &page_text);
    let cors_allowed = gets_allow_headers(origin_check);
    let csrf_trusted = rules.trusted.trusts(&page_text);
    let cookies = &rules.cookies;
    let session = verdict::cookie_outcome(
        &page_text,
        &api_text,
        Credentials::Include,
        CookieAttributes { same_site: cookies.same_site, secure: cookies.secure, http_only: cookies.http_only },
    );
    let fix = (!cors_allowed || !csrf_trusted).then(|| Fix {
        open: (rules.page_origin != *page && gets_allow_headers(cors_check(&rules.cors, &rules.page_origin.to_string())))
            .then(|| format!("{}/", rules.page_origin)),
        flags: fix_flags(rules, page, cors_allowed, csrf_trusted),
    });
    OriginsReport {
        relation: relation(page, &rules.api_origin),
        differs: differs(page, &rules.api_origin),
        cors: CorsFacts {
            allowed: cors_allowed,
            origin_check,
            allowed_origins: rules.allowed_origins.iter().map(Origin::to_string).collect(),
        },
        csrf: CsrfFacts { trusted: csrf_trusted, trusted_origins: rules.trusted_origins.iter().map(Origin::to_string).collect() },
        session_cookie: CookieFacts { sent: session.sent, reason: session.reason },
        fix,
        page: page_text,
        api: api_text,
    }
}

/// How the default mount's CORS layer judges a request from `origin`.
fn cors_check(cors: &Cors, origin: &str) -> OriginCheck {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ORIGIN, value);
    }
    cors.decide(&Method::GET, &headers).origin
}

/// Whether the responses to that origin carry `Access-Control-Allow-Origin`.
fn gets_allow_headers(check: OriginCheck) -> bool {
    matches!(check, OriginCheck::Allowed | OriginCheck::AllowedByAllowAll | OriginCheck::Reflected)
}

/// Same site is exactly what decides whether a `SameSite=Strict` cookie goes along, so the
/// engine's cookie rule answers it: its one copy of the registrable-domain test.
fn relation(page: &Origin, api: &Origin) -> Relation {
    if page == api {
        return Relation::SameOrigin;
    }
    let strict = CookieAttributes { same_site: SameSite::Strict, secure: false, http_only: true };
    if verdict::cookie_outcome(&page.to_string(), &api.to_string(), Credentials::Include, strict).sent {
        Relation::SameSite
    } else {
        Relation::CrossSite
    }
}

fn differs(a: &Origin, b: &Origin) -> Vec<&'static str> {
    [("scheme", a.scheme() != b.scheme()), ("host", a.host() != b.host()), ("port", a.port() != b.port())]
        .into_iter()
        .filter_map(|(part, differs)| differs.then_some(part))
        .collect()
}

/// The configured lists with `page` added, for the settings the page fails.
fn fix_flags(rules: &PageRules, page: &Origin, cors_allowed: bool, csrf_trusted: bool) -> String {
    let with_page = |list: &[Origin]| {
        let mut origins: Vec<String> = list.iter().map(Origin::to_string).collect();
        origins.push(page.to_string());
        origins.join(",")
    };
    let mut flags = Vec::new();
    if !cors_allowed {
        flags.push(format!("--cors-allowed-origins {}", with_page(&rules.allowed_origins)));
    }
    if !csrf_trusted {
        flags.push(format!("--csrf-trusted-origins {}", with_page(&rules.trusted_origins)));
    }
    flags.join(" ")
}

#[derive(Deserialize)]
struct ExplainRequest {
    token: String,
    /// The `csrftoken` cookie as the page's `document.cookie` shows it, if at all.
    cookie: Option<String>,
}

#[derive(Serialize, Debug, PartialEq)]
struct Explained {
    /// The halves and the secret; `None` when the token is malformed (see `check`).
    mask: Option<String>,
    cipher: Option<String>,
    secret: Option<String>,
    /// The secret Django reads from the cookie, `None` when absent or malformed.
    cookie_secret: Option<String>,
    check: Check,
}

#[derive(Serialize, Debug, PartialEq)]
struct Check {
    /// Django's check passes with this token in `X-CSRFToken` and this cookie.
    passes: bool,
    /// Django's exact reason when it does not.
    reason: Option<String>,
}

/// `POST /csrf/explain` with `{"token": …, "cookie": …}`.
async fn csrf_explain(State(rules): State<Arc<PageRules>>, body: Body) -> Response {
    let bytes = match axum::body::to_bytes(body, EXPLAIN_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::payload_too_large(EXPLAIN_BODY_LIMIT).into_response(),
    };
    match serde_json::from_slice::<ExplainRequest>(&bytes) {
        Ok(req) => json_response(StatusCode::OK, &explain_token(&rules, &req)),
        Err(_) => ApiError::invalid_json("Send {\"token\": <the masked token>, \"cookie\": <the csrftoken cookie or null>}.").into_response(),
    }
}

fn explain_token(rules: &PageRules, req: &ExplainRequest) -> Explained {
    let parts = csrf::take_apart(&req.token).ok();
    let cookie_secret = csrf::secret_from_cookie(req.cookie.as_deref()).ok().flatten();
    // The origin check is not the question here: the request comes as from the API itself.
    let own = rules.api_origin.to_string();
    let unsafe_request =
        UnsafeRequest { origin: Some(own.as_bytes()), referer: None, cookie: req.cookie.as_deref(), token: Some(req.token.as_bytes()) };
    let verdict: Result<(), Rejection> = csrf::check(&rules.trusted, &unsafe_request, None);
    Explained {
        mask: parts.as_ref().and_then(|p| p.mask).map(str::to_owned),
        cipher: parts.as_ref().and_then(|p| p.cipher).map(str::to_owned),
        secret: parts.as_ref().map(|p| p.secret.as_str().to_owned()),
        cookie_secret: cookie_secret.map(|s| s.as_str().to_owned()),
        check: Check { passes: verdict.is_ok(), reason: verdict.err().map(|r| r.to_string()) },
    }
}

#[derive(Serialize)]
struct EndpointListing {
    endpoints: Vec<crate::api::EndpointInfo>,
    /// Prefixes the same table is mounted at besides `/` (scenarios are in `/scenarios.json`).
    aliases: &'static [&'static str],
}

/// `GET /endpoints.json`.
async fn endpoints() -> Response {
    json_response(
        StatusCode::OK,
        &EndpointListing { endpoints: crate::api::describe(), aliases: &[crate::scenario::WITHOUT_CORS_ALIAS] },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cors::CorsPolicy;

    fn rules() -> PageRules {
        let page: Origin = "http://localhost:8000".parse().unwrap();
        let api: Origin = "http://localhost:8001".parse().unwrap();
        PageRules {
            cors: Arc::new(Cors::new("article", CorsPolicy::article(std::slice::from_ref(&page))).unwrap()),
            trusted: TrustedOrigins::new(&api, &[page.to_string()]),
            allowed_origins: vec![page.clone()],
            trusted_origins: vec![page.clone()],
            cookies: CookieSettings::default(),
            api_origin: api,
            page_origin: page,
        }
    }

    #[test]
    fn the_lab_page_is_same_site_allowed_trusted_and_gets_its_cookies() {
        let r = report(&rules(), &"http://localhost:8000".parse().unwrap());
        assert_eq!((r.relation, r.differs.as_slice()), (Relation::SameSite, &["port"][..]));
        assert!(r.cors.allowed && r.csrf.trusted && r.session_cookie.sent);
        assert!(r.fix.is_none());
    }

    #[test]
    fn the_address_runserver_prints_is_another_site_and_gets_both_fixes() {
        let r = report(&rules(), &"http://127.0.0.1:8000".parse().unwrap());
        assert_eq!((r.relation, r.differs.as_slice()), (Relation::CrossSite, &["host", "port"][..]));
        assert_eq!(r.cors.origin_check, OriginCheck::NotAllowed);
        assert!(!r.csrf.trusted && !r.session_cookie.sent);
        let fix = r.fix.unwrap();
        assert_eq!(fix.open.as_deref(), Some("http://localhost:8000/"));
        assert_eq!(
            fix.flags,
            "--cors-allowed-origins http://localhost:8000,http://127.0.0.1:8000 \
             --csrf-trusted-origins http://localhost:8000,http://127.0.0.1:8000"
        );
    }

    #[test]
    fn subdomains_of_one_domain_are_one_site_as_the_engine_says() {
        let a: Origin = "https://a.example.com".parse().unwrap();
        assert_eq!(relation(&a, &"https://b.example.com".parse().unwrap()), Relation::SameSite);
        assert_eq!(relation(&a, &"http://b.example.com".parse().unwrap()), Relation::CrossSite, "schemeful");
        assert_eq!(relation(&a, &a), Relation::SameOrigin);
    }

    #[test]
    fn a_token_is_explained_as_the_check_reads_it() {
        let rules = rules();
        let secret = csrf::Secret::generate();
        let token = secret.mask();
        let ask = |token: &str, cookie: Option<&str>| {
            explain_token(&rules, &ExplainRequest { token: token.to_owned(), cookie: cookie.map(str::to_owned) })
        };
        let ok = ask(&token, Some(secret.as_str()));
        assert_eq!((ok.mask.as_deref(), ok.cipher.as_deref()), (Some(&token[..32]), Some(&token[32..])));
        assert_eq!(ok.secret.as_deref(), Some(secret.as_str()));
        assert_eq!(ok.check, Check { passes: true, reason: None });
        let other = csrf::Secret::generate();
        let stale = ask(&token, Some(other.as_str()));
        assert_eq!(stale.check.reason.as_deref(), Some("CSRF token from the 'X-Csrftoken' HTTP header incorrect."));
        assert_eq!(ask(&token, None).check.reason.as_deref(), Some("CSRF cookie not set."));
        let short = ask("abc", Some(secret.as_str()));
        assert_eq!((short.secret, short.check.reason.as_deref()), (None, Some("CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.")));
    }
}
