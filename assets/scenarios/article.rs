// The secure version of each scenario in article.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![("article", article()), ("without-cors", without_cors()), ("reflect-origin", reflect_origin())]
}

// scenario: article
pub fn article() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([header::ACCEPT, header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
        .max_age(Duration::from_secs(7200))
}

// scenario: without-cors
pub fn without_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
}

// scenario: reflect-origin
pub fn reflect_origin() -> CorsLayer {
    // Not AllowOrigin::mirror_request() with credentials: list your origins.
    CorsLayer::new()
        .allow_origin([HeaderValue::from_static("{page}")])
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("x-csrftoken")])
}
