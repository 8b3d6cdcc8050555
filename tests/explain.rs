//! `corslab explain` as a user runs it: experiment files and HARs in, verdicts (text or
//! SPEC §8's JSON) out, exit codes 0/1/2; and a HAR recorded from the lab page in real
//! Chromium, which must get the verdicts the page's own exchange log gives.

mod support;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use support::TestLab;
use support::browser::Browser;

const BIN: &str = env!("CARGO_BIN_EXE_corslab");

/// Runs `corslab explain <args>` with `stdin`, in a clean locale unless `env` sets one.
fn explain(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(BIN)
        .arg("explain")
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The binary may refuse early (too large) and close its end: that is not our failure.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON POST from the lab page whose preflight does not allow Content-Type, then a GET that
/// passes: one fetch of each outcome.
fn experiment() -> Value {
    let api = "http://localhost:8001/api/users/";
    json!({"page": "http://localhost:8000", "steps": [
        {"at_ms": 0,
         "fetch": {"url": api, "method": "POST", "headers": [["Content-Type", "application/json"]], "body": "{}",
                   "credentials": "include"},
         "server": [
            {"url": api, "preflight": true, "status": 200, "headers": [
                ["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Allow-Credentials", "true"]]},
            {"url": api, "preflight": false, "status": 201, "headers": [["Access-Control-Allow-Origin", "{origin}"]]}]},
        {"at_ms": 10,
         "fetch": {"url": api},
         "server": [{"url": api, "status": 200, "headers": [["Access-Control-Allow-Origin", "*"], ["Content-Type", "application/json"]]}]}]})
}

#[test]
fn an_experiment_is_explained_in_the_users_language() {
    let doc = experiment().to_string();
    let out = explain(&[], doc.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "1. POST http://localhost:8001/api/users/",
        "CorsError: HeaderDisallowedByPreflightResponse (failed parameter: \"content-type\")",
        "Request header field content-type is not allowed by Access-Control-Allow-Headers in preflight response.",
        "Failed to load resource: net::ERR_FAILED",
        "`Access-Control-Allow-Headers: content-type`",
        "2. GET http://localhost:8001/api/users/",
        "JavaScript gets a response: cors 200; readable headers: content-type",
        "2 fetches: 1 got a response, 1 rejected, 0 not modeled.",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // Japanese from the locale, or asked for; LC_ALL wins over LANG; --lang over both.
    for (env, args, japanese) in [
        (&[("LANG", "ja_JP.UTF-8")][..], &[][..], true),
        (&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "C")][..], &[][..], false),
        (&[][..], &["--lang", "ja"][..], true),
        (&[("LANG", "ja_JP.UTF-8")][..], &["--lang", "en"][..], false),
    ] {
        let text = stdout(&explain(args, doc.as_bytes(), env));
        assert_eq!(text.contains("fetch 2 件") && text.contains("理由"), japanese, "{env:?} {args:?}\n{text}");
    }
}

#[test]
fn json_is_the_same_document_with_specs_verdict_on_every_step() {
    let doc = experiment();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("experiment.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = explain(&[file.to_str().unwrap(), "--json"], b"", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let spec = [
        "outcome", "response_type", "status", "http_status", "readable_headers", "preflights", "preflight_from_cache", "cors_error",
        "failed_parameter", "js_error", "console", "hops", "cookies", "standard_differs", "explanation", "fix",
    ];
    let verdicts: Vec<Value> = printed["steps"].as_array_mut().unwrap().iter_mut().map(|s| s.as_object_mut().unwrap().remove("verdict").unwrap()).collect();
    // Take the verdicts away and the document is what was read.
    assert_eq!(printed, doc);
    for v in &verdicts {
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = spec.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert!(v["explanation"]["en"].is_string() && v["fix"]["ja"].is_string());
    }
    assert_eq!(verdicts[0]["outcome"], "error");
    assert_eq!(verdicts[0]["response_type"], Value::Null);
    assert_eq!(verdicts[0]["http_status"], 200, "the preflight was the last hop answered");
    assert_eq!(verdicts[0]["preflights"], json!([{"url": "http://localhost:8001/api/users/", "access_control_request_method": "POST", "access_control_request_headers": "content-type"}]));
    assert_eq!(verdicts[0]["hops"][1], json!({"url": "http://localhost:8001/api/users/", "method": "POST", "kind": "request", "http_status": null, "result": "not_sent"}));
    assert_eq!(verdicts[0]["js_error"], "TypeError: Failed to fetch");
    assert_eq!((&verdicts[1]["outcome"], &verdicts[1]["status"], &verdicts[1]["readable_headers"]), (&json!("response"), &json!(200), &json!(["content-type"])));
    // Its own output explains again, to the same verdicts.
    let again = explain(&["-", "--json"], &out.stdout, &[]);
    assert_eq!(stdout(&again), stdout(&out));
}

#[test]
fn exit_codes_say_judged_blocked_or_unreadable() {
    let doc = experiment().to_string();
    assert_eq!(explain(&[], doc.as_bytes(), &[]).status.code(), Some(0), "verdicts of any kind are a success");
    // The lab's own settings play no part in explain, a broken one included.
    assert_eq!(explain(&[], doc.as_bytes(), &[("CORSLAB_PAGE_PORT", "abc")]).status.code(), Some(0));
    assert_eq!(explain(&["--fail-on-blocked"], doc.as_bytes(), &[]).status.code(), Some(1));
    let mut passing = experiment();
    passing["steps"].as_array_mut().unwrap().remove(0);
    assert_eq!(explain(&["--fail-on-blocked"], passing.to_string().as_bytes(), &[]).status.code(), Some(0));
    // Unmodeled is judged too.
    let unmodeled = json!({"page": "http://localhost:8000", "steps": [{"fetch": {"url": "http://localhost:8001/x"}}]});
    let out = explain(&["--fail-on-blocked"], unmodeled.to_string().as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("lists no answer for it"), "{}", stdout(&out));

    let unreadable = |input: &[u8], args: &[&str]| {
        let out = explain(args, input, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        let message = stderr(&out);
        assert!(message.starts_with("corslab explain: ") && !message.contains("panicked"), "{message}");
        message
    };
    let m = unreadable(b"{\"page\": \"http://localhost:8000\",\n  \"steps\": [\n    {\"fetch\": }]}", &[]);
    assert!(m.contains("standard input: line 3, column 15: expected value"), "{m}");
    let m = unreadable(b"{\"page\": \"http://a\", \"steps\": [{\"fetch\": {\"url\": \"http://a/\", \"mode\": \"navigate\"}}]}", &[]);
    assert!(m.contains("unknown variant `navigate`, expected one of `cors`, `no-cors`, `same-origin`"), "{m}");
    let m = unreadable(b"[1, 2, 3]", &[]);
    assert!(m.contains("neither an experiment file"), "{m}");
    let m = unreadable(b"\xff\xfe{}", &[]);
    assert!(m.contains("not UTF-8"), "{m}");
    let m = unreadable(b"", &["/nonexistent/experiment.json"]);
    assert!(m.contains("/nonexistent/experiment.json: cannot read it"), "{m}");
    let big = format!("{{\"page\": \"http://a\", \"steps\": [], \"x\": \"{}\"}}", "a".repeat(9 << 20));
    let m = unreadable(big.as_bytes(), &[]);
    assert!(m.contains("larger than 8 MiB"), "{m}");
}

#[test]
fn hostile_input_ends_in_a_verdict_or_exit_code_2_never_a_panic() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let many_hops: Vec<Value> = (0..200)
        .map(|i| json!({"url": format!("http://localhost:8001/{i}"), "status": 307, "headers": [["Location", format!("/{}", i + 1)], ["Access-Control-Allow-Origin", "*"]]}))
        .collect();
    let inputs = [
        deep,
        json!({"log": {"entries": [{"startedDateTime": "x", "request": {"method": "GET", "url": "::"}, "response": {"status": -5}}]}}).to_string(),
        json!({"log": {"entries": [{"startedDateTime": "2025-01-01T00:00:00Z", "_resourceType": "fetch",
            "request": {"method": "GET", "url": "http://\u{e9}:99999/", "headers": [{"name": "Sec-Fetch-Mode", "value": "cors"}]},
            "response": {"status": 99999, "headers": [{"name": "Location", "value": "data:,x"}]}}]}}).to_string(),
        json!({"page": "null", "steps": [{"fetch": {"url": "http://localhost:8001/0", "headers": [["{origin}", "{{{{"]]}, "server": many_hops}]}).to_string(),
        json!({"page": "http://localhost:8000", "steps": [{"at_ms": u64::MAX, "fetch": {"url": "http://localhost:8001/", "body": {"kind": "blob", "type": "\u{0}"}},
            "server": [{"url": "http://localhost:8001/", "status": 0, "headers": [["Set-Cookie", "=; Max-Age=-99999999999999999999"]]}]}]}).to_string(),
    ];
    for input in inputs {
        let out = explain(&["--json"], input.as_bytes(), &[]);
        assert!(matches!(out.status.code(), Some(0 | 2)), "{:?}: {}", out.status, stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}

/// Presses `#<key>-btn` and waits until the result it draws is complete.
async fn press(b: &Browser, key: &str) {
    let run = format!("(() => {{ const s = document.getElementById('result-{key}'); return s ? s.dataset.run : null; }})()");
    let before = b.run(&format!("return {run};")).await;
    b.click(&format!("#{key}-btn")).await;
    b.wait_until(&format!(
        "(() => {{ const s = document.getElementById('result-{key}'); return s && s.dataset.run !== {before} && s.dataset.runComplete === 'true'; }})()"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_har_recorded_on_the_lab_page_gets_the_verdicts_the_page_shows() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let page = format!("{}/", lab.page_origin);
    b.goto(&page).await;
    b.wait_until("window.corslab && window.corslab.visitor").await;
    let visitor = b.run("return window.corslab.visitor;").await.as_str().unwrap().to_owned();
    // Every kind of verdict the default policy gives: simple and preflighted passes, the
    // preflight cache, credentials, blocked requests and a blocked preflight.
    for key in ["hello", "users-post", "users-post", "csrf", "login", "session", "token", "protected", "logout", "blocked", "blocked-post"] {
        press(&b, key).await;
    }
    let network = b.network().await;
    b.close().await;

    let har = support::har::har(&network, &page);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.har");
    std::fs::write(&file, serde_json::to_vec_pretty(&har).unwrap()).unwrap();
    let out = explain(&[file.to_str().unwrap(), "--json"], b"", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let explained: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries = explained["log"]["entries"].as_array().unwrap();

    let log_url = format!("http://127.0.0.1:{}/exchanges?lab={visitor}", lab.page_addr.port());
    let log: Value = support::client().get(log_url).send().await.unwrap().json().await.unwrap();
    let exchanges = log["exchanges"].as_array().unwrap();
    assert!(exchanges.len() >= 12, "{log:#}");

    // Each exchange the API logged, and the HAR entry of the same request, in order.
    let mut used = vec![false; entries.len()];
    let mut compared = 0;
    for e in exchanges {
        let (method, path) = (e["method"].as_str().unwrap(), e["url"].as_str().unwrap());
        let url = format!("{}{path}", lab.api_origin);
        let Some(i) = (0..entries.len()).find(|&i| !used[i] && entries[i]["request"]["method"] == method && entries[i]["request"]["url"] == url.as_str()) else {
            panic!("{method} {url} is in the page's log but not in the HAR");
        };
        used[i] = true;
        let judged = &e["browser"];
        let theirs = &judged["verdict"];
        let ours = &entries[i]["_verdict"];
        let what = format!("{method} {path}: page {theirs:#}\nexplain {ours:#}");
        match (judged["kind"].as_str().unwrap(), theirs["outcome"].as_str().unwrap()) {
            // A preflight that passed is a hop of the fetch its request ends.
            ("preflight", "awaiting_response") => assert!(ours.is_null(), "{what}"),
            (_, "blocked") => {
                assert_eq!(ours["outcome"], "error", "{what}");
                assert_eq!(ours["cors_error"], theirs["cors_error"], "{what}");
                assert_eq!(ours["failed_parameter"], theirs["failed_parameter"], "{what}");
                assert_eq!(ours["console"][0], theirs["console"], "{what}");
            }
            ("request", "pass") => {
                assert_eq!(ours["outcome"], "response", "{what}");
                assert_eq!(ours["response_type"], theirs["js"]["response_type"], "{what}");
                assert_eq!(ours["status"], theirs["js"]["status"], "{what}");
                assert_eq!(ours["readable_headers"], theirs["js"]["readable_headers"], "{what}");
                assert_eq!(ours["preflight_from_cache"], !judged["from_cache"].is_null(), "{what}");
                assert_eq!(ours["preflights"].as_array().unwrap().is_empty(), judged["preflight_id"].is_null(), "{what}");
            }
            other => panic!("a verdict this test does not expect: {other:?}\n{what}"),
        }
        compared += 1;
    }
    assert_eq!(compared, exchanges.len());
    // The blocked preflight's POST, which never reached the API, is a hop of its verdict.
    let blocked_post = entries.iter().find(|e| e["_verdict"]["cors_error"] == "PreflightMissingAllowOriginHeader").expect("the blocked preflight");
    assert_eq!(blocked_post["_verdict"]["hops"][1]["result"], "not_sent");
    // The second JSON POST rode on the cached preflight.
    assert!(entries.iter().any(|e| e["_verdict"]["preflight_from_cache"] == true), "no fetch used the preflight cache");
    // Every fetch the HAR holds for the API was judged, also in plain text.
    let text = stdout(&explain(&[file.to_str().unwrap()], b"", &[]));
    assert!(text.contains("0 not modeled."), "{text}");
}
