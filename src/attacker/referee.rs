//! The lab's referee on an exploit page: what the API received from it.
//!
//! A page that makes the browser navigate to another site, or submit a form there, never
//! sees the answer, nor which cookies the browser attached: the attacker works blind. The
//! lab does not: its exchange log saw every tagged request. The referee shows an exploit
//! page that record — method, path, how the browser sent it (`Sec-Fetch-Mode`, `-Site`),
//! the names of the cookies that went along, the status — so the page can tell whether the
//! attack landed, and say that this is the lab's knowledge, not the attacker's.

use serde::Serialize;

use crate::exchange::ExchangeLog;

/// One request the API received from the exploit page.
#[derive(Debug, Serialize)]
pub struct Seen {
    pub at_ms: u64,
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub mode: Option<String>,
    pub site: Option<String>,
    /// Names of the cookies the browser attached.
    pub cookies: Vec<String>,
    pub status: u16,
}

/// The visitor's exchanges since `since_ms` at paths under one of `mounts` (e.g.
/// `/s/<id>/api/`) that came from a page of `attacker` (its `Origin`, or a `Referer` on it:
/// a GET navigation sends no `Origin`).
pub fn seen(log: &ExchangeLog, visitor: &str, since_ms: u64, attacker: &str, mounts: &[String]) -> Vec<Seen> {
    let on_attacker = |referer: &str| referer.strip_prefix(attacker).is_some_and(|rest| rest.starts_with('/'));
    log.history(visitor)
        .iter()
        .filter(|e| e.at_ms >= since_ms && mounts.iter().any(|m| e.uri.path().starts_with(m.as_str())))
        .filter(|e| e.request_header("origin") == Some(attacker) || e.request_header("referer").is_some_and(on_attacker))
        .map(|e| Seen {
            at_ms: e.at_ms,
            method: e.method.to_string(),
            path: e.uri.path().to_owned(),
            mode: e.request_header("sec-fetch-mode").map(str::to_owned),
            site: e.request_header("sec-fetch-site").map(str::to_owned),
            cookies: crate::cookie::names(&e.request).take(16).map(|n| super::log::cut(&n, 64)).collect(),
            status: e.status.as_u16(),
        })
        .collect()
}
