//! The attacker origins (SPEC §6): listeners of the same binary playing an "evil" site, the
//! way PortSwigger's exploit server does for its labs.
//!
//! Two of them: the same-site attacker (`http://localhost:8003`, another origin of the
//! API's site, like a compromised sibling subdomain: its requests carry `SameSite=Lax`
//! cookies) and the cross-site attacker (`http://127.0.0.1:8002`, another site). Each serves,
//! for every catalogue scenario it attacks, an exploit page at `/<id>/` that runs the attack
//! against the visitor's own lab session in the same browser and reports what it obtained,
//! and keeps its own access log: what its server received, loot included.
//!
//! An exploit page takes the query `?lab=<visitor>` (the lab page's visitor id: the attack's
//! requests to the API are tagged with it, so the lab's exchange log shows them too, with
//! the browser's verdict) and `against=default` to aim the same attack at the default mount
//! (`/api/…`, the article's settings) instead of the scenario's (`/s/<id>/api/…`).
//!
//! Besides its pages, the attacker's server offers them what a real attacker has: its own
//! account on the lab, and its own HTTP client ([`relay`], `POST /<id>/relay`) for requests
//! that need no victim's browser. And the lab lends them its referee ([`referee`],
//! `GET /<id>/referee`): what the API received from the page, for the attacks that cannot
//! see their own effect (a form posted to another site, a navigation).

mod log;
mod referee;
mod relay;

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::api::Api;
use crate::exchange::{ExchangeLog, Tag};
use crate::scenario::catalogue::{AttackKind, AttackerSite, Entry};
use crate::scenario::{self, LabOrigins};
pub use log::AccessLog;

/// The exploit scripts, one per [`AttackKind`] with something to run, plus what they share.
const SCRIPTS: [(&str, &str); 10] = [
    ("common.js", include_str!("../assets/attacker/common.js")),
    ("own_server.js", include_str!("../assets/attacker/own_server.js")),
    ("tokens.js", include_str!("../assets/attacker/tokens.js")),
    ("credentialed_read.js", include_str!("../assets/attacker/credentialed_read.js")),
    ("samesite_probe.js", include_str!("../assets/attacker/samesite_probe.js")),
    ("fixate_session.js", include_str!("../assets/attacker/fixate_session.js")),
    ("alg_none_token.js", include_str!("../assets/attacker/alg_none_token.js")),
    ("cracked_secret.js", include_str!("../assets/attacker/cracked_secret.js")),
    ("unchecked_signature.js", include_str!("../assets/attacker/unchecked_signature.js")),
    ("refresh_as_access.js", include_str!("../assets/attacker/refresh_as_access.js")),
];

/// The username of the attacker's own account on the lab, which the lab creates at start
/// (as if the attacker had signed up like anyone); its password only the attacker's pages
/// know.
pub const ACCOUNT: &str = "mallory";

/// What the attacker's server reaches besides its own pages.
#[derive(Clone)]
pub struct Reach {
    /// The lab's API, for [`relay`]: called as any HTTP client calls it.
    pub api: Api,
    /// The lab's exchange log, read only by the [`referee`].
    pub log: Arc<ExchangeLog>,
    /// The password of the attacker's account ([`ACCOUNT`]).
    pub password: String,
    /// The username the exploits aim at (the lab's demo account): all the attacker knows of
    /// its victim.
    pub victim: String,
}

struct Attacker {
    site: AttackerSite,
    origins: LabOrigins,
    entries: Vec<Entry>,
    index: String,
    log: AccessLog,
    csp: HeaderValue,
    reach: Reach,
}

/// The router of the attacker playing `site`, for these catalogue entries.
pub fn router(site: AttackerSite, entries: &[Entry], origins: &LabOrigins, reach: Reach) -> Router {
    let entries: Vec<Entry> = entries.iter().filter(|e| e.attack.kind != AttackKind::None && e.attack.sites().any(|s| s == site)).cloned().collect();
    // The exploit talks to the API and to its own server only; forms post to the API.
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' {api}; \
         form-action {api}; frame-src 'self'; img-src 'self' {api}; base-uri 'none'",
        api = origins.api
    );
    let attacker = Arc::new(Attacker {
        index: index(site, &entries),
        site,
        origins: origins.clone(),
        entries,
        log: AccessLog::new(log::CAPACITY),
        csp: HeaderValue::try_from(csp).expect("origins are ASCII"),
        reach,
    });
    Router::new()
        .route("/", get(serve_index))
        .route("/log.json", get(serve_log).options(log_preflight))
        .route("/assets/{file}", get(serve_script))
        .route("/{id}/", get(serve_exploit))
        .route("/{id}/loot", post(receive_loot))
        .route("/{id}/relay", post(relay).layer(DefaultBodyLimit::max(relay::REQUEST_BYTES)))
        .route("/{id}/referee", get(referee))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(attacker.clone(), record))
        .with_state(attacker)
}

/// Every request the attacker's server receives goes into its access log, as an exploit
/// server shows it (the log's own reads excepted, which would drown the rest).
async fn record(
    State(attacker): State<Arc<Attacker>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let visitor = Tag::from_query(req.uri().query()).map(|t| t.visitor.to_owned());
    if let Some(visitor) = visitor.filter(|_| req.uri().path() != "/log.json") {
        let (parts, body) = req.into_parts();
        // Loot arrives in small text bodies; anything larger is cut (and not waited for long).
        let limited = http_body_util::Limited::new(body, log::BODY_BYTES);
        let bytes = tokio::time::timeout(std::time::Duration::from_secs(5), http_body_util::BodyExt::collect(limited))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        attacker.log.record(&visitor, &parts.method, &parts.uri, &parts.headers, &bytes);
        let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        return next.run(req).await;
    }
    next.run(req).await
}

async fn serve_index(State(attacker): State<Arc<Attacker>>) -> Response {
    page(&attacker, attacker.index.clone())
}

#[derive(Deserialize)]
struct ExploitQuery {
    against: Option<String>,
    lang: Option<String>,
}

async fn serve_exploit(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    uri: Uri,
    query: Result<Query<ExploitQuery>, QueryRejection>,
) -> Response {
    let Some(entry) = attacker.entries.iter().find(|e| e.id == id) else {
        return not_found().await;
    };
    let query = query.ok().map(|Query(q)| q);
    let visitor = Tag::from_query(uri.query()).map(|t| t.visitor.to_owned());
    let against_default = query.as_ref().and_then(|q| q.against.as_deref()) == Some("default");
    let ja = query.as_ref().and_then(|q| q.lang.as_deref()) == Some("ja");
    page(&attacker, exploit_page(&attacker, entry, visitor.as_deref(), against_default, ja))
}

async fn receive_loot() -> StatusCode {
    // Recorded by `record` like every request; the exploit needs no answer.
    StatusCode::NO_CONTENT
}

/// The API mounts the exploit for `id` attacks, as full URLs: the scenario's and the
/// default's.
fn mounts(attacker: &Attacker, id: &str) -> [String; 2] {
    let api = &attacker.origins.api;
    [format!("{api}{}/api/", scenario::prefix(id)), format!("{api}/api/")]
}

/// `POST /<id>/relay`: the attacker's own HTTP client ([`relay`]).
async fn relay(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if !attacker.entries.iter().any(|e| e.id == id) {
        return not_found().await;
    }
    let api = attacker.origins.api.to_string();
    match relay::send(&attacker.reach.api, &mounts(&attacker, &id), &api, peer, &body).await {
        Ok(answer) => crate::api::json_response(StatusCode::OK, &answer),
        Err(refused) => {
            let body = serde_json::json!({"detail": refused.to_string(), "code": "relay_refused"});
            crate::api::json_response(StatusCode::BAD_REQUEST, &body)
        }
    }
}

#[derive(Deserialize)]
struct RefereeQuery {
    since: Option<u64>,
}

/// `GET /<id>/referee?lab=<visitor>&since=<ms>`: what the API received from this attacker's
/// pages for the visitor since then ([`referee`]).
async fn referee(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    uri: Uri,
    query: Result<Query<RefereeQuery>, QueryRejection>,
) -> Response {
    if !attacker.entries.iter().any(|e| e.id == id) {
        return not_found().await;
    }
    let (Some(tag), Ok(Query(q))) = (Tag::from_query(uri.query()), query) else {
        let body = serde_json::json!({"detail": "Give ?lab=<visitor>&since=<milliseconds since the epoch>.", "code": "invalid_query"});
        return crate::api::json_response(StatusCode::BAD_REQUEST, &body);
    };
    let paths = mounts(&attacker, &id).map(|m| m.strip_prefix(&attacker.origins.api.to_string()).unwrap_or(&m).to_owned());
    let attacker_origin = match attacker.site {
        AttackerSite::SameSite => attacker.origins.same_site_attacker.to_string(),
        AttackerSite::CrossSite => attacker.origins.cross_site_attacker.to_string(),
    };
    let seen = referee::seen(&attacker.reach.log, tag.visitor, q.since.unwrap_or(0), &attacker_origin, &paths);
    crate::api::json_response(StatusCode::OK, &serde_json::json!({ "seen": seen }))
}

async fn serve_script(Path(file): Path<String>) -> Response {
    match SCRIPTS.iter().find(|(name, _)| *name == file) {
        Some((_, js)) => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], *js).into_response(),
        None => not_found().await,
    }
}

/// `GET /log.json?lab=<visitor>`: the attacker's access log for that visitor, readable by
/// the lab page (the attacker hides nothing from the learner it is attacking).
async fn serve_log(State(attacker): State<Arc<Attacker>>, uri: Uri) -> Response {
    let Some(tag) = Tag::from_query(uri.query()) else {
        let body = serde_json::json!({"detail": "Give your visitor id as ?lab=<8-64 characters of A-Z a-z 0-9 _ ->.", "code": "invalid_visitor"});
        return with_page_cors(&attacker, crate::api::json_response(StatusCode::BAD_REQUEST, &body));
    };
    let entries = attacker.log.of(tag.visitor);
    with_page_cors(&attacker, crate::api::json_response(StatusCode::OK, &serde_json::json!({ "entries": entries })))
}

async fn log_preflight(State(attacker): State<Arc<Attacker>>) -> Response {
    with_page_cors(&attacker, StatusCode::NO_CONTENT.into_response())
}

fn with_page_cors(attacker: &Attacker, mut res: Response) -> Response {
    let page = HeaderValue::try_from(attacker.origins.page.to_string()).expect("origins are ASCII");
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, page);
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    res
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html("<!doctype html><title>Not found</title><p>Not found.")).into_response()
}

fn page(attacker: &Attacker, html: String) -> Response {
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    // Nothing an exploit page shows should be cached from one run to the next.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, attacker.csp.clone());
    res
}

fn index(site: AttackerSite, entries: &[Entry]) -> String {
    let (en, ja) = site_name(site);
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>corslab — {en}</title>\
         <h1>{en} <span lang=\"ja\">/ {ja}</span></h1><ul>"
    );
    for e in entries {
        let _ = write!(html, "<li><a href=\"/{id}/\">{id}</a> — {title}</li>", id = e.id, title = escape(&e.title.en));
    }
    html.push_str("</ul></html>");
    html
}

fn site_name(site: AttackerSite) -> (&'static str, &'static str) {
    match site {
        AttackerSite::SameSite => ("Same-site attacker", "同一サイトの攻撃者"),
        AttackerSite::CrossSite => ("Cross-site attacker", "クロスサイトの攻撃者"),
    }
}

/// The exploit for `entry`: a page that explains itself and loads its kind's script, which
/// reads its configuration from the page (no inline script: the CSP forbids it).
fn exploit_page(attacker: &Attacker, entry: &Entry, visitor: Option<&str>, against_default: bool, ja: bool) -> String {
    let mount = if against_default { String::new() } else { scenario::prefix(&entry.id) };
    let config = serde_json::json!({
        "id": entry.id,
        "kind": entry.attack.kind,
        "api": format!("{}{mount}", attacker.origins.api),
        "against": if against_default { "default" } else { "scenario" },
        "lab": visitor,
        "lang": if ja { "ja" } else { "en" },
        "account": { "username": ACCOUNT, "password": attacker.reach.password },
        "victim": attacker.reach.victim,
    });
    let (site_en, site_ja) = site_name(attacker.site);
    let (title, steps, site) = if ja {
        (&entry.title.ja, &entry.attack.steps.ja, site_ja)
    } else {
        (&entry.title.en, &entry.attack.steps.en, site_en)
    };
    let kind = serde_json::to_value(entry.attack.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    // `</` cannot appear in JSON strings the lab writes, but escape it anyway: this is HTML.
    let config = config.to_string().replace("</", "<\\/");
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{site}: {title}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;background:#2b0d0d;color:#fde8e8}}\
         h1{{font-size:1.4rem}}pre{{white-space:pre-wrap;background:#1a0606;padding:1rem;border-radius:.5rem}}\
         .outcome{{font-weight:700;font-size:1.2rem}}</style></head>\
         <body data-outcome=\"running\"><h1>{site}: {title}</h1><p>{steps}</p>\
         <p class=\"outcome\" id=\"outcome\" role=\"status\" aria-live=\"polite\"></p><pre id=\"loot\"></pre>\
         <script type=\"application/json\" id=\"config\">{config}</script>\
         <script type=\"module\" src=\"/assets/{kind}.js\"></script></body></html>",
        lang = if ja { "ja" } else { "en" },
        site = escape(site),
        title = escape(title),
        steps = escape(steps),
    )
}

/// Text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
