//! The referee: what the API received from the visitor's browser and answered, which the
//! attacker cannot see.
//!
//! A forged request (a form post, a navigation) is blind: its answer goes to a window of
//! another origin, which the exploit page cannot read. The lab's exchange log saw it,
//! though: whether the visitor's cookies went along, the status, which cookies the answer
//! set or deleted. The exploit page asks this referee — corslab's, not the attacker's, as
//! the page says — to tell the learner whether the forgery had its effect, as a lab's
//! "solved" banner would. It shows no more than the lab page's own exchange log (the same
//! visitor id reads both), and never a cookie's value.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use serde::Serialize;

use super::log::cut;
use crate::exchange::{Exchange, ExchangeLog};

/// The newest exchanges the referee reports: a forgery is one or two requests.
const MOST: usize = 20;
/// Cookie names reported per exchange, each cut to [`NAME_BYTES`].
const MOST_COOKIES: usize = 16;
const NAME_BYTES: usize = 64;

#[derive(Debug, Serialize)]
pub struct Seen {
    pub at_ms: u64,
    pub method: String,
    /// The path the browser requested (mount prefix included, query left out).
    pub path: String,
    pub status: u16,
    /// `Sec-Fetch-Mode` and `-Site`, as the browser sent them: `navigate` for a form post
    /// or a link, `cross-site` from another site.
    pub fetch_mode: Option<String>,
    pub fetch_site: Option<String>,
    /// Names of the cookies the browser sent.
    pub cookies_sent: Vec<String>,
    /// Names of the cookies the answer set, and of those it deleted (`Max-Age=0`).
    pub cookies_set: Vec<String>,
    pub cookies_deleted: Vec<String>,
}

/// The visitor's exchanges that arrived at or after `after_ms`, oldest first.
pub fn seen(log: &Arc<ExchangeLog>, visitor: &str, after_ms: u64) -> Vec<Seen> {
    let history = log.history(visitor);
    let recent = history.iter().filter(|e| e.at_ms >= after_ms);
    let skip = recent.clone().count().saturating_sub(MOST);
    recent.skip(skip).map(|e| describe(e)).collect()
}

fn describe(e: &Exchange) -> Seen {
    let text = |name: &str| e.request_header(name).map(|v| cut(v, NAME_BYTES));
    let (mut set, mut deleted) = (Vec::new(), Vec::new());
    for (name, deletes) in set_cookies(&e.response).take(MOST_COOKIES) {
        if deletes { deleted.push(name) } else { set.push(name) }
    }
    Seen {
        at_ms: e.at_ms,
        method: e.method.to_string(),
        path: cut(e.uri.path(), 512),
        status: e.status.as_u16(),
        fetch_mode: text("sec-fetch-mode"),
        fetch_site: text("sec-fetch-site"),
        cookies_sent: crate::cookie::names(&e.request).take(MOST_COOKIES).map(|n| cut(&n, NAME_BYTES)).collect(),
        cookies_set: set,
        cookies_deleted: deleted,
    }
}

/// `(name, deletes)` of each `Set-Cookie`: deleting is Django's `delete_cookie`, `Max-Age=0`.
fn set_cookies(headers: &HeaderMap) -> impl Iterator<Item = (String, bool)> {
    headers.get_all(header::SET_COOKIE).iter().map(|v| {
        let text = String::from_utf8_lossy(v.as_bytes());
        let name = text.split(['=', ';']).next().unwrap_or("").trim();
        let deletes = text.split(';').any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
        (cut(name, NAME_BYTES), deletes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn set_cookies_are_told_apart_from_deletions() {
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, HeaderValue::from_static("sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"));
        h.append(header::SET_COOKIE, HeaderValue::from_static("csrftoken=abc; Max-Age=31449600; Path=/"));
        h.append(header::SET_COOKIE, HeaderValue::from_bytes(b"odd\xff; Max-Age=1").unwrap());
        let all: Vec<(String, bool)> = set_cookies(&h).collect();
        assert_eq!(all, [("sessionid".to_owned(), true), ("csrftoken".to_owned(), false), ("odd\u{fffd}".to_owned(), false)]);
    }
}
