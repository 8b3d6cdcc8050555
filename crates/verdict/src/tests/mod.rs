//! Rule-by-rule tests: what the engine says beyond what Chromium shows. Every measured case
//! is replayed, step by step, against what Chromium reported by `tests/probe_cases.rs`; these
//! tests keep the rules that explain it (why a header needs a preflight, which rule it broke,
//! what the cache keeps, where Chromium departs from the standard, the fixes) and the
//! per-hop API the exchange log uses. Each is named after the probe rows
//! (`tools/cors-probe/cases.py`) it stands on: `s_*` actual response, `m_*` modes, `p_*`
//! preflight, `c_*` cache, `r_*` redirects, `k_*` cookies, `n_*` rows added later.

// Tables of measured rows are tuples on purpose: one line per row.
#![allow(clippy::type_complexity)]

use crate::{Blocked, CorsError, JsView, Stage, Verdict};

mod actual;
mod cache;
mod cookies;
mod modes;
mod preflight;
mod redirects;
mod robustness;

const A: &str = "http://localhost:18000";
const T: &str = "http://localhost:18001";
const X: &str = "http://127.0.0.1:18002";
/// chromedriver prefixes each console line with the page URL and " - ".
const PREFIX: &str = "http://localhost:18000/ - ";

fn url(id: &str) -> String {
    format!("{T}/c/{id}/")
}

/// The probe server adds these to every response.
const STD: [(&str, &str); 2] = [("Content-Length", "42"), ("Connection", "close")];

fn resp<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = extra.to_vec();
    v.extend_from_slice(&STD);
    v
}

fn blocked(v: &Verdict) -> &Blocked {
    match v {
        Verdict::Blocked(b) => b,
        other => panic!("expected Blocked, got {other:#?}"),
    }
}

fn js(v: &Verdict) -> &JsView {
    match v {
        Verdict::Pass { js: Some(j), .. } => j,
        other => panic!("expected Pass, got {other:#?}"),
    }
}

fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A CORS failure as DevTools (`corsErrorStatus`) and the console showed it.
#[track_caller]
fn assert_cors(v: &Verdict, error: CorsError, param: &str, stage: Stage, measured_console: &str) {
    let b = blocked(v);
    assert_eq!(b.cors_error, Some(error), "CorsError");
    assert_eq!(b.failed_parameter, param, "failedParameter");
    assert_eq!(b.stage, stage, "stage");
    assert_eq!(b.js_error, "TypeError: Failed to fetch");
    let expected = measured_console.strip_prefix(PREFIX).unwrap_or(measured_console);
    assert_eq!(b.console.as_deref(), Some(expected), "console");
    for t in [&b.explanation, &b.fix] {
        assert!(!t.en.is_empty() && !t.ja.is_empty(), "texts present");
    }
}

/// Console line for an actual-response failure at `url`.
fn console(url: &str, body: &str) -> String {
    format!("{PREFIX}Access to fetch at '{url}' from origin '{A}' has been blocked by CORS policy: {body}")
}

const VALID: &str = " Have the server send the header with a valid value.";
