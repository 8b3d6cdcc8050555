//! A HAR 1.2 file (DevTools' "Export HAR") read back as the browser's fetches.
//!
//! Each entry that reached a server becomes an observed [`Exchange`] and is judged exactly as
//! the lab's exchange log judges what its API saw ([`judge`]): preflights paired with the
//! request after them, requests that needed a preflight attributed to the cached one. Entries
//! then group into fetches — a preflight with its request, the hops of a redirect chain, a
//! failed preflight with the request DevTools lists as never sent — and each fetch gets one
//! [`FetchVerdict`], attached to the entry that ends it.
//!
//! DevTools exports Chromium's own fields: `_resourceType` (`fetch`, `xhr`, `preflight`, …),
//! the wire headers, `response.status` 0 and `_error` for a request that got no response.
//! Entries of other kinds (the document, scripts, images) are not fetches and are skipped;
//! HARs from other tools, without `_resourceType`, are read by their `Sec-Fetch-Mode`.

use serde::Deserialize;

use crate::exchange::Exchange;
use crate::experiment::InputError;
use crate::explain::Text;
use crate::fetch::{End, FetchVerdict, HopKind, HopResult, PreflightSent, Trail};
use crate::judge::{Context, Judgement, Kind, judge};
use crate::request::Credentials;
use crate::simulate::jar::Jar;
use crate::url::{PageOrigin, parse_url};
use crate::verdict::Verdict;
use std::collections::{HashMap, HashSet};

/// The parts of a HAR file the engine reads (other fields are allowed and ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Log {
    #[serde(default)]
    pub pages: Vec<Page>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub id: String,
    /// DevTools writes the page's URL here.
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub pageref: Option<String>,
    #[serde(rename = "startedDateTime")]
    pub started: String,
    pub request: HarRequest,
    pub response: HarResponse,
    #[serde(rename = "_resourceType", default)]
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HarRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HarResponse {
    /// 0 when no response arrived.
    pub status: i64,
    #[serde(rename = "statusText", default)]
    pub status_text: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    /// DevTools' failure text, e.g. `net::ERR_FAILED`.
    #[serde(rename = "_error", default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Har {
    /// Reads a HAR file.
    pub fn from_json(text: &str) -> Result<Har, InputError> {
        serde_json::from_str(text).map_err(|e| InputError::from_json(&e))
    }
}

/// The verdict on the fetch an entry ends (`None` for an entry that is one hop of a fetch
/// another entry ends, or not a fetch at all).
#[derive(Debug, Clone)]
pub struct EntryVerdict {
    pub entry: usize,
    pub verdict: FetchVerdict,
}

/// Judges every fetch in `har`. `credentials` tells a request's credentials mode where the
/// caller knows it (the wire does not say; without it, a request that carried cookies was
/// `include`, any other fetch's default `same-origin`).
pub fn explain_har(har: &Har, credentials: &dyn Fn(&str) -> Option<Credentials>) -> Vec<EntryVerdict> {
    let exchanges: Vec<Option<Exchange>> = har.log.entries.iter().map(|e| observed(e, credentials)).collect();
    let mut fetches = Fetches::default();
    // The answered entries passed so far, by URL: only those can be a request's preflight
    // or its cached answer, and a long HAR is not walked back whole for each request.
    let mut passed: HashMap<&str, Vec<usize>> = HashMap::new();
    for i in preflights_first(&har.log.entries) {
        let entry = &har.log.entries[i];
        let Some(exchange) = &exchanges[i] else {
            if is_fetch(entry) {
                fetches.unanswered(i, entry);
            }
            continue;
        };
        let same_url = passed.entry(exchange.url()).or_default();
        if is_fetch(entry) {
            let page = page_origin(har, entry);
            let earlier = same_url.iter().rev().filter_map(|&j| Some((j as u64, exchanges[j].as_ref()?)));
            if let Some(judgement) = judge(exchange, earlier, &Context { page_origin: &page }) {
                fetches.judged(i, entry, exchange, judgement, &har.log.entries);
            }
        }
        same_url.push(i);
    }
    fetches.finish()
}

/// The order to judge the entries in: as listed, except that a preflight listed after the
/// request it was sent for moves just before it. Chromium starts a request, then its
/// preflight (a millisecond or two later), and DevTools learns of the two from different
/// processes, so either may be listed first; the judge reads a preflight as belonging to
/// the request after it. A preflight's request is the fetch for the same URL and the method
/// it asks about that started last, no later than the preflight and at most a second before.
fn preflights_first(entries: &[Entry]) -> Vec<usize> {
    let started: Vec<Option<u64>> = entries.iter().map(|e| started_ms(&e.started)).collect();
    // Requests (preflights are not) by (URL, method), each list in order of (start,
    // position): a lookup per preflight, so a HAR of many thousands of entries is still read
    // in moments.
    let mut fetches: HashMap<(&str, &str), Vec<(u64, usize)>> = HashMap::new();
    for (r, e) in entries.iter().enumerate() {
        if let (Some(t), true, None) = (started[r], is_fetch(e), asked_method(e)) {
            fetches.entry((e.request.url.as_str(), e.request.method.as_str())).or_default().push((t, r));
        }
    }
    for list in fetches.values_mut() {
        list.sort_unstable();
    }
    let mut moved_before: HashMap<usize, Vec<usize>> = HashMap::new();
    for (p, e) in entries.iter().enumerate() {
        let (Some(asked), Some(t)) = (asked_method(e), started[p]) else { continue };
        let Some(list) = fetches.get(&(e.request.url.as_str(), asked)) else { continue };
        // The last to start no later than the preflight (of several in the same
        // millisecond, the last listed); one listed after the preflight needs no move.
        let end = list.partition_point(|&(s, _)| s <= t);
        let Some(&(_, owner)) = list[..end].last().filter(|(s, _)| t - s <= 1000) else { continue };
        if owner < p {
            moved_before.entry(owner).or_default().push(p);
        }
    }
    let moved: HashSet<usize> = moved_before.values().flatten().copied().collect();
    let mut order = Vec::with_capacity(entries.len());
    for i in 0..entries.len() {
        if let Some(preflights) = moved_before.get(&i) {
            order.extend(preflights);
        }
        if !moved.contains(&i) {
            order.push(i);
        }
    }
    order
}

/// For a preflight, the method it asks about.
fn asked_method(entry: &Entry) -> Option<&str> {
    header(&entry.request.headers, "access-control-request-method").filter(|_| entry.request.method == "OPTIONS")
}

/// Whether an entry is a `fetch()` (or XHR) or its preflight.
fn is_fetch(entry: &Entry) -> bool {
    match entry.resource_type.as_deref() {
        Some(kind) => matches!(kind, "fetch" | "xhr" | "preflight"),
        None => header(&entry.request.headers, "sec-fetch-mode").is_some_and(|m| m != "navigate"),
    }
}

fn header<'h>(headers: &'h [Header], name: &str) -> Option<&'h str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

/// The page an entry belongs to, as an origin: its page's URL, else the first page's.
fn page_origin(har: &Har, entry: &Entry) -> String {
    let page = entry.pageref.as_ref().and_then(|id| har.log.pages.iter().find(|p| &p.id == id)).or(har.log.pages.first());
    page.and_then(|p| match PageOrigin::parse(p.title.split(['/', '?', '#']).take(3).collect::<Vec<_>>().join("/").as_str())? {
        PageOrigin::Tuple(u) => Some(u.origin()),
        PageOrigin::Opaque => None,
    })
    .unwrap_or_else(|| "null".into())
}

/// An entry as the exchange a server saw, or `None` when no response arrived.
fn observed(entry: &Entry, credentials: &dyn Fn(&str) -> Option<Credentials>) -> Option<Exchange> {
    let status = u16::try_from(entry.response.status).ok().filter(|s| *s > 0)?;
    let mut request = Exchange::builder(&entry.request.method, &entry.request.url).at_ms(started_ms(&entry.started).unwrap_or(0));
    if let Some(c) = credentials(&entry.request.url) {
        request = request.credentials(c);
    }
    for h in &entry.request.headers {
        // HTTP/2 pseudo-headers are not header lines.
        if !h.name.starts_with(':') {
            request = request.request_header(&h.name, &h.value);
        }
    }
    let mut response = request.response(status);
    for h in &entry.response.headers {
        response = response.response_header(&h.name, &h.value);
    }
    Some(response.build())
}

/// Milliseconds since the Unix epoch of an ISO 8601 date-time (`2025-12-01T21:28:00.123Z`,
/// or with an offset), as DevTools writes `startedDateTime`.
fn started_ms(s: &str) -> Option<u64> {
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = s.get(19..)?;
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len())),
        None => ("", rest),
    };
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let offset_minutes = match zone {
        "Z" | "" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let h = z.get(1..3)?.parse::<i64>().ok()?;
            let m = z.get(z.len().checked_sub(2)?..)?.parse::<i64>().ok()?;
            sign * (h * 60 + m)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    u64::try_from(seconds * 1000 + millis).ok()
}

/// Fetches being assembled from consecutive entries.
#[derive(Default)]
struct Fetches {
    done: Vec<EntryVerdict>,
    /// Passed preflights waiting for their request: (entry, trail so far).
    preflighted: Vec<(usize, Trail)>,
    /// Redirects waiting for their next hop: (entry, location, trail so far).
    redirected: Vec<(usize, String, Trail)>,
    /// Failed preflights, whose never-sent request DevTools lists after them.
    failed_preflights: Vec<(String, String)>,
}

impl Fetches {
    fn judged(&mut self, i: usize, entry: &Entry, exchange: &Exchange, judgement: Judgement, entries: &[Entry]) {
        let url = exchange.url().to_string();
        let status = Some(exchange.status());
        if judgement.kind == Kind::Preflight {
            let mut trail = Trail::default();
            let asked = |name| exchange.request_header(name).map(str::to_string);
            trail.preflights.push(PreflightSent {
                url: url.clone(),
                access_control_request_method: asked("access-control-request-method"),
                access_control_request_headers: asked("access-control-request-headers"),
            });
            let method = asked("access-control-request-method").unwrap_or_default();
            match judgement.verdict {
                Verdict::Blocked(b) => {
                    trail.hop(&url, "OPTIONS", HopKind::Preflight, status, HopResult::Blocked);
                    trail.hop(&url, &method, HopKind::Request, None, HopResult::NotSent);
                    self.failed_preflights.push((method, url));
                    self.end(i, trail, End::Blocked(b));
                }
                _ => {
                    trail.hop(&url, "OPTIONS", HopKind::Preflight, status, HopResult::Pass);
                    self.preflighted.push((i, trail));
                }
            }
            return;
        }
        // A request continues the fetch of the preflight it was paired with, or of the
        // redirect that led to it.
        let mut trail = match judgement.preflight_id.and_then(|p| self.preflighted.iter().position(|(j, _)| *j as u64 == p)) {
            Some(k) => self.preflighted.remove(k).1,
            None => match self.redirected.iter().position(|(_, location, _)| *location == url) {
                Some(k) => self.redirected.remove(k).2,
                None => Trail::default(),
            },
        };
        if let Some(cached) = judgement.from_cache {
            trail.preflight_from_cache = true;
            let at = cached.preflight_id.and_then(|p| entries.get(p as usize)).map(|e| e.started.as_str());
            let (from_en, from_ja) = at.map_or_else(Default::default, |at| (format!(" (the preflight at {at})"), format!("（{at} のプリフライト）")));
            trail.notes.push(Text::new(
                format!("No preflight came before this request: Chromium answered it from its preflight cache{from_en}."),
                format!("このリクエストの前にプリフライトはありません。Chromium はプリフライトキャッシュから答えました{from_ja}。"),
            ));
        }
        cookies(exchange, &judgement, &mut trail);
        let method = exchange.method().to_string();
        match judgement.verdict {
            Verdict::Pass { js: Some(js), standard_differs, .. } => {
                trail.hop(&url, &method, HopKind::Request, status, HopResult::Pass);
                trail.differs(standard_differs);
                if let Some(need) = judgement.preflight_need {
                    trail.differs(need.standard_differs);
                }
                let reason = entry.response.status_text.clone();
                self.end(i, trail, End::Response { js, http_status: exchange.status(), reason });
            }
            Verdict::Redirect { location, note, .. } => {
                trail.hop(&url, &method, HopKind::Request, status, HopResult::Redirect);
                trail.notes.push(note);
                self.redirected.push((i, location, trail));
            }
            Verdict::Blocked(b) => {
                trail.hop(&url, &method, HopKind::Request, status, HopResult::Blocked);
                self.end(i, trail, End::Blocked(b));
            }
            Verdict::Unmodeled { reason } => self.end(i, trail, End::Unmodeled(reason)),
            Verdict::Pass { js: None, .. } | Verdict::AwaitingResponse { .. } => {}
        }
    }

    /// An entry without a response: the request DevTools lists after its failed preflight,
    /// or one the HAR cannot tell about.
    fn unanswered(&mut self, i: usize, entry: &Entry) {
        let key = (entry.request.method.clone(), entry.request.url.clone());
        if let Some(k) = self.failed_preflights.iter().position(|p| *p == key) {
            self.failed_preflights.remove(k);
            return;
        }
        let error = entry.response.error.as_deref().unwrap_or("no error given");
        let url = &entry.request.url;
        self.end(i, Trail::default(), End::Unmodeled(Text::new(
            format!("The HAR holds no response for {} {url} ({error}), so there is nothing to judge; Chromium stopped it before any server answered.", entry.request.method),
            format!("HAR には {} {url} への応答がない（{error}）ため、判定できません。Chromium はサーバーが応答する前にこのリクエストを止めています。", entry.request.method),
        )));
    }

    fn end(&mut self, entry: usize, trail: Trail, end: End) {
        self.done.push(EntryVerdict { entry, verdict: trail.finish(end) });
    }

    /// Fetches whose next entry the HAR does not hold end as unmodeled.
    fn finish(mut self) -> Vec<EntryVerdict> {
        for (i, trail) in std::mem::take(&mut self.preflighted) {
            let reason = Text::new(
                "The preflight passed, but the HAR holds no request after it; what followed is not recorded.",
                "プリフライトは通りましたが、HAR にその後のリクエストがないため、続きは記録されていません。",
            );
            self.end(i, trail, End::Unmodeled(reason));
        }
        for (i, location, trail) in std::mem::take(&mut self.redirected) {
            let reason = Text::new(
                format!("The response redirects to {location}, and the HAR holds no request to it."),
                format!("レスポンスは {location} へリダイレクトしていますが、HAR にそのリクエストがありません。"),
            );
            self.end(i, trail, End::Unmodeled(reason));
        }
        self.done.sort_by_key(|d| d.entry);
        self.done
    }
}

/// The cookies an observed request carried, and what its `Set-Cookie` lines would store.
fn cookies(exchange: &Exchange, judgement: &Judgement, trail: &mut Trail) {
    if let Some(cookie) = exchange.request_header("cookie") {
        for name in cookie.split(';').filter_map(|p| p.split('=').next()).map(str::trim).filter(|n| !n.is_empty()) {
            if !trail.cookies.sent.iter().any(|s| s == name) {
                trail.cookies.sent.push(name.to_string());
            }
        }
    }
    if let Ok(url) = parse_url(exchange.url()) {
        let lines = exchange.response_headers().filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v);
        Jar::default().store(&judgement.page_origin, &url, judgement.credentials, lines, exchange.at_ms(), &mut trail.cookies);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::Outcome;

    /// A page on localhost:8000 POSTing JSON to the API on localhost:8001, preflighted, and
    /// the entries listed in `order` (0: the POST, 1: its preflight, 2: the same POST again,
    /// answered from the preflight cache), started at `at` ms.
    fn har(order: &[(usize, u64)]) -> Har {
        let url = "http://localhost:8001/api/users/";
        let request = |method: &str, extra: serde_json::Value| {
            let mut headers = vec![serde_json::json!({"name": "Origin", "value": "http://localhost:8000"}), serde_json::json!({"name": "Sec-Fetch-Mode", "value": "cors"})];
            headers.extend(extra.as_array().unwrap().iter().cloned());
            serde_json::json!({"method": method, "url": url, "headers": headers})
        };
        let post = || (request("POST", serde_json::json!([{"name": "Content-Type", "value": "application/json"}])), serde_json::json!({"status": 201, "headers": [{"name": "Access-Control-Allow-Origin", "value": "http://localhost:8000"}]}), "fetch");
        let preflight = (
            request("OPTIONS", serde_json::json!([{"name": "Access-Control-Request-Method", "value": "POST"}, {"name": "Access-Control-Request-Headers", "value": "content-type"}])),
            serde_json::json!({"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "http://localhost:8000"}, {"name": "Access-Control-Allow-Headers", "value": "content-type"}, {"name": "Access-Control-Max-Age", "value": "600"}]}),
            "preflight",
        );
        let kinds = [post(), preflight, post()];
        let entries: Vec<serde_json::Value> = order
            .iter()
            .map(|&(k, at)| {
                let (request, response, kind) = &kinds[k];
                let started = format!("2025-12-01T21:28:{:02}.{:03}Z", at / 1000, at % 1000);
                serde_json::json!({"startedDateTime": started, "request": request, "response": response, "_resourceType": kind})
            })
            .collect();
        let pages = serde_json::json!([{"id": "page_1", "title": "http://localhost:8000/"}]);
        Har::from_json(&serde_json::json!({"log": {"pages": pages, "entries": entries}}).to_string()).unwrap()
    }

    /// (entry, outcome, preflights sent, from the cache) per fetch.
    fn fetches(har: &Har) -> Vec<(usize, Outcome, usize, bool)> {
        explain_har(har, &|_| None).into_iter().map(|v| (v.entry, v.verdict.outcome, v.verdict.preflights.len(), v.verdict.preflight_from_cache)).collect()
    }

    #[test]
    fn every_entry_is_judged_once_however_many_preflights_share_a_url_and_a_millisecond() {
        let pair = har(&[(0, 0), (1, 0)]).log.entries;
        let entries: Vec<Entry> = (0..20_000).flat_map(|_| pair.iter().cloned()).collect();
        let mut order = preflights_first(&entries);
        assert_eq!(order[order.len() - 2..], [entries.len() - 1, entries.len() - 2], "the last preflight goes before the last request");
        order.sort_unstable();
        assert!(order.iter().copied().eq(0..entries.len()));
    }

    #[test]
    fn a_preflight_listed_after_its_request_still_belongs_to_it() {
        // As DevTools lists them most of the time: the preflight first, though it started later.
        let usual = har(&[(1, 2), (0, 0), (2, 5_000)]);
        assert_eq!(fetches(&usual), [(1, Outcome::Response, 1, false), (2, Outcome::Response, 0, true)]);
        // And sometimes the other way round: the same fetches.
        let swapped = har(&[(0, 0), (1, 2), (2, 5_000)]);
        assert_eq!(fetches(&swapped), [(0, Outcome::Response, 1, false), (2, Outcome::Response, 0, true)]);
        // A request answered from the cache just before another one's preflight keeps its
        // verdict; the preflight goes with the request that started last before it.
        let close = har(&[(1, 0), (0, 0), (2, 300), (1, 302), (0, 301)]);
        assert_eq!(fetches(&close), [(1, Outcome::Response, 1, false), (2, Outcome::Response, 0, true), (4, Outcome::Response, 1, false)]);
    }

    #[test]
    fn devtools_dates_are_read_to_the_millisecond() {
        assert_eq!(started_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(started_ms("2025-12-01T21:28:00.123Z"), Some(1_764_624_480_123));
        assert_eq!(started_ms("2025-12-02T06:28:00.123+09:00"), Some(1_764_624_480_123));
        assert_eq!(started_ms("2025-12-01T21:28:00Z"), Some(1_764_624_480_000));
        assert_eq!(started_ms("yesterday"), None);
    }
}
