// The secure version of each scenario in cors-origins.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![
        ("allow-all-credentials", allow_all_credentials()),
        ("null-origin", null_origin()),
        ("prefix-match", prefix_match()),
        ("suffix-match", suffix_match()),
        ("substring-match", substring_match()),
        ("origin-regexes", origin_regexes()),
        ("any-subdomain", any_subdomain()),
        ("http-origin-trusted", http_origin_trusted()),
        ("star-public", star_public()),
        ("star-with-credentials", star_with_credentials()),
    ]
}

// scenario: allow-all-credentials
pub fn allow_all_credentials() -> CorsLayer {
    // Not AllowOrigin::any() (or mirror_request()) with credentials: list your origins.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: null-origin
pub fn null_origin() -> CorsLayer {
    // Never HeaderValue::from_static("null") in the list: any page can be `null`.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: prefix-match
pub fn prefix_match() -> CorsLayer {
    // Not AllowOrigin::predicate(|o, _| o.as_bytes().starts_with(b"http://…")): whole origins.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: suffix-match
pub fn suffix_match() -> CorsLayer {
    // Not a predicate on the host name's ending: scheme, host and port, exactly.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: substring-match
pub fn substring_match() -> CorsLayer {
    // Not a predicate asking whether the origin contains a name: equality.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: origin-regexes
pub fn origin_regexes() -> CorsLayer {
    // Each origin written out whole leaves no dot to escape and no end to anchor.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}"), HeaderValue::from_static("https://app.example.com")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: any-subdomain
pub fn any_subdomain() -> CorsLayer {
    // The origins that serve your page, not every subdomain at every scheme and port.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: http-origin-trusted
pub fn http_origin_trusted() -> CorsLayer {
    // https origins only (in production "https://app.example.com"), never an http:// twin.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}

// scenario: star-public
pub fn star_public() -> CorsLayer {
    // `*` without credentials, on the public routes only (layer just that router).
    CorsLayer::new().allow_origin(AllowOrigin::any()).allow_methods([Method::GET])
}

// scenario: star-with-credentials
pub fn star_with_credentials() -> CorsLayer {
    // tower-http refuses AllowOrigin::any() beside allow_credentials(true): building the
    // layer panics. The page's exact origin instead.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}
