// The secure version of each scenario in cookies.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![
        ("samesite-strict", samesite_strict()),
        ("samesite-lax", samesite_lax()),
        ("samesite-none", samesite_none()),
        ("samesite-unset", samesite_unset()),
        ("samesite-none-insecure", samesite_none_insecure()),
        ("session-fixation", session_fixation()),
    ]
}

// scenario: samesite-strict
// CORS is not the fix here: keep your CSRF check (e.g. axum_csrf, or a double-submit token
// checked on every state-changing route) next to the Strict cookie, e.g. with tower-sessions:
//   SessionManagerLayer::new(store).with_same_site(SameSite::Strict).with_secure(true)
pub fn samesite_strict() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: samesite-lax
// CORS is not the fix here: keep your CSRF check next to the Lax cookie (tower-sessions:
// `.with_same_site(SameSite::Lax)`, its default), and no state change behind a GET route.
pub fn samesite_lax() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: samesite-none
// Lax unless another site truly needs the cookie (tower-sessions: `.with_same_site(SameSite::Lax)`),
// and a CSRF check on every state-changing route either way.
pub fn samesite_none() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: samesite-unset
// Name the attribute on every cookie you set yourself, e.g. with the cookie crate:
//   Cookie::build(("sessionid", key)).http_only(true).secure(true).same_site(SameSite::Lax)
pub fn samesite_unset() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: samesite-none-insecure
// SameSite=None always with Secure (tower-sessions: `.with_same_site(SameSite::None).with_secure(true)`),
// served over https.
pub fn samesite_none_insecure() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: session-fixation
// CORS is not the fix here: give the session a new id at login. With tower-sessions:
//   session.cycle_id().await?;  // then store the user in it
pub fn session_fixation() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}
