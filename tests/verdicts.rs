//! corslab's verdict against Chromium's own: every request composed on the page is judged by
//! the server (from its exchange log) and by real Chromium (DevTools `corsErrorStatus` and
//! the console); they must agree on every case. The table is printed and written to
//! `target/verdicts.md`.

mod support;

use std::fmt::Write as _;

use serde_json::Value;
use support::TestLab;
use support::browser::Browser;

struct Case {
    name: &'static str,
    path: &'static str,
    method: &'static str,
    headers: &'static str,
    body: &'static str,
    credentials: &'static str,
    mode: &'static str,
}

const fn case(name: &'static str, method: &'static str, path: &'static str) -> Case {
    Case { name, path, method, headers: "", body: "", credentials: "same-origin", mode: "cors" }
}

/// Values of 129+ bytes: safelisted names, but too long to stay "simple".
const LONG_ACCEPT: &str = "Accept: text/html;q=0.9, application/json;q=0.8, text/plain;q=0.7, application/xml;q=0.6, image/png;q=0.5, image/jpeg;q=0.4, image/gif;q=0.3, */*;q=0.1";
const LONG_LANGUAGE: &str = "Content-Language: en-US, en-GB, en-AU, en-CA, en-NZ, en-IE, en-ZA, en-IN, ja-JP, de-DE, fr-FR, es-ES, it-IT, pt-BR, nl-NL, sv-SE, da-DK, fi-FI, nb-NO, pl-PL";

/// Cases run from the lab's own page, an origin the API allows.
fn allowed_cases() -> Vec<Case> {
    vec![
        case("simple GET", "GET", "/api/hello/"),
        Case { credentials: "include", ..case("GET, credentials include", "GET", "/api/csrf/") },
        Case { credentials: "omit", ..case("GET, credentials omit", "GET", "/api/users/") },
        Case {
            headers: "Content-Type: application/json",
            body: r#"{"username": "composed-1"}"#,
            ..case("JSON POST (non-simple Content-Type)", "POST", "/api/users/")
        },
        Case {
            headers: "Content-Type: text/plain",
            body: r#"{"username": "composed-2"}"#,
            ..case("text/plain POST (simple)", "POST", "/api/users/")
        },
        case("method not listed: PROPFIND", "PROPFIND", "/api/hello/"),
        case("lowercase patch (not normalized)", "patch", "/api/users/"),
        case("PUT (listed, view answers 405)", "PUT", "/api/users/"),
        Case { credentials: "include", ..case("DELETE with credentials", "DELETE", "/api/hello/") },
        Case { headers: "X-Custom: 1", ..case("header not listed: X-Custom", "GET", "/api/hello/") },
        Case { headers: "Authorization: Bearer not-a-real-token", ..case("Authorization (listed)", "GET", "/api/protected/") },
        Case { headers: "X-CSRFToken: abc", credentials: "include", ..case("X-CSRFToken (listed)", "POST", "/api/logout/") },
        Case { headers: "X-Requested-With: XMLHttpRequest", ..case("X-Requested-With (listed)", "GET", "/api/session-data/") },
        Case { headers: LONG_ACCEPT, ..case("Accept over 128 bytes (listed)", "GET", "/api/hello/") },
        Case { headers: "Accept: application/json", ..case("Accept under 128 bytes (safelisted)", "GET", "/api/csrf/") },
        Case { headers: LONG_LANGUAGE, ..case("Content-Language over 128 bytes (not listed)", "GET", "/api/hello/") },
        case("unknown path (404 still has CORS headers)", "GET", "/api/nope/"),
        Case { mode: "no-cors", ..case("no-cors GET (opaque)", "GET", "/api/hello/") },
        Case { mode: "no-cors", headers: "Content-Type: text/plain", body: "x", ..case("no-cors POST (opaque)", "POST", "/api/users/") },
        case("without CORS: simple GET", "GET", "/without-cors/api/hello/"),
        Case {
            headers: "Content-Type: application/json",
            body: r#"{"username": "never-created"}"#,
            ..case("without CORS: JSON POST", "POST", "/without-cors/api/users/")
        },
        Case { mode: "no-cors", ..case("without CORS: no-cors GET (opaque)", "GET", "/without-cors/api/hello/") },
        Case {
            headers: "Content-Type: application/json",
            body: r#"{"username": "composed-3"}"#,
            ..case("JSON POST again (preflight cache)", "POST", "/api/users/")
        },
    ]
}

/// Cases run from the same page served on `127.0.0.1`: a different origin, not allowed.
fn disallowed_cases() -> Vec<Case> {
    vec![
        case("disallowed origin: simple GET", "GET", "/api/hello/"),
        Case { credentials: "include", ..case("disallowed origin: GET with credentials", "GET", "/api/csrf/") },
        Case {
            headers: "Content-Type: application/json",
            body: r#"{"username": "evil"}"#,
            ..case("disallowed origin: JSON POST", "POST", "/api/users/")
        },
        Case { mode: "no-cors", ..case("disallowed origin: no-cors GET (opaque)", "GET", "/api/hello/") },
    ]
}

struct Row {
    name: &'static str,
    ours: String,
    chromium: String,
    preflight_ours: String,
    preflight_chromium: &'static str,
    agree: bool,
}

/// Fills the composer, sends, and waits for the run to complete; returns the server's verdict
/// as the page shows it: (data-verdict, data-cors-error, data-preflight, console line).
async fn compose(b: &Browser, c: &Case) -> (String, String, String, String) {
    let fields = serde_json::json!({
        "composer-path": c.path, "composer-method": c.method, "composer-headers": c.headers,
        "composer-body": c.body, "composer-credentials": c.credentials, "composer-mode": c.mode,
    });
    let before = b
        .run(&format!(
            "const f = {fields}; for (const [id, v] of Object.entries(f)) {{ const el = document.getElementById(id); \
             el.value = v; el.dispatchEvent(new Event('input', {{bubbles: true}})); el.dispatchEvent(new Event('change', {{bubbles: true}})); }} \
             const s = document.getElementById('result-composer'); return s ? s.dataset.run : null;"
        ))
        .await;
    b.click("#composer-send").await;
    b.wait_until(&format!(
        "(() => {{ const s = document.getElementById('result-composer'); \
           return s && s.dataset.run !== {before} && s.dataset.runComplete === 'true'; }})()"
    ))
    .await;
    let v = b
        .run(
            "const v = document.querySelector('#result-composer .verdict'); \
             const c = v && v.querySelector('.console'); \
             return v ? [v.dataset.verdict, v.dataset.corsError || '', v.dataset.preflight, c ? c.textContent : ''] : ['missing', '', '', ''];",
        )
        .await;
    let s = |i: usize| v[i].as_str().unwrap_or_default().to_owned();
    (s(0), s(1), s(2), s(3))
}

async fn run_cases(b: &Browser, lab: &TestLab, cases: &[Case], rows: &mut Vec<Row>) {
    b.network().await;
    b.console().await;
    for c in cases {
        let (verdict, ours, preflight, console_ours) = compose(b, c).await;
        let url = format!("{}{}", lab.api_origin, c.path);
        let net = b.network().await;
        let console: Vec<String> = b.console().await.into_iter().map(|e| e.message).collect();
        let chromium = net.cors_errors(&url).into_iter().next().unwrap_or_default();
        let preflight_chromium = if net.preflighted(&url) { "sent" } else { "not sent" };
        let preflight_agrees = match preflight.as_str() {
            "sent" => preflight_chromium == "sent",
            "cache" | "none" => preflight_chromium == "not sent",
            _ => false,
        };
        // Chromium prints the console line with the page URL in front; ours is the line itself.
        let console_agrees = chromium.is_empty() || console.iter().any(|m| !console_ours.is_empty() && m.contains(&console_ours));
        let verdict_agrees = if chromium.is_empty() { verdict == "pass" } else { verdict == "blocked" && ours == chromium };
        rows.push(Row {
            name: c.name,
            ours: if verdict == "pass" { "pass".into() } else { format!("{verdict} {ours}") },
            chromium: if chromium.is_empty() { "pass".into() } else { format!("blocked {chromium}") },
            preflight_ours: preflight,
            preflight_chromium,
            agree: verdict_agrees && preflight_agrees && console_agrees,
        });
        if !console_agrees {
            eprintln!("{}: corslab's console line {console_ours:?} is not among Chromium's {console:#?}", c.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corslab_and_chromium_agree_on_every_composed_request() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let mut rows = Vec::new();

    b.goto(&format!("{}/", lab.page_origin)).await;
    b.wait_until("window.corslab && window.corslab.visitor && document.getElementById('composer-send')").await;
    run_cases(&b, &lab, &allowed_cases(), &mut rows).await;

    let other_origin = format!("http://127.0.0.1:{}/", lab.page_addr.port());
    b.goto(&other_origin).await;
    b.wait_until("window.corslab && window.corslab.visitor && document.getElementById('composer-send')").await;
    run_cases(&b, &lab, &disallowed_cases(), &mut rows).await;
    b.close().await;

    let mut table = String::from("| case | corslab | Chromium | preflight (corslab) | preflight (Chromium) | agree |\n|---|---|---|---|---|---|\n");
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} |",
            r.name, r.ours, r.chromium, r.preflight_ours, r.preflight_chromium, if r.agree { "yes" } else { "**NO**" }
        );
    }
    println!("{table}");
    let _ = std::fs::write(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/verdicts.md"), &table);

    assert!(rows.len() >= 20, "{} cases", rows.len());
    let disagreements: Vec<&str> = rows.iter().filter(|r| !r.agree).map(|r| r.name).collect();
    assert!(disagreements.is_empty(), "corslab and Chromium disagree on {disagreements:?}\n{table}");
    // The cases really exercised every verdict the default policy can produce.
    for expected in [
        "pass",
        "blocked MissingAllowOriginHeader",
        "blocked PreflightMissingAllowOriginHeader",
        "blocked MethodDisallowedByPreflightResponse",
        "blocked HeaderDisallowedByPreflightResponse",
    ] {
        assert!(rows.iter().any(|r| r.chromium == expected), "no case produced {expected}\n{table}");
    }
    assert!(rows.iter().any(|r| r.preflight_ours == "cache"), "the preflight cache never showed\n{table}");
    for long in ["Accept over 128 bytes (listed)", "Content-Language over 128 bytes (not listed)"] {
        let row = rows.iter().find(|r| r.name == long).unwrap();
        assert_eq!(row.preflight_chromium, "sent", "{long}: the 128-byte limit makes it non-simple");
    }

    // The JSON POST from the disallowed origin stopped at its preflight: no user was created.
    let users: Value = support::client().get(lab.url("/api/users/")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = users.as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert!(!names.contains(&"evil") && !names.contains(&"never-created"), "{names:?}");
    assert!(names.contains(&"composed-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_at_once_never_see_each_others_exchanges() {
    let lab = TestLab::start().await;
    let (a, b) = Browser::pair().await;
    for browser in [&a, &b] {
        browser.goto(&format!("{}/", lab.page_origin)).await;
        browser.wait_until("window.corslab && window.corslab.visitor").await;
    }
    let va = a.run("return window.corslab.visitor;").await.as_str().unwrap().to_owned();
    let vb = b.run("return window.corslab.visitor;").await.as_str().unwrap().to_owned();
    assert_ne!(va, vb);
    // Both press buttons, interleaved.
    a.click("#hello-btn").await;
    b.click("#csrf-btn").await;
    a.click("#users-list-btn").await;
    for (browser, key) in [(&a, "hello"), (&a, "users-list"), (&b, "csrf")] {
        browser
            .wait_until(&format!("(() => {{ const s = document.getElementById('result-{key}'); return s && s.dataset.runComplete === 'true'; }})()"))
            .await;
    }
    let log = |v: String| {
        let url = format!("http://127.0.0.1:{}/exchanges?lab={v}", lab.page_addr.port());
        async move { support::client().get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let paths = |log: &Value| -> Vec<String> {
        log["exchanges"].as_array().unwrap().iter().map(|e| e["url"].as_str().unwrap().split('?').next().unwrap().to_owned()).collect()
    };
    let (la, lb) = (log(va.clone()).await, log(vb.clone()).await);
    assert_eq!(paths(&la), ["/api/hello/", "/api/users/"]);
    assert_eq!(paths(&lb), ["/api/csrf/"]);
    assert!(la["exchanges"].as_array().unwrap().iter().all(|e| e["url"].as_str().unwrap().contains(&va)));
    // What each page drew came from its own log only.
    let drawn = b.run("return document.querySelector('#result-csrf .verdict').dataset.exchanges;").await;
    assert_eq!(drawn, "1");
    a.close().await;
    b.close().await;
}
