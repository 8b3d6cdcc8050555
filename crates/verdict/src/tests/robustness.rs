//! The lab's own policy (SPEC §2), and inputs no browser sends.

use crate::header_order::case_folding_hash;
use crate::{CorsError, Credentials, MAX_AUTHOR_HEADERS, Mode, Request, Response, Verdict, answered_from_cache, cookie_outcome, preflight_cache_entry, preflight_lifetime, preflight_need, readable_headers, verdict};
use super::cookies::LAX;
use super::{A, blocked, js, names, url};

#[test]
fn lab_json_post_with_article_policy_passes() {
    let page = "http://localhost:8000";
    let u = "http://localhost:8001/api/users/";
    let h = [("Content-Type", "application/json")];
    let req = Request::new("POST", u, page).headers(&h).credentials(Credentials::Include);
    let need = preflight_need(&req);
    assert_eq!(need.access_control_request_headers.as_deref(), Some("content-type"));
    let pf = [("access-control-allow-origin", page), ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"),
        ("access-control-allow-headers", "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"),
        ("access-control-max-age", "86400"), ("vary", "origin")];
    let r = [("access-control-allow-origin", page), ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "Access-Control-Allow-Origin, Access-Control-Allow-Methods, Access-Control-Allow-Headers, Access-Control-Allow-Credentials, Access-Control-Max-Age"),
        ("content-type", "application/json"), ("content-length", "50"), ("vary", "origin")];
    let j = js(&verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(201, &r)))).clone();
    assert_eq!(j.status, 201);
    assert_eq!(names(&j.readable_headers), ["access-control-allow-credentials", "access-control-allow-origin", "content-length", "content-type"]);
    let e = preflight_cache_entry(&req, &Response::new(200, &pf), 0).unwrap();
    assert_eq!(e.expires_at_ms, 7_200_000);
}

/// Deterministic pseudo-random strings from hostile fragments.
fn hostile_strings() -> Vec<String> {
    let frags = ["", " ", "\t", ",", ";", "*", "null", "http://", "https://", "ftp://", "//", "/", "?", "#", "@", ":",
        "[", "]", "[::1]", "localhost", "127.0.0.1", ":99999", ":0", ":-1", "%", "\u{e9}", "\u{fffd}", "\u{1F600}",
        "\r\n", "\0", "bytes=", "-", "9999999999999999999999", "text/plain", "\"", "(", "user:pass@", "."];
    let mut out: Vec<String> = frags.iter().map(|s| s.to_string()).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..600 {
        let mut s = String::new();
        for _ in 0..(x % 7) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(frags[(x % frags.len() as u64) as usize]);
        }
        out.push(s);
    }
    out.push("a".repeat(100_000));
    out.push(format!("http://localhost:{}", "1".repeat(5000)));
    out
}

#[test]
fn never_panics_on_hostile_input() {
    let strings = hostile_strings();
    let pick = |i: usize| strings[i % strings.len()].as_str();
    for i in 0..strings.len() {
        let headers = [(pick(i), pick(i + 1)), (pick(i + 2), pick(i + 3)), ("content-type", pick(i + 4)), ("range", pick(i + 5))];
        let resp_headers = [("access-control-allow-origin", pick(i + 6)), ("access-control-allow-headers", pick(i + 7)),
            ("access-control-allow-methods", pick(i + 8)), ("access-control-max-age", pick(i + 9)),
            ("access-control-expose-headers", pick(i + 10)), ("location", pick(i + 11)), (pick(i + 12), pick(i + 13))];
        for mode in [Mode::Cors, Mode::NoCors, Mode::SameOrigin, Mode::Navigate] {
            for credentials in [Credentials::Omit, Credentials::Include] {
                let mut req = Request::new(pick(i + 14), pick(i + 15), pick(i + 16)).headers(&headers).mode(mode).credentials(credentials);
                if i % 3 == 0 {
                    req = req.after_redirect(pick(i + 17), i % 2 == 0);
                }
                let ex = Response::new((i * 37 % 700) as u16, &resp_headers);
                let _ = preflight_need(&req);
                let _ = verdict(&req, Some(&ex), Some(&ex));
                let _ = verdict(&req, None, None);
                if let Some(e) = preflight_cache_entry(&req, &ex, u64::MAX - 1) {
                    let _ = answered_from_cache(&e, &req, u64::MAX);
                }
                let _ = readable_headers(credentials, &ex);
                let _ = preflight_lifetime(&ex);
            }
        }
        let _ = cookie_outcome(pick(i), pick(i + 1), Credentials::Include, LAX);
        let _ = case_folding_hash(pick(i));
    }
    // Same calls with realistic URLs so the deep paths run too.
    for i in 0..strings.len() {
        let headers = [(pick(i), pick(i + 1)), ("x-a", pick(i + 2))];
        let resp_headers = [("access-control-allow-origin", if i % 2 == 0 { A } else { pick(i) }), ("access-control-allow-headers", pick(i + 3)),
            ("access-control-allow-methods", pick(i + 4)), ("location", pick(i + 5)), ("access-control-allow-credentials", pick(i + 6))];
        let req = Request::new("PUT", "http://localhost:18001/x", A).headers(&headers).credentials(Credentials::Include);
        for status in [200, 302, 404] {
            let ex = Response::new(status, &resp_headers);
            let _ = verdict(&req, Some(&ex), Some(&ex));
        }
    }
}

#[test]
fn empty_inputs() {
    let v = verdict(&Request::new("", "", ""), None, None);
    assert!(matches!(v, Verdict::Blocked(_) | Verdict::Unmodeled { .. }));
    assert!(!preflight_need(&Request::new("GET", "", A)).needed);
    assert!(readable_headers(Credentials::Omit, &Response::new(200, &[])).is_empty());
    assert_eq!(preflight_lifetime(&Response::new(200, &[])).seconds, 5);
}

#[test]
fn many_headers_stay_cheap() {
    let names: Vec<String> = (0..5000).map(|i| format!("x-h{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let u = url("many");
    let req = Request::new("GET", &u, A).headers(&headers);
    let need = preflight_need(&req);
    assert_eq!(need.unsafe_headers.len(), MAX_AUTHOR_HEADERS);
    let pf = [("Access-Control-Allow-Origin", A)];
    assert_eq!(blocked(&verdict(&req, Some(&Response::new(200, &pf)), None)).cors_error,
        Some(CorsError::HeaderDisallowedByPreflightResponse));
}
