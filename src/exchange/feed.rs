//! Reading the exchange log: JSON for tools, Server-Sent Events for the page.
//!
//! Served on the *page* origin, so the page reads it same-origin (no CORS of its own to
//! explain) and the API's log contains only the lab's requests.
//!
//! The stream is for people: it sends at most one batch per [`BATCH_INTERVAL`] and at most
//! [`BATCH_MAX`] exchanges per batch. When the API is flooded faster than that, the older
//! exchanges of the batch are skipped (a `skipped` event says how many), so a busy visitor
//! costs the server a bounded amount of work however fast requests arrive.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::annotate::{Annotated, Context, annotate};
use super::{ExchangeLog, Tag};

/// Shortest time between two batches of one stream.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(200);
/// Most exchanges in one batch.
pub const BATCH_MAX: usize = 25;

#[derive(Clone)]
struct Feed {
    log: Arc<ExchangeLog>,
    api_origin: Arc<str>,
    page_origin: Arc<str>,
    /// Open streams, bounded: each holds a connection and a task.
    streams: Arc<AtomicUsize>,
    max_streams: usize,
    stopped: watch::Receiver<bool>,
}

/// The feed for `log`, whose exchanges were made against `api_origin` by pages on
/// `page_origin` (the fallback for requests that carry no `Origin`).
pub fn router(
    log: Arc<ExchangeLog>,
    api_origin: &str,
    page_origin: &str,
    max_streams: usize,
    stopped: watch::Receiver<bool>,
) -> Router {
    let feed = Feed {
        log,
        api_origin: api_origin.into(),
        page_origin: page_origin.into(),
        streams: Arc::new(AtomicUsize::new(0)),
        max_streams,
        stopped,
    };
    Router::new().route("/exchanges", get(list)).route("/exchanges/stream", get(stream)).with_state(feed)
}

#[derive(Deserialize)]
struct Params {
    lab: Option<String>,
    #[serde(default)]
    after: u64,
}

#[derive(Serialize)]
struct Listing<'a> {
    visitor: &'a str,
    exchanges: Vec<Annotated>,
}

impl Feed {
    /// The visitor's exchanges after `after` (the newest `limit` of them), each with the
    /// browser's verdict, which needs the earlier ones too: the preflight before a request,
    /// or the one it was cached from. Also says how many newer-than-`after` were left out.
    fn annotated(&self, visitor: &str, after: u64, limit: usize) -> (Vec<Annotated>, u64) {
        let history = self.log.history(visitor);
        let cx = Context { api: &self.api_origin, page: &self.page_origin, value_bytes: self.log.limits().value_bytes };
        let first_new = history.partition_point(|e| e.id <= after);
        let start = first_new.max(history.len().saturating_sub(limit));
        let skipped = (start - first_new) as u64;
        ((start..history.len()).map(|i| annotate(&history, i, &cx)).collect(), skipped)
    }
}

/// The visitor id and `after` from the query, or a JSON 400 saying what is wrong.
#[allow(clippy::result_large_err)] // the error is the response itself, built once
fn read_query(query: Result<Query<Params>, QueryRejection>) -> Result<(String, Params), Response> {
    let bad = |detail: &str, code: &str| {
        let body = serde_json::json!({"detail": detail, "code": code}).to_string();
        (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let Ok(Query(params)) = query else {
        return Err(bad(
            "The query must be ?lab=<visitor>[&after=<exchange id, a whole number>], each given once.",
            "invalid_query",
        ));
    };
    let tag = params.lab.as_deref().map(|v| format!("lab={v}"));
    match Tag::from_query(tag.as_deref()) {
        Some(t) => Ok((t.visitor.to_owned(), params)),
        None => Err(bad("Give your visitor id as ?lab=<8-64 characters of A-Z a-z 0-9 _ ->.", "invalid_visitor")),
    }
}

/// `GET /exchanges?lab=<visitor>[&after=<id>]`: the visitor's exchanges, oldest first.
async fn list(State(feed): State<Feed>, query: Result<Query<Params>, QueryRejection>) -> Response {
    let (visitor, params) = match read_query(query) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (exchanges, _) = feed.annotated(&visitor, params.after, usize::MAX);
    crate::api::json_response(StatusCode::OK, &Listing { visitor: &visitor, exchanges })
}

/// `GET /exchanges/stream?lab=<visitor>`: every exchange as an `exchange` event whose id is
/// the exchange id; a reconnecting `EventSource` sends `Last-Event-ID` and misses nothing
/// still in the log.
async fn stream(State(feed): State<Feed>, query: Result<Query<Params>, QueryRejection>, headers: HeaderMap) -> Response {
    let (visitor, params) = match read_query(query) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Some(slot) = StreamSlot::take(&feed.streams, feed.max_streams) else {
        let mut res = (StatusCode::SERVICE_UNAVAILABLE, "too many open streams\n").into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(params.after);
    let newest = feed.log.subscribe(&visitor);
    let cursor = Cursor { feed, visitor, after, ready: Default::default(), newest, _slot: slot };
    Sse::new(events(cursor)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

struct Cursor {
    feed: Feed,
    visitor: String,
    after: u64,
    ready: std::collections::VecDeque<Event>,
    newest: watch::Receiver<u64>,
    _slot: StreamSlot,
}

impl Cursor {
    /// The next batch as events: a `skipped` notice if the stream fell behind, then the
    /// exchanges. Empty if nothing is new.
    fn batch(&mut self) -> std::collections::VecDeque<Event> {
        let (exchanges, skipped) = self.feed.annotated(&self.visitor, self.after, BATCH_MAX);
        let mut events = std::collections::VecDeque::with_capacity(exchanges.len() + 1);
        if skipped > 0 && !exchanges.is_empty() {
            events.push_back(Event::default().event("skipped").data(skipped.to_string()));
        }
        for annotated in exchanges {
            self.after = annotated.exchange.id;
            let data = serde_json::to_string(&annotated).expect("exchange serializes");
            events.push_back(Event::default().event("exchange").id(self.after.to_string()).data(data));
        }
        events
    }
}

fn events(cursor: Cursor) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.ready.pop_front() {
                return Some((Ok(event), c));
            }
            c.ready = c.batch();
            if !c.ready.is_empty() {
                continue;
            }
            let mut stopped = c.feed.stopped.clone();
            tokio::select! {
                changed = c.newest.changed() => if changed.is_err() { return None },
                _ = stopped.changed() => return None,
            }
            // Let a burst accumulate into one batch.
            tokio::select! {
                _ = tokio::time::sleep(BATCH_INTERVAL) => {}
                _ = stopped.changed() => return None,
            }
        }
    })
}

/// One of the bounded number of open streams, given back on drop.
struct StreamSlot(Arc<AtomicUsize>);

impl StreamSlot {
    fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<StreamSlot> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| StreamSlot(count.clone()))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
