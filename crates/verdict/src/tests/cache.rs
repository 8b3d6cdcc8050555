//! The preflight cache (`c_*` rows).

use crate::{CacheEntry, Credentials, Lifetime, LifetimeRule, Request, Response, answered_from_cache, preflight_cache_entry, preflight_lifetime};
use super::{A, url};

fn cache_pf(max_age: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    let mut pf = vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")];
    pf.extend(max_age.iter().map(|m| ("Access-Control-Max-Age", *m)));
    pf
}

/// Whether the second identical PUT, `later_ms` after the first, skips the preflight.
fn second_put_cached(max_age: &[&'static str], later_ms: u64) -> bool {
    let u = url("c");
    let req = Request::new("PUT", &u, A);
    let pf = cache_pf(max_age);
    match preflight_cache_entry(&req, &Response::new(200, &pf), 1_000) {
        Some(entry) => answered_from_cache(&entry, &req, 1_000 + later_ms),
        None => false,
    }
}

#[test]
fn c_lifetimes_match_measurements() {
    assert!(second_put_cached(&["600"], 100)); // c_600
    assert!(!second_put_cached(&["-1"], 0)); // c_neg1
    assert!(!second_put_cached(&["-5"], 0)); // n_cache_neg5
    assert!(!second_put_cached(&["0"], 0)); // c_zero
    assert!(second_put_cached(&[], 100)); // c_absent_fast
    assert!(second_put_cached(&[], 4_000)); // n_cache_absent_4s
    assert!(!second_put_cached(&[], 6_000)); // c_absent_slow
    assert!(!second_put_cached(&["2"], 3_000)); // c_2_wait
    assert!(second_put_cached(&["abc"], 100)); // c_garbage
    assert!(second_put_cached(&["1.5"], 100)); // n_cache_frac
    assert!(second_put_cached(&["99999999999999999999"], 100)); // n_cache_huge_fast
    assert!(!second_put_cached(&["99999999999999999999"], 6_000)); // c_huge
    assert!(second_put_cached(&["+600"], 6_000)); // c_plus
    assert!(!second_put_cached(&["600", "600"], 6_000)); // n_cache_dup_lines
    // Cap (faketime): Max-Age 100000 still cached after 7190 s, not after 7215 s.
    assert!(second_put_cached(&["100000"], 7_190_000));
    assert!(!second_put_cached(&["100000"], 7_215_000));
}

#[test]
fn c_lifetime_rules_and_standard_differences() {
    let life = |v: &[&'static str]| preflight_lifetime(&Response::new(200, &cache_pf(v)));
    assert_eq!(life(&[]).rule, LifetimeRule::Default);
    assert_eq!(life(&["600"]), Lifetime { seconds: 600, rule: LifetimeRule::Given, standard_differs: None });
    assert_eq!(life(&["86400"]).seconds, 7200);
    assert_eq!(life(&["86400"]).rule, LifetimeRule::Capped);
    let neg = life(&["-1"]);
    assert_eq!((neg.seconds, neg.rule), (0, LifetimeRule::NotCached));
    assert!(neg.standard_differs.is_some_and(|t| t.en.contains("negative")));
    assert!(life(&["+600"]).standard_differs.is_some());
    assert!(life(&["99999999999999999999"]).standard_differs.is_some());
    assert!(life(&["abc"]).standard_differs.is_none());
}

#[test]
fn c_entry_contents() {
    let u = url("c_600");
    let req = Request::new("PUT", &u, A);
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT, delete"),
        ("Access-Control-Allow-Headers", "X-A"), ("Access-Control-Max-Age", "600")];
    let e = preflight_cache_entry(&req, &Response::new(200, &pf), 5).unwrap();
    assert_eq!(e, CacheEntry { origin: A.into(), url: u.clone(), methods: vec!["PUT".into(), "delete".into()],
        headers: vec!["x-a".into()], credentials: false, expires_at_ms: 600_005 });
}

#[test]
fn c_key_credentials_methods_headers() {
    let u = url("c");
    let put = Request::new("PUT", &u, A);
    let pf = |extra: &[(&'static str, &'static str)]| {
        let mut v = vec![("Access-Control-Allow-Origin", A), ("Access-Control-Max-Age", "600")];
        v.extend_from_slice(extra);
        v
    };
    // c_other_url: the query is part of the key.
    let p = pf(&[("Access-Control-Allow-Methods", "PUT")]);
    let e = preflight_cache_entry(&put, &Response::new(200, &p), 0).unwrap();
    let uq = format!("{u}?q=1");
    assert!(!answered_from_cache(&e, &Request::new("PUT", &uq, A), 1));
    // c_other_method: another method listed in the cached ACAM is covered.
    let p = pf(&[("Access-Control-Allow-Methods", "PUT, DELETE")]);
    let e = preflight_cache_entry(&put, &Response::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("DELETE", &u, A), 1));
    // n_cache_acam_star: `*` covers DELETE without credentials.
    let p = pf(&[("Access-Control-Allow-Methods", "*")]);
    let e = preflight_cache_entry(&put, &Response::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("DELETE", &u, A), 1));
    // c_cred_up / c_cred_down
    let p = pf(&[("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Credentials", "true")]);
    let omit = put.credentials(Credentials::Omit);
    let include = put.credentials(Credentials::Include);
    let e = preflight_cache_entry(&omit, &Response::new(200, &p), 0).unwrap();
    assert!(!answered_from_cache(&e, &include, 1));
    let e = preflight_cache_entry(&include, &Response::new(200, &p), 0).unwrap();
    assert!(e.credentials);
    assert!(answered_from_cache(&e, &omit, 1));
    // c_new_header: a header listed in the cached ACAH is covered ...
    let xa = [("X-A", "1")];
    let xab = [("X-A", "1"), ("X-B", "1")];
    let p = pf(&[("Access-Control-Allow-Headers", "x-a, x-b")]);
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xa), &Response::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xab), 1));
    // ... n_cache_new_header_unlisted: one that is not needs a new preflight.
    let p = pf(&[("Access-Control-Allow-Headers", "x-a")]);
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xa), &Response::new(200, &p), 0).unwrap();
    assert!(!answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xab), 1));
}

#[test]
fn c_authorization_and_the_wildcard() {
    let u = url("c_auth_star_cached");
    let auth = [("Authorization", "Bearer x")];
    let xfoo = [("X-Foo", "1")];
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600")];
    // c_auth_star_cached: a preflight that let Authorization through `*` is not cached.
    assert_eq!(preflight_cache_entry(&Request::new("GET", &u, A).headers(&auth), &Response::new(200, &pf), 0), None);
    // n_cache_star_then_auth: a cached `*` covers X-Foo but never Authorization.
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xfoo), &Response::new(200, &pf), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xfoo), 1));
    assert!(!answered_from_cache(&e, &Request::new("GET", &u, A).headers(&auth), 1));
}

#[test]
fn p_maxage_in_fail_failed_preflight_is_not_cached() {
    let u = url("p_maxage_in_fail");
    let h = [("X-A", "1")];
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Max-Age", "600")];
    assert_eq!(preflight_cache_entry(&Request::new("GET", &u, A).headers(&h), &Response::new(200, &pf), 0), None);
}
