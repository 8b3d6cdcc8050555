//! The preflight cache (`c_*` rows).

use crate::{CacheEntry, Lifetime, LifetimeRule, Request, Response, answered_from_cache, preflight_cache_entry, preflight_lifetime};
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

/// The cap on `Access-Control-Max-Age` (measured with a shifted clock,
/// `tools/cors-probe/maxage_cap_probe.py`; the other lifetimes are replayed from the probe's
/// cases by `tests/probe_cases.rs`): 100000 s is still cached after 7190 s, not after 7215 s.
#[test]
fn c_max_age_is_capped_at_two_hours() {
    assert!(second_put_cached(&["100000"], 7_190_000));
    assert!(!second_put_cached(&["100000"], 7_215_000));
    assert!(second_put_cached(&["600"], 100));
    assert!(!second_put_cached(&["-1"], 0));
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
