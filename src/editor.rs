//! The policy editor's server side (SPEC §7). The API has a mount of its own for it,
//! `/play/api/…` (the same endpoints, the article's settings), whose CORS layer sends each
//! visitor the answer they wrote in place of its policy ([`EditedAnswers`]). The page origin
//! lets a visitor write, read and clear theirs:
//!
//! - `PUT /policy?lab=<visitor>` with the policy as JSON ([`PolicySpec`]): kept, and sent to
//!   that visitor's requests (tagged `?lab=<visitor>`) from then on; `400 invalid_policy`
//!   naming the field, `413`, `415`, `429 too_many_policies` otherwise;
//! - `GET /policy?lab=<visitor>`: `{"policy": <as written, or null>}`;
//! - `DELETE /policy?lab=<visitor>`: back to the article's answer;
//! - `GET /policy/presets.json`: the answers that make each CorsError, each with its request
//!   (`assets/editor/presets.json`, a side left out filled in with the article's);
//! - `GET /policy/usage`: how many policies are held, their bytes, and the bounds.
//!
//! On the page origin, not the API's, so that setting an answer is not itself a CORS lesson.
//! Nor can another site set one: a cross-origin `PUT` of JSON needs a preflight, which this
//! origin never answers (and it would have to know the visitor's id).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, is_json, json_bytes, json_response, read_body};
use crate::cors::{AnswerSpec, Answers, EditedAnswers, Mount, POLICY_BYTES, PolicySpec};
use crate::exchange::Tag;

/// The editor's mount: its scenario id (in the exchange log) and where the API serves it.
pub const ID: &str = "play";
pub const PREFIX: &str = "/play";

/// A slow client must finish sending its policy within this time.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

struct Editor {
    answers: Arc<EditedAnswers>,
    mount: Mount,
    presets: Bytes,
}

/// The presets file as written: the article's answer, and each preset's changes to it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetsFile {
    #[serde(rename = "about")]
    _about: String,
    article: PolicySpec,
    presets: Vec<PresetEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetEntry {
    id: String,
    /// The CorsError Chromium reports for it; `None`: the fetch passes.
    error: Option<String>,
    /// The composer's fields (`path`, `method`, `headers`, `credentials`, …).
    request: serde_json::Map<String, serde_json::Value>,
    preflight: Option<AnswerSpec>,
    actual: Option<AnswerSpec>,
}

/// A preset as served: its whole policy.
#[derive(Serialize)]
struct Preset {
    id: String,
    error: Option<String>,
    request: serde_json::Map<String, serde_json::Value>,
    policy: PolicySpec,
}

/// The presets with both sides filled in, each checked as a visitor's policy would be.
fn presets(mount: &Mount) -> Result<Vec<Preset>, String> {
    let file: PresetsFile =
        serde_json::from_str(include_str!("../assets/editor/presets.json")).map_err(|e| format!("assets/editor/presets.json: {e}"))?;
    file.presets
        .into_iter()
        .map(|p| {
            let policy = PolicySpec {
                preflight: p.preflight.unwrap_or_else(|| file.article.preflight.clone()),
                actual: p.actual.unwrap_or_else(|| file.article.actual.clone()),
            };
            Answers::new(policy.clone(), mount).map_err(|e| format!("preset {}: {e}", p.id))?;
            Ok(Preset { id: p.id, error: p.error, request: p.request, policy })
        })
        .collect()
}

/// The page origin's `/policy` endpoints over `answers`, for the mount at `mount`.
pub fn router(answers: Arc<EditedAnswers>, mount: Mount) -> Result<Router, String> {
    let listing = serde_json::json!({ "mount": mount.prefix, "presets": presets(&mount)? });
    let editor = Editor { answers, mount, presets: listing.to_string().into() };
    Ok(Router::new()
        .route("/policy", get(read).put(write).delete(clear))
        .route("/policy/presets.json", get(|State(editor): State<Arc<Editor>>| async move { json_bytes(StatusCode::OK, editor.presets.clone()) }))
        .route("/policy/usage", get(usage))
        .with_state(Arc::new(editor)))
}

#[derive(Serialize)]
struct Current<'a> {
    policy: Option<&'a PolicySpec>,
}

fn visitor(uri: &Uri) -> Result<&str, ApiError> {
    Tag::from_query(uri.query()).map(|t| t.visitor).ok_or_else(ApiError::invalid_visitor)
}

async fn read(State(editor): State<Arc<Editor>>, uri: Uri) -> Response {
    let visitor = match visitor(&uri) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let answers = editor.answers.get(visitor, Instant::now());
    json_response(StatusCode::OK, &Current { policy: answers.as_deref().map(Answers::spec) })
}

async fn write(State(editor): State<Arc<Editor>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    match kept(&editor, peer, &uri, &headers, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Reads, checks and keeps the policy; answers with it as kept.
async fn kept(editor: &Editor, peer: SocketAddr, uri: &Uri, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    let visitor = visitor(uri)?;
    if !is_json(headers) {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = read_body(body, headers, POLICY_BYTES, BODY_TIMEOUT).await?;
    let answers = PolicySpec::from_json(&bytes).and_then(|spec| Answers::new(spec, &editor.mount)).map_err(|e| ApiError::invalid_policy(&e))?;
    let response = json_response(StatusCode::OK, &Current { policy: Some(answers.spec()) });
    editor.answers.set(visitor, peer.ip(), answers, Instant::now()).map_err(ApiError::too_many_policies)?;
    Ok(response)
}

async fn clear(State(editor): State<Arc<Editor>>, uri: Uri) -> Response {
    match visitor(&uri) {
        Ok(visitor) => {
            editor.answers.clear(visitor);
            json_response(StatusCode::OK, &Current { policy: None })
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /policy/usage`, for operators and the memory test.
async fn usage(State(editor): State<Arc<Editor>>) -> Response {
    let (policies, bytes) = editor.answers.usage();
    let limits = editor.answers.limits();
    let listing = serde_json::json!({
        "policies": policies,
        "bytes": bytes,
        "max_policies": limits.visitors,
        "max_per_address": limits.per_address,
        "idle_seconds": limits.idle.as_secs(),
    });
    json_response(StatusCode::OK, &listing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Method};

    use crate::cors::{Cors, CorsPolicy};

    fn mount() -> Mount {
        Mount { prefix: PREFIX.into(), api_origin: "http://localhost:8001".parse().unwrap() }
    }

    #[test]
    fn every_preset_is_a_policy_a_visitor_could_set_on_this_mount() {
        let presets = presets(&mount()).unwrap();
        assert!(presets.len() >= 20);
        for p in &presets {
            let path = p.request["path"].as_str().unwrap();
            assert!(path.starts_with("/play/api/"), "{}: {path}", p.id);
        }
        let mut ids: Vec<&str> = presets.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), presets.len(), "ids are unique");
    }

    /// The article preset is what the default mount sends the lab page, header for header.
    #[test]
    fn the_article_preset_is_the_article_policys_answer_to_the_page() {
        let article = presets(&mount()).unwrap().into_iter().find(|p| p.id == "article").unwrap();
        let answers = Answers::new(article.policy, &mount()).unwrap();
        let cors = Cors::new("article", CorsPolicy::article(&["http://localhost:8000".parse().unwrap()])).unwrap();
        let store = Arc::new(EditedAnswers::new(crate::config::Limits::default().policies));
        store.set("visitor-1", [127, 0, 0, 1].into(), answers, Instant::now()).unwrap();
        // The article's policy, but allowing no origin: every header below is the answer's.
        let edited = Cors::new(ID, CorsPolicy::article(&[])).unwrap().editable(store);
        for (method, preflight) in [(Method::OPTIONS, true), (Method::GET, false)] {
            let mut req = axum::http::Request::builder().method(method).uri("/api/hello/?lab=visitor-1.include").body(()).unwrap();
            req.headers_mut().insert("origin", HeaderValue::from_static("http://localhost:8000"));
            if preflight {
                req.headers_mut().insert("access-control-request-method", HeaderValue::from_static("PUT"));
            }
            let (mut theirs, mut ours) = (HeaderMap::new(), HeaderMap::new());
            cors.apply(&cors.decide_for(&req), StatusCode::OK, &mut theirs);
            let decision = edited.decide_for(&req);
            assert_eq!(decision.origin, crate::cors::OriginCheck::Edited);
            edited.apply(&decision, StatusCode::OK, &mut ours);
            assert_eq!(ours, theirs, "preflight: {preflight}");
        }
    }
}
