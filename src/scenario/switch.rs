//! The switch a visitor flips to deploy a scenario's policy change for themselves (see
//! [`crate::cors::PolicyChange`]), on the page origin, beside the lab page that uses it:
//! `POST /scenarios/<id>/change?lab=<visitor>` deploys it, `DELETE` takes it back, `GET` says
//! which policy that visitor's requests get. Only the scenarios whose policy has a change
//! have a switch.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::api::{ApiError, json_response};
use crate::cors::Cors;
use crate::exchange::Tag;

/// The switches of these mounts (scenario id, its compiled policy); those without a change
/// get none.
pub fn router(mounts: impl IntoIterator<Item = (String, Arc<Cors>)>) -> Router {
    let switches: HashMap<String, Arc<Cors>> = mounts.into_iter().filter(|(_, cors)| cors.policy().change.is_some()).collect();
    Router::new()
        .route("/scenarios/{id}/change", get(flip).post(flip).delete(flip))
        .with_state(Arc::new(switches))
}

async fn flip(State(switches): State<Arc<HashMap<String, Arc<Cors>>>>, Path(id): Path<String>, method: Method, uri: Uri) -> Response {
    let Some(cors) = switches.get(&id) else {
        let detail = format!("No scenario '{id}' with a policy change to deploy.");
        return json_response(StatusCode::NOT_FOUND, &json!({"detail": detail, "code": "not_found"}));
    };
    let Some(tag) = Tag::from_query(uri.query()) else {
        return ApiError::invalid_visitor().into_response();
    };
    if method != Method::GET {
        cors.set_changed(tag.visitor, method == Method::POST);
    }
    let changed = cors.is_changed_for(uri.query());
    json_response(StatusCode::OK, &json!({"scenario": id, "changed": changed}))
}
