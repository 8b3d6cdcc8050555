//! The exchange log's byte bound counts what its records really hold on the heap: compared
//! here with what glibc's malloc itself says is in use (`malloc_stats`, every arena), while
//! the log fills with one exchange per visitor, five per visitor, and churns at its byte cap.
//! (RSS under floods, which adds the allocator's own slack, is measured by `scripts/bench
//! --only memory`; see docs/PERFORMANCE.md.) One test in its own binary: no other test's
//! allocations run beside it.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use corslab::exchange::{ExchangeLog, LogLimits, Recording};
use corslab::verdict::Credentials;

/// Bytes malloc has handed out and not had back, over all arenas.
fn malloc_in_use() -> usize {
    let path = std::env::temp_dir().join(format!("corslab-malloc-stats-{}", std::process::id()));
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: plain descriptor juggling around malloc_stats, which prints to stderr.
    unsafe {
        let fd = libc::open(c_path.as_ptr(), libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC, 0o600);
        assert!(fd >= 0);
        let saved = libc::dup(2);
        libc::dup2(fd, 2);
        libc::malloc_stats();
        libc::dup2(saved, 2);
        libc::close(saved);
        libc::close(fd);
    }
    let stats = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let total = &stats[stats.find("Total").expect("malloc_stats prints a total")..];
    total.lines().find(|l| l.contains("in use bytes")).and_then(|l| l.split_whitespace().last()).unwrap().parse().unwrap()
}

/// A tagged GET as the page sends it, with the response the API gives.
fn recording(visitor: &str) -> Recording {
    let header = |pairs: &[(&'static str, &'static str)]| {
        pairs.iter().map(|(k, v)| (axum::http::HeaderName::from_static(k), HeaderValue::from_static(v))).collect::<HeaderMap>()
    };
    Recording {
        credentials: Some(Credentials::Include),
        method: Method::GET,
        uri: format!("/api/hello/?lab={visitor}.include").parse().unwrap(),
        request: header(&[
            ("host", "127.0.0.1:8001"),
            ("origin", "http://localhost:8000"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-site", "same-site"),
            ("accept", "*/*"),
            ("cookie", "sessionid=abcdefghijklmnopqrstuvwxyz012345; csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF"),
        ]),
        status: StatusCode::OK,
        response: header(&[
            ("content-type", "application/json"),
            ("access-control-allow-origin", "http://localhost:8000"),
            ("access-control-allow-credentials", "true"),
            ("vary", "origin"),
            ("content-length", "40"),
        ]),
        decided: None,
        micros: 1,
        unrecorded_before: 0,
    }
}

#[test]
fn the_log_accounts_what_malloc_says_it_holds() {
    let limits = LogLimits { per_visitor: 200, visitors: 1000, bytes: 1 << 30, value_bytes: 1024, per_visitor_per_second: 1000 };
    let at_cap = LogLimits { bytes: 4 << 20, ..limits };
    for (case, limits, visitors, each) in [("one per visitor", limits, 1000, 1), ("five per visitor", limits, 1000, 5), ("churning at a 4 MiB cap", at_cap, 5000, 3)] {
        let log = ExchangeLog::new(limits, "http://localhost:8001", "http://localhost:8000");
        // The first record grows the thread's serialization buffer once; not the log's.
        log.record(recording("warming-up"), Instant::now());
        let (_, warm) = log.usage();
        let before = malloc_in_use();
        for n in 0..visitors {
            for _ in 0..each {
                log.record(recording(&format!("visitor-{n:05}")), Instant::now());
            }
        }
        let held = malloc_in_use() as f64 - before as f64;
        let (_, accounted) = log.usage();
        let accounted = accounted as f64 - if limits.bytes == at_cap.bytes { 0.0 } else { warm as f64 };
        let ratio = held / accounted;
        assert!((0.9..=1.1).contains(&ratio), "{case}: malloc holds {held} bytes more, the log accounts {accounted}: {ratio:.3}×");
        if limits.bytes == at_cap.bytes {
            assert!(accounted <= at_cap.bytes as f64, "{case}: the cap holds ({accounted} accounted)");
        }
    }
}
