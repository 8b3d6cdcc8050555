//! The config snippets every catalogue scenario shows are real: the tower-http ones compile
//! (this file includes them) and build a layer, and the Django ones use only setting names
//! Django, django-cors-headers and djangorestframework-simplejwt define.

#![allow(dead_code)] // each snippet is a function the catalogue shows; the test calls them all

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
#[allow(unused_imports)] // for the snippets that need it
use tower_http::cors::{AllowOrigin, CorsLayer};

macro_rules! groups {
    ($($group:ident),*) => {
        $(mod $group {
            use super::*;
            include!(concat!("../assets/scenarios/", stringify!($group), ".rs"));
        })*
        /// Every group's snippets, in catalogue order.
        fn all_snippets() -> Vec<(&'static str, CorsLayer)> {
            let mut all = Vec::new();
            $(all.extend($group::all());)*
            all
        }
    };
}

groups!(article, cors_origins, cors_requests, csrf, cookies, jwt);

mod support;

#[test]
fn every_scenario_has_a_tower_http_snippet_that_builds_a_cors_layer() {
    let built: Vec<&str> = all_snippets().iter().map(|(id, _layer)| *id).collect();
    let listed: Vec<String> = support::catalogue().into_iter().map(|e| e.id).collect();
    assert_eq!(built, listed, "each group's all() names its scenarios' snippets, in catalogue order");
}

/// Settings of Django 5.2, django-cors-headers 4.x and the other apps the article uses.
const DJANGO_SETTINGS: &[&str] = &[
    "ALLOWED_HOSTS", "APPEND_SLASH", "AUTHENTICATION_BACKENDS", "INSTALLED_APPS", "MIDDLEWARE", "REST_FRAMEWORK",
    "SECRET_KEY", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SIMPLE_JWT",
    "CORS_ALLOWED_ORIGINS", "CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ALLOW_ALL_ORIGINS", "CORS_ALLOW_CREDENTIALS",
    "CORS_ALLOW_HEADERS", "CORS_ALLOW_METHODS", "CORS_EXPOSE_HEADERS", "CORS_PREFLIGHT_MAX_AGE", "CORS_URLS_REGEX",
    "CORS_ALLOW_PRIVATE_NETWORK", "CSRF_COOKIE_AGE", "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_PATH", "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_FAILURE_VIEW", "CSRF_HEADER_NAME",
    "CSRF_TRUSTED_ORIGINS", "CSRF_USE_SESSIONS", "SESSION_COOKIE_AGE", "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_NAME", "SESSION_COOKIE_PATH", "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_SECURE", "SESSION_ENGINE", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
];

/// Keys of `SIMPLE_JWT` and `REST_FRAMEWORK`.
const DICT_KEYS: &[&str] = &[
    "ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION",
    "ALGORITHM", "SIGNING_KEY", "VERIFYING_KEY", "AUTH_HEADER_TYPES", "USER_ID_FIELD", "USER_ID_CLAIM",
    "TOKEN_TYPE_CLAIM", "LEEWAY", "DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_PERMISSION_CLASSES",
    "DEFAULT_PARSER_CLASSES",
];

#[test]
fn every_django_snippet_uses_real_setting_names() {
    let entries = support::catalogue();
    assert!(!entries.is_empty());
    for e in &entries {
        let django = &e.snippets.django;
        for line in django.lines() {
            let line = line.trim_start();
            let name: String = line.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
            let rest = line[name.len()..].trim_start();
            if !name.is_empty() && (rest.starts_with('=') || rest.starts_with("+=")) {
                assert!(DJANGO_SETTINGS.contains(&name.as_str()), "{}: {name} is not a Django setting", e.id);
            }
        }
        for key in django.split('"').skip(1).step_by(2) {
            let after = django.split(&format!("\"{key}\"")).nth(1).unwrap_or("");
            if key.chars().all(|c| c.is_ascii_uppercase() || c == '_') && after.trim_start().starts_with(':') {
                assert!(DICT_KEYS.contains(&key), "{}: {key} is not a SIMPLE_JWT / REST_FRAMEWORK key", e.id);
            }
        }
        for snippet in [&e.snippets.django, &e.snippets.tower_http, &e.snippets.express, &e.snippets.nginx] {
            assert!(!snippet.trim().is_empty() && !snippet.contains("{page}"), "{}: placeholders filled", e.id);
        }
    }
}
