//! The attacker's own HTTP client: what a real attacker does with `curl`, offered to its
//! exploit pages.
//!
//! A forged token or a fixated session key needs no victim's browser: the attacker sends it
//! from anywhere, and CORS, which only browsers enforce, is not in the way. So an exploit
//! page hands such a request to its own server, which sends it to the lab's API and returns
//! status, headers and body, as `curl -i` shows them. The request goes into the API's
//! service in-process, through every layer a network request passes (exchange log, CORS,
//! handlers), from the address the exploit page's own request came from (rate limits
//! apply). Bounded: only the API mounts the exploit attacks, GET or POST, a few headers,
//! small bodies and answers.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Limited};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use crate::api::Api;

/// Bytes of a relay request (its JSON) read, and of an answer's body kept.
pub const REQUEST_BYTES: usize = 8 * 1024;
const ANSWER_BYTES: usize = 64 * 1024;
/// The request headers a relayed request may carry: what the lab's exploits send.
const HEADERS: [&str; 4] = ["authorization", "content-type", "cookie", "x-csrftoken"];
const MAX_HEADERS: usize = 8;
const TIMEOUT: Duration = Duration::from_secs(10);

/// What an exploit page asks its server to send.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relay {
    method: String,
    /// The whole URL, on the API origin.
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
}

/// What the API answered, as `curl -i` shows it.
#[derive(Debug, Serialize)]
pub struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body as text; empty if it was over 64 KiB (the API's are a few hundred bytes).
    body: String,
}

/// Why a relay request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Malformed(String),
    Method,
    /// Not on one of the mounts this exploit attacks.
    Target,
    Header(String),
    TooManyHeaders,
    /// The API did not answer in time.
    Timeout,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Malformed(e) => write!(f, "The body must be JSON {{\"method\", \"url\", \"headers\": [[name, value]], \"body\"}}: {e}."),
            Refused::Method => f.write_str("Only GET and POST are relayed."),
            Refused::Target => f.write_str("Only URLs on the API mounts this exploit attacks are relayed."),
            Refused::Header(name) => write!(f, "The header {name:?} is not relayed (only {}), or its value is not valid.", HEADERS.join(", ")),
            Refused::TooManyHeaders => write!(f, "At most {MAX_HEADERS} headers are relayed."),
            Refused::Timeout => f.write_str("The API did not answer in time."),
        }
    }
}

/// Sends `json` (a [`Relay`]) to `api` if its URL starts with one of `mounts` (full URLs
/// ending in `/api/`), from `peer`.
pub async fn send(api: &Api, mounts: &[String], api_origin: &str, peer: SocketAddr, json: &[u8]) -> Result<Answer, Refused> {
    let relay: Relay = serde_json::from_slice(json).map_err(|e| Refused::Malformed(e.to_string()))?;
    let method = match relay.method.as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        _ => return Err(Refused::Method),
    };
    if !mounts.iter().any(|m| relay.url.starts_with(m.as_str())) || relay.url.contains('#') {
        return Err(Refused::Target);
    }
    let target = relay.url.strip_prefix(api_origin).ok_or(Refused::Target)?;
    if relay.headers.len() > MAX_HEADERS {
        return Err(Refused::TooManyHeaders);
    }
    let host = api_origin.split_once("://").map_or(api_origin, |(_, host)| host);
    let mut req = Request::builder().method(method).uri(target).body(Body::from(relay.body.unwrap_or_default())).map_err(|_| Refused::Target)?;
    let headers = req.headers_mut();
    headers.insert(header::HOST, HeaderValue::try_from(host).map_err(|_| Refused::Target)?);
    for (name, value) in relay.headers {
        let lower = name.to_ascii_lowercase();
        let refused = || Refused::Header(name.clone());
        if !HEADERS.contains(&lower.as_str()) {
            return Err(refused());
        }
        let value = HeaderValue::try_from(value).map_err(|_| refused())?;
        headers.append(HeaderName::try_from(lower).map_err(|_| refused())?, value);
    }
    req.extensions_mut().insert(ConnectInfo(peer));
    let answered = async {
        let res = api.clone().oneshot(req).await.unwrap_or_else(|never| match never {});
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = match Limited::new(res.into_body(), ANSWER_BYTES).collect().await {
            Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            Err(_) => String::new(),
        };
        Answer { status, headers, body }
    };
    tokio::time::timeout(TIMEOUT, answered).await.map_err(|_| Refused::Timeout)
}
