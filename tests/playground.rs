//! The page as a playground (SPEC §7), in real headless Chromium: every result appears in
//! view beside its button and survives a reload, the page says at once when it is opened
//! where the API refuses it, permalinks reproduce experiments in another browser, the
//! request copies are what the browser sent, and axe-core finds nothing serious.

mod support;

use serde_json::Value;
use support::browser::Browser;
use support::page::{lab_with_page, open, own_errors, press, screenshot_path, serious_axe_violations};
use support::TestLab;

/// Every experiment button of the page, with the experiment whose result it makes, in an
/// order that gives each one its state (a login before a logout).
const BUTTONS: [(&str, &str); 15] = [
    ("hello-btn", "hello"),
    ("users-post-btn", "users-post"),
    ("users-post-btn", "users-post"),
    ("users-list-btn", "users-list"),
    ("token-btn", "token"),
    ("protected-btn", "protected"),
    ("refresh-btn", "refresh"),
    ("csrf-btn", "csrf"),
    ("login-btn", "login"),
    ("session-btn", "session"),
    ("stale-logout-btn", "stale-logout"),
    ("logout-btn", "logout"),
    ("blocked-btn", "blocked"),
    ("blocked-post-btn", "blocked-post"),
    ("composer-send", "composer"),
];

/// Every result as the page draws it: what JavaScript got, the two facts, the verdict.
const SNAPSHOT: &str = "return Array.from(document.querySelectorAll('.result')).map(s => { \
     const v = s.querySelector('.verdict') || {dataset: {}}; \
     return [s.id, s.dataset.status, s.dataset.outcome, s.dataset.http, s.dataset.cors, \
             v.dataset.verdict, v.dataset.corsError, v.dataset.preflight]; }).sort();";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_click_puts_its_result_in_view_and_a_reload_rebuilds_every_result() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    // A laptop's screen, not the tall default: results must not land below the fold.
    b.client.set_window_size(1280, 900).await.unwrap();
    open(&b, &format!("{}/", lab.page_origin)).await;

    for (i, (button, key)) in BUTTONS.iter().enumerate() {
        let r = press(&b, button, key).await;
        let seen = b
            .run(&format!(
                "const s = document.getElementById('result-{key}'); \
                 const r = s.querySelector('summary').getBoundingClientRect(); \
                 const open = s.parentElement.querySelectorAll(':scope > details.result[open]').length; \
                 return {{top: r.top, bottom: r.bottom, height: innerHeight, open: s.open, others_open: open, focus: document.activeElement.id}};"
            ))
            .await;
        let (top, bottom, height) = (seen["top"].as_f64().unwrap(), seen["bottom"].as_f64().unwrap(), seen["height"].as_f64().unwrap());
        assert!(top >= 0.0 && bottom <= height, "{button} (click {i}): its result's summary is at {top}..{bottom} of {height}");
        assert_eq!(seen["open"], true, "{button}: its result is open");
        assert_eq!(seen["others_open"], 1, "{button}: the card's older results are folded");
        assert_eq!(seen["focus"], *button, "{button}: focus stays on the button");
        if i == 2 {
            // The second "Create user" made another user, so the preflight cache shows on a success.
            assert_eq!(r.status, "201", "{r:?}");
            assert_eq!(b.attr("#result-users-post .verdict", "data-preflight").await.as_deref(), Some("cache"));
        }
    }
    let facts = b.text("#result-stale-logout summary").await;
    assert!(facts.contains("403 Forbidden") && facts.contains("JavaScript may read"), "two facts, not one: {facts}");
    let progress = b.text("#toc").await;
    assert!(progress.contains("5/5 tried"), "{progress}");

    let before = b.run(SNAPSHOT).await;
    open(&b, &format!("{}/", lab.page_origin)).await;
    let after = b.run(SNAPSHOT).await;
    assert_eq!(after, before, "the reload rebuilt every result from the server's log");
    assert_eq!(before.as_array().unwrap().len(), 14);
    assert!(b.text("#result-hello").await.contains("Rebuilt from the server's log"));
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opened_at_127_0_0_1_the_page_says_at_once_that_the_api_refuses_it_and_how_to_fix_it() {
    let (lab, b) = lab_with_page("en-US").await;
    assert_eq!(b.attr("#setup-banner", "hidden").await.as_deref(), Some("true"), "no banner where the API allows the page");

    let runserver = format!("http://127.0.0.1:{}", lab.page_addr.port());
    open(&b, &format!("{runserver}/")).await;
    assert_eq!(b.attr("#setup-banner", "hidden").await, None);
    assert_eq!(b.run("return document.querySelectorAll('.result').length;").await, 0, "said before any click");
    let banner = b.text("#setup-banner").await;
    assert!(banner.contains(&format!("lets only {} read its answers", lab.page_origin)), "{banner}");
    assert!(banner.contains(&format!("open at {runserver}")), "{banner}");
    assert!(banner.contains("TypeError: Failed to fetch"), "{banner}");
    let link = b.attr("#setup-banner a", "href").await.unwrap();
    assert_eq!(link, format!("{}/", lab.page_origin));
    let flags = b.text("#setup-banner pre").await;
    let both = format!("{},{runserver}", lab.page_origin);
    assert_eq!(flags.split_whitespace().collect::<Vec<_>>(), ["corslab", "--cors-allowed-origins", &both, "--csrf-trusted-origins", &both]);
    assert!(b.text("#origin-verdict").await.contains("cross-site"));
    b.close().await;

    let b = Browser::start_in("ja").await;
    open(&b, &format!("{runserver}/")).await;
    let banner = b.text("#setup-banner").await;
    assert!(banner.contains("このアドレスでは実験ができません") && banner.contains("直し方"), "{banner}");
    b.screenshot(&screenshot_path("ja-banner.png")).await;
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

/// Fills the composer and sends; returns (CorsError, permalink).
async fn compose(b: &Browser, method: &str, path: &str, headers: &str) -> (String, String) {
    let fields = serde_json::json!({"composer-method": method, "composer-path": path, "composer-headers": headers});
    b.run(&format!("for (const [id, v] of Object.entries({fields})) document.getElementById(id).value = v;")).await;
    press(b, "composer-send", "composer").await;
    let error = b.attr("#result-composer .verdict", "data-cors-error").await.unwrap_or_default();
    (error, b.attr("#result-composer a.permalink", "href").await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permalink_opened_in_another_browser_reproduces_the_experiment() {
    let (lab, b) = lab_with_page("en-US").await;
    let (error, link) = compose(&b, "PROPFIND", "/api/hello/", "X-Trace: 1").await;
    assert_eq!(error, "MethodDisallowedByPreflightResponse");
    let request_line = b.text("#result-composer .request-line").await;
    b.close().await;

    // Another profile: another visitor, nothing stored, as a colleague opening the link.
    let other = Browser::start().await;
    let url = format!("{}/{}", lab.page_origin, &link[link.find('#').unwrap()..]);
    open(&other, &url).await;
    other.wait_until("(() => { const s = document.getElementById('result-composer'); return s && s.dataset.runComplete === 'true'; })()").await;
    assert_eq!(other.attr("#result-composer .verdict", "data-cors-error").await.as_deref(), Some("MethodDisallowedByPreflightResponse"));
    let their_line = other.text("#result-composer .request-line").await;
    assert_eq!(strip_tag(&their_line), strip_tag(&request_line));
    assert_eq!(other.run("return document.getElementById('composer-headers').value;").await, "X-Trace: 1");
    let net = other.network().await;
    assert_eq!(net.cors_errors(&format!("{}/api/hello/", lab.api_origin)), ["MethodDisallowedByPreflightResponse"], "Chromium agrees");
    assert_eq!(other.run("return location.hash;").await, "", "a reload shows the result instead of running it again");

    // A card's link runs what its experiment needs first: a CSRF token and a login.
    open(&other, &format!("{}/#run=stale-logout", lab.page_origin)).await;
    other.wait_until("(() => { const s = document.getElementById('result-stale-logout'); return s && s.dataset.runComplete === 'true'; })()").await;
    let body = other.text("#result-stale-logout .body").await;
    assert!(body.contains("CSRF token from the 'X-Csrftoken' HTTP header incorrect."), "{body}");
    for key in ["csrf", "login"] {
        assert_eq!(other.attr(&format!("#result-{key}"), "data-status").await.as_deref(), Some("200"));
    }

    open(&other, &format!("{}/#scenario=without-cors", lab.page_origin)).await;
    other.wait_until("document.getElementById('scenario-without-cors') !== null").await;
    assert_eq!(other.attr("button[data-scenario='without-cors']", "aria-pressed").await.as_deref(), Some("true"));
    assert_eq!(own_errors(&other.console().await), Vec::<String>::new());
    other.close().await;
}

fn strip_tag(line: &str) -> String {
    line.split("lab=").next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_as_fetch_and_curl_are_the_request_the_browser_sent() {
    let (lab, b) = lab_with_page("en-US").await;
    let (api, page) = (&lab.api_origin, &lab.page_origin);

    press(&b, "hello-btn", "hello").await;
    let curl = b.run("return document.querySelector('#result-hello .copy-curl').textContent;").await;
    assert_eq!(curl, format!("curl -i {api}/api/hello/ \\\n  -H 'Origin: {page}'"));
    let out = std::process::Command::new("sh").arg("-c").arg(curl.as_str().unwrap()).output().expect("curl runs");
    let out = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(out.contains(&format!("access-control-allow-origin: {page}")) && out.contains("hello from the corslab api!"), "{out}");
    let fetch = b.run("return document.querySelector('#result-hello .copy-fetch').textContent;").await;
    assert_eq!(fetch, format!("await fetch(\"{api}/api/hello/\");"));

    let name = b.run("return document.getElementById('user-username').value;").await;
    let name = name.as_str().unwrap();
    press(&b, "users-post-btn", "users-post").await;
    let body = format!("{{\"username\":\"{name}\",\"email\":\"{name}@example.com\"}}");
    let curl = b.run("return document.querySelector('#result-users-post .copy-curl').textContent;").await;
    assert_eq!(
        curl,
        format!(
            "curl -i -X OPTIONS {api}/api/users/ \\\n  -H 'Origin: {page}' \\\n  -H 'Access-Control-Request-Method: POST' \\\n  \
             -H 'Access-Control-Request-Headers: content-type'\n\n\
             curl -i -X POST {api}/api/users/ \\\n  -H 'Origin: {page}' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{body}'"
        )
    );
    let fetch = b.run("return document.querySelector('#result-users-post .copy-fetch').textContent;").await;
    let expected = format!(
        "await fetch(\"{api}/api/users/\", {{\n  method: \"POST\",\n  headers: {{ \"Content-Type\": \"application/json\" }},\n  body: JSON.stringify({body}),\n}});"
    );
    assert_eq!(fetch, expected);
    // The copy runs as written: the same request again, so the name is taken now.
    let status = b
        .run(&format!("const res = await (async () => {{ return {}; }})(); return res.status;", fetch.as_str().unwrap().trim_end_matches(';')))
        .await;
    assert_eq!(status, 400);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_nothing_serious_in_either_language() {
    let (_lab, b) = lab_with_page("en-US").await;
    for (button, key) in [("hello-btn", "hello"), ("users-post-btn", "users-post"), ("token-btn", "token"), ("csrf-btn", "csrf"), ("blocked-btn", "blocked")] {
        press(&b, button, key).await;
    }
    b.click("button[data-scenario='without-cors']").await;
    for lang in ["en", "ja"] {
        b.run(&format!("window.corslab.setLanguage('{lang}');")).await;
        assert_eq!(serious_axe_violations(&b).await, Value::Array(vec![]), "{lang}");
        b.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
        b.screenshot(&screenshot_path(&format!("{lang}-playground.png"))).await;
        b.client.execute("document.getElementById('result-blocked').scrollIntoView()", vec![]).await.unwrap();
        b.screenshot(&screenshot_path(&format!("{lang}-result.png"))).await;
    }
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}
