// The secure version of each scenario in jwt.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them. CORS does not
// fix a verifier, so each section also shows the jsonwebtoken 11 code that does.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![
        ("jwt-alg-none", jwt_alg_none()),
        ("jwt-weak-secret", jwt_weak_secret()),
        ("jwt-signature-unchecked", jwt_signature_unchecked()),
        ("jwt-refresh-as-access", jwt_refresh_as_access()),
    ]
}

// scenario: jwt-alg-none
/// The verifier names the algorithm; a token saying `"alg": "none"` (or anything else) fails.
pub fn pinned_algorithm() -> jsonwebtoken::Validation {
    jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256)
}

pub fn jwt_alg_none() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: jwt-weak-secret
/// 32+ random bytes from the environment, never a word from a list.
pub fn signing_key() -> jsonwebtoken::DecodingKey {
    let key = std::env::var("JWT_SIGNING_KEY").expect("JWT_SIGNING_KEY is set");
    assert!(key.len() >= 32, "JWT_SIGNING_KEY: 32+ random bytes");
    jsonwebtoken::DecodingKey::from_secret(key.as_bytes())
}

pub fn jwt_weak_secret() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: jwt-signature-unchecked
/// `decode` checks the signature (and `exp`) before it returns any claim.
pub fn verified_claims(token: &str, key: &jsonwebtoken::DecodingKey) -> Option<serde_json::Value> {
    let validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    jsonwebtoken::decode::<serde_json::Value>(token, key, &validation).ok().map(|data| data.claims)
}

pub fn jwt_signature_unchecked() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

// scenario: jwt-refresh-as-access
/// Verified, and an access token: a refresh token is for the refresh endpoint only.
pub fn access_claims(token: &str, key: &jsonwebtoken::DecodingKey) -> Option<serde_json::Value> {
    let validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation).ok()?.claims;
    (claims["token_type"] == "access").then_some(claims)
}

pub fn jwt_refresh_as_access() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static("{page}"))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}
