//! Pairing, the preflight cache and the browser's own headers, over observed exchanges.

use std::cell::Cell;

use super::{Context, FromCache, Kind, judge};
use crate::{CorsError, Credentials, Exchange, HeaderRule, PreflightUse, Verdict};

const PAGE: &str = "http://localhost:8000";
const CX: Context<'static> = Context { page_origin: PAGE };
const URL: &str = "http://localhost:8001/api/users/?lab=visitor01.include";

const ARTICLE_PREFLIGHT: &[(&str, &str)] = &[
    ("vary", "origin"),
    ("access-control-allow-origin", PAGE),
    ("access-control-allow-credentials", "true"),
    ("access-control-allow-headers", "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"),
    ("access-control-allow-methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"),
    ("access-control-max-age", "86400"),
];
const ALLOWED: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("vary", "origin"),
    ("access-control-allow-origin", PAGE),
    ("access-control-allow-credentials", "true"),
];

fn exchange(at_ms: u64, method: &str, url: &str, req: &[(&str, &str)], status: u16, res: &[(&str, &str)]) -> Exchange {
    let mut b = Exchange::builder(method, url).at_ms(at_ms).credentials(Credentials::Include);
    for (k, v) in req {
        b = b.request_header(k, v);
    }
    let mut b = b.response(status);
    for (k, v) in res {
        b = b.response_header(k, v);
    }
    b.build()
}

fn preflight_asking(at_ms: u64, url: &str, method: &str, headers: &str, res: &[(&str, &str)]) -> Exchange {
    let req = [
        ("origin", PAGE),
        ("sec-fetch-mode", "cors"),
        ("access-control-request-method", method),
        ("access-control-request-headers", headers),
    ];
    exchange(at_ms, "OPTIONS", url, &req, 200, res)
}

fn preflight(at_ms: u64, url: &str, res: &[(&str, &str)]) -> Exchange {
    preflight_asking(at_ms, url, "POST", "content-type", res)
}

fn json_post(at_ms: u64, url: &str) -> Exchange {
    let req = [("origin", PAGE), ("sec-fetch-mode", "cors"), ("content-type", "application/json")];
    exchange(at_ms, "POST", url, &req, 201, ALLOWED)
}

/// `log[index]` judged with the ones before it, ids 1, 2, … in log order.
fn judged(log: &[Exchange], index: usize) -> super::Judgement {
    let earlier = log[..index].iter().enumerate().rev().map(|(i, e)| (i as u64 + 1, e));
    judge(&log[index], earlier, &CX).expect("a browser's exchange")
}

#[test]
fn a_preflight_and_its_request_are_paired_and_pass() {
    let log = [preflight(1000, URL, ARTICLE_PREFLIGHT), json_post(1010, URL)];
    let pf = judged(&log, 0);
    assert_eq!(pf.kind, Kind::Preflight);
    assert_eq!(pf.preflight_need, None);
    assert!(matches!(pf.verdict, Verdict::AwaitingResponse { preflight: PreflightUse::Passed }), "{:?}", pf.verdict);
    let req = judged(&log, 1);
    assert_eq!(req.kind, Kind::Request);
    assert_eq!(req.preflight_id, Some(1));
    assert!(req.preflight_need.as_ref().unwrap().needed);
    assert!(matches!(req.verdict, Verdict::Pass { preflight: PreflightUse::Passed, .. }), "{:?}", req.verdict);
    assert_eq!(req.from_cache, None);
}

#[test]
fn a_second_request_without_preflight_came_from_the_cache_until_its_max_age() {
    let log = [preflight(1000, URL, ARTICLE_PREFLIGHT), json_post(1010, URL), json_post(60_000, URL)];
    let again = judged(&log, 2);
    assert_eq!(again.preflight_id, None);
    // Chromium caps Access-Control-Max-Age at 7200 s.
    assert_eq!(again.from_cache, Some(FromCache { preflight_id: Some(1), until_ms: Some(1000 + 7_200_000) }));
    assert!(matches!(again.verdict, Verdict::Pass { preflight: PreflightUse::NotSeen, .. }), "{:?}", again.verdict);
}

#[test]
fn a_cached_answer_that_expired_or_does_not_cover_the_request_is_not_claimed() {
    let short = [("access-control-allow-origin", PAGE), ("access-control-allow-credentials", "true"), ("access-control-allow-headers", "content-type")];
    // No Max-Age: 5 s.
    let log = [preflight(1000, URL, &short), json_post(1010, URL), json_post(6000, URL)];
    assert_eq!(judged(&log, 2).from_cache, Some(FromCache { preflight_id: None, until_ms: None }));
    let log = [preflight(1000, URL, &short), json_post(1010, URL), json_post(5999, URL)];
    assert_eq!(judged(&log, 2).from_cache, Some(FromCache { preflight_id: Some(1), until_ms: Some(6000) }));
    // Another URL (the query counts) is another cache entry.
    let log = [preflight(1000, URL, ARTICLE_PREFLIGHT), json_post(1010, &format!("{URL}&x=1"))];
    assert_eq!(judged(&log, 1).from_cache, Some(FromCache { preflight_id: None, until_ms: None }));
}

#[test]
fn a_preflight_for_another_method_is_not_paired_but_its_cached_answer_may_cover() {
    let put = exchange(1010, "PUT", URL, &[("origin", PAGE), ("sec-fetch-mode", "cors")], 200, ALLOWED);
    let log = [preflight_asking(1000, URL, "DELETE", "", ARTICLE_PREFLIGHT), put];
    let j = judged(&log, 1);
    assert_eq!(j.preflight_id, None);
    assert_eq!(j.from_cache, Some(FromCache { preflight_id: Some(1), until_ms: Some(7_201_000) }));
}

#[test]
fn a_preflight_without_cors_headers_blocks_and_names_chromiums_error() {
    let url = "http://localhost:8001/without-cors/api/users/?lab=visitor01.omit";
    let log = [preflight(1000, url, &[("allow", "GET, POST, HEAD, OPTIONS")])];
    let Verdict::Blocked(b) = judged(&log, 0).verdict else { panic!() };
    assert_eq!(b.cors_error, Some(CorsError::PreflightMissingAllowOriginHeader));
    assert_eq!(
        b.console.unwrap(),
        "Access to fetch at 'http://localhost:8001/without-cors/api/users/?lab=visitor01.omit' from origin 'http://localhost:8000' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
}

#[test]
fn a_preflight_lists_unsafe_headers_by_name_only_and_safelisted_names_stay_unsafe() {
    let answer = [("access-control-allow-origin", PAGE), ("access-control-allow-credentials", "true"), ("access-control-allow-headers", "x-other")];
    let log = [preflight_asking(1000, URL, "GET", "Content-Type, accept", &answer)];
    let Verdict::Blocked(b) = judged(&log, 0).verdict else { panic!() };
    assert_eq!(b.cors_error, Some(CorsError::HeaderDisallowedByPreflightResponse));
    assert!(["accept", "content-type"].contains(&b.failed_parameter.as_str()), "{}", b.failed_parameter);
    assert!(b.explanation.en.contains("the preflight names the header, not its value"), "{}", b.explanation.en);
    assert!(b.fix.en.contains("`Access-Control-Allow-Headers: accept, content-type`"), "{}", b.fix.en);
    // Every name the preflight lists needs a preflight, whatever a value could have been.
    for name in ["accept", "accept-language", "content-language", "content-type", "range", "intervention", "x-custom"] {
        let req = crate::Request::new("GET", URL, PAGE).unsafe_header_names(std::slice::from_ref(&name));
        let need = crate::preflight_need(&req);
        assert!(need.needed, "{name}");
        assert_eq!(need.access_control_request_headers.as_deref(), Some(name));
        let expected = if name.starts_with("x-") { HeaderRule::NameNotSafelisted } else { HeaderRule::ValueNotSafelisted };
        assert_eq!(need.unsafe_headers[0].rule, expected, "{name}");
    }
}

#[test]
fn a_simple_get_without_allow_origin_reached_the_server_but_was_hidden() {
    let req = [("origin", PAGE), ("sec-fetch-mode", "cors")];
    let log = [exchange(0, "GET", "http://localhost:8001/without-cors/api/hello/?lab=visitor01", &req, 200, &[("content-type", "application/json")])];
    let j = judged(&log, 0);
    assert!(!j.preflight_need.unwrap().needed);
    assert_eq!(j.from_cache, None);
    let Verdict::Blocked(b) = j.verdict else { panic!() };
    assert_eq!(b.cors_error, Some(CorsError::MissingAllowOriginHeader));
    assert_eq!(b.js_error, "TypeError: Failed to fetch");
}

#[test]
fn requests_without_sec_fetch_mode_are_not_judged() {
    let log = [exchange(0, "GET", "http://localhost:8001/api/hello/", &[], 200, ALLOWED)];
    assert!(judge(&log[0], std::iter::empty::<(u64, &Exchange)>(), &CX).is_none());
}

#[test]
fn the_browsers_own_headers_are_not_the_scripts_and_a_cookie_means_include() {
    let req = [
        ("Host", "localhost:8001"),
        ("User-Agent", "Mozilla/5.0"),
        ("Accept-Language", "ja, en;q=0.5 (not safelisted)"),
        ("Cookie", "sessionid=…"),
        ("Sec-Fetch-Mode", "cors"),
        ("Sec-Ch-Ua-Platform", "\"Linux\""),
        ("Priority", "u=1, i"),
        ("Origin", PAGE),
    ];
    let mut b = Exchange::builder("GET", "http://localhost:8001/api/hello/");
    for (k, v) in req {
        b = b.request_header(k, v);
    }
    let e = b.response(200).response_header("access-control-allow-origin", PAGE).build();
    let j = judge(&e, std::iter::empty::<(u64, &Exchange)>(), &CX).unwrap();
    assert_eq!(j.credentials, Credentials::Include, "undeclared, but cookies were sent");
    let need = j.preflight_need.unwrap();
    assert!(!need.needed, "{need:?}");
    assert!(need.dropped_headers.is_empty(), "{need:?}");
    assert_eq!(j.page_origin, PAGE);
}

#[test]
fn the_walk_stops_at_the_preflight_cache_cap() {
    let pulled = Cell::new(0);
    let old = preflight(0, URL, ARTICLE_PREFLIGHT);
    let older = preflight(0, URL, ARTICLE_PREFLIGHT);
    let now = json_post(7_200_000, URL);
    let earlier = [(2, &old), (1, &older)].into_iter().inspect(|_| pulled.set(pulled.get() + 1));
    let j = judge(&now, earlier, &CX).unwrap();
    assert_eq!(j.from_cache, Some(FromCache { preflight_id: None, until_ms: None }));
    assert_eq!(j.preflight_id, None, "a preflight two hours before is not this request's");
    assert_eq!(pulled.get(), 1, "nothing older than the cap was looked at");
}
