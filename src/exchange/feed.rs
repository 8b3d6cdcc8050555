//! Reading the exchange log: JSON for tools, Server-Sent Events for the page.
//!
//! Served on the *page* origin, so the page reads it same-origin (no CORS of its own to
//! explain) and the API's log contains only the lab's requests.
//!
//! Every exchange was judged and serialized when it was recorded, so reading the log costs
//! copying strings, whatever its length. The stream is for people: a new exchange goes out
//! at once, but a stream sends at most one batch per [`BATCH_INTERVAL`] and at most
//! [`BATCH_MAX`] exchanges per batch. When the API is flooded faster than that, the older
//! exchanges of the batch are skipped (a `skipped` event says how many), so a busy visitor
//! costs the server a bounded amount of work however fast requests arrive.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::watch;

use super::{ExchangeLog, Tag};

/// Shortest time between two batches of one stream.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(200);
/// Most exchanges in one batch.
pub const BATCH_MAX: usize = 25;

#[derive(Clone)]
struct Feed {
    log: Arc<ExchangeLog>,
    /// Open streams, bounded: each holds a connection and a task.
    streams: Arc<AtomicUsize>,
    max_streams: usize,
    stopped: watch::Receiver<bool>,
}

/// The feed for `log`, with at most `max_streams` event streams open at once.
pub fn router(log: Arc<ExchangeLog>, max_streams: usize, stopped: watch::Receiver<bool>) -> Router {
    let feed = Feed { log, streams: Arc::new(AtomicUsize::new(0)), max_streams, stopped };
    Router::new()
        .route("/exchanges", get(list))
        .route("/exchanges/stream", get(stream))
        .route("/exchanges/usage", get(usage))
        .with_state(feed)
}

#[derive(Deserialize)]
struct Params {
    lab: Option<String>,
    #[serde(default)]
    after: u64,
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
    let (records, _) = feed.log.since(&visitor, params.after, usize::MAX);
    // The records are JSON already; the visitor id is of `A-Za-z0-9_-` (checked above).
    let mut body = String::with_capacity(32 + records.iter().map(|r| r.json().len() + 1).sum::<usize>());
    body.push_str("{\"visitor\":\"");
    body.push_str(&visitor);
    body.push_str("\",\"exchanges\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r.json());
    }
    body.push_str("]}");
    crate::api::json_bytes(StatusCode::OK, body)
}

/// `GET /exchanges/usage`: how full the log is (visitors, bytes held) against its bounds,
/// and how many event streams are open, for operators and the benchmark.
async fn usage(State(feed): State<Feed>) -> Response {
    let (visitors, bytes) = feed.log.usage();
    let limits = feed.log.limits();
    crate::api::json_response(
        StatusCode::OK,
        &serde_json::json!({
            "visitors": visitors,
            "bytes": bytes,
            "max_visitors": limits.visitors,
            "max_bytes": limits.bytes,
            "streams": feed.streams.load(Ordering::Acquire),
            "max_streams": feed.max_streams,
        }),
    )
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
    let cursor = Cursor { feed, visitor, after, ready: Default::default(), newest, last_batch: None, _slot: slot };
    Sse::new(events(cursor)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

struct Cursor {
    feed: Feed,
    visitor: String,
    after: u64,
    ready: std::collections::VecDeque<Event>,
    newest: watch::Receiver<u64>,
    /// When the last batch went out, for the rate bound.
    last_batch: Option<Instant>,
    _slot: StreamSlot,
}

impl Cursor {
    /// The next batch as events: a `skipped` notice if the stream fell behind, then the
    /// exchanges. Empty if nothing is new.
    fn batch(&mut self) -> std::collections::VecDeque<Event> {
        let (records, skipped) = self.feed.log.since(&self.visitor, self.after, BATCH_MAX);
        let mut events = std::collections::VecDeque::with_capacity(records.len() + 1);
        if skipped > 0 && !records.is_empty() {
            events.push_back(Event::default().event("skipped").data(skipped.to_string()));
        }
        for record in records {
            self.after = record.id;
            events.push_back(Event::default().event("exchange").id(self.after.to_string()).data(record.json()));
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
                c.last_batch = Some(Instant::now());
                continue;
            }
            let mut stopped = c.feed.stopped.clone();
            tokio::select! {
                changed = c.newest.changed() => if changed.is_err() { return None },
                _ = stopped.changed() => return None,
            }
            // A new exchange goes out at once; a burst right after a batch waits for the
            // next one.
            let since_last = c.last_batch.map_or(BATCH_INTERVAL, |t| t.elapsed());
            if since_last < BATCH_INTERVAL {
                tokio::select! {
                    _ = tokio::time::sleep(BATCH_INTERVAL - since_last) => {}
                    _ = stopped.changed() => return None,
                }
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
