//! The referee: what the API received from an exploit page and answered, which the attacker
//! cannot see.
//!
//! A forged request (a form post, a navigation) is blind: its answer goes to a window of
//! another origin, which the exploit page cannot read, and the page never learns which
//! cookies the browser attached. The lab's exchange log saw it, though: how the browser sent
//! it (`Sec-Fetch-Mode`, `-Site`), the names of the cookies that went along, the status,
//! which cookies the answer set or deleted. The exploit page asks this referee — corslab's,
//! not the attacker's, as the page says — to tell the learner whether the attack landed, as a
//! lab's "solved" banner would. It shows no more than the lab page's own exchange log (the
//! same visitor id reads both), and never a cookie's value.

use serde::Serialize;

use super::log::cut;
use crate::exchange::ExchangeLog;
use crate::verdict::Exchange;

/// The newest exchanges the referee reports: an attack is a few requests.
const MOST: usize = 20;
/// Cookie names reported per exchange, each cut to [`NAME_BYTES`].
const MOST_COOKIES: usize = 16;
const NAME_BYTES: usize = 64;

/// One request the API received from the exploit page.
#[derive(Debug, Serialize)]
pub struct Seen {
    pub at_ms: u64,
    pub method: String,
    /// The path the browser requested (mount prefix included, query left out).
    pub path: String,
    pub status: u16,
    /// `Sec-Fetch-Mode` and `-Site`, as the browser sent them: `navigate` for a form post
    /// or a link, `cross-site` from another site.
    pub mode: Option<String>,
    pub site: Option<String>,
    /// Names of the cookies the browser sent.
    pub cookies: Vec<String>,
    /// Names of the cookies the answer set, and of those it deleted (`Max-Age=0`).
    pub cookies_set: Vec<String>,
    pub cookies_deleted: Vec<String>,
}

/// The visitor's exchanges since `since_ms`, at paths under one of `mounts` (e.g.
/// `/s/<id>/api/`), that came from a page of origin `from` (its `Origin`, or a `Referer` on
/// it: a GET navigation sends no `Origin`); oldest first, at most the newest [`MOST`].
pub fn seen(log: &ExchangeLog, visitor: &str, since_ms: u64, from: &str, mounts: &[String]) -> Vec<Seen> {
    let (records, _) = log.since(visitor, 0, usize::MAX);
    let on_page = |referer: &str| referer.strip_prefix(from).is_some_and(|rest| rest.starts_with('/'));
    let matching: Vec<Seen> = records
        .iter()
        .map(|r| r.observed())
        .filter(|e| e.at_ms() >= since_ms)
        .filter(|e| e.request_header("origin") == Some(from) || e.request_header("referer").is_some_and(on_page))
        .map(describe)
        .filter(|s| mounts.iter().any(|m| s.path.starts_with(m.as_str())))
        .collect();
    let skip = matching.len().saturating_sub(MOST);
    matching.into_iter().skip(skip).collect()
}

/// The log keeps the `Cookie` line as the cookies' names and each `Set-Cookie` with its
/// value reduced, so nothing here can show a value.
fn describe(e: &Exchange) -> Seen {
    let text = |name: &str| e.request_header(name).map(|v| cut(v, NAME_BYTES));
    let (mut set, mut deleted) = (Vec::new(), Vec::new());
    let set_cookies = e.response_headers().filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| set_cookie(v));
    for (name, deletes) in set_cookies.take(MOST_COOKIES) {
        if deletes { deleted.push(name) } else { set.push(name) }
    }
    // The absolute URL the browser fetched: its path, without the query.
    let after_scheme = e.url().split_once("://").map_or("", |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split('?').next().unwrap_or("/");
    let cookies = e.request_header("cookie").unwrap_or("");
    Seen {
        at_ms: e.at_ms(),
        method: e.method().to_owned(),
        path: cut(path, 512),
        status: e.status(),
        mode: text("sec-fetch-mode"),
        site: text("sec-fetch-site"),
        cookies: cookies.split("; ").filter(|n| !n.is_empty()).take(MOST_COOKIES).map(|n| cut(n, NAME_BYTES)).collect(),
        cookies_set: set,
        cookies_deleted: deleted,
    }
}

/// `(name, deletes)` of a `Set-Cookie`: deleting is Django's `delete_cookie`, `Max-Age=0`.
fn set_cookie(value: &str) -> (String, bool) {
    let name = value.split(['=', ';']).next().unwrap_or("").trim();
    let deletes = value.split(';').any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
    (cut(name, NAME_BYTES), deletes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookies_are_told_apart_from_deletions() {
        let e = Exchange::builder("POST", "http://localhost:8001/s/csrf-off/api/logout/?lab=visitor01")
            .request_header("cookie", "sessionid; csrftoken")
            .response(200)
            .response_header("set-cookie", "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")
            .response_header("set-cookie", "csrftoken=… (32 chars); Max-Age=31449600; Path=/")
            .build();
        let seen = describe(&e);
        assert_eq!((seen.cookies_set, seen.cookies_deleted), (vec!["csrftoken".to_owned()], vec!["sessionid".to_owned()]));
        assert_eq!(seen.cookies, ["sessionid", "csrftoken"]);
        assert_eq!(seen.path, "/s/csrf-off/api/logout/");
    }
}
