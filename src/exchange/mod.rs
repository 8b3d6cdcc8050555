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
//! Recording is cheap: a few header values are copied into an [`Exchange`]; verdicts are
//! computed later, by whoever reads the log. Memory is bounded three ways: exchanges per
//! visitor, number of visitors, and bytes overall; the least recently active visitor goes
//! first. Header values are truncated, bodies are never kept, and secrets (cookie values,
//! tokens) are reduced to their names and lengths.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use serde::Serialize;
use tokio::sync::watch;

use crate::cors::OriginCheck;
use crate::verdict::Credentials;

pub mod annotate;
pub mod feed;
mod layer;

pub use layer::{ExchangeLayer, ExchangeService};

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

fn is_id(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One request and the response the API sent, as recorded: the raw parts, cheap to keep
/// (header values share the buffers hyper already holds). Turned into text ([`ExchangeView`])
/// only when someone reads the log.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    /// Increasing across the whole log and across restarts (see [`ExchangeLog::new`]): the
    /// SSE event id, so a reconnecting page misses nothing and never mistakes a new
    /// exchange for one it already saw.
    pub id: u64,
    /// Milliseconds since the Unix epoch, when the request arrived.
    pub at_ms: u64,
    /// How long the API took, in microseconds.
    pub micros: u64,
    pub credentials: Option<Credentials>,
    pub method: Method,
    pub uri: Uri,
    pub request: HeaderMap,
    pub status: StatusCode,
    pub response: HeaderMap,
    /// Which CORS policy answered, and how it judged the origin.
    pub decided: Option<Decided>,
    /// This visitor's exchanges left unrecorded since the previous recorded one, because
    /// they came faster than [`LogLimits::per_visitor_per_second`].
    pub unrecorded_before: u64,
    /// Bytes this record keeps alive, set by [`ExchangeLog::record`].
    weight: usize,
}

impl Exchange {
    /// Bytes this record keeps alive, for the byte bound: every header (shared buffers
    /// included, to err on the safe side) plus a fixed overhead.
    fn measure(&self) -> usize {
        let headers = |h: &HeaderMap| h.iter().map(|(k, v)| k.as_str().len() + v.len() + 64).sum::<usize>();
        512 + self.target().len() + headers(&self.request) + headers(&self.response)
    }

    /// The exchange as text, secrets reduced and long values cut at `value_bytes`.
    pub fn view(&self, value_bytes: usize) -> ExchangeView {
        ExchangeView {
            id: self.id,
            at_ms: self.at_ms,
            credentials: self.credentials,
            method: self.method.to_string(),
            url: truncate(self.uri.path_and_query().map_or("/", |p| p.as_str()), value_bytes),
            request_headers: request_headers(&self.request, value_bytes),
            cookies: crate::cookie::names(&self.request).take(32).map(|n| truncate(&n, 64)).collect(),
            status: self.status.as_u16(),
            response_headers: response_headers(&self.response, value_bytes),
            policy: self.decided.as_ref().map(|d| d.policy.to_string()),
            cors_preflight: self.decided.as_ref().is_some_and(|d| d.preflight),
            origin_check: self.decided.as_ref().map(|d| d.origin),
            micros: self.micros,
            unrecorded_before: self.unrecorded_before,
        }
    }

    /// A request header as text (`None` if absent or not visible ASCII).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request.get(name).and_then(|v| v.to_str().ok())
    }

    /// Path and query, as requested.
    pub fn target(&self) -> &str {
        self.uri.path_and_query().map_or("/", |p| p.as_str())
    }
}

/// An exchange as the log shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ExchangeView {
    pub id: u64,
    pub at_ms: u64,
    pub credentials: Option<Credentials>,
    pub method: String,
    /// Path and query, as requested.
    pub url: String,
    /// Request headers that matter for CORS, cookies and auth, secrets reduced.
    pub request_headers: Vec<(String, String)>,
    /// Names of the cookies the browser sent (never their values).
    pub cookies: Vec<String>,
    pub status: u16,
    /// Every response header the API sent, `Set-Cookie` values reduced.
    pub response_headers: Vec<(String, String)>,
    /// Which CORS policy answered, and how it judged the origin.
    pub policy: Option<String>,
    pub cors_preflight: bool,
    pub origin_check: Option<OriginCheck>,
    /// How long the API took, in microseconds.
    pub micros: u64,
    /// Exchanges of this visitor not recorded just before this one (rate bound).
    pub unrecorded_before: u64,
}

/// Request headers the log leaves out: what every browser request carries and no lesson here
/// needs (the cookie *names* are kept separately). Everything else is kept, because any
/// header the page's script set can decide whether the request needed a preflight.
fn keep_request_header(name: &str) -> bool {
    !matches!(
        name,
        "host" | "connection" | "user-agent" | "accept-encoding" | "cookie" | "priority" | "upgrade-insecure-requests"
    ) && !name.starts_with("sec-ch-")
}

struct Visitor {
    exchanges: VecDeque<Arc<Exchange>>,
    bytes: usize,
    last_active: Instant,
    /// The newest id, for subscribers to wait on.
    newest: watch::Sender<u64>,
}

impl Visitor {
    fn new(now: Instant) -> Visitor {
        Visitor { exchanges: VecDeque::new(), bytes: 0, last_active: now, newest: watch::Sender::new(0) }
    }
}

struct State {
    visitors: HashMap<String, Visitor>,
    bytes: usize,
    next_id: u64,
}

pub struct ExchangeLog {
    limits: LogLimits,
    state: Mutex<State>,
    budget: RecordBudget,
    /// Wall-clock time at a known instant, so recording needs only the monotonic clock
    /// (each clock read is a measurable share of a fast request).
    epoch: (Instant, u64),
}

impl ExchangeLog {
    pub fn new(limits: LogLimits) -> ExchangeLog {
        // Ids start at the current time in µs-like units (ms × 1000), so after a restart they
        // keep growing and a page resuming its stream is not left waiting for old numbers.
        // (Still below 2^53: exact in JavaScript.)
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_millis() as u64);
        let state = State { visitors: HashMap::new(), bytes: 0, next_id: now_ms * 1000 };
        ExchangeLog { limits, state: Mutex::new(state), budget: RecordBudget::new(), epoch: (Instant::now(), now_ms) }
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

    /// Stores a tagged exchange that arrived at `arrived` for its visitor, assigning its id
    /// and time, and wakes the visitor's subscribers. Untagged exchanges are ignored.
    pub fn record(&self, mut exchange: Exchange, arrived: Instant) {
        let uri = exchange.uri.clone();
        let Some(Tag { visitor, .. }) = Tag::from_query(uri.query()) else { return };
        let now = arrived;
        exchange.at_ms = self.unix_ms(arrived);
        // The exchange this one pushes out is dropped after the lock is released: freeing
        // its headers is the slow part.
        let evicted;
        let mut st = self.lock();
        let st = &mut *st;
        exchange.id = st.next_id;
        st.next_id += 1;
        let (added, dropped) = {
            let v = visitor_entry(st, &self.limits, visitor, now);
            v.last_active = now;
            exchange.weight = exchange.measure();
            let exchange_id = exchange.id;
            let added = exchange.weight;
            v.exchanges.push_back(Arc::new(exchange));
            evicted = (v.exchanges.len() > self.limits.per_visitor).then(|| v.exchanges.pop_front()).flatten();
            let dropped = evicted.as_ref().map_or(0, |old| old.weight);
            v.bytes = v.bytes + added - dropped;
            if v.newest.receiver_count() > 0 {
                v.newest.send_replace(exchange_id);
            }
            (added, dropped)
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

    /// The visitor's exchanges with id greater than `after`, oldest first.
    #[cfg(test)]
    fn since(&self, visitor: &str, after: u64) -> Vec<Arc<Exchange>> {
        let mut all = self.history(visitor);
        all.retain(|e| e.id > after);
        all
    }

    /// All the visitor's exchanges still held, oldest first.
    pub fn history(&self, visitor: &str) -> Vec<Arc<Exchange>> {
        let st = self.lock();
        st.visitors.get(visitor).map(|v| v.exchanges.iter().cloned().collect()).unwrap_or_default()
    }

    /// A receiver of the visitor's newest exchange id (creating the visitor if needed).
    pub fn subscribe(&self, visitor: &str) -> watch::Receiver<u64> {
        let mut st = self.lock();
        visitor_entry(&mut st, &self.limits, visitor, Instant::now()).newest.subscribe()
    }

    /// (visitors, bytes accounted) — what the bounds limit.
    pub fn usage(&self) -> (usize, usize) {
        let st = self.lock();
        (st.visitors.len(), st.bytes)
    }
}

fn visitor_entry<'a>(st: &'a mut State, limits: &LogLimits, visitor: &str, now: Instant) -> &'a mut Visitor {
    if !st.visitors.contains_key(visitor) {
        while st.visitors.len() >= limits.visitors.max(1) {
            evict_least_recent(st, None);
        }
        st.visitors.insert(visitor.to_owned(), Visitor::new(now));
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


const MAX_HEADERS_KEPT: usize = 32;

fn request_headers(headers: &HeaderMap, value_bytes: usize) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| keep_request_header(name.as_str()))
        .take(MAX_HEADERS_KEPT)
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = match name.as_str() {
                // The scheme teaches; the token is a secret.
                "authorization" => match value.split_once(' ') {
                    Some((scheme, rest)) => format!("{scheme} … ({} chars)", rest.trim().len()),
                    None => format!("… ({} chars)", value.len()),
                },
                "x-csrftoken" => format!("… ({} chars)", value.len()),
                _ => truncate(&value, value_bytes),
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

fn response_headers(headers: &HeaderMap, value_bytes: usize) -> Vec<(String, String)> {
    headers
        .iter()
        .take(MAX_HEADERS_KEPT)
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = if name == header::SET_COOKIE { redact_set_cookie(&value) } else { truncate(&value, value_bytes) };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// `sessionid=k3j…; HttpOnly; …` → `sessionid=… (32 chars); HttpOnly; …`: the attributes
/// are the lesson, the value is a secret.
fn redact_set_cookie(value: &str) -> String {
    let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
    let (name, val) = pair.split_once('=').unwrap_or((pair, ""));
    let shown = if val == "\"\"" { val.to_owned() } else { format!("… ({} chars)", val.len()) };
    let sep = if attributes.is_empty() { "" } else { ";" };
    format!("{name}={shown}{sep}{attributes}")
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LogLimits = LogLimits { per_visitor: 3, visitors: 2, bytes: 1 << 20, value_bytes: 16, per_visitor_per_second: 1000 };

    fn exchange(visitor: &str, path: &str) -> Exchange {
        with_visitor(Exchange { uri: path.parse().unwrap(), ..Exchange::default() }, visitor)
    }

    fn with_visitor(mut e: Exchange, visitor: &str) -> Exchange {
        e.uri = format!("{}?lab={visitor}", e.uri.path()).parse().unwrap();
        e
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
        let log = ExchangeLog::new(LIMITS);
        log.record(Exchange { uri: "/api/hello/".parse().unwrap(), ..Exchange::default() }, Instant::now());
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
    }

    #[test]
    fn visitors_see_only_their_own_exchanges_in_order() {
        let log = ExchangeLog::new(LIMITS);
        log.record(exchange("visitor-a", "/a1"), Instant::now());
        log.record(exchange("visitor-b", "/b1"), Instant::now());
        log.record(exchange("visitor-a", "/a2"), Instant::now());
        let a = log.since("visitor-a", 0);
        let urls: Vec<_> = a.iter().map(|e| e.uri.path()).collect();
        assert_eq!(urls, ["/a1", "/a2"]);
        assert!(a[0].id < a[1].id);
        assert_eq!(log.since("visitor-a", a[0].id).len(), 1);
        assert_eq!(log.since("visitor-b", 0)[0].uri.path(), "/b1");
        assert!(log.since("nobody-here", 0).is_empty());
    }

    #[test]
    fn ids_keep_growing_across_restarts_and_evictions() {
        let first = ExchangeLog::new(LIMITS);
        first.record(exchange("visitor-a", "/"), Instant::now());
        let old = first.since("visitor-a", 0)[0].id;
        std::thread::sleep(std::time::Duration::from_millis(2));
        let restarted = ExchangeLog::new(LIMITS);
        restarted.record(exchange("visitor-a", "/"), Instant::now());
        assert!(restarted.since("visitor-a", 0)[0].id > old);
    }

    #[test]
    fn each_visitor_keeps_only_the_newest() {
        let log = ExchangeLog::new(LIMITS);
        for i in 0..5 {
            log.record(exchange("visitor-a", &format!("/{i}")), Instant::now());
        }
        let urls: Vec<_> = log.since("visitor-a", 0).iter().map(|e| e.uri.path().to_owned()).collect();
        assert_eq!(urls, ["/2", "/3", "/4"]);
    }

    #[test]
    fn the_least_recently_active_visitor_is_dropped() {
        let log = ExchangeLog::new(LIMITS);
        log.record(exchange("visitor-a", "/"), Instant::now());
        log.record(exchange("visitor-b", "/"), Instant::now());
        log.record(exchange("visitor-a", "/"), Instant::now());
        log.record(exchange("visitor-c", "/"), Instant::now());
        assert_eq!(log.usage().0, 2);
        assert!(log.since("visitor-b", 0).is_empty(), "b was least recently active");
        assert_eq!(log.since("visitor-a", 0).len(), 2);
    }

    #[test]
    fn bytes_stay_under_the_bound_under_a_flood() {
        let limits = LogLimits { per_visitor: 50, visitors: 10_000, bytes: 200_000, value_bytes: 1024, per_visitor_per_second: 1000 };
        let log = ExchangeLog::new(limits);
        let mut big = exchange("visitor-0", &"/x".repeat(400));
        for i in 0..8 {
            big.request.insert(format!("x-filler-{i}").parse::<axum::http::HeaderName>().unwrap(), "y".repeat(1000).parse().unwrap());
        }
        for i in 0..5_000 {
            log.record(with_visitor(big.clone(), &format!("visitor-{i:05}")), Instant::now());
            let (visitors, bytes) = log.usage();
            assert!(bytes <= limits.bytes, "{bytes}");
            assert!(visitors <= limits.visitors);
        }
        assert!(log.usage().0 > 1);
    }

    #[test]
    fn subscribers_hear_about_new_exchanges() {
        let log = ExchangeLog::new(LIMITS);
        let mut rx = log.subscribe("visitor-a");
        assert!(!rx.has_changed().unwrap());
        log.record(exchange("visitor-a", "/"), Instant::now());
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), log.since("visitor-a", 0)[0].id);
    }

    #[test]
    fn secrets_are_reduced_to_names_and_lengths() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
        h.insert("x-csrftoken", "t".repeat(64).parse().unwrap());
        h.insert("origin", "http://localhost:8000".parse().unwrap());
        h.insert("user-agent", "whatever".parse().unwrap());
        h.insert("x-custom", "z".repeat(40).parse().unwrap());
        let kept = request_headers(&h, 16);
        let get = |n: &str| kept.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("authorization"), Some("Bearer … (11 chars)"));
        assert_eq!(get("x-csrftoken"), Some("… (64 chars)"));
        assert_eq!(get("origin"), Some("http://localhost… (21 bytes)"));
        assert_eq!(get("user-agent"), None);
        assert_eq!(get("x-custom"), Some("zzzzzzzzzzzzzzzz… (40 bytes)"));
        assert_eq!(
            redact_set_cookie("sessionid=abc123; expires=x; HttpOnly"),
            "sessionid=… (6 chars); expires=x; HttpOnly"
        );
        assert_eq!(redact_set_cookie("sessionid=\"\"; Max-Age=0"), "sessionid=\"\"; Max-Age=0");
    }
}
