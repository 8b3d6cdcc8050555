//! The verdict engine: what Chromium 156 does with a `fetch()`, as pure functions.
//!
//! Given a request as the page's script made it and the answers the server sent, the engine
//! says whether the browser sends a preflight and why (which rule each header broke, the
//! exact `Access-Control-Request-Headers`), what JavaScript then gets — a response and the
//! headers it may read, or the `CorsError` Chromium reports with its console line, word for
//! word —, what the preflight cache keeps and for how long, and whether a cookie is sent or
//! stored. Failures come with an explanation and a fix in English and Japanese.
//!
//! Every rule was measured against real Chromium 156 with `tools/cors-probe/cors_probe.py`:
//! the measurements are data (`tools/cors-probe/results.json`, one experiment file and
//! Chromium's report per case), which `tests/probe_cases.rs` replays through [`simulate`],
//! asserting the engine's verdict on every step is what Chromium reported. Each rule's comment
//! names the probe cases it reproduces. Where Chromium and the Fetch Standard disagree, the
//! browser wins and the difference is reported in a `standard_differs` text. What was not
//! measured is `unmodeled`, never guessed.
//!
//! Nothing here does I/O or reads a clock: time is a parameter (milliseconds on any
//! monotonic scale). Inputs borrow, outputs own. No function panics on any input.
//!
//! # Entry points
//! - [`simulate`]: a whole [`Experiment`] (SPEC §8: a page, its `fetch()` calls, the server's
//!   answers) run as the browser runs it — preflights, the preflight cache, redirects, cookies,
//!   Local Network Access — into one [`FetchVerdict`] per call. The [`Browser`] whose rules
//!   apply is the experiment's parameter (Chromium 156 only, for now).
//! - [`next_request`]: the next request of an experiment that has no answer yet, as Chromium
//!   puts it on the wire: what a live prober (`corslab check`) sends, hop by hop.
//! - [`preflight_need`]: does this [`Request`] need a preflight, and why.
//! - [`verdict`]: given the preflight and/or the [`Response`] the server sent, the browser's
//!   [`Verdict`] on one hop (redirects are followed hop by hop).
//! - [`readable_headers`]: the response header names `Headers.forEach` shows.
//! - [`preflight_lifetime`], [`preflight_cache_entry`], [`answered_from_cache`]: Chromium's
//!   preflight cache.
//! - [`cookie_outcome`]: whether such a fetch sends and stores a cookie.
//! - [`judge`]: the same questions for what a server observed: an [`Exchange`] (a request
//!   and its response, owned and compact) read back as the browser made it, paired with the
//!   preflight before it or with the cached one that let it through.
//!
//! # Example
//! A JSON POST from the page to its API, another origin:
//! ```
//! use corslab_verdict::{Credentials, PreflightUse, Request, Response, Verdict, preflight_need, verdict};
//!
//! let headers = [("Content-Type", "application/json")];
//! let request = Request::new("POST", "http://localhost:8001/api/users/", "http://localhost:8000")
//!     .headers(&headers)
//!     .credentials(Credentials::Include);
//! let need = preflight_need(&request);
//! assert!(need.needed);
//! assert_eq!(need.access_control_request_headers.as_deref(), Some("content-type"));
//!
//! // The preflight is answered without Access-Control-Allow-Origin: Chromium stops there.
//! let preflight = Response::new(200, &[("Allow", "GET, POST, OPTIONS")]);
//! let Verdict::Blocked(blocked) = verdict(&request, Some(&preflight), None) else { panic!() };
//! assert_eq!(blocked.js_error, "TypeError: Failed to fetch");
//! assert_eq!(
//!     blocked.console.as_deref(),
//!     Some("Access to fetch at 'http://localhost:8001/api/users/' from origin 'http://localhost:8000' \
//!           has been blocked by CORS policy: Response to preflight request doesn't pass access control \
//!           check: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
//! );
//!
//! // With the right answer, JavaScript reads the response.
//! let preflight = Response::new(200, &[
//!     ("Access-Control-Allow-Origin", "http://localhost:8000"),
//!     ("Access-Control-Allow-Credentials", "true"),
//!     ("Access-Control-Allow-Headers", "content-type"),
//! ]);
//! let response = Response::new(201, &[
//!     ("Access-Control-Allow-Origin", "http://localhost:8000"),
//!     ("Access-Control-Allow-Credentials", "true"),
//!     ("Content-Type", "application/json"),
//! ]);
//! let Verdict::Pass { js: Some(js), preflight: PreflightUse::Passed, .. } =
//!     verdict(&request, Some(&preflight), Some(&response))
//! else {
//!     panic!()
//! };
//! assert_eq!((js.status, js.readable_headers.as_slice()), (201, &["content-type".to_string()][..]));
//! ```

mod address_space;
mod analysis;
mod cache;
mod console;
mod cookies;
mod exchange;
mod experiment;
mod explain;
mod fetch;
mod har;
mod header_order;
mod headers;
mod judge;
mod preflight;
mod reason;
mod redirect;
mod request;
mod response;
mod simulate;
mod url;
mod verdict;

pub use address_space::{AddressSpace, Permission};
pub use cache::{CacheEntry, Lifetime, LifetimeRule, answered_from_cache, preflight_cache_entry, preflight_lifetime};
pub use cookies::{CookieAttributes, CookieOutcome, SameSite, cookie_outcome};
pub use exchange::{Exchange, ExchangeBuilder, RequestHalf, ResponseHalf};
pub use experiment::{Answer, Body, BodyKind, BodyObject, Browser, Experiment, Fetch, FetchMode, InputError, Step};
pub use explain::Text;
pub use har::{EntryVerdict, Har, explain_har};
pub use fetch::{BlockedCookie, Cookies, FetchVerdict, Hop, HopKind, HopResult, Outcome, PreflightSent};
pub use headers::{DropReason, DroppedHeader, HeaderRule, MAX_AUTHOR_HEADERS};
pub use judge::{Context, FromCache, Judgement, Kind, judge};
pub use preflight::{PreflightBecause, PreflightNeed, UnsafeHeader, preflight_need};
pub use request::{CacheMode, Credentials, Mode, RedirectMode, Request};
pub use response::Response;
pub use simulate::{WireRequest, next_request, simulate};
pub use verdict::{Blocked, CorsError, JsView, NetError, PreflightUse, ResponseType, Stage, Verdict, readable_headers, verdict};

#[cfg(test)]
mod tests;
