// The secure version of each scenario in cors-requests.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![
        ("allow-headers-wildcard", allow_headers_wildcard()),
        ("credentials-missing", credentials_missing()),
        ("preflight-after-auth", preflight_after_auth()),
        ("preflight-after-routing", preflight_after_routing()),
        ("errors-without-cors", errors_without_cors()),
        ("vary-missing", vary_missing()),
        ("cdn-with-vary", cdn_with_vary()),
        ("preflight-redirect", preflight_redirect()),
        ("max-age-outlives-change", max_age_outlives_change()),
    ]
}

// scenario: allow-headers-wildcard
pub fn allow_headers_wildcard() -> CorsLayer {
    // Not `.allow_headers(Any)` (`*`, which never covers Authorization in the Fetch Standard
    // and is only a name with credentials; tower-http refuses it with credentials): name them.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: credentials-missing
pub fn credentials_missing() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        // Access-Control-Allow-Credentials: true, for the page's credentials: "include" calls.
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: preflight-after-auth
pub fn preflight_after_auth() -> CorsLayer {
    // Add it after the authentication layer, so it is the outer one and answers preflights
    // before authentication runs: `Router::new()….layer(auth).layer(preflight_after_auth())`.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: preflight-after-routing
pub fn preflight_after_routing() -> CorsLayer {
    // `Router::layer` wraps the fallback too, so OPTIONS to any path reaches it; a layer
    // added with `route_layer` would only see matched routes, and preflights would 404.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: errors-without-cors
pub fn errors_without_cors() -> CorsLayer {
    // The outermost layer, so every answer passes through it, 401s and 404s included, and
    // carries Access-Control-Allow-Origin: the page can read the real error.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: vary-missing
pub fn vary_missing() -> CorsLayer {
    // tower-http sends `Vary: origin, access-control-request-method,
    // access-control-request-headers` by default; keep it (never `.vary([])`), so a cache
    // in front keeps one copy per Origin.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .vary([header::ORIGIN, header::ACCESS_CONTROL_REQUEST_METHOD, header::ACCESS_CONTROL_REQUEST_HEADERS])
}

// scenario: cdn-with-vary
pub fn cdn_with_vary() -> CorsLayer {
    // As the article: tower-http's default Vary includes Origin.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
}

// scenario: preflight-redirect
pub fn preflight_redirect() -> CorsLayer {
    // The outermost layer, outside any redirect (a trailing slash added, http to https); and
    // the page calls the final URL, because a browser never follows a redirect for a preflight.
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
}

// scenario: max-age-outlives-change
pub fn max_age_outlives_change() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
        // Short, so a narrowed policy reaches every browser soon (Chromium caps at 7200 s,
        // Firefox at 86400 s).
        .max_age(Duration::from_secs(600))
}
