//! The lab page (SPEC §3): static HTML, CSS and JavaScript embedded in the binary, served on
//! the page origin. No CDN, no build step; it works offline.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::origin::Origin;

const INDEX_HTML: &str = include_str!("../assets/page/index.html");
const APP_JS: &str = include_str!("../assets/page/app.js");
const STYLE_CSS: &str = include_str!("../assets/page/style.css");

/// The page learns where the API is from `<meta name="corslab-api" content="…">`.
const API_ORIGIN_PLACEHOLDER: &str = "{{API_ORIGIN}}";

pub fn router(api_origin: &Origin) -> Router {
    let index = INDEX_HTML.replace(API_ORIGIN_PLACEHOLDER, &api_origin.to_string());
    // Only the page's own files, its exchange feed, and fetches to the API: an injected
    // script could not load code from elsewhere or send data anywhere else.
    let csp = HeaderValue::try_from(format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {api_origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ))
    .expect("origins are ASCII");
    Router::new()
        .route("/", get(move || asset("text/html; charset=utf-8", index.clone(), csp.clone())))
        .route("/app.js", get(|| asset_static("text/javascript; charset=utf-8", APP_JS)))
        .route("/style.css", get(|| asset_static("text/css; charset=utf-8", STYLE_CSS)))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found\n") })
}

async fn asset_static(content_type: &'static str, body: &'static str) -> Response {
    with_headers(body.into_response(), content_type)
}

async fn asset(content_type: &'static str, body: String, csp: HeaderValue) -> Response {
    let mut res = with_headers(body.into_response(), content_type);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    res
}

fn with_headers(mut res: Response, content_type: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Always revalidate: a lab upgraded in place must not run yesterday's script.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
