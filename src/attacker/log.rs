//! The attacker's access log: every request its server received, as an exploit server
//! shows it — method, URL, the headers that tell where it came from, and the body (loot).
//!
//! Bounded: at most [`CAPACITY`] entries in all, oldest first out, each field cut to a few
//! hundred bytes and the body to [`BODY_BYTES`], copied into owned strings (nothing of the
//! connection's buffers is kept).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method, Uri, header};
use serde::Serialize;

/// Entries kept across all visitors: a class of a few hundred, a few dozen requests each.
pub const CAPACITY: usize = 5_000;
/// Bytes of a request body kept (and read): loot is a few hundred bytes of JSON.
pub const BODY_BYTES: usize = 4 * 1024;
/// Bytes of the URL and of each header value kept.
const FIELD_BYTES: usize = 512;

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    #[serde(skip)]
    visitor: Box<str>,
    pub at_ms: u64,
    pub method: String,
    pub url: String,
    pub origin: Option<String>,
    pub referer: Option<String>,
    /// Names only: whatever cookies the attacker's own origin has are not the lesson.
    pub cookies: Vec<String>,
    pub body: String,
}

pub struct AccessLog {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

impl AccessLog {
    pub fn new(capacity: usize) -> AccessLog {
        AccessLog { capacity, entries: Mutex::new(VecDeque::new()) }
    }

    pub fn record(&self, visitor: &str, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
        let text = |h: header::HeaderName| headers.get(h).map(|v| cut(&String::from_utf8_lossy(v.as_bytes()), FIELD_BYTES));
        let entry = Entry {
            visitor: visitor.into(),
            at_ms: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
            method: method.to_string(),
            url: cut(&uri.to_string(), FIELD_BYTES),
            origin: text(header::ORIGIN),
            referer: text(header::REFERER),
            cookies: crate::cookie::names(headers).take(16).map(|n| cut(&n, 64)).collect(),
            body: cut(&String::from_utf8_lossy(body), BODY_BYTES),
        };
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The visitor's entries, oldest first.
    pub fn of(&self, visitor: &str) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().filter(|e| &*e.visitor == visitor).cloned().collect()
    }
}

/// `s`, cut to at most `max` bytes at a character boundary.
pub(super) fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_entries_per_capacity_and_only_a_visitors_own() {
        let log = AccessLog::new(3);
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, "http://localhost:8003".parse().unwrap());
        for i in 0..5 {
            let visitor = if i % 2 == 0 { "visitor-a" } else { "visitor-b" };
            log.record(visitor, &Method::POST, &format!("/x/loot?n={i}").parse().unwrap(), &h, "é".repeat(5000).as_bytes());
        }
        let a = log.of("visitor-a");
        assert_eq!(a.iter().map(|e| e.url.as_str()).collect::<Vec<_>>(), ["/x/loot?n=2", "/x/loot?n=4"]);
        assert_eq!(a[0].origin.as_deref(), Some("http://localhost:8003"));
        assert!(a[0].body.len() <= BODY_BYTES && a[0].body.starts_with('é'));
        assert_eq!(log.of("visitor-b").len(), 1);
    }
}
