//! The lab in real headless Chromium: what a learner sees, and what Chromium itself reports.

mod support;

use serde_json::Value;
use support::browser::Browser;
use support::page::{lab_with_page, open, own_errors, press, screenshot_path};
use support::TestLab;

/// Runs `fetch(url, init)` in the page and reports `"ok <status>"` or the error as JS saw it.
async fn fetch(b: &Browser, url: &str, init: &str) -> String {
    let out = b
        .run(&format!(
            "try {{ const r = await fetch({url:?}, {init}); return 'ok ' + r.status; }} \
             catch (e) {{ return e.name + ': ' + e.message; }}"
        ))
        .await;
    out.as_str().unwrap_or_default().to_owned()
}

const JSON_POST: &str = r#"{method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({username: "from-disallowed-page"})}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_a_disallowed_origin_gets_type_error_and_chromium_names_why() {
    // The lab's own page, but the API allows only some other origin.
    let lab = TestLab::start_with(|s| s.cors_allowed_origins = Some(vec!["http://localhost:1".into()]), |_| {}).await;
    let b = Browser::start().await;
    b.goto(&format!("{}/", lab.page_origin)).await;
    b.network().await; // drop the page load's events
    b.console().await;

    let get = format!("{}/api/hello/", lab.api_origin);
    let post = format!("{}/api/users/", lab.api_origin);
    assert_eq!(fetch(&b, &get, "{}").await, "TypeError: Failed to fetch");
    assert_eq!(fetch(&b, &post, JSON_POST).await, "TypeError: Failed to fetch");

    let net = b.network().await;
    assert_eq!(net.cors_errors(&get), ["MissingAllowOriginHeader"]);
    assert!(!net.preflighted(&get), "a simple GET is not preflighted");
    assert_eq!(net.cors_errors(&post), ["PreflightMissingAllowOriginHeader"]);
    assert!(net.preflighted(&post));

    let console: Vec<String> = b.console().await.into_iter().map(|e| e.message).collect();
    let blocked = |tail: &str, url: &str| {
        format!("Access to fetch at '{url}' from origin '{}' has been blocked by CORS policy: {tail}", lab.page_origin)
    };
    let missing = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
    assert!(console.iter().any(|m| m.contains(&blocked(missing, &get))), "{console:#?}");
    let preflight = format!("Response to preflight request doesn't pass access control check: {missing}");
    assert!(console.iter().any(|m| m.contains(&blocked(&preflight, &post))), "{console:#?}");
    b.close().await;

    // The preflight failed, so the POST never ran.
    let users: Value = support::client().get(lab.url("/api/users/")).send().await.unwrap().json().await.unwrap();
    assert!(users.as_array().unwrap().iter().all(|u| u["username"] != "from-disallowed-page"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_experiment_works_from_the_page_and_chromium_preflights_exactly_the_right_calls() {
    let (lab, b) = lab_with_page("en-US").await;
    assert_eq!(b.text("#api-origin").await, lab.api_origin);
    let api = |path: &str| format!("{}{path}", lab.api_origin);

    // 1. Simple GET
    let r = press(&b, "hello-btn", "hello").await;
    assert_eq!((r.status.as_str(), r.outcome.as_str()), ("200", "ok"), "{r:?}");
    assert!(r.body.contains("Hello from the corslab API!"));
    assert!(r.headers.to_lowercase().contains("content-type"), "{r:?}");
    assert!(r.headers.to_lowercase().contains("access-control-allow-origin"), "exposed by the article's settings: {r:?}");
    assert!(!r.headers.to_lowercase().contains("vary"), "not exposed, so JS cannot see it: {r:?}");

    // 2. JSON POST, then the list
    let created = b.run("return document.getElementById('user-username').value;").await;
    let r = press(&b, "users-post-btn", "users-post").await;
    assert_eq!(r.status, "201", "{r:?}");
    assert!(r.body.contains(created.as_str().unwrap()));
    let r = press(&b, "users-list-btn", "users-list").await;
    assert_eq!(r.status, "200");
    assert!(r.body.contains(created.as_str().unwrap()));

    // 3. JWT
    let r = press(&b, "token-btn", "token").await;
    assert_eq!(r.status, "200", "{r:?}");
    let decoded = b.text("#jwt-decoded").await;
    assert!(decoded.contains("HS256") && decoded.contains("\"username\": \"demo\""), "{decoded}");
    let r = press(&b, "protected-btn", "protected").await;
    assert_eq!(r.status, "200", "{r:?}");
    assert!(r.body.contains("\"username\": \"demo\""));
    let r = press(&b, "refresh-btn", "refresh").await;
    assert_eq!(r.status, "200", "{r:?}");

    // 4. Cookie auth across the two origins
    let r = press(&b, "csrf-btn", "csrf").await;
    assert_eq!(r.status, "200");
    assert_eq!(b.attr("#csrf-compare .verdict", "data-match").await.as_deref(), Some("true"));
    let cookies = b.text("#document-cookie").await;
    assert!(cookies.contains("csrftoken=") && !cookies.contains("sessionid="), "{cookies}");
    let r = press(&b, "login-btn", "login").await;
    assert_eq!(r.status, "200", "{r:?}");
    let r = press(&b, "session-btn", "session").await;
    assert_eq!(r.status, "200", "the HttpOnly session cookie went along: {r:?}");
    assert!(r.body.contains("\"username\": \"demo\""));
    let cookies = b.text("#document-cookie").await;
    assert!(!cookies.contains("sessionid="), "HttpOnly cookies are invisible to JS: {cookies}");
    let r = press(&b, "stale-logout-btn", "stale-logout").await;
    assert_eq!((r.status.as_str(), r.outcome.as_str()), ("403", "http-error"));
    assert!(r.body.contains("CSRF token from the 'X-Csrftoken' HTTP header incorrect."), "{r:?}");
    let r = press(&b, "logout-btn", "logout").await;
    assert_eq!(r.status, "200", "{r:?}");
    assert!(r.body.contains("\"was_authenticated\": true"));
    let r = press(&b, "session-btn", "session").await;
    assert_eq!(r.status, "401", "logged out: {r:?}");

    // 5. Blocked
    let r = press(&b, "blocked-btn", "blocked").await;
    assert_eq!((r.status.as_str(), r.outcome.as_str()), ("0", "network-error"));
    assert!(r.body.contains("TypeError: Failed to fetch"), "{r:?}");
    let r = press(&b, "blocked-post-btn", "blocked-post").await;
    assert_eq!((r.status.as_str(), r.outcome.as_str()), ("0", "network-error"));

    // What Chromium itself did.
    let net = b.network().await;
    for path in ["/api/users/", "/api/token/", "/api/protected/", "/api/token/refresh/", "/api/login/", "/api/logout/"] {
        assert!(net.preflighted(&api(path)), "{path} should have been preflighted");
    }
    for path in ["/api/hello/", "/api/csrf/", "/api/session-data/"] {
        assert!(!net.preflighted(&api(path)), "{path} is a simple request");
        assert!(net.sent("GET", &api(path)));
    }
    let session_headers = net.wire_headers("GET", &api("/api/session-data/"));
    assert!(
        session_headers.iter().any(|h| h["Cookie"].as_str().or(h["cookie"].as_str()).is_some_and(|c| c.contains("sessionid="))),
        "Chromium sent the session cookie cross-origin: {session_headers:?}"
    );
    assert_eq!(net.cors_errors(&api("/without-cors/api/hello/")), ["MissingAllowOriginHeader"]);
    assert_eq!(net.cors_errors(&api("/without-cors/api/users/")), ["PreflightMissingAllowOriginHeader"]);
    assert!(!net.sent("POST", &api("/without-cors/api/users/")) || net.cors_errors(&api("/without-cors/api/users/")).len() == 1);

    let console = b.console().await;
    assert_eq!(own_errors(&console), Vec::<String>::new());
    b.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    b.screenshot(&screenshot_path("en-all.png")).await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_speaks_japanese_to_japanese_browsers_and_switches_live() {
    let (lab, b) = lab_with_page("ja").await;
    assert_eq!(b.attr("html", "lang").await.as_deref(), Some("ja"));
    let title = b.text("#hello-title").await;
    assert!(title.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)), "kana in {title:?}");
    let r = press(&b, "hello-btn", "hello").await;
    assert_eq!(r.status, "200");
    let r = press(&b, "blocked-btn", "blocked").await;
    assert_eq!(r.outcome, "network-error");
    b.screenshot(&screenshot_path("ja-top.png")).await;

    b.click("#lang-toggle").await;
    b.wait_until("document.documentElement.lang === 'en'").await;
    let title = b.text("#hello-title").await;
    assert!(title.contains("Simple GET"), "{title:?}");
    open(&b, &format!("{}/", lab.page_origin)).await;
    assert_eq!(b.attr("html", "lang").await.as_deref(), Some("en"), "the choice is remembered");
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_work_from_the_keyboard() {
    let (_lab, b) = lab_with_page("en-US").await;
    let button = b.client.find(fantoccini::Locator::Css("#hello-btn")).await.unwrap();
    button.send_keys("\u{E007}").await.unwrap(); // Enter
    b.wait_until("document.getElementById('result-hello') && document.getElementById('result-hello').dataset.status === '200'").await;
    let button = b.client.find(fantoccini::Locator::Css("#csrf-btn")).await.unwrap();
    button.send_keys(" ").await.unwrap(); // Space
    b.wait_until("document.getElementById('result-csrf') && document.getElementById('result-csrf').dataset.status === '200'").await;
    let focused = b.run("return document.activeElement.id;").await;
    assert_eq!(focused, "csrf-btn", "focus stays on the button");
    b.close().await;
}
