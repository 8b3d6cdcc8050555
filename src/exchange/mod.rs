//! The exchange log: what the API saw and answered, per visitor, so the page can show what
//! the browser hides (preflights, and responses JavaScript was not allowed to read).
//!
//! A request is recorded when its URL carries the lab's tag, `?lab=<visitor>[.<credentials>]`:
//! a random visitor id the page makes up, and the fetch's credentials mode (the one thing the
//! server cannot see on the wire). A query parameter, unlike a custom header or a cookie,
//! changes nothing about CORS: it does not make a request "non-simple", and preflights carry
//! it too. It is the same on every request of a visitor, so the browser's preflight cache
//! (keyed by URL, query included) behaves as it would without it. Untagged requests are not
//! recorded.
//!
//! Each exchange is judged once, when it is recorded (pairing a request with its preflight,
//! or with the cached answer it was given, needs only earlier exchanges), and kept as two
//! owned copies: the verdict engine's compact [`verdict::Exchange`], for later exchanges to
//! be judged against, and its annotated view, serialized for the feed. Nothing of the
//! connection's buffers is kept, and the byte bound counts what the records really hold on
//! the heap, allocation overhead included. Memory is bounded three ways: exchanges per
//! visitor, number of visitors, and bytes overall; the least recently active visitor goes
//! first. Header values are truncated, bodies are never kept, and secrets (cookie values,
//! tokens) are reduced to their names and lengths.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::cors::OriginCheck;
use crate::verdict::{self, Credentials};

pub mod feed;
mod layer;
mod record;

pub use layer::{ExchangeLayer, ExchangeService};
pub use record::{Annotated, ExchangeView, Recording};

/// Bounds of the log; see [`crate::config::Limits`] for the values in use.
#[derive(Clone, Copy, Debug)]
pub struct LogLimits {
    pub per_visitor: usize,
    pub visitors: usize,
    pub bytes: usize,
    /// Longer header values are cut here (with a marker) before they are stored.
    pub value_bytes: usize,
    /// Exchanges recorded per visitor per second; a visitor sending faster has the rest
    /// counted, not kept (see [`RecordBudget`]).
    pub per_visitor_per_second: u32,
}

/// The parsed `lab` query parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag<'q> {
    pub visitor: &'q str,
    /// The fetch's credentials mode, the one thing the server cannot see on the wire.
    pub credentials: Option<Credentials>,
}

const TAG_PARAM: &str = "lab=";

impl<'q> Tag<'q> {
    /// The tag in a query string, if any and well-formed (ids: 8-64 of `A-Za-z0-9_-`).
    pub fn from_query(query: Option<&'q str>) -> Option<Tag<'q>> {
        // Byte-wise: this runs on every API request, tagged or not.
        let query = query?;
        let start = if query.starts_with(TAG_PARAM) {
            TAG_PARAM.len()
        } else {
            query.find("&lab=")? + 1 + TAG_PARAM.len()
        };
        let value = &query[start..];
        let value = &value[..value.find('&').unwrap_or(value.len())];
        let (visitor, credentials) = value.split_once('.').unwrap_or((value, ""));
        if !(8..=64).contains(&visitor.len()) || !is_id(visitor) {
            return None;
        }
        Some(Tag { visitor, credentials: Credentials::parse(credentials) })
    }
}

impl Tag<'_> {
    /// Whether the query has a `lab` parameter at all (well-formed or not).
    pub fn is_attempted(query: Option<&str>) -> bool {
        query.is_some_and(|q| q.starts_with(TAG_PARAM) || q.contains("&lab="))
    }
}

fn is_id(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A recorded exchange: the engine's compact copy, which later exchanges of the visitor are
/// judged against, and its annotated view, serialized once when it was recorded.
pub struct Record {
    /// Increasing across the whole log and across restarts (see [`ExchangeLog::new`]): the
    /// SSE event id, so a reconnecting page misses nothing and never mistakes a new
    /// exchange for one it already saw.
    pub id: u64,
    observed: verdict::Exchange,
    /// The [`Annotated`] JSON the feed sends as it is.
    json: Box<str>,
    /// Heap bytes this record holds, allocation overhead included (see [`heap_cost`]).
    weight: usize,
}

impl Record {
    fn is_options(&self) -> bool {
        self.observed.method() == "OPTIONS"
    }

    /// The annotated exchange, as JSON.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The exchange as the engine reads it: values cut, secrets reduced to names and lengths.
    pub fn observed(&self) -> &verdict::Exchange {
        &self.observed
    }
}

/// What an allocation of `bytes` really costs glibc's malloc: an 8-byte header, rounded up
/// to 16, at least 32. Counting requested bytes alone undercounts small allocations by half.
fn heap_cost(bytes: usize) -> usize {
    if bytes == 0 { 0 } else { (bytes + 8).div_ceil(16).max(2) * 16 }
}

/// Everything a visitor costs besides its records and its subscriber channel: the map
/// entry (twice its size: the table is at most half full after growing) and its key.
fn visitor_cost(key: &str) -> usize {
    heap_cost(key.len()) + 2 * std::mem::size_of::<(String, Visitor)>()
}

/// A subscriber channel (`watch`): its shared state holds nine `Notify`s; 512 bytes is more
/// than it takes.
const CHANNEL_COST: usize = 512;

struct Visitor {
    records: VecDeque<Arc<Record>>,
    /// How many of `records` are `OPTIONS` requests: judging stops looking back once it
    /// has passed them all.
    options: usize,
    /// Heap bytes the visitor holds: its records and itself.
    bytes: usize,
    last_active: Instant,
    /// The newest id, for subscribers to wait on; made when the first one comes.
    newest: Option<watch::Sender<u64>>,
}

impl Visitor {
    fn new(now: Instant) -> Visitor {
        Visitor { records: VecDeque::new(), options: 0, bytes: 0, last_active: now, newest: None }
    }
}

struct State {
    visitors: HashMap<String, Visitor>,
    bytes: usize,
    next_id: u64,
}

pub struct ExchangeLog {
    limits: LogLimits,
    /// The lab's origins: the API's, to make the absolute URLs the browser fetched, and the
    /// page's, for requests that carry no `Origin`.
    api: Box<str>,
    page: Box<str>,
    state: Mutex<State>,
    budget: RecordBudget,
    /// Wall-clock time at a known instant, so recording needs only the monotonic clock
    /// (each clock read is a measurable share of a fast request).
    epoch: (Instant, u64),
}

/// The visitor's earlier records that judging a new one may look at: same URL, newest
/// first, within Chromium's 2-hour preflight cache cap.
const LOOKBACK_MS: u64 = 2 * 60 * 60 * 1000;

impl ExchangeLog {
    pub fn new(limits: LogLimits, api_origin: &str, page_origin: &str) -> ExchangeLog {
        // Ids start at the current time in µs-like units (ms × 1000), so after a restart they
        // keep growing and a page resuming its stream is not left waiting for old numbers.
        // (Still below 2^53: exact in JavaScript.)
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_millis() as u64);
        let state = State { visitors: HashMap::new(), bytes: 0, next_id: now_ms * 1000 };
        ExchangeLog {
            limits,
            api: api_origin.into(),
            page: page_origin.into(),
            state: Mutex::new(state),
            budget: RecordBudget::new(),
            epoch: (Instant::now(), now_ms),
        }
    }

    pub fn limits(&self) -> LogLimits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent across a panic elsewhere; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether an exchange of `visitor` arriving at `arrived` may be recorded; if so, how
    /// many of the visitor's exchanges before it were not.
    pub fn admit(&self, visitor: &str, arrived: Instant) -> Option<u64> {
        let second = arrived.saturating_duration_since(self.epoch.0).as_secs();
        self.budget.take(visitor, second, self.limits.per_visitor_per_second)
    }

    /// Milliseconds since the Unix epoch at `instant`.
    fn unix_ms(&self, instant: Instant) -> u64 {
        let (base, base_ms) = self.epoch;
        base_ms + instant.saturating_duration_since(base).as_millis() as u64
    }

    /// Keeps a tagged exchange that arrived at `arrived` for its visitor: copies what the log
    /// keeps, judges it once against the visitor's earlier exchanges, and wakes the
    /// visitor's subscribers. Untagged exchanges are ignored.
    pub fn record(&self, recording: Recording, arrived: Instant) {
        let Some(Tag { visitor, .. }) = Tag::from_query(recording.uri.query()) else { return };
        let at_ms = self.unix_ms(arrived);
        let observed = recording.observed(&self.api, at_ms, self.limits.value_bytes);
        let earlier: Vec<(u64, Arc<Record>)> = {
            let st = self.lock();
            st.visitors.get(visitor).map_or_else(Vec::new, |v| judged_against(v, &observed, at_ms))
        };
        // Judged and serialized outside the lock: other visitors keep recording meanwhile.
        let browser = verdict::judge(&observed, earlier.iter().map(|(id, r)| (*id, &r.observed)), &verdict::Context { page_origin: &self.page });
        drop(earlier);

        // The exchange this one pushes out is dropped after the lock is released: freeing
        // it is the slow part.
        let evicted;
        let mut st = self.lock();
        let st = &mut *st;
        let id = st.next_id;
        st.next_id += 1;
        let annotated = Annotated { exchange: recording.view(id, at_ms, self.limits.value_bytes), browser };
        let json = serialize(&annotated);
        // The engine's exchange is two allocations; each costs its header and rounding.
        let weight = heap_cost(std::mem::size_of::<Record>() + 16) + observed.heap_bytes() + 2 * 24 + heap_cost(json.len());
        let record = Arc::new(Record { id, observed, json, weight });
        let (added, dropped) = {
            let v = visitor_entry(st, &self.limits, visitor, arrived);
            v.last_active = arrived;
            let before = v.records.capacity();
            v.options += usize::from(record.is_options());
            v.records.push_back(record);
            evicted = (v.records.len() > self.limits.per_visitor).then(|| v.records.pop_front()).flatten();
            v.options -= evicted.as_ref().map_or(0, |old| usize::from(old.is_options()));
            let dropped = evicted.as_ref().map_or(0, |old| old.weight);
            let growth = (v.records.capacity() - before) * std::mem::size_of::<Arc<Record>>();
            v.bytes = v.bytes + weight + growth - dropped;
            if let Some(newest) = v.newest.as_ref().filter(|n| n.receiver_count() > 0) {
                newest.send_replace(id);
            }
            (weight + growth, dropped)
        };
        st.bytes = st.bytes + added - dropped;
        // The byte bound: evict whole visitors, least recently active first, but never the
        // one just written to.
        while st.bytes > self.limits.bytes {
            if !evict_least_recent(st, Some(visitor)) {
                break;
            }
        }
    }

    /// The visitor's records with id greater than `after`, oldest first; at most the newest
    /// `limit`, and how many newer than `after` that left out.
    pub fn since(&self, visitor: &str, after: u64, limit: usize) -> (Vec<Arc<Record>>, u64) {
        let st = self.lock();
        let Some(v) = st.visitors.get(visitor) else { return (Vec::new(), 0) };
        let first_new = v.records.partition_point(|r| r.id <= after);
        let start = first_new.max(v.records.len().saturating_sub(limit));
        (v.records.range(start..).cloned().collect(), (start - first_new) as u64)
    }

    /// A receiver of the visitor's newest exchange id (creating the visitor if needed).
    pub fn subscribe(&self, visitor: &str) -> watch::Receiver<u64> {
        let mut st = self.lock();
        let v = visitor_entry(&mut st, &self.limits, visitor, Instant::now());
        if let Some(newest) = &v.newest {
            return newest.subscribe();
        }
        let newest = watch::Sender::new(0);
        let rx = newest.subscribe();
        v.newest = Some(newest);
        v.bytes += CHANNEL_COST;
        st.bytes += CHANNEL_COST;
        rx
    }

    /// (visitors, bytes accounted) — what the bounds limit.
    pub fn usage(&self) -> (usize, usize) {
        let st = self.lock();
        (st.visitors.len(), st.bytes)
    }
}

/// The visitor's earlier records that judging `this` needs, newest first: only exchanges
/// for the same URL within [`LOOKBACK_MS`] can be its preflight or its cached answer, and of
/// those [`verdict::judge`] reads the newest one (its preflight, or the sign that it had
/// none) and, beyond it, only preflights. Leaving the rest out gives the same verdict, and a
/// visitor sending the same GET in a loop costs one step back instead of a walk through its
/// whole history for each.
fn judged_against(visitor: &Visitor, this: &verdict::Exchange, at_ms: u64) -> Vec<(u64, Arc<Record>)> {
    let mut needed = Vec::new();
    let (mut newest_found, mut options_left) = (false, visitor.options);
    for r in visitor.records.iter().rev() {
        if (newest_found && options_left == 0) || at_ms >= r.observed.at_ms().saturating_add(LOOKBACK_MS) {
            break;
        }
        let options = r.is_options();
        options_left -= usize::from(options);
        if (!newest_found || options) && r.observed.url() == this.url() {
            newest_found = true;
            needed.push((r.id, r.clone()));
        }
    }
    needed
}

/// The annotated exchange as JSON in an exact-size allocation, written through one reused
/// buffer per thread: growing a fresh string for each would leave a trail of holes beside
/// the records the log keeps.
fn serialize(annotated: &Annotated) -> Box<str> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        serde_json::to_writer(&mut *buffer, annotated).expect("an exchange serializes");
        let json = std::str::from_utf8(buffer).expect("serde_json writes UTF-8");
        let copy = Box::from(json);
        // A one-off huge exchange must not keep its buffer's size for good.
        if buffer.capacity() > 64 * 1024 {
            *buffer = Vec::new();
        }
        copy
    })
}

fn visitor_entry<'a>(st: &'a mut State, limits: &LogLimits, visitor: &str, now: Instant) -> &'a mut Visitor {
    if !st.visitors.contains_key(visitor) {
        while st.visitors.len() >= limits.visitors.max(1) {
            evict_least_recent(st, None);
        }
        let mut v = Visitor::new(now);
        v.bytes = visitor_cost(visitor);
        st.bytes += v.bytes;
        st.visitors.insert(visitor.to_owned(), v);
    }
    st.visitors.get_mut(visitor).expect("just inserted")
}

/// Drops the least recently active visitor other than `keep`; false if there was none.
fn evict_least_recent(st: &mut State, keep: Option<&str>) -> bool {
    let oldest = st
        .visitors
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != keep)
        .min_by_key(|(_, v)| v.last_active)
        .map(|(k, _)| k.clone());
    match oldest.and_then(|k| st.visitors.remove(&k)) {
        Some(v) => {
            st.bytes -= v.bytes;
            true
        }
        None => false,
    }
}

/// A per-visitor budget of recorded exchanges per second, kept without a lock: the check
/// runs before any recording work, so a visitor flooding the API (a load test, a script in
/// a loop) costs one hash and one atomic per request instead of a copy of every request.
/// Visitors are hashed into slots; two that share a slot share its budget.
struct RecordBudget {
    slots: Box<[BudgetSlot]>,
}

#[derive(Default)]
struct BudgetSlot {
    /// `second << 32 | count`: exchanges admitted in the current second.
    window: AtomicU64,
    /// Exchanges refused since the last admitted one.
    refused: AtomicU64,
}

const BUDGET_SLOTS: usize = 1024;

impl RecordBudget {
    fn new() -> RecordBudget {
        RecordBudget { slots: (0..BUDGET_SLOTS).map(|_| BudgetSlot::default()).collect() }
    }

    /// `Some(refused before)` if admitted this `second`, `None` if over `limit`.
    fn take(&self, visitor: &str, second: u64, limit: u32) -> Option<u64> {
        // FNV-1a: visitor ids are random already; this only spreads them over the slots.
        let hash = visitor.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let slot = &self.slots[(hash % BUDGET_SLOTS as u64) as usize];
        let admitted = slot.window.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
            let (window_second, count) = (w >> 32, w & 0xffff_ffff);
            if window_second != second {
                Some(second << 32 | 1)
            } else if count < u64::from(limit) {
                Some(w + 1)
            } else {
                None
            }
        });
        match admitted {
            Ok(_) => Some(slot.refused.swap(0, Ordering::AcqRel)),
            Err(_) => {
                slot.refused.fetch_add(1, Ordering::AcqRel);
                None
            }
        }
    }
}

/// How the mount's CORS policy judged the request (the same pure decision the
/// [`crate::cors::CorsLayer`] inside acts on).
#[derive(Clone, Debug)]
pub struct Decided {
    pub policy: Arc<str>,
    pub preflight: bool,
    pub origin: OriginCheck,
}


#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, Method, StatusCode};

    const LIMITS: LogLimits = LogLimits { per_visitor: 3, visitors: 2, bytes: 1 << 20, value_bytes: 64, per_visitor_per_second: 1000 };

    fn log(limits: LogLimits) -> ExchangeLog {
        ExchangeLog::new(limits, "http://localhost:8001", "http://localhost:8000")
    }

    fn recording(visitor: &str, path: &str) -> Recording {
        Recording {
            credentials: None,
            method: Method::GET,
            uri: format!("{path}?lab={visitor}").parse().unwrap(),
            request: HeaderMap::new(),
            status: StatusCode::OK,
            response: HeaderMap::new(),
            decided: None,
            micros: 1,
            unrecorded_before: 0,
        }
    }

    fn paths(log: &ExchangeLog, visitor: &str) -> Vec<String> {
        log.since(visitor, 0, usize::MAX).0.iter().map(|r| r.observed.url().trim_start_matches("http://localhost:8001").split('?').next().unwrap().to_owned()).collect()
    }

    #[test]
    fn each_visitor_gets_its_own_budget_per_second() {
        let budget = RecordBudget::new();
        assert_eq!(budget.take("visitor-a", 7, 2), Some(0));
        assert_eq!(budget.take("visitor-a", 7, 2), Some(0));
        assert_eq!(budget.take("visitor-a", 7, 2), None);
        assert_eq!(budget.take("visitor-a", 7, 2), None);
        assert_eq!(budget.take("visitor-b", 7, 2), Some(0), "another visitor, another slot");
        assert_eq!(budget.take("visitor-a", 8, 2), Some(2), "a new second; two went unrecorded");
    }

    #[test]
    fn untagged_exchanges_are_not_recorded() {
        let log = log(LIMITS);
        let mut untagged = recording("x", "/api/hello/");
        untagged.uri = "/api/hello/".parse().unwrap();
        log.record(untagged, Instant::now());
        assert_eq!(log.usage(), (0, 0));
    }

    #[test]
    fn tags_parse_from_the_query() {
        assert_eq!(Tag::from_query(None), None);
        assert_eq!(Tag::from_query(Some("a=1")), None);
        assert_eq!(Tag::from_query(Some("lab=short")), None, "ids have at least 8 chars");
        assert_eq!(Tag::from_query(Some("lab=bad!visitor")), None);
        assert_eq!(Tag::from_query(Some("xlab=abcdefgh")), None, "only the parameter named lab");
        assert_eq!(Tag::from_query(Some("lab=abcdefgh&x=1")).unwrap().visitor, "abcdefgh");
        assert_eq!(
            Tag::from_query(Some("x=1&lab=abcdefgh.include")),
            Some(Tag { visitor: "abcdefgh", credentials: Some(Credentials::Include) })
        );
        assert_eq!(Tag::from_query(Some("lab=abcdefgh")), Some(Tag { visitor: "abcdefgh", credentials: None }));
        assert_eq!(Tag::from_query(Some("lab=abcdefgh.same-origin")).unwrap().credentials, Some(Credentials::SameOrigin));
        assert_eq!(Tag::from_query(Some("lab=abcdefgh.sometimes")).unwrap().credentials, None);
        assert!(Tag::is_attempted(Some("x=1&lab=short")) && Tag::is_attempted(Some("lab=")));
        assert!(!Tag::is_attempted(Some("xlab=abcdefgh")) && !Tag::is_attempted(None));
    }

    #[test]
    fn visitors_see_only_their_own_exchanges_in_order() {
        let log = log(LIMITS);
        log.record(recording("visitor-a", "/a1"), Instant::now());
        log.record(recording("visitor-b", "/b1"), Instant::now());
        log.record(recording("visitor-a", "/a2"), Instant::now());
        assert_eq!(paths(&log, "visitor-a"), ["/a1", "/a2"]);
        let (a, _) = log.since("visitor-a", 0, usize::MAX);
        assert!(a[0].id < a[1].id);
        assert_eq!(log.since("visitor-a", a[0].id, usize::MAX).0.len(), 1);
        assert_eq!(paths(&log, "visitor-b"), ["/b1"]);
        assert!(log.since("nobody-here", 0, usize::MAX).0.is_empty());
        let json: serde_json::Value = serde_json::from_str(a[0].json()).unwrap();
        assert_eq!((json["id"].as_u64(), json["url"].as_str()), (Some(a[0].id), Some("/a1?lab=visitor-a")));
    }

    #[test]
    fn since_keeps_the_newest_and_says_how_many_it_skipped() {
        let log = log(LogLimits { per_visitor: 10, ..LIMITS });
        for i in 0..6 {
            log.record(recording("visitor-a", &format!("/{i}")), Instant::now());
        }
        let (newest, skipped) = log.since("visitor-a", 0, 2);
        assert_eq!((newest.len(), skipped), (2, 4));
    }

    #[test]
    fn ids_keep_growing_across_restarts_and_evictions() {
        let first = log(LIMITS);
        first.record(recording("visitor-a", "/"), Instant::now());
        let old = first.since("visitor-a", 0, 1).0[0].id;
        std::thread::sleep(std::time::Duration::from_millis(2));
        let restarted = log(LIMITS);
        restarted.record(recording("visitor-a", "/"), Instant::now());
        assert!(restarted.since("visitor-a", 0, 1).0[0].id > old);
    }

    #[test]
    fn judging_against_the_needed_records_gives_the_verdict_of_the_whole_history() {
        let header = |pairs: &[(&'static str, &'static str)]| {
            pairs.iter().map(|(k, v)| (axum::http::HeaderName::from_static(k), axum::http::HeaderValue::from_static(v))).collect::<HeaderMap>()
        };
        let cors = [("sec-fetch-mode", "cors"), ("origin", "http://localhost:8000")];
        let step = |method: &str, path: &str, asks: Option<&'static str>| {
            let mut r = recording("visitor-a", path);
            r.method = method.parse().unwrap();
            r.request = header(&cors);
            r.response = header(&[("access-control-allow-origin", "http://localhost:8000"), ("access-control-allow-methods", "PUT, DELETE"), ("access-control-max-age", "600")]);
            if let Some(asked) = asks {
                r.request.insert("access-control-request-method", asked.parse().unwrap());
            }
            r
        };
        let lab_log = log(LogLimits { per_visitor: 50, ..LIMITS });
        let history = [
            step("OPTIONS", "/a", Some("PUT")),
            step("PUT", "/a", None),
            step("GET", "/b", None),
            step("PUT", "/a", None),
            step("OPTIONS", "/a", Some("DELETE")),
            step("DELETE", "/a", None),
            step("PUT", "/a", None),
            step("DELETE", "/b", None),
            step("DELETE", "/a", None),
        ];
        for r in history {
            lab_log.record(r, Instant::now());
        }
        assert_eq!(lab_log.lock().visitors["visitor-a"].options, 2);
        let records: VecDeque<Arc<Record>> = lab_log.since("visitor-a", 0, usize::MAX).0.into();
        let cx = verdict::Context { page_origin: "http://localhost:8000" };
        for (i, this) in records.iter().enumerate() {
            let mut before = Visitor::new(Instant::now());
            before.records = records.range(..i).cloned().collect();
            before.options = before.records.iter().filter(|r| r.is_options()).count();
            let whole = before.records.iter().rev().map(|r| (r.id, &r.observed));
            let needed = judged_against(&before, &this.observed, this.observed.at_ms());
            assert!(needed.len() <= 3, "step {i}: {} records", needed.len());
            let judged = verdict::judge(&this.observed, needed.iter().map(|(id, r)| (*id, &r.observed)), &cx);
            assert_eq!(judged, verdict::judge(&this.observed, whole, &cx), "step {i}");
            assert!(judged.is_some_and(|j| j.kind == verdict::Kind::Preflight || j.preflight_need.is_some()));
        }
        // Evicted preflights leave the count with them.
        let short = log(LogLimits { per_visitor: 2, ..LIMITS });
        for r in [step("OPTIONS", "/a", Some("PUT")), step("OPTIONS", "/a", Some("PUT")), step("PUT", "/a", None), step("PUT", "/a", None)] {
            short.record(r, Instant::now());
        }
        assert_eq!(short.lock().visitors["visitor-a"].options, 0);
    }

    #[test]
    fn each_visitor_keeps_only_the_newest() {
        let log = log(LIMITS);
        for i in 0..5 {
            log.record(recording("visitor-a", &format!("/{i}")), Instant::now());
        }
        assert_eq!(paths(&log, "visitor-a"), ["/2", "/3", "/4"]);
    }

    #[test]
    fn the_least_recently_active_visitor_is_dropped() {
        let log = log(LIMITS);
        log.record(recording("visitor-a", "/"), Instant::now());
        log.record(recording("visitor-b", "/"), Instant::now());
        log.record(recording("visitor-a", "/"), Instant::now());
        log.record(recording("visitor-c", "/"), Instant::now());
        assert_eq!(log.usage().0, 2);
        assert!(paths(&log, "visitor-b").is_empty(), "b was least recently active");
        assert_eq!(paths(&log, "visitor-a").len(), 2);
    }

    #[test]
    fn bytes_stay_under_the_bound_under_a_flood_and_are_given_back() {
        let limits = LogLimits { per_visitor: 50, visitors: 10_000, bytes: 200_000, value_bytes: 1024, per_visitor_per_second: 1000 };
        let log = log(limits);
        let big = |visitor: &str| {
            let mut r = recording(visitor, &"/x".repeat(400));
            for i in 0..8 {
                r.request.insert(format!("x-filler-{i}").parse::<axum::http::HeaderName>().unwrap(), "y".repeat(1000).parse().unwrap());
            }
            r
        };
        for i in 0..2_000 {
            log.record(big(&format!("visitor-{i:05}")), Instant::now());
            let (visitors, bytes) = log.usage();
            assert!(bytes <= limits.bytes, "{bytes}");
            assert!(visitors <= limits.visitors);
        }
        assert!(log.usage().0 > 1);
        // What is accounted is what the records hold: at least every byte of their text.
        let (records, _) = log.since("visitor-01999", 0, usize::MAX);
        let text: usize = records.iter().map(|r| r.json().len() + r.observed.heap_bytes()).sum();
        assert!(records[0].weight >= text && text > 8_000, "{} vs {text}", records[0].weight);
    }

    #[test]
    fn a_request_is_judged_when_recorded_against_the_preflight_before_it() {
        let log = log(LIMITS);
        let mut preflight = recording("visitor-a", "/api/users/");
        preflight.method = Method::OPTIONS;
        for (k, v) in [("origin", "http://localhost:8000"), ("sec-fetch-mode", "cors"), ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type")] {
            preflight.request.insert(k, v.parse().unwrap());
        }
        for (k, v) in [("access-control-allow-origin", "http://localhost:8000"), ("access-control-allow-headers", "content-type")] {
            preflight.response.insert(k, v.parse().unwrap());
        }
        let mut post = recording("visitor-a", "/api/users/");
        post.method = Method::POST;
        for (k, v) in [("origin", "http://localhost:8000"), ("sec-fetch-mode", "cors"), ("content-type", "application/json")] {
            post.request.insert(k, v.parse().unwrap());
        }
        post.response.insert("access-control-allow-origin", "http://localhost:8000".parse().unwrap());
        log.record(preflight, Instant::now());
        log.record(post, Instant::now());
        let (records, _) = log.since("visitor-a", 0, usize::MAX);
        let post: serde_json::Value = serde_json::from_str(records[1].json()).unwrap();
        assert_eq!(post["browser"]["preflight_id"].as_u64(), Some(records[0].id));
        assert_eq!(post["browser"]["verdict"]["outcome"], "pass");
    }

    #[test]
    fn subscribers_hear_about_new_exchanges() {
        let log = log(LIMITS);
        let mut rx = log.subscribe("visitor-a");
        assert!(!rx.has_changed().unwrap());
        log.record(recording("visitor-a", "/"), Instant::now());
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), log.since("visitor-a", 0, 1).0[0].id);
    }
}
