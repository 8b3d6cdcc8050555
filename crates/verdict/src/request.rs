//! What the page's script asked for: one hop of a `fetch()`, with its mode and credentials.

use serde::{Deserialize, Serialize};

/// `RequestInit.mode`, spelled as in JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    #[serde(rename = "cors")]
    Cors,
    #[serde(rename = "no-cors")]
    NoCors,
    #[serde(rename = "same-origin")]
    SameOrigin,
    /// A navigation (link, form post, `location = …`): no CORS check, no script
    /// reads the response. `fetch()` itself cannot use this mode.
    #[serde(rename = "navigate")]
    Navigate,
}

/// `RequestInit.credentials`, spelled as in JavaScript. `fetch()`'s default is
/// `SameOrigin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credentials {
    #[serde(rename = "omit")]
    Omit,
    #[serde(rename = "same-origin")]
    SameOrigin,
    #[serde(rename = "include")]
    Include,
}

impl Credentials {
    /// The mode named as JavaScript spells it (`omit`, `same-origin`, `include`).
    pub fn parse(value: &str) -> Option<Credentials> {
        match value {
            "omit" => Some(Credentials::Omit),
            "same-origin" => Some(Credentials::SameOrigin),
            "include" => Some(Credentials::Include),
            _ => None,
        }
    }
}

/// `RequestInit.redirect`, spelled as in JavaScript. `fetch()`'s default is `Follow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedirectMode {
    #[default]
    Follow,
    /// A redirect is a network error (`TypeError: Failed to fetch`).
    Error,
    /// A redirect ends the fetch with an `opaqueredirect` response.
    Manual,
}

/// `RequestInit.cache`, spelled as in JavaScript. `fetch()`'s default is `Default`.
///
/// Besides the HTTP cache (not modeled), it decides whether Chromium consults and fills its
/// preflight cache: measured (`c_mode_*`), `no-store`, `reload` and `no-cache` send a new
/// preflight although one is cached, `force-cache` uses it; a `no-store` preflight is not
/// kept, a `reload` or `no-cache` one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheMode {
    #[default]
    Default,
    NoStore,
    Reload,
    NoCache,
    ForceCache,
    OnlyIfCached,
}

impl CacheMode {
    /// Whether a cached preflight answer may stand in for a new preflight.
    pub fn reads_preflight_cache(self) -> bool {
        !matches!(self, CacheMode::NoStore | CacheMode::Reload | CacheMode::NoCache)
    }

    /// Whether a preflight that passed is kept for later requests.
    pub fn fills_preflight_cache(self) -> bool {
        self != CacheMode::NoStore
    }
}

/// One hop of a request, as the page's JavaScript made it.
///
/// `headers` are the author headers in the order the script set them, values as
/// JavaScript strings (each char one byte, as `ByteString`). Include the
/// `Content-Type` that `fetch()` derives from the body when the script sets none
/// (`text/plain;charset=UTF-8` for a string body, `multipart/form-data; …` for
/// `FormData`, `application/x-www-form-urlencoded;charset=UTF-8` for
/// `URLSearchParams`).
///
/// `unsafe_header_names` are headers known only by name, and known to be CORS-unsafe: what
/// a preflight's `Access-Control-Request-Headers` lists (the browser names there only the
/// headers it already judged unsafe, never their values). They count as sent, and no
/// safelist rule can pass them.
///
/// `url` may be absolute or start with `/` (resolved against `page_origin`, as
/// `fetch('/api/')` is). For a hop that follows a redirect, set `initial_url` to
/// the URL `fetch()` was called with (Chromium names it in the console) and
/// `tainted_origin` as the previous hop's [`Verdict::Redirect`](crate::Verdict::Redirect) said.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// `location.origin` of the page, e.g. `http://localhost:8000`, or `null`.
    pub page_origin: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub unsafe_header_names: &'a [&'a str],
    pub mode: Mode,
    pub credentials: Credentials,
    pub initial_url: Option<&'a str>,
    pub tainted_origin: bool,
    pub redirect: RedirectMode,
    pub cache: CacheMode,
    /// Whether `RequestInit.body` is given (fetch() refuses one on GET and HEAD).
    pub has_body: bool,
}

impl<'a> Request<'a> {
    /// A `fetch(url, {method})` with fetch's defaults: mode `cors`, credentials
    /// `same-origin`, redirect `follow`, cache `default`, no headers, no body, first hop.
    pub fn new(method: &'a str, url: &'a str, page_origin: &'a str) -> Self {
        Request {
            method,
            url,
            page_origin,
            headers: &[],
            unsafe_header_names: &[],
            mode: Mode::Cors,
            credentials: Credentials::SameOrigin,
            initial_url: None,
            tainted_origin: false,
            redirect: RedirectMode::Follow,
            cache: CacheMode::Default,
            has_body: false,
        }
    }
    /// Sets the author headers.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }
    /// Sets the headers known only by name to be CORS-unsafe (see [`Request`]).
    pub fn unsafe_header_names(mut self, names: &'a [&'a str]) -> Self {
        self.unsafe_header_names = names;
        self
    }
    /// Sets `RequestInit.mode`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Sets `RequestInit.credentials`.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
    /// Sets `RequestInit.redirect`.
    pub fn redirect(mut self, redirect: RedirectMode) -> Self {
        self.redirect = redirect;
        self
    }
    /// Sets `RequestInit.cache`.
    pub fn cache(mut self, cache: CacheMode) -> Self {
        self.cache = cache;
        self
    }
    /// Says whether `RequestInit.body` is given.
    pub fn has_body(mut self, has_body: bool) -> Self {
        self.has_body = has_body;
        self
    }
    /// Marks this hop as following a redirect from `initial_url`.
    pub fn after_redirect(mut self, initial_url: &'a str, tainted_origin: bool) -> Self {
        self.initial_url = Some(initial_url);
        self.tainted_origin = tainted_origin;
        self
    }
}

