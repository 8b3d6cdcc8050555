//! The lab page (SPEC §3, §7): static HTML, CSS and JavaScript modules embedded in the binary,
//! served on the page origin, plus the small endpoints through which the page asks the
//! server's rules instead of re-implementing them ([`explain`]). No CDN, no build step; it
//! works offline.
//!
//! With `--page-dir` the files are read from that directory on every request instead, so the
//! page can be edited without rebuilding the binary. Only the files listed in [`ASSETS`] are
//! served, from either place.

mod explain;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;

pub use explain::PageRules;

use crate::scenario::LabOrigins;

struct Asset {
    /// The path under `assets/page/`, which is also its URL path (`index.html` is `/`).
    file: &'static str,
    embedded: &'static str,
}

impl Asset {
    fn route(&self) -> Cow<'static, str> {
        match self.file {
            "index.html" => "/".into(),
            file => format!("/{file}").into(),
        }
    }

    /// Browsers run a module script only when it is served as JavaScript.
    fn content_type(&self) -> &'static str {
        match self.file.rsplit_once('.').map(|(_, ext)| ext) {
            Some("html") => "text/html; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            _ => "text/javascript; charset=utf-8",
        }
    }
}

/// Each file once: its path is both where it is embedded from and where it is served.
macro_rules! assets {
    ($($file:literal),* $(,)?) => {
        [$(Asset { file: $file, embedded: include_str!(concat!("../assets/page/", $file)) }),*]
    };
}

/// Every file of the page. A unit test checks that no file of `assets/page/` is missing here.
const ASSETS: [Asset; 25] = assets![
    "index.html",
    "style.css",
    "js/main.js",
    "js/i18n.js",
    "js/messages.js",
    "js/dom.js",
    "js/api.js",
    "js/feed.js",
    "js/wire.js",
    "js/runner.js",
    "js/results.js",
    "js/result-view.js",
    "js/diagram.js",
    "js/verdict-view.js",
    "js/cards.js",
    "js/card-view.js",
    "js/composer.js",
    "js/editor.js",
    "js/jwt-view.js",
    "js/csrf-view.js",
    "js/share.js",
    "js/setup-view.js",
    "js/scenarios.js",
    "js/attack.js",
    "js/attack-view.js",
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
pub fn router(origins: &LabOrigins, dir: Option<PathBuf>, scenarios: String, rules: PageRules) -> Router {
    // Only the page's own files, its exchange feed, fetches to the API, and the attackers'
    // access logs: an injected script could not load code from elsewhere or send data
    // anywhere else.
    let LabOrigins { api, same_site_attacker, cross_site_attacker, .. } = origins;
    let csp = HeaderValue::try_from(format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {api} {same_site_attacker} {cross_site_attacker}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ))
    .expect("origins are ASCII");
    let page = Arc::new(Page { api_origin: api.to_string(), csp, dir });
    let scenarios: Bytes = scenarios.into();
    ASSETS
        .iter()
        .fold(Router::new(), |router, asset| router.route(&asset.route(), get(move |State(page)| serve(page, asset))))
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
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type()));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Always revalidate: a lab upgraded in place must not run yesterday's script.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if asset.file == "index.html" {
        h.insert(header::CONTENT_SECURITY_POLICY, page.csp.clone());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_page_is_embedded_and_served_with_its_type() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/page");
        let mut on_disk = Vec::new();
        for dir in [root.clone(), root.join("js")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    on_disk.push(path.strip_prefix(&root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = ASSETS.iter().map(|a| a.file.to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
        let by_file = |f: &str| ASSETS.iter().find(|a| a.file == f).unwrap();
        assert_eq!((by_file("index.html").route(), by_file("index.html").content_type()), ("/".into(), "text/html; charset=utf-8"));
        assert_eq!((by_file("js/main.js").route(), by_file("js/main.js").content_type()), ("/js/main.js".into(), "text/javascript; charset=utf-8"));
    }
}
