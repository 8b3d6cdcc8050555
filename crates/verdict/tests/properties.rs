//! Properties of the engine over arbitrary inputs: whatever the request and the answers look
//! like (any method, URL, origin, header name or value, non-ASCII and huge ones included),
//! every entry point returns quickly, without panicking, and keeps the promises a user of
//! the page or of `corslab explain` relies on.

use std::time::{Duration, Instant};

use corslab_verdict::{
    Context, Credentials, Exchange, ExchangeBuilder, Kind, Mode, PreflightBecause, Request, RequestHalf, Response, Verdict, answered_from_cache, judge,
    preflight_cache_entry, preflight_lifetime, preflight_need, readable_headers, verdict,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Bounded so the whole file runs in a few seconds in a debug build.
fn config() -> Config {
    Config { cases: 256, ..Config::default() }
}

/// Generous: a debug build on a shared machine; a quadratic walk over a huge value takes far longer.
const QUICK: Duration = Duration::from_secs(2);

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,40}",
        2 => "\\PC{0,24}",
        1 => ".{0,8}",
        // Huge, cheaply: one char many times.
        1 => (any::<char>(), 129..60_000usize).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["GET", "get", "HEAD", "POST", "post", "PUT", "put", "PATCH", "patch", "DELETE", "OPTIONS", "TRACE", "CONNECT", "X-CUSTOM"]).prop_map(String::from),
        1 => text(),
    ]
}

fn origin() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => canonical_origin(),
        1 => Just("null".to_string()),
        1 => text(),
    ]
}

/// An origin as browsers serialize it.
fn canonical_origin() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["http", "https"]), prop::sample::select(vec!["localhost", "127.0.0.1", "api.example.com", "[::1]"]), prop::option::of(1u16..))
        .prop_map(|(scheme, host, port)| {
            let default = if scheme == "http" { 80 } else { 443 };
            match port.filter(|p| *p != default) {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}"),
            }
        })
}

/// A URL as Chromium prints it in the console (no fragment, no userinfo, path from `/`).
fn canonical_url() -> impl Strategy<Value = String> {
    (canonical_origin(), "(/[a-z0-9._~-]{0,8}){1,3}(\\?[a-z0-9=&.]{0,12})?").prop_map(|(o, path)| format!("{o}{path}"))
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => canonical_url(),
        1 => "/[ -~]{0,20}",
        1 => text(),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    let known = vec![
        "accept", "Accept-Language", "content-language", "Content-Type", "range", "authorization", "x-csrftoken",
        "X-Requested-With", "cookie", "origin", "user-agent", "sec-fetch-mode", "x-http-method-override", "dpr", "ect",
        "save-data", "intervention",
    ];
    prop_oneof![
        3 => prop::sample::select(known).prop_map(String::from),
        2 => "x-[a-z0-9-]{1,12}",
        1 => text(),
    ]
}

fn request_value() -> impl Strategy<Value = String> {
    let known = vec!["application/json", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x", "bytes=0-5", "*/*", "en-US,en;q=0.9", "Bearer a.b.c", "TRACE", "on", "4g"];
    prop_oneof![2 => prop::sample::select(known).prop_map(String::from), 3 => text()]
}

fn response_name() -> impl Strategy<Value = String> {
    let known = vec![
        "access-control-allow-origin", "Access-Control-Allow-Credentials", "access-control-allow-methods",
        "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age", "location",
        "set-cookie", "Set-Cookie2", "content-type", "Content-Length", "vary", "x-custom",
    ];
    prop_oneof![4 => prop::sample::select(known).prop_map(String::from), 1 => text()]
}

fn response_value() -> impl Strategy<Value = String> {
    let known = vec![
        "*", "null", "true", "http://localhost:8000", "http://localhost:8000, http://localhost:8001", "GET, PUT, *",
        "content-type, authorization", "86400", "-1", "+600", "x-custom, set-cookie", "/elsewhere", "http://u:p@localhost:8001/",
    ];
    prop_oneof![3 => prop::sample::select(known).prop_map(String::from), 1 => origin(), 2 => text()]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![3 => Just(Mode::Cors), 1 => prop::sample::select(vec![Mode::NoCors, Mode::SameOrigin, Mode::Navigate])]
}

fn credentials() -> impl Strategy<Value = Credentials> {
    prop::sample::select(vec![Credentials::Omit, Credentials::SameOrigin, Credentials::Include])
}

type Lines = Vec<(String, String)>;

fn request_lines() -> impl Strategy<Value = Lines> {
    prop::collection::vec((header_name(), request_value()), 0..6)
}

fn response_lines() -> impl Strategy<Value = Lines> {
    prop::collection::vec((response_name(), response_value()), 0..8)
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![3 => prop::sample::select(vec![200u16, 204, 301, 302, 303, 307, 308, 404, 500]), 1 => any::<u16>()]
}

/// A request with everything it borrows.
#[derive(Debug, Clone)]
struct Fetch {
    method: String,
    url: String,
    page: String,
    headers: Lines,
    mode: Mode,
    credentials: Credentials,
    redirected_from: Option<(String, bool)>,
    /// `url` is spelled as Chromium prints it.
    canonical: bool,
}

impl Fetch {
    fn with<T>(&self, f: impl FnOnce(&Request<'_>) -> T) -> T {
        let headers = borrow(&self.headers);
        let mut req = Request::new(&self.method, &self.url, &self.page).headers(&headers).mode(self.mode).credentials(self.credentials);
        if let Some((initial, tainted)) = &self.redirected_from {
            req = req.after_redirect(initial, *tainted);
        }
        f(&req)
    }
}

fn borrow(lines: &Lines) -> Vec<(&str, &str)> {
    lines.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn fetch() -> impl Strategy<Value = Fetch> {
    let target = prop_oneof![1 => canonical_url().prop_map(|u| (u, true)), 1 => url().prop_map(|u| (u, false))];
    (method(), target, origin(), request_lines(), mode(), credentials(), prop::option::of((url(), any::<bool>()))).prop_map(
        |(method, (url, canonical), page, headers, mode, credentials, redirected_from)| Fetch {
            method,
            url,
            page,
            headers,
            mode,
            credentials,
            canonical: canonical && redirected_from.is_none(),
            redirected_from,
        },
    )
}

/// A cross-origin fetch from the lab page to its API, as most are.
fn page_fetch() -> impl Strategy<Value = Fetch> {
    (method(), prop::sample::select(SHARED_URLS.to_vec()), request_lines(), credentials()).prop_map(|(method, url, headers, credentials)| Fetch {
        method,
        url: url.to_string(),
        page: PAGE.to_string(),
        headers,
        mode: Mode::Cors,
        credentials,
        redirected_from: None,
        canonical: true,
    })
}

/// A preflight answer that often lets `method` and `headers` from `page` through (and
/// sometimes does not).
fn answer_for(page: &str, method: &str, headers: &Lines) -> impl Strategy<Value = Lines> + use<> {
    let names = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ");
    let allowing = vec![
        ("access-control-allow-origin".to_string(), page.to_string()),
        ("access-control-allow-credentials".to_string(), "true".to_string()),
        ("access-control-allow-methods".to_string(), method.to_string()),
        ("access-control-allow-headers".to_string(), names),
    ];
    let max_age = prop::sample::select(vec!["86400", "600", "5", "0", "-1", "abc", "+60"]);
    let wildcards = any::<(bool, bool)>();
    prop_oneof![
        3 => (Just(allowing), prop::option::weighted(0.8, max_age), wildcards, response_lines()).prop_map(|(mut lines, max_age, (any_method, any_header), extra)| {
            if any_method { lines[2].1 = "*".into(); }
            if any_header { lines[3].1 = "*".into(); }
            lines.extend(max_age.map(|m| ("access-control-max-age".to_string(), m.to_string())));
            lines.extend(extra.into_iter().take(1));
            lines
        }),
        1 => response_lines(),
    ]
}

/// What a user reads off any verdict, whatever the input.
fn check_verdict(v: &Verdict, url: &str, canonical: bool) -> Result<(), TestCaseError> {
    match v {
        Verdict::Blocked(b) => {
            prop_assert!(b.js_error.starts_with("TypeError: "), "{}", b.js_error);
            prop_assert!(!b.explanation.en.is_empty() && !b.explanation.ja.is_empty());
            prop_assert!(!b.fix.en.is_empty() && !b.fix.ja.is_empty());
            if b.cors_error.is_some() {
                let console = b.console.as_deref().unwrap_or("");
                prop_assert!(console.starts_with("Access to fetch at '"), "{console}");
                prop_assert!(console.contains("' has been blocked by CORS policy: "), "{console}");
                if canonical {
                    prop_assert!(console.contains(&format!("'{url}'")), "{console} should name {url}");
                }
            }
        }
        Verdict::Pass { js: Some(js), .. } => check_readable(&js.readable_headers)?,
        Verdict::Redirect { location, .. } => prop_assert!(!location.is_empty()),
        Verdict::Pass { js: None, .. } | Verdict::AwaitingResponse { .. } | Verdict::Unmodeled { .. } => {}
    }
    Ok(())
}

fn check_readable(names: &[String]) -> Result<(), TestCaseError> {
    prop_assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and unique: {names:?}");
    for n in names {
        prop_assert!(!n.bytes().any(|b| b.is_ascii_uppercase()), "lower-case: {n}");
        prop_assert!(n != "set-cookie" && n != "set-cookie2", "never readable: {n}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn verdicts_never_panic_and_keep_their_promises(f in fetch(), pf_status in status(), pf in response_lines(), r_status in status(), r in response_lines()) {
        let started = Instant::now();
        let (pf, r) = (borrow(&pf), borrow(&r));
        let (preflight, response) = (Response::new(pf_status, &pf), Response::new(r_status, &r));
        f.with(|req| -> Result<(), TestCaseError> {
            for (p, res) in [(Some(&preflight), Some(&response)), (None, Some(&response)), (Some(&preflight), None), (None, None)] {
                check_verdict(&verdict(req, p, res), &f.url, f.canonical)?;
            }
            Ok(())
        })?;
        prop_assert!(started.elapsed() < QUICK, "{:?}", started.elapsed());
    }

    #[test]
    fn readable_headers_are_sorted_unique_lowercase_and_present(c in credentials(), status in status(), r in response_lines()) {
        let lines = borrow(&r);
        let names = readable_headers(c, &Response::new(status, &lines));
        check_readable(&names)?;
        for n in &names {
            prop_assert!(lines.iter().any(|(k, _)| k.eq_ignore_ascii_case(n)), "{n} was sent");
        }
    }

    #[test]
    fn a_safelisted_method_with_safelisted_headers_never_needs_a_preflight(
        method in prop::sample::select(vec!["GET", "get", "HEAD", "head", "POST", "Post"]),
        url in url(), page in origin(), mode in mode(), c in credentials(),
        accept in prop::option::of(prop::sample::select(vec!["*/*", "application/json", "text/html, */*;q=0.8"])),
        content_type in prop::option::of(prop::sample::select(vec!["text/plain", "application/x-www-form-urlencoded;charset=UTF-8", "multipart/form-data; boundary=b"])),
        language in prop::option::of("[a-zA-Z0-9 *,.;=-]{0,20}"),
    ) {
        let headers: Vec<(&str, &str)> = [("Accept", accept), ("Content-Type", content_type), ("Accept-Language", language.as_deref())]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        let need = preflight_need(&Request::new(method, &url, &page).headers(&headers).mode(mode).credentials(c));
        prop_assert!(!need.needed, "{need:?}");
        prop_assert!(need.unsafe_headers.is_empty() && need.access_control_request_headers.is_none(), "{need:?}");
    }

    #[test]
    fn preflight_need_is_consistent(f in fetch()) {
        let need = f.with(preflight_need);
        prop_assert_eq!(need.needed, need.because == PreflightBecause::UnsafeRequest);
        prop_assert_eq!(need.needed, need.access_control_request_method.is_some());
        prop_assert_eq!(need.access_control_request_headers.is_some(), !need.unsafe_headers.is_empty());
        let names: Vec<&str> = need.unsafe_headers.iter().map(|h| h.name.as_str()).collect();
        prop_assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, unique: {names:?}");
        prop_assert!(names.iter().all(|n| !n.bytes().any(|b| b.is_ascii_uppercase())), "lower-case: {names:?}");
        if let Some(acrh) = &need.access_control_request_headers {
            prop_assert_eq!(acrh, &names.join(","));
        }
        if need.needed {
            prop_assert!(need.unsafe_method.is_some() || !need.unsafe_headers.is_empty(), "{need:?}");
        }
    }

    #[test]
    fn a_cached_preflight_serves_its_own_request_until_it_expires(
        (f, pf) in prop_oneof![fetch(), page_fetch()].prop_flat_map(|f| { let answer = answer_for(&f.page, &f.method, &f.headers); (Just(f), answer) }),
        status in prop_oneof![3 => Just(200u16), 1 => status()],
        now in prop_oneof![1 => any::<u64>(), 3 => 0..u64::MAX / 2],
    ) {
        let lines = borrow(&pf);
        let preflight = Response::new(status, &lines);
        prop_assert!(preflight_lifetime(&preflight).seconds <= 7200);
        f.with(|req| -> Result<(), TestCaseError> {
            if let Some(entry) = preflight_cache_entry(req, &preflight, now) {
                prop_assert!(entry.expires_at_ms > now || now == u64::MAX, "{entry:?}");
                prop_assert!(entry.expires_at_ms <= now.saturating_add(7_200_000), "{entry:?}");
                if entry.expires_at_ms > now {
                    prop_assert!(answered_from_cache(&entry, req, now), "{entry:?}");
                }
                prop_assert!(!answered_from_cache(&entry, req, entry.expires_at_ms), "expired at {}", entry.expires_at_ms);
            }
            Ok(())
        })?;
    }

    #[test]
    fn exchanges_read_back_as_built(method in text(), url in text(), req in request_lines(), status in any::<u16>(), res in response_lines(), at_ms in any::<u64>()) {
        let mut b = Exchange::builder(&method, &url).at_ms(at_ms);
        for (k, v) in &req {
            b = b.request_header(k, v);
        }
        let mut b = b.response(status);
        for (k, v) in &res {
            b = b.response_header(k, v);
        }
        let e = b.build();
        prop_assert_eq!((e.method(), e.url(), e.status(), e.at_ms(), e.credentials()), (method.as_str(), url.as_str(), status, at_ms, None));
        prop_assert_eq!(e.request_headers().collect::<Vec<_>>(), borrow(&req));
        prop_assert_eq!(e.response_headers().collect::<Vec<_>>(), borrow(&res));
        prop_assert_eq!(e.response().headers().collect::<Vec<_>>(), borrow(&res));
        let text: usize = method.len() + url.len() + req.iter().chain(&res).map(|(k, v)| k.len() + v.len()).sum::<usize>();
        prop_assert_eq!(e.heap_bytes(), text + 4 * (2 + 2 * (req.len() + res.len())));
    }

    #[test]
    fn judging_a_log_never_panics_and_names_only_earlier_ids(log in log(), page in prop_oneof![3 => Just(PAGE.to_string()), 1 => origin()]) {
        let started = Instant::now();
        let cx = Context { page_origin: &page };
        for (i, this) in log.iter().enumerate() {
            let earlier = log[..i].iter().enumerate().rev().map(|(j, e)| (j as u64, e));
            let Some(j) = judge(this, earlier, &cx) else { continue };
            check_verdict(&j.verdict, this.url(), false)?;
            let earlier_id = |id: u64| id < i as u64;
            prop_assert!(j.preflight_id.is_none_or(earlier_id), "{j:?}");
            if let Some(cached) = j.from_cache {
                prop_assert!(j.preflight_id.is_none(), "paired or cached, not both: {j:?}");
                prop_assert!(cached.preflight_id.is_none_or(earlier_id), "{j:?}");
                prop_assert_eq!(cached.preflight_id.is_some(), cached.until_ms.is_some());
                prop_assert!(cached.until_ms.is_none_or(|until| until > this.at_ms()), "{j:?}");
            }
            if j.kind == Kind::Preflight {
                prop_assert!(j.preflight_need.is_none() && j.preflight_id.is_none() && j.from_cache.is_none(), "{j:?}");
            }
        }
        prop_assert!(started.elapsed() < QUICK, "{:?}", started.elapsed());
    }
}

const PAGE: &str = "http://localhost:8000";
const SHARED_URLS: [&str; 2] = ["http://localhost:8001/api/users/?lab=v", "http://localhost:8001/api/hello/"];

/// A server's log, in time order: fetches from the page as Chromium sends them (a preflight
/// first when one is needed, or not when it was cached), mixed with arbitrary exchanges.
fn log() -> impl Strategy<Value = Vec<Exchange>> {
    let fetches = prop::collection::vec(browser_fetch(), 0..6).prop_map(|f| f.into_iter().flatten().collect::<Vec<_>>());
    (fetches, prop::collection::vec(observed(), 0..4)).prop_map(|(mut log, others)| {
        log.extend(others);
        log.sort_by_key(Exchange::at_ms);
        log
    })
}

/// One fetch from the page: maybe a preflight, then the request, answered permissively or
/// not, and maybe the same fetch again a little later (when Chromium may use its cache).
fn browser_fetch() -> impl Strategy<Value = Vec<Exchange>> {
    let method = prop::sample::select(vec!["POST", "PUT", "DELETE", "GET", "patch"]);
    let names = prop::sample::subsequence(vec!["authorization", "content-type", "x-csrftoken", "x-custom"], 0..3);
    let later = prop::collection::vec(prop_oneof![3 => 0..10_000u64, 1 => 0..10_000_000u64], 0..3);
    (method, prop::sample::select(SHARED_URLS.to_vec()), names, any::<bool>(), 0..30_000_000u64, later, credentials())
        .prop_flat_map(|(method, url, names, preflighted, at_ms, later, credentials)| {
            let headers: Lines = names.iter().map(|n| (n.to_string(), "application/json".to_string())).collect();
            let answers = (answer_for(PAGE, method, &headers), answer_for(PAGE, method, &headers), status());
            (Just((method, url, headers, preflighted, at_ms, later, credentials)), answers)
        })
        .prop_map(|((method, url, headers, preflighted, at_ms, later, credentials), (pf_answer, answer, status))| {
            let from_page = |b: ExchangeBuilder<RequestHalf>, at_ms: u64| {
                b.at_ms(at_ms).credentials(credentials).request_header("origin", PAGE).request_header("sec-fetch-mode", "cors")
            };
            let mut out = Vec::new();
            if preflighted {
                let listed = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(",");
                let mut b = from_page(Exchange::builder("OPTIONS", url), at_ms).request_header("access-control-request-method", method);
                if !listed.is_empty() {
                    b = b.request_header("access-control-request-headers", &listed);
                }
                out.push(respond(b, 200, &pf_answer));
            }
            for at_ms in std::iter::once(at_ms).chain(later.iter().map(|gap| at_ms + gap)) {
                let mut b = from_page(Exchange::builder(method, url), at_ms);
                for (k, v) in &headers {
                    b = b.request_header(k, v);
                }
                out.push(respond(b, status, &answer));
            }
            out
        })
}

fn respond(b: ExchangeBuilder<RequestHalf>, status: u16, lines: &Lines) -> Exchange {
    let mut b = b.response(status);
    for (k, v) in lines {
        b = b.response_header(k, v);
    }
    b.build()
}

/// An exchange as a server might observe it, from a browser or not.
fn observed() -> impl Strategy<Value = Exchange> {
    let browser = prop::sample::select(vec!["cors", "no-cors", "same-origin", "navigate", "websocket"]);
    let shared_url = prop::sample::select(SHARED_URLS.to_vec()).prop_map(String::from);
    (
        prop::sample::select(vec!["OPTIONS", "POST", "GET", "PUT"]),
        prop_oneof![4 => shared_url, 1 => url()],
        prop::option::of(browser),
        prop::option::of(origin()),
        prop::option::of((method(), prop::option::of("[ -~]{0,40}"))),
        request_lines(),
        status(),
        response_lines(),
        0..20_000_000u64,
        prop::option::of(credentials()),
    )
        .prop_map(|(method, url, fetch_mode, origin, asking, req, status, res, at_ms, credentials)| {
            let mut b = Exchange::builder(method, &url).at_ms(at_ms);
            if let Some(c) = credentials {
                b = b.credentials(c);
            }
            if let Some(m) = fetch_mode {
                b = b.request_header("sec-fetch-mode", m);
            }
            if let Some(o) = &origin {
                b = b.request_header("origin", o);
            }
            if let Some((m, headers)) = &asking {
                b = b.request_header("access-control-request-method", m);
                if let Some(h) = headers {
                    b = b.request_header("access-control-request-headers", h);
                }
            }
            for (k, v) in &req {
                b = b.request_header(k, v);
            }
            respond(b, status, &res)
        })
}

