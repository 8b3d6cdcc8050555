//! The attacker origins (SPEC §6): listeners of the same binary playing an "evil" site, the
//! way PortSwigger's exploit server does for its labs.
//!
//! Two of them: the same-site attacker (`http://localhost:8003`, another origin of the
//! API's site, like a compromised sibling subdomain: its requests carry `SameSite=Lax`
//! cookies) and the cross-site attacker (`http://127.0.0.1:8002`, another site). Each lists
//! the catalogue's scenarios whose exploit it runs.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::scenario::catalogue::{AttackerSite, Entry};

/// The router of the attacker playing `site`, for these catalogue entries.
pub fn router(site: AttackerSite, entries: &[Entry]) -> Router {
    let index: Arc<str> = index(site, entries).into();
    Router::new().route("/", get(serve_index)).with_state(index)
}

async fn serve_index(State(index): State<Arc<str>>) -> Response {
    let mut res = Html(index.to_string()).into_response();
    // The attacker's pages are plain documents; nothing here should be cached across runs.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn index(site: AttackerSite, entries: &[Entry]) -> String {
    let (en, ja) = match site {
        AttackerSite::SameSite => ("Same-site attacker", "同一サイトの攻撃者"),
        AttackerSite::CrossSite => ("Cross-site attacker", "クロスサイトの攻撃者"),
    };
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>corslab — {en}</title>\
         <h1>{en} <span lang=\"ja\">/ {ja}</span></h1><ul>"
    );
    for e in entries.iter().filter(|e| e.attack.from == site) {
        let _ = write!(html, "<li><a href=\"/{id}/\">{id}</a> — {title}</li>", id = e.id, title = escape(&e.title.en));
    }
    html.push_str("</ul></html>");
    html
}

/// Text for HTML element content.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
