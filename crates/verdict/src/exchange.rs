//! An observed exchange: one request and the response to it, as a server or a HAR file saw
//! them, owned and compact enough that a log can keep many and account for their memory.
//!
//! All text (method, URL, every header name and value) lives in one buffer, cut by a slice
//! of `u32` offsets: two heap allocations per exchange, whatever its header count, and
//! [`Exchange::heap_bytes`] says exactly how much they hold.

use std::fmt;
use std::marker::PhantomData;

use crate::request::Credentials;
use crate::response::{Lines, Response};

/// One request and its response, as observed on the wire.
///
/// Built with [`Exchange::builder`]. Header values are kept as given: a caller reading raw
/// bytes decides how to make them text (the lab keeps visible ASCII and replaces anything
/// else with U+FFFD, which no CORS check accepts). Nothing is truncated here; an exchange
/// holds at most 4 GiB of text (its offsets are `u32`), and what would not fit is left out.
#[derive(Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Method, URL, then each request line's name and value, then each response line's.
    text: Box<str>,
    /// End offset in `text` of each piece above, in the same order.
    spans: Box<[u32]>,
    request_lines: u32,
    status: u16,
    credentials: Option<Credentials>,
    at_ms: u64,
}

impl Exchange {
    /// Starts an exchange for a request: its method and the absolute URL as the browser sent
    /// it (query included).
    pub fn builder(method: &str, url: &str) -> ExchangeBuilder<RequestHalf> {
        let mut parts = Parts { text: String::with_capacity(method.len() + url.len() + 256), spans: Vec::with_capacity(16), request_lines: 0, status: 0, credentials: None, at_ms: 0 };
        parts.push_piece(method);
        parts.push_piece(url);
        ExchangeBuilder { parts, half: PhantomData }
    }

    fn piece(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.spans.get(i - 1).copied().unwrap_or(0) };
        let end = self.spans.get(i).copied().unwrap_or(start);
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn lines(&self, from: usize, count: usize) -> Lines<'_> {
        let ends = self.spans.get(from..from + 2 * count).unwrap_or(&[]);
        let start = self.spans.get(from - 1).copied().unwrap_or(0);
        Lines::Packed { text: &self.text, start, ends }
    }

    fn request_lines(&self) -> Lines<'_> {
        self.lines(2, self.request_lines as usize)
    }

    fn response_lines(&self) -> Lines<'_> {
        let from = 2 + 2 * self.request_lines as usize;
        self.lines(from, self.spans.len().saturating_sub(from) / 2)
    }

    /// The request method, as sent.
    pub fn method(&self) -> &str {
        self.piece(0)
    }

    /// The absolute URL, as the browser sent it.
    pub fn url(&self) -> &str {
        self.piece(1)
    }

    /// The request's header lines, in order.
    pub fn request_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.request_lines().iter()
    }

    /// The value of the first request line named `name` (case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// The response status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response's header lines, in order.
    pub fn response_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.response_lines().iter()
    }

    /// The response, as the checks read it.
    pub fn response(&self) -> Response<'_> {
        Response::from_lines(self.status, self.response_lines())
    }

    /// When the request was made, in milliseconds on the caller's clock.
    pub fn at_ms(&self) -> u64 {
        self.at_ms
    }

    /// The fetch's credentials mode, when the page declared it (the wire does not say).
    pub fn credentials(&self) -> Option<Credentials> {
        self.credentials
    }

    /// Bytes held by this exchange's heap allocations (what a log keeps beyond
    /// `size_of::<Exchange>()`).
    pub fn heap_bytes(&self) -> usize {
        // Boxed slices have no spare capacity: their length is their allocation.
        self.text.len() + std::mem::size_of_val::<[u32]>(&self.spans)
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct List<'a>(Lines<'a>);
        impl fmt::Debug for List<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.iter()).finish()
            }
        }
        f.debug_struct("Exchange")
            .field("method", &self.method())
            .field("url", &self.url())
            .field("request_headers", &List(self.request_lines()))
            .field("status", &self.status)
            .field("response_headers", &List(self.response_lines()))
            .field("credentials", &self.credentials)
            .field("at_ms", &self.at_ms)
            .finish()
    }
}

/// Builds an [`Exchange`]: request lines first, then [`response`](ExchangeBuilder::response)
/// and its lines (the half is in the type, so lines cannot land in the wrong one).
#[derive(Debug, Clone)]
pub struct ExchangeBuilder<Half> {
    parts: Parts,
    half: PhantomData<Half>,
}

/// [`ExchangeBuilder`] state: adding request lines.
#[derive(Debug, Clone, Copy)]
pub enum RequestHalf {}

/// [`ExchangeBuilder`] state: the response status is set; adding response lines.
#[derive(Debug, Clone, Copy)]
pub enum ResponseHalf {}

#[derive(Debug, Clone)]
struct Parts {
    text: String,
    spans: Vec<u32>,
    request_lines: u32,
    status: u16,
    credentials: Option<Credentials>,
    at_ms: u64,
}

impl Parts {
    /// Whether `extra` more bytes of text keep every offset within `u32`.
    fn fits(&self, extra: usize) -> bool {
        self.text.len().checked_add(extra).is_some_and(|end| u32::try_from(end).is_ok())
    }

    /// Appends a piece, or an empty one if it would not fit.
    fn push_piece(&mut self, piece: &str) {
        if self.fits(piece.len()) {
            self.text.push_str(piece);
        }
        self.spans.push(self.text.len() as u32);
    }

    /// Appends a header line; false (and nothing kept) if it would not fit.
    fn push_line(&mut self, name: &str, value: &str) -> bool {
        if !self.fits(name.len().saturating_add(value.len())) || self.spans.len() >= u32::MAX as usize {
            return false;
        }
        self.push_piece(name);
        self.push_piece(value);
        true
    }
}

impl<Half> ExchangeBuilder<Half> {
    /// When the request was made, in milliseconds (any clock; the preflight cache compares
    /// these).
    pub fn at_ms(mut self, at_ms: u64) -> Self {
        self.parts.at_ms = at_ms;
        self
    }

    /// The fetch's credentials mode, when the page declared it.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.parts.credentials = Some(credentials);
        self
    }
}

impl ExchangeBuilder<RequestHalf> {
    /// Adds a request header line.
    pub fn request_header(mut self, name: &str, value: &str) -> Self {
        if self.parts.push_line(name, value) {
            self.parts.request_lines += 1;
        }
        self
    }

    /// The response status; response lines follow.
    pub fn response(mut self, status: u16) -> ExchangeBuilder<ResponseHalf> {
        self.parts.status = status;
        ExchangeBuilder { parts: self.parts, half: PhantomData }
    }
}

impl ExchangeBuilder<ResponseHalf> {
    /// Adds a response header line.
    pub fn response_header(mut self, name: &str, value: &str) -> Self {
        self.parts.push_line(name, value);
        self
    }

    /// The finished exchange: two allocations, sized exactly.
    pub fn build(self) -> Exchange {
        let Parts { text, spans, request_lines, status, credentials, at_ms } = self.parts;
        // Copied into exact-size allocations rather than shrunk in place: shrinking splits the
        // working buffer and leaves its tail as a hole beside a long-lived exchange.
        Exchange { text: Box::from(text.as_str()), spans: Box::from(spans.as_slice()), request_lines, status, credentials, at_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Exchange {
        Exchange::builder("POST", "http://localhost:8001/api/users/?lab=visitor01")
            .request_header("Origin", "http://localhost:8000")
            .request_header("content-type", "application/json")
            .request_header("x-dup", "1")
            .request_header("X-Dup", "2")
            .response(201)
            .response_header("access-control-allow-origin", "http://localhost:8000")
            .response_header("vary", "origin")
            .at_ms(1234)
            .credentials(Credentials::Include)
            .build()
    }

    #[test]
    fn every_part_reads_back_as_built() {
        let e = sample();
        assert_eq!(e.method(), "POST");
        assert_eq!(e.url(), "http://localhost:8001/api/users/?lab=visitor01");
        assert_eq!(e.request_headers().count(), 4);
        assert_eq!(e.request_header("origin"), Some("http://localhost:8000"));
        assert_eq!(e.request_header("x-dup"), Some("1"), "the first line wins");
        assert_eq!(e.request_header("cookie"), None);
        assert_eq!(e.status(), 201);
        let lines: Vec<_> = e.response_headers().collect();
        assert_eq!(lines, [("access-control-allow-origin", "http://localhost:8000"), ("vary", "origin")]);
        assert_eq!(e.response().status(), 201);
        assert_eq!(e.response().headers().collect::<Vec<_>>(), lines);
        assert_eq!((e.at_ms(), e.credentials()), (1234, Some(Credentials::Include)));
    }

    #[test]
    fn heap_bytes_are_the_text_and_the_offsets() {
        let e = sample();
        let text: usize = e.method().len()
            + e.url().len()
            + e.request_headers().chain(e.response_headers()).map(|(n, v)| n.len() + v.len()).sum::<usize>();
        assert_eq!(e.heap_bytes(), text + (2 + 2 * 6) * 4);
        let empty = Exchange::builder("", "").response(0).build();
        assert_eq!(empty.heap_bytes(), 2 * 4);
        assert_eq!((empty.method(), empty.url(), empty.request_headers().count(), empty.response_headers().count()), ("", "", 0, 0));
    }

    #[test]
    fn empty_names_and_values_keep_their_places() {
        let e = Exchange::builder("GET", "http://a/").request_header("", "").request_header("a", "").response(200).response_header("", "v").build();
        assert_eq!(e.request_headers().collect::<Vec<_>>(), [("", ""), ("a", "")]);
        assert_eq!(e.response_headers().collect::<Vec<_>>(), [("", "v")]);
    }
}
