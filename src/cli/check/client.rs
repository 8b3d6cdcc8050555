//! The wire: sends each request exactly as the engine says Chromium sends it, within the
//! run's bounds, and reads back what the engine needs to judge it.
//!
//! Bounds: at most `concurrency` requests in flight and `rate` started per second across the
//! whole run, a timeout per request (connect to last body byte), redirects never followed by
//! the client (the prober decides, hop by hop, as the browser would), no cookie store, and at
//! most [`MAX_BODY`] bytes of a body read (a larger one is dropped with its connection).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::verdict::WireRequest;

/// The most of a body read before the rest is dropped.
pub const MAX_BODY: usize = 64 * 1024;
/// The most of a body kept (for the reasons an error body gives, such as Django's CSRF one).
pub const KEPT_BODY: usize = 4 * 1024;

/// What came back, as the engine reads it.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    /// Header lines in order, values as byte strings (each byte one char, as a browser's
    /// `ByteString`).
    pub headers: Vec<(String, String)>,
    /// The body's first [`KEPT_BODY`] bytes, as text.
    pub body: String,
}

impl Reply {
    /// All lines named `name` (case-insensitive) joined with ", ", as a browser reads them.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// Why nothing came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// No connection (refused, no route, DNS, TLS).
    Unreachable(String),
    TimedOut(Duration),
    /// The connection broke, or the request could not be written.
    Failed(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Unreachable(why) => write!(f, "unreachable: {why}"),
            SendError::TimedOut(after) => write!(f, "no answer within {} s (--timeout)", after.as_secs_f64()),
            SendError::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// The run's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub concurrency: usize,
    /// Requests started per second.
    pub rate: u32,
    pub timeout: Duration,
}

pub struct Client {
    http: reqwest::Client,
    permits: Semaphore,
    pace: Pace,
    timeout: Duration,
    sent: AtomicUsize,
}

impl Client {
    pub fn new(limits: Limits) -> Result<Client, String> {
        // One crypto backend for rustls, chosen here rather than by reqwest: ring builds with
        // a C compiler alone (aws-lc-rs, reqwest's default, wants cmake-sized build times).
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("corslab-check/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(limits.concurrency)
            .build()
            .map_err(|e| chain(&e))?;
        Ok(Client {
            http,
            permits: Semaphore::new(limits.concurrency),
            pace: Pace::new(limits.rate),
            timeout: limits.timeout,
            sent: AtomicUsize::new(0),
        })
    }

    /// How many requests have been sent so far.
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Sends `request` with these body and extra `cookie` line (the engine's own lines are
    /// sent as they are, `host` left to the client, which writes the same).
    pub async fn send(&self, request: &WireRequest, body: Option<&str>, cookie: Option<&str>) -> Result<Reply, SendError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| SendError::Failed(e.to_string()))?;
        let mut headers = HeaderMap::new();
        // One `Cookie` line, as a browser sends it: the cookies the server set on an earlier
        // hop (the engine's jar), then the one the user gave.
        let jar = request.headers.iter().find(|(n, _)| n == "cookie").map(|(_, v)| v.as_str());
        let joined = jar.zip(cookie).map(|(jar, given)| format!("{jar}; {given}"));
        let lines = request.headers.iter().filter(|(n, _)| n != "host").map(|(n, v)| match (n.as_str(), &joined) {
            ("cookie", Some(joined)) => (n.as_str(), joined.as_str()),
            _ => (n.as_str(), v.as_str()),
        });
        let given_alone = cookie.filter(|_| jar.is_none()).map(|c| ("cookie", c));
        for (name, value) in lines.chain(given_alone) {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| SendError::Failed(format!("header {name}: {e}")))?;
            let value = byte_string(value).and_then(|v| HeaderValue::from_bytes(&v).ok());
            let value = value.ok_or_else(|| SendError::Failed(format!("header {name}: not a valid value")))?;
            headers.append(name, value);
        }
        let mut builder = self.http.request(method, &request.url).headers(headers).timeout(self.timeout);
        if let Some(body) = body {
            builder = builder.body(body.to_owned());
        }
        let _permit = self.permits.acquire().await.map_err(|e| SendError::Failed(e.to_string()))?;
        self.pace.wait().await;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let response = builder.send().await.map_err(|e| self.failure(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().iter().map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().iter().map(|&b| char::from(b)).collect())).collect();
        let body = read_bounded(response).await.map_err(|e| self.failure(&e))?;
        Ok(Reply { status, headers, body })
    }

    fn failure(&self, e: &reqwest::Error) -> SendError {
        if e.is_timeout() {
            SendError::TimedOut(self.timeout)
        } else if e.is_connect() {
            SendError::Unreachable(chain(e))
        } else {
            SendError::Failed(chain(e))
        }
    }
}

/// The first [`KEPT_BODY`] bytes of the body as text, reading at most [`MAX_BODY`].
async fn read_bounded(mut response: reqwest::Response) -> Result<String, reqwest::Error> {
    let (mut kept, mut read) = (Vec::new(), 0usize);
    while read < MAX_BODY
        && let Some(chunk) = response.chunk().await?
    {
        read += chunk.len();
        let room = KEPT_BODY.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(String::from_utf8_lossy(&kept).into_owned())
}

/// A JavaScript string as the bytes a header carries: each char one byte, none above U+00FF.
fn byte_string(value: &str) -> Option<Vec<u8>> {
    value.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// An error with its causes: reqwest's own text names only the URL.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Spaces request starts evenly: at most `rate` a second, in bursts of none.
struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    fn new(rate: u32) -> Pace {
        Pace { interval: Duration::from_secs(1) / rate.max(1), next: Mutex::new(Instant::now()) }
    }

    async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}
