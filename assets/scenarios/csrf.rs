// The secure version of each scenario in csrf.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.
//
// tower-http has no CSRF layer: a CorsLayer decides who may *read* answers, and a form post
// is never preflighted. So each section pairs the article's CorsLayer with the check its
// scenario lacks, written out for axum.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![
        ("csrf-off", csrf_off()),
        ("csrf-trusted-origin-missing", csrf_trusted_origin_missing()),
        ("csrf-no-rotation", csrf_no_rotation()),
        ("csrf-token-not-tied", csrf_token_not_tied()),
        ("csrf-logout-on-get", csrf_logout_on_get()),
        ("csrf-json-as-text-plain", csrf_json_as_text_plain()),
    ]
}

// scenario: csrf-off
/// Django's Origin check, for an `axum::middleware::from_fn` in front of every route that
/// uses the session cookie: an unsafe request must come from an origin you trust.
pub fn from_trusted_origin(method: &Method, headers: &axum::http::HeaderMap) -> bool {
    let safe = [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE].contains(method);
    safe || headers.get(header::ORIGIN).is_some_and(|origin| origin.as_bytes() == b"{page}")
}

pub fn csrf_off() -> CorsLayer {
    // CORS answers only "who may read"; from_trusted_origin (and a token) answer "who may send".
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: csrf-trusted-origin-missing
/// One list for both questions, so that they cannot drift apart: who may read (CORS) and who
/// may send state changes (the CSRF Origin check).
pub const PAGE_ORIGINS: [&str; 1] = ["{page}"];

pub fn csrf_trusted_origin_missing() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(PAGE_ORIGINS.map(HeaderValue::from_static))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: csrf-no-rotation
pub fn csrf_no_rotation() -> CorsLayer {
    // Nothing to change here: at login, replace the session *and* the CSRF secret, and answer
    // with the new token for the page to use (Django's login() calls rotate_token).
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: csrf-token-not-tied
pub fn csrf_token_not_tied() -> CorsLayer {
    // The token must be this browser's: compare it with the secret in its own cookie or
    // session, never with one secret for everybody. Keeping X-CSRFToken out of the allowed
    // headers for other origins (an exact origin list) is what keeps other sites from
    // sending a token at all.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: csrf-logout-on-get
pub fn csrf_logout_on_get() -> CorsLayer {
    // Route logout with `post(logout)` only, never `get(logout)` or `any(logout)`: a GET
    // must change nothing. POST then needs what GET never has: the CSRF check.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: csrf-json-as-text-plain
/// Only `application/json` is JSON: axum's `Json` extractor refuses anything else (415),
/// which a hand-written `serde_json::from_slice` on the raw body does not.
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let essence = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next());
    essence.is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

pub fn csrf_json_as_text_plain() -> CorsLayer {
    // A preflight is not a CSRF defence: keep the CSRF check on JSON routes too.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}
