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
//! Some kinds need more than a script: a sandboxed iframe (`/<id>/frame`, for
//! `Origin: null`), and a redirect on the attacker's *other* origin (`/hop?to=<API URL>`: a
//! fetch redirected across origins says `Origin: null` too, as the Fetch Standard's
//! "tainted origin" rule has it).
//!
//! Besides its pages, the attacker's server offers them what a real attacker has: its own
//! account on the lab, and its own HTTP client ([`relay`], `POST /<id>/relay`) for requests
//! that need no victim's browser. A forgery (a form post, a navigation) is blind: the
//! attacker never sees the answer; the lab lends its exploit pages its referee
//! ([`referee`], `GET /<id>/referee`): what the API received from the page, and says so.
//!
//! The page origin runs the same router for the scenarios shown through the page's own
//! calls ([`AttackerSite::Page`], under [`scenario::DEMOS`]): a trap's demonstration, or what
//! the page gets after a cache-poisoning attack. Paths in its exploit pages are relative, so
//! they work wherever the router is mounted.

mod log;
mod referee;
mod relay;

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::api::{Api, read_body};
use crate::exchange::{ExchangeLog, Tag};
use crate::origin::Origin;
use crate::scenario::catalogue::{AttackKind, AttackerSite, Entry};
use crate::scenario::{self, LabOrigins};
pub use log::AccessLog;

/// The exploit scripts, one per [`AttackKind`] with something to run, plus what they share.
const SCRIPTS: [(&str, &str); 19] = [
    ("common.js", include_str!("../assets/attacker/common.js")),
    ("own_server.js", include_str!("../assets/attacker/own_server.js")),
    ("tokens.js", include_str!("../assets/attacker/tokens.js")),
    ("samesite_probe.js", include_str!("../assets/attacker/samesite_probe.js")),
    ("fixate_session.js", include_str!("../assets/attacker/fixate_session.js")),
    ("alg_none_token.js", include_str!("../assets/attacker/alg_none_token.js")),
    ("cracked_secret.js", include_str!("../assets/attacker/cracked_secret.js")),
    ("unchecked_signature.js", include_str!("../assets/attacker/unchecked_signature.js")),
    ("refresh_as_access.js", include_str!("../assets/attacker/refresh_as_access.js")),
    ("credentialed_read.js", include_str!("../assets/attacker/credentialed_read.js")),
    ("null_origin_read.js", include_str!("../assets/attacker/null_origin_read.js")),
    ("null_origin_frame.js", include_str!("../assets/attacker/null_origin_frame.js")),
    ("forge.js", include_str!("../assets/attacker/forge.js")),
    ("form_post.js", include_str!("../assets/attacker/form_post.js")),
    ("top_level_get.js", include_str!("../assets/attacker/top_level_get.js")),
    ("text_plain_json.js", include_str!("../assets/attacker/text_plain_json.js")),
    ("calls.js", include_str!("../assets/attacker/calls.js")),
    ("page_calls.js", include_str!("../assets/attacker/page_calls.js")),
    ("cache_poisoning.js", include_str!("../assets/attacker/cache_poisoning.js")),
];

/// The longest `to` the redirect hop takes: an API URL with its query.
const HOP_TARGET_BYTES: usize = 2048;

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
    reach: Reach,
    csp: HeaderValue,
    /// For kinds that fetch through the redirect hop on the other attacker origin.
    hop_csp: HeaderValue,
    /// For the sandboxed iframe: it only fetches from the API.
    frame_csp: HeaderValue,
}

/// The router of the attacker playing `site`, for these catalogue entries (for
/// [`AttackerSite::Page`], the page's own side of every scenario shown through its calls).
pub fn router(site: AttackerSite, entries: &[Entry], origins: &LabOrigins, reach: Reach) -> Router {
    let entries: Vec<Entry> = entries
        .iter()
        .filter(|e| match site {
            AttackerSite::Page => e.attack.has_page_calls(),
            _ => e.attack.kind != AttackKind::None && e.attack.sites().any(|s| s == site),
        })
        .cloned()
        .collect();
    // The exploit talks to the API and to its own server only (and, for the kinds that need
    // it, to the redirect hop on the other attacker origin); forms post to the API.
    let csp = |hop: Option<&Origin>| {
        let hop = hop.map(|o| format!(" {o}")).unwrap_or_default();
        let csp = format!(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' {api}{hop}; \
             form-action {api}; frame-src 'self'; img-src 'self' {api}; base-uri 'none'",
            api = origins.api
        );
        HeaderValue::try_from(csp).expect("origins are ASCII")
    };
    let frame_csp = format!("default-src 'none'; script-src 'self'; connect-src {}; base-uri 'none'; frame-ancestors 'self'", origins.api);
    let attacker = Arc::new(Attacker {
        index: index(site, &entries),
        csp: csp(None),
        hop_csp: csp(other_attacker(site, origins)),
        frame_csp: HeaderValue::try_from(frame_csp).expect("origins are ASCII"),
        site,
        origins: origins.clone(),
        entries,
        log: AccessLog::new(log::CAPACITY),
        reach,
    });
    Router::new()
        .route("/", get(serve_index))
        .route("/log.json", get(serve_log).options(log_preflight))
        .route("/assets/{file}", get(serve_script))
        .route("/hop", get(serve_hop))
        .route("/{id}/", get(serve_exploit))
        .route("/{id}/frame", get(serve_frame))
        .route("/{id}/loot", post(receive_loot))
        .route("/{id}/referee", get(serve_referee))
        .route("/{id}/relay", post(serve_relay).layer(DefaultBodyLimit::max(relay::REQUEST_BYTES)))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(attacker.clone(), record))
        .with_state(attacker)
}

/// Every request the attacker's server receives goes into its access log, as an exploit
/// server shows it (the reads of the log and of the referee excepted: they are the lab's,
/// and would drown the rest).
async fn record(
    State(attacker): State<Arc<Attacker>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let visitor = Tag::from_query(req.uri().query()).map(|t| t.visitor.to_owned());
    let lab_own = req.uri().path() == "/log.json" || req.uri().path().ends_with("/referee");
    if lab_own {
        return next.run(req).await;
    }
    // Every body is read here, once, bounded in size and in time; the log keeps its first
    // few KiB, and a route may take less (the relay's `DefaultBodyLimit`).
    let (parts, body) = req.into_parts();
    let bytes = match read_body(body, &parts.headers, BODY_BYTES_READ, BODY_TIMEOUT).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    if let Some(visitor) = visitor {
        attacker.log.record(&visitor, &parts.method, &parts.uri, &parts.headers, &bytes);
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// The most of a request body the attacker's server reads, and how long it waits for it.
const BODY_BYTES_READ: usize = 64 * 1024;
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The attacker origin that is not `site`'s: where `site`'s exploits find the redirect hop.
fn other_attacker(site: AttackerSite, origins: &LabOrigins) -> Option<&Origin> {
    match site {
        AttackerSite::SameSite => Some(&origins.cross_site_attacker),
        AttackerSite::CrossSite => Some(&origins.same_site_attacker),
        AttackerSite::Page => None,
    }
}

/// Whether exploits of this kind fetch through the redirect hop.
fn uses_hop(kind: AttackKind) -> bool {
    kind == AttackKind::NullOriginRead
}

async fn serve_index(State(attacker): State<Arc<Attacker>>) -> Response {
    page(&attacker.csp, attacker.index.clone())
}

#[derive(Deserialize)]
struct ExploitQuery {
    against: Option<String>,
    lang: Option<String>,
}

/// What an exploit page (or its sandboxed frame) was asked for.
struct Visit<'a> {
    entry: &'a Entry,
    visitor: Option<String>,
    against_default: bool,
    ja: bool,
}

impl Attacker {
    fn visit(&self, id: &str, uri: &Uri, query: Result<Query<ExploitQuery>, QueryRejection>) -> Option<Visit<'_>> {
        let entry = self.entries.iter().find(|e| e.id == id)?;
        let query = query.ok().map(|Query(q)| q);
        Some(Visit {
            entry,
            visitor: Tag::from_query(uri.query()).map(|t| t.visitor.to_owned()),
            against_default: query.as_ref().and_then(|q| q.against.as_deref()) == Some("default"),
            ja: query.as_ref().and_then(|q| q.lang.as_deref()) == Some("ja"),
        })
    }
}

async fn serve_exploit(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    uri: Uri,
    query: Result<Query<ExploitQuery>, QueryRejection>,
) -> Response {
    let Some(visit) = attacker.visit(&id, &uri, query) else {
        return not_found().await;
    };
    let csp = if uses_hop(visit.entry.attack.kind) { &attacker.hop_csp } else { &attacker.csp };
    page(csp, exploit_page(&attacker, &visit))
}

/// `GET /<id>/frame`: the document the exploit loads into `<iframe sandbox="allow-scripts">`.
/// The sandbox gives it an opaque origin, so its fetches say `Origin: null`.
async fn serve_frame(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    uri: Uri,
    query: Result<Query<ExploitQuery>, QueryRejection>,
) -> Response {
    let Some(visit) = attacker.visit(&id, &uri, query).filter(|v| v.entry.attack.kind == AttackKind::NullOriginRead) else {
        return not_found().await;
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>sandboxed</title></head><body>\
         <script type=\"application/json\" id=\"config\">{config}</script>\
         <script type=\"module\" src=\"/assets/null_origin_frame.js\"></script></body></html>",
        config = config_json(&attacker, &visit),
    );
    page(&attacker.frame_csp, html)
}

#[derive(Deserialize)]
struct HopQuery {
    to: String,
}

/// `GET /hop?to=<API URL>`: a redirect to the lab's API, so that the attacker's fetch crosses
/// origins on its way there and arrives with `Origin: null`. It answers its own exploit
/// pages' CORS check (the redirect is checked before it is followed, with credentials); it
/// redirects nowhere but to the API.
async fn serve_hop(State(attacker): State<Arc<Attacker>>, headers: HeaderMap, query: Result<Query<HopQuery>, QueryRejection>) -> Response {
    let api = format!("{}/", attacker.origins.api);
    let target = query
        .ok()
        .map(|Query(q)| q.to)
        .filter(|to| to.len() <= HOP_TARGET_BYTES && to.starts_with(&api))
        .and_then(|to| HeaderValue::try_from(to).ok());
    let Some(target) = target else {
        let text = format!("Give the URL to redirect to as ?to=<a URL under {api}, at most {HOP_TARGET_BYTES} bytes>.");
        return (StatusCode::BAD_REQUEST, text).into_response();
    };
    let mut res = (StatusCode::FOUND, [(header::LOCATION, target)]).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    let origins = &attacker.origins;
    let own_page = headers
        .get(header::ORIGIN)
        .filter(|o| [&origins.same_site_attacker, &origins.cross_site_attacker].iter().any(|a| o.as_bytes() == a.to_string().as_bytes()));
    if let Some(origin) = own_page.cloned() {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    res
}

#[derive(Deserialize)]
struct RefereeQuery {
    /// Only exchanges that arrived at or after this time (ms since the Unix epoch).
    since: Option<u64>,
}

/// The API mounts the exploit for `id` attacks, as paths: the scenario's and the default's.
fn mounts(id: &str) -> [String; 2] {
    [format!("{}/api/", scenario::prefix(id)), "/api/".to_owned()]
}

/// The origin this router's pages are served from.
fn own_origin(attacker: &Attacker) -> &Origin {
    match attacker.site {
        AttackerSite::SameSite => &attacker.origins.same_site_attacker,
        AttackerSite::CrossSite => &attacker.origins.cross_site_attacker,
        AttackerSite::Page => &attacker.origins.page,
    }
}

/// `GET /<id>/referee?lab=<visitor>&since=<ms>`: what the API received from this origin's
/// pages for the visitor since then ([`referee::seen`]), for an exploit whose attack is blind.
async fn serve_referee(
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
    let from = own_origin(&attacker).to_string();
    let seen = referee::seen(&attacker.reach.log, tag.visitor, q.since.unwrap_or(0), &from, &mounts(&id));
    crate::api::json_response(StatusCode::OK, &serde_json::json!({ "seen": seen }))
}

/// `POST /<id>/relay`: the attacker's own HTTP client ([`relay`]).
async fn serve_relay(
    State(attacker): State<Arc<Attacker>>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    if !attacker.entries.iter().any(|e| e.id == id) {
        return not_found().await;
    }
    let api = attacker.origins.api.to_string();
    let mounts = mounts(&id).map(|m| format!("{api}{m}"));
    match relay::send(&attacker.reach.api, &mounts, &api, peer, &body).await {
        Ok(answer) => crate::api::json_response(StatusCode::OK, &answer),
        Err(refused) => {
            let body = serde_json::json!({"detail": refused.to_string(), "code": "relay_refused"});
            crate::api::json_response(StatusCode::BAD_REQUEST, &body)
        }
    }
}

async fn receive_loot() -> StatusCode {
    // Recorded by `record` like every request; the exploit needs no answer.
    StatusCode::NO_CONTENT
}

async fn serve_script(Path(file): Path<String>) -> Response {
    match SCRIPTS.iter().find(|(name, _)| *name == file) {
        // Public scripts, open to every origin as on any CDN: a sandboxed frame (an opaque
        // origin) loads its modules with CORS.
        Some((_, js)) => {
            ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], *js).into_response()
        }
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

fn page(csp: &HeaderValue, html: String) -> Response {
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    // Nothing an exploit page shows should be cached from one run to the next.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    res
}

fn index(site: AttackerSite, entries: &[Entry]) -> String {
    let (en, ja) = site_name(site);
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>corslab — {en}</title>\
         <h1>{en} <span lang=\"ja\">/ {ja}</span></h1><ul>"
    );
    // The page origin serves this index at `/demo` (no trailing slash), an attacker at `/`.
    let base = if site == AttackerSite::Page { format!("{}/", scenario::DEMOS) } else { "/".to_owned() };
    for e in entries {
        let _ = write!(html, "<li><a href=\"{base}{id}/\">{id}</a> — {title}</li>", id = e.id, title = escape(&e.title.en));
    }
    html.push_str("</ul></html>");
    html
}

fn site_name(site: AttackerSite) -> (&'static str, &'static str) {
    match site {
        AttackerSite::SameSite => ("Same-site attacker", "同一サイトの攻撃者"),
        AttackerSite::CrossSite => ("Cross-site attacker", "クロスサイトの攻撃者"),
        AttackerSite::Page => ("The lab page's own calls", "ラボのページ自身の呼び出し"),
    }
}

/// The configuration an exploit's scripts read from the page, as JSON safe inside `<script>`.
fn config_json(attacker: &Attacker, visit: &Visit<'_>) -> String {
    let entry = visit.entry;
    let mount = if visit.against_default { String::new() } else { scenario::prefix(&entry.id) };
    // Where an attack that harms the page shows what the page then gets.
    let on_page = attacker.site == AttackerSite::Page;
    let page_view = (!on_page && entry.attack.has_page_calls()).then(|| format!("{}{}/{}/", attacker.origins.page, scenario::DEMOS, entry.id));
    let mut config = serde_json::json!({
        "id": entry.id,
        "kind": entry.attack.kind,
        "site": attacker.site,
        "api": format!("{}{mount}", attacker.origins.api),
        "against": if visit.against_default { "default" } else { "scenario" },
        "lab": visit.visitor,
        "lang": if visit.ja { "ja" } else { "en" },
        // The lab page that opened the exploit's window, which it tells how the attack ended.
        "page": attacker.origins.page.to_string(),
        "account": { "username": ACCOUNT, "password": attacker.reach.password },
        "victim": attacker.reach.victim,
        "calls": entry.attack.calls,
        "broken": entry.attack.broken,
        "page_view": page_view,
        // The server's clock, for what the page asks the referee and the times it forges: the
        // visitor's own clock may be off.
        "served_at_ms": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
    });
    if let Some(other) = other_attacker(attacker.site, &attacker.origins).filter(|_| uses_hop(entry.attack.kind)) {
        config["hop"] = format!("{other}/hop").into();
    }
    // `</` cannot appear in JSON strings the lab writes, but escape it anyway: this is HTML.
    config.to_string().replace("</", "<\\/")
}

/// The exploit for `visit.entry`: a page that explains itself and loads its kind's script (on
/// the page origin, the page's calls), which reads its configuration from the page (no
/// inline script: the CSP forbids it).
fn exploit_page(attacker: &Attacker, visit: &Visit<'_>) -> String {
    let (entry, ja) = (visit.entry, visit.ja);
    let (site_en, site_ja) = site_name(attacker.site);
    let (title, steps, site) = if ja {
        (&entry.title.ja, &entry.attack.steps.ja, site_ja)
    } else {
        (&entry.title.en, &entry.attack.steps.en, site_en)
    };
    let on_page = attacker.site == AttackerSite::Page;
    let script = if on_page {
        "page_calls".to_owned()
    } else {
        serde_json::to_value(entry.attack.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    };
    // An attacker's page looks evil; the page's own calls look like the lab.
    let colours = if on_page { ("#0d1b2b", "#e8f0fd", "#06101a") } else { ("#2b0d0d", "#fde8e8", "#1a0606") };
    let config = config_json(attacker, visit);
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{site}: {title}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;background:{bg};color:{fg}}}\
         h1{{font-size:1.4rem}}pre{{white-space:pre-wrap;overflow-wrap:anywhere;background:{panel};padding:1rem;border-radius:.5rem}}\
         .outcome{{font-weight:700;font-size:1.2rem}}</style></head>\
         <body data-outcome=\"running\"><h1>{site}: {title}</h1><p>{steps}</p>\
         <p class=\"outcome\" id=\"outcome\" role=\"status\" aria-live=\"polite\"></p><pre id=\"loot\"></pre>\
         <script type=\"application/json\" id=\"config\">{config}</script>\
         <script type=\"module\" src=\"../assets/{script}.js\"></script></body></html>",
        lang = if ja { "ja" } else { "en" },
        bg = colours.0,
        fg = colours.1,
        panel = colours.2,
        site = escape(site),
        title = escape(title),
        steps = escape(steps),
    )
}

/// Text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
