//! Every case real Chromium was measured on (`tools/cors-probe/results.json`), replayed: the
//! case's experiment file through [`simulate`], and each step's verdict compared with what
//! Chromium reported for that `fetch()` — what JavaScript got, the CorsError and its failed
//! parameter, every console line, the requests that reached the servers (preflights with
//! their `Access-Control-Request-*`), the cookies they carried and the cookies refused.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use corslab_verdict::{Experiment, FetchVerdict, HopResult, Outcome, simulate};
use serde_json::Value;

fn results() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/cors-probe/results.json");
    let text = std::fs::read_to_string(path).expect("tools/cors-probe/results.json (run tools/cors-probe/cors_probe.py)");
    serde_json::from_str(&text).expect("results.json is JSON")
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn header<'v>(headers: &'v Value, name: &str) -> Option<&'v str> {
    headers.as_array()?.iter().find(|h| str_of(&h[0]).eq_ignore_ascii_case(name)).map(|h| str_of(&h[1]))
}

/// Where the engine's verdict on one step departs from Chromium's, one line each.
fn differences(ours: &FetchVerdict, chromium: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            out.push(format!("{what}: engine {ours}, Chromium {theirs}"));
        }
    };
    let js = &chromium["js"];
    if js["ok"] == true {
        check("outcome", format!("{:?}", ours.outcome), "Response".into());
        let ty = ours.response_type.map(|t| serde_json::to_value(t).unwrap());
        check("type", format!("{ty:?}"), format!("{:?}", Some(js["type"].clone())));
        check("status", format!("{:?}", ours.status), format!("{:?}", js["status"].as_u64().map(|s| s as u16)));
        let names: BTreeSet<&str> = js["headers"].as_array().unwrap().iter().map(|h| str_of(&h[0])).collect();
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        check("readable headers", format!("{:?}", ours.readable_headers), format!("{:?}", Some(names)));
    } else {
        check("outcome", format!("{:?}", ours.outcome), "Error".into());
        check("js error", format!("{:?}", ours.js_error), format!("{:?}", Some(format!("{}: {}", str_of(&js["name"]), str_of(&js["message"])))));
    }
    let cors: BTreeSet<(&str, &str)> = chromium["cors_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_of(&e["cors_error"]), str_of(&e["failed_parameter"])))
        .collect();
    let theirs = cors.iter().next().map(|(e, p)| (e.to_string(), p.to_string()));
    let mine = ours.cors_error.map(|e| (e.name().to_string(), ours.failed_parameter.clone().unwrap_or_default()));
    check("CorsError (failedParameter)", format!("{mine:?}"), format!("{theirs:?}"));
    // chromedriver keeps the newline Blink ends some messages with.
    let console: Vec<&str> = chromium["console"].as_array().unwrap().iter().map(|c| str_of(&c["text"]).trim_end()).collect();
    check("console", format!("{:#?}", ours.console), format!("{console:#?}"));

    let received = chromium["received"].as_array().unwrap();
    let wire: Vec<String> = received.iter().map(|r| format!("{} {}", str_of(&r["method"]), str_of(&r["url"]))).collect();
    let sent: Vec<String> = ours.hops.iter().filter(|h| h.result != HopResult::NotSent).map(|h| format!("{} {}", h.method, h.url)).collect();
    check("requests sent", format!("{sent:?}"), format!("{wire:?}"));
    let asked: Vec<String> = received
        .iter()
        .filter(|r| r["preflight"] == true)
        .map(|r| {
            let h = &r["headers"];
            format!("{} {:?} {:?}", str_of(&r["url"]), header(h, "access-control-request-method"), header(h, "access-control-request-headers"))
        })
        .collect();
    let ours_asked: Vec<String> = ours
        .preflights
        .iter()
        .map(|p| format!("{} {:?} {:?}", p.url, p.access_control_request_method.as_deref(), p.access_control_request_headers.as_deref()))
        .collect();
    check("preflights", format!("{ours_asked:?}"), format!("{asked:?}"));
    if let Some(last) = received.last() {
        check("http status", format!("{:?}", ours.http_status), format!("{:?}", last["status"].as_u64().map(|s| s as u16)));
    }
    let mut carried: Vec<String> = Vec::new();
    for r in received {
        for pair in header(&r["headers"], "cookie").unwrap_or_default().split("; ").filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or_default().to_string();
            if !carried.contains(&name) {
                carried.push(name);
            }
        }
    }
    check("cookies sent", format!("{:?}", ours.cookies.sent), format!("{carried:?}"));
    let refused: BTreeSet<String> = chromium["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let name = str_of(&c["line"]).split('=').next()?.to_string();
            let reasons: Vec<&str> = c["storing_blocked"].as_array()?.iter().map(str_of).collect();
            Some(format!("{name}: {}", reasons.join(",")))
        })
        .collect();
    let ours_refused: BTreeSet<String> = ours.cookies.blocked.iter().map(|b| format!("{}: {}", b.name, b.reason)).collect();
    check("cookies refused", format!("{ours_refused:?}"), format!("{refused:?}"));
    if ours.outcome == Outcome::Unmodeled {
        out.push(format!("unmodeled: {}", ours.explanation.en));
    }
    out
}

#[test]
fn the_engine_agrees_with_chromium_on_every_measured_case() {
    let results = results();
    let cases = results["cases"].as_array().expect("cases");
    let mut report = String::new();
    let mut steps = 0;
    for case in cases {
        let id = str_of(&case["id"]);
        let experiment = Experiment::from_json(&case["experiment"].to_string()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let verdicts = simulate(&experiment);
        let observed = case["chromium"].as_array().unwrap();
        assert_eq!(verdicts.len(), observed.len(), "{id}: one verdict per step");
        for (i, (ours, theirs)) in verdicts.iter().zip(observed).enumerate() {
            steps += 1;
            for difference in differences(ours, theirs) {
                let _ = writeln!(report, "{id} step {}: {difference}", i + 1);
            }
        }
    }
    assert!(cases.len() >= 240 && steps >= 279, "{} cases, {steps} steps", cases.len());
    assert!(report.is_empty(), "the engine departs from Chromium:\n{report}");
}
