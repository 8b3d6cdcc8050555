//! Observed exchanges read back as the browser made them.
//!
//! A server (or a HAR file) sees a preflight and the request it permits as two separate
//! exchanges, and sees the script's headers mixed with the browser's own. [`judge`] tells
//! which an exchange is, which header lines the script set, pairs a request with the
//! preflight right before it, and attributes a request that needed a preflight but came
//! without one to the earlier preflight whose cached answer covered it, and until when.

use std::borrow::Borrow;

use serde::Serialize;

use crate::cache::{MAX_LIFETIME_MS, answered_from_cache, preflight_cache_entry};
use crate::exchange::Exchange;
use crate::preflight::{PreflightNeed, preflight_need};
use crate::request::{Credentials, Mode, Request};
use crate::verdict::{PreflightUse, Verdict, verdict};

/// What [`judge`] assumes where an exchange does not say.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The page's origin, for requests that carry no `Origin` (a same-origin or `no-cors`
    /// GET).
    pub page_origin: &'a str,
}

/// Which of the browser's requests an exchange is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The browser's `OPTIONS` asking permission; JavaScript never sees it.
    Preflight,
    /// The request the page's script made.
    Request,
}

/// An observed exchange as the browser made it, and what the browser did with the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub kind: Kind,
    pub mode: Mode,
    pub credentials: Credentials,
    pub page_origin: String,
    /// Whether the request needed a preflight, and why (requests only).
    pub preflight_need: Option<PreflightNeed>,
    /// The id of the preflight this request followed.
    pub preflight_id: Option<u64>,
    /// A preflight was needed but none came right before: the browser used its cache.
    pub from_cache: Option<FromCache>,
    pub verdict: Verdict,
}

/// Where a request's preflight answer came from when none was sent for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FromCache {
    /// The preflight whose answer was reused, if it was among the earlier exchanges.
    pub preflight_id: Option<u64>,
    /// When that cache entry expires (on the exchanges' `at_ms` clock).
    pub until_ms: Option<u64>,
}

/// Judges `this` as the browser made it, or `None` when no browser made it (no
/// `Sec-Fetch-Mode`, which Chromium sends on every request).
///
/// `earlier` are the exchanges before it, newest first and in the order they happened,
/// each with the caller's id for it. The walk stops at the first exchange for the same URL
/// when that is this request's preflight, and otherwise at the first one made 2 h
/// (Chromium's cap on a cached preflight) or more before `this`; only exchanges for the same
/// URL are examined, one at a time, and none is kept.
///
/// The credentials mode is the one the exchange declares; otherwise a request that carried
/// a `Cookie` line (whose value is not read) was `include`, and any other fetch's default
/// `same-origin`.
pub fn judge<E: Borrow<Exchange>>(this: &Exchange, earlier: impl IntoIterator<Item = (u64, E)>, cx: &Context<'_>) -> Option<Judgement> {
    let seen = Observed::of(this, cx)?;
    let headers = seen.script_headers();
    let request = seen.request(&headers);
    let response = this.response();
    let mut judgement = Judgement {
        kind: Kind::Request,
        mode: seen.mode,
        credentials: seen.credentials,
        page_origin: seen.page_origin.to_owned(),
        preflight_need: None,
        preflight_id: None,
        from_cache: None,
        verdict: Verdict::AwaitingResponse { preflight: PreflightUse::NotNeeded },
    };
    if seen.preflight_for.is_some() {
        judgement.kind = Kind::Preflight;
        judgement.verdict = verdict(&request, Some(&response), None);
        return Some(judgement);
    }
    let need = preflight_need(&request);
    let mut paired = None;
    if need.needed {
        let same_url = earlier
            .into_iter()
            .take_while(|(_, e)| this.at_ms() < e.borrow().at_ms().saturating_add(MAX_LIFETIME_MS))
            .filter(|(_, e)| e.borrow().url() == this.url());
        let mut cached = FromCache { preflight_id: None, until_ms: None };
        for (position, (id, e)) in same_url.enumerate() {
            let e = e.borrow();
            let Some(pf) = Observed::of(e, cx).filter(|s| s.preflight_for.is_some()) else { continue };
            // Walking back, the first exchange for the same URL is this request's preflight
            // if it asks for this method; if it is anything else, this one came from the cache.
            if position == 0 && pf.preflight_for.as_ref().is_some_and(|(m, _)| *m == this.method()) {
                judgement.preflight_id = Some(id);
                paired = Some(verdict(&request, Some(&e.response()), Some(&response)));
                break;
            }
            let entry = preflight_cache_entry(&pf.request(&[]), &e.response(), e.at_ms());
            if let Some(entry) = entry.filter(|c| answered_from_cache(c, &request, this.at_ms())) {
                cached = FromCache { preflight_id: Some(id), until_ms: Some(entry.expires_at_ms) };
                break;
            }
        }
        if paired.is_none() {
            judgement.from_cache = Some(cached);
        }
    }
    judgement.verdict = paired.unwrap_or_else(|| verdict(&request, None, Some(&response)));
    judgement.preflight_need = Some(need);
    Some(judgement)
}

/// One exchange as the browser must have made it.
struct Observed<'e> {
    exchange: &'e Exchange,
    mode: Mode,
    credentials: Credentials,
    page_origin: &'e str,
    /// For a preflight: the method it asks about and the header names it lists.
    preflight_for: Option<(&'e str, Vec<&'e str>)>,
}

impl<'e> Observed<'e> {
    fn of(exchange: &'e Exchange, cx: &Context<'e>) -> Option<Observed<'e>> {
        // The browser writes these itself, in visible ASCII; anything else did not come
        // from a browser.
        let header = |name: &str| exchange.request_header(name).filter(|v| is_visible_ascii(v));
        let mode = match header("sec-fetch-mode")? {
            "cors" => Mode::Cors,
            "no-cors" => Mode::NoCors,
            "same-origin" => Mode::SameOrigin,
            "navigate" => Mode::Navigate,
            _ => return None,
        };
        let credentials = exchange.credentials().unwrap_or(if exchange.request_header("cookie").is_some() {
            // Cookies on a cross-origin request mean `include`.
            Credentials::Include
        } else {
            Credentials::SameOrigin
        });
        let preflight_for = (exchange.method() == "OPTIONS" && mode == Mode::Cors)
            .then(|| header("access-control-request-method"))
            .flatten()
            .map(|method| {
                let listed = header("access-control-request-headers").unwrap_or("");
                (method, listed.split(',').map(str::trim).filter(|n| !n.is_empty()).collect())
            });
        Some(Observed { exchange, mode, credentials, page_origin: header("origin").unwrap_or(cx.page_origin), preflight_for })
    }

    /// The header lines the page's script set (none for a preflight, which lists names only).
    fn script_headers(&self) -> Vec<(&'e str, &'e str)> {
        if self.preflight_for.is_some() {
            return Vec::new();
        }
        self.exchange.request_headers().filter(|(name, _)| !browser_set(name)).collect()
    }

    /// The request the script made; for a preflight, the one it asks permission for, whose
    /// listed headers are unsafe with values unknown.
    fn request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        let (method, unsafe_names) = match &self.preflight_for {
            Some((method, names)) => (*method, names.as_slice()),
            None => (self.exchange.method(), &[][..]),
        };
        Request::new(method, self.exchange.url(), self.page_origin)
            .headers(headers)
            .unsafe_header_names(unsafe_names)
            .mode(self.mode)
            .credentials(self.credentials)
    }
}

/// Header lines the browser writes itself on every request (the script cannot set most of
/// them, and a value it set for the others is indistinguishable); the rest came from the
/// script.
fn browser_set(name: &str) -> bool {
    const NAMES: [&str; 11] = [
        "accept-encoding", "accept-language", "connection", "content-length", "cookie", "host", "origin",
        "priority", "referer", "upgrade-insecure-requests", "user-agent",
    ];
    const PREFIXES: [&str; 3] = ["access-control-request-", "sec-ch-", "sec-fetch-"];
    NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
        || PREFIXES.iter().any(|p| name.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p)))
}

/// What `http::HeaderValue::to_str` accepts: tab and `0x20..=0x7e`.
fn is_visible_ascii(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests;
