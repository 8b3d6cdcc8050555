//! The lab page (SPEC §3): static HTML, CSS and JavaScript embedded in the binary, served on
//! the page origin, plus the small endpoints through which the page asks the server's rules
//! instead of re-implementing them ([`explain`]). No CDN, no build step; it works offline.
//!
//! With `--page-dir` the files are read from that directory on every request instead, so the
//! page can be edited without rebuilding the binary.

mod explain;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use bytes::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use explain::PageRules;

use crate::origin::Origin;

struct Asset {
    route: &'static str,
    file: &'static str,
    content_type: &'static str,
    embedded: &'static str,
}

const ASSETS: [Asset; 4] = [
    Asset {
        route: "/",
        file: "index.html",
        content_type: "text/html; charset=utf-8",
        embedded: include_str!("../assets/page/index.html"),
    },
    Asset {
        route: "/messages.js",
        file: "messages.js",
        content_type: "text/javascript; charset=utf-8",
        embedded: include_str!("../assets/page/messages.js"),
    },
    Asset {
        route: "/app.js",
        file: "app.js",
        content_type: "text/javascript; charset=utf-8",
        embedded: include_str!("../assets/page/app.js"),
    },
    Asset {
        route: "/style.css",
        file: "style.css",
        content_type: "text/css; charset=utf-8",
        embedded: include_str!("../assets/page/style.css"),
    },
];

/// The page learns where the API is from `<meta name="corslab-api" content="…">`.
const API_ORIGIN_PLACEHOLDER: &str = "{{API_ORIGIN}}";

struct Page {
    api_origin: String,
    csp: HeaderValue,
    dir: Option<PathBuf>,
}

/// The page's router; `scenarios` is the `GET /scenarios.json` document
/// ([`crate::scenario::listing`]), `rules` what the explaining endpoints consult.
pub fn router(api_origin: &Origin, dir: Option<PathBuf>, scenarios: String, rules: PageRules) -> Router {
    // Only the page's own files, its exchange feed, and fetches to the API: an injected
    // script could not load code from elsewhere or send data anywhere else.
    let csp = HeaderValue::try_from(format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {api_origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ))
    .expect("origins are ASCII");
    let page = Arc::new(Page { api_origin: api_origin.to_string(), csp, dir });
    let scenarios: Bytes = scenarios.into();
    ASSETS
        .iter()
        .fold(Router::new(), |router, asset| router.route(asset.route, get(move |State(page)| serve(page, asset))))
        .route("/scenarios.json", get(move || async move { crate::api::json_bytes(StatusCode::OK, scenarios) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found\n") })
        .with_state(page)
        .merge(explain::router(rules))
}

async fn serve(page: Arc<Page>, asset: &'static Asset) -> Response {
    let body: Cow<'static, str> = match &page.dir {
        None => asset.embedded.into(),
        Some(dir) => match tokio::fs::read_to_string(dir.join(asset.file)).await {
            Ok(text) => text.into(),
            Err(e) => return (StatusCode::NOT_FOUND, format!("{}: {e}\n", asset.file)).into_response(),
        },
    };
    let body = if asset.file == "index.html" { body.replace(API_ORIGIN_PLACEHOLDER, &page.api_origin).into() } else { body };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Always revalidate: a lab upgraded in place must not run yesterday's script.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if asset.file == "index.html" {
        h.insert(header::CONTENT_SECURITY_POLICY, page.csp.clone());
    }
    res
}
