//! The lab in real headless Chromium: what a learner sees, and what Chromium itself reports.

mod support;

use serde_json::Value;
use support::browser::Browser;
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
