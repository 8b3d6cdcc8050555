//! The exchange log over HTTP: recording, isolation, the JSON and SSE feeds, bounds, secrets.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::*;

const VISITOR: &str = "visitor-aaaa";

fn page(lab: &TestLab, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", lab.page_addr.port())
}

/// A request as Chromium would send it from the lab page, tagged for `visitor`.
fn browser_like(lab: &TestLab, method: Method, path: &str, tag: &str) -> reqwest::RequestBuilder {
    let sep = if path.contains('?') { '&' } else { '?' };
    client()
        .request(method, lab.url(&format!("{path}{sep}lab={tag}")))
        .header("origin", &lab.page_origin)
        .header("sec-fetch-mode", "cors")
        .header("sec-fetch-site", "same-site")
}

/// The preflight Chromium sends before a JSON POST.
async fn preflight_json_post(lab: &TestLab, path: &str, tag: &str) {
    browser_like(lab, Method::OPTIONS, path, tag)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
}

async fn exchanges(lab: &TestLab, visitor: &str) -> Vec<Value> {
    let v: Value = client().get(page(lab, &format!("/exchanges?lab={visitor}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["visitor"], visitor);
    v["exchanges"].as_array().unwrap().clone()
}

#[tokio::test]
async fn tagged_requests_are_recorded_per_visitor_and_untagged_ones_are_not() {
    let lab = TestLab::start().await;
    browser_like(&lab, Method::GET, "/api/hello/", "visitor-aaaa").send().await.unwrap();
    browser_like(&lab, Method::GET, "/api/users/", "visitor-bbbb").send().await.unwrap();
    client().get(lab.url("/api/hello/")).send().await.unwrap();
    let a = exchanges(&lab, "visitor-aaaa").await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["url"], "/api/hello/?lab=visitor-aaaa");
    assert_eq!(a[0]["status"], 200);
    assert_eq!(a[0]["policy"], "article");
    assert_eq!(a[0]["origin_check"], "allowed");
    let b = exchanges(&lab, "visitor-bbbb").await;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["url"], "/api/users/?lab=visitor-bbbb");
    assert!(exchanges(&lab, "visitor-cccc").await.is_empty());
}

#[tokio::test]
async fn preflights_and_blocked_requests_are_recorded_with_the_browsers_verdict() {
    let lab = TestLab::start().await;
    let tag = "visitor-aaaa.omit";
    preflight_json_post(&lab, "/api/users/", tag).await;
    browser_like(&lab, Method::POST, "/api/users/", tag).json(&json!({"username": "logged"})).send().await.unwrap();
    browser_like(&lab, Method::GET, "/without-cors/api/hello/", tag).send().await.unwrap();
    let log = exchanges(&lab, VISITOR).await;
    assert_eq!(log.len(), 3);

    let preflight = &log[0];
    assert_eq!((preflight["method"].as_str(), preflight["cors_preflight"].as_bool()), (Some("OPTIONS"), Some(true)));
    assert_eq!(preflight["browser"]["kind"], "preflight");
    assert_eq!(preflight["browser"]["verdict"]["outcome"], "awaiting_response");

    let post = &log[1];
    assert_eq!(post["status"], 201);
    assert_eq!(post["browser"]["kind"], "request");
    assert_eq!(post["browser"]["preflight_id"], preflight["id"]);
    assert_eq!(post["browser"]["preflight_need"]["access_control_request_headers"], "content-type");
    assert_eq!(post["browser"]["verdict"]["outcome"], "pass");
    assert_eq!(post["browser"]["verdict"]["js"]["status"], 201);

    let blocked = &log[2];
    assert_eq!(blocked["status"], 200, "the server answered");
    assert_eq!(blocked["policy"], "without-cors");
    let verdict = &blocked["browser"]["verdict"];
    assert_eq!(verdict["outcome"], "blocked");
    assert_eq!(verdict["cors_error"], "MissingAllowOriginHeader");
    assert_eq!(verdict["stage"], "actual");
    assert_eq!(
        verdict["console"],
        format!(
            "Access to fetch at '{}/without-cors/api/hello/?lab={tag}' from origin '{}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            lab.api_origin, lab.page_origin
        )
    );
    assert!(verdict["explanation"]["ja"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn a_repeated_request_without_preflight_is_shown_as_answered_from_the_cache() {
    let lab = TestLab::start().await;
    let tag = "visitor-aaaa.include";
    preflight_json_post(&lab, "/api/users/", tag).await;
    for name in ["first", "second"] {
        browser_like(&lab, Method::POST, "/api/users/", tag).json(&json!({"username": name})).send().await.unwrap();
    }
    let log = exchanges(&lab, VISITOR).await;
    let second = &log[2]["browser"];
    assert_eq!(second["preflight_id"], Value::Null);
    assert_eq!(second["from_cache"]["preflight_id"], log[0]["id"]);
    let until = second["from_cache"]["until_ms"].as_u64().unwrap();
    let at = log[0]["at_ms"].as_u64().unwrap();
    assert_eq!(until - at, 7_200_000, "Max-Age 86400, capped by Chromium at two hours");
}

#[tokio::test]
async fn secrets_never_reach_the_log() {
    let lab = TestLab::start().await;
    let tag = "visitor-aaaa.include";
    let csrf = browser_like(&lab, Method::GET, "/api/csrf/", tag).send().await.unwrap();
    let secret = cookie_value(csrf.headers(), "csrftoken").unwrap();
    let token: Value = csrf.json().await.unwrap();
    let token = token["csrfToken"].as_str().unwrap().to_owned();
    let login = browser_like(&lab, Method::POST, "/api/login/", tag)
        .header("cookie", format!("csrftoken={secret}"))
        .header("x-csrftoken", &token)
        .json(&json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let session = cookie_value(login.headers(), "sessionid").unwrap();
    let new_secret = cookie_value(login.headers(), "csrftoken").unwrap();
    let access: Value = browser_like(&lab, Method::POST, "/api/token/", tag)
        .json(&json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = access["access"].as_str().unwrap().to_owned();
    browser_like(&lab, Method::GET, "/api/protected/", tag).bearer_auth(&access).send().await.unwrap();

    let raw = client().get(page(&lab, &format!("/exchanges?lab={VISITOR}"))).send().await.unwrap().text().await.unwrap();
    for secret in [&secret, &token, &session, &new_secret, &access, &"demo-password".to_owned()] {
        assert!(!raw.contains(secret.as_str()), "a secret leaked into the log: {secret}");
    }
    let log: Value = serde_json::from_str(&raw).unwrap();
    let login = &log["exchanges"][1];
    assert_eq!(login["cookies"], json!(["csrftoken"]));
    let set_cookies: Vec<&str> = login["response_headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "set-cookie")
        .map(|h| h[1].as_str().unwrap())
        .collect();
    assert_eq!(set_cookies.len(), 2);
    assert!(set_cookies[1].starts_with("sessionid=… (32 chars); expires="), "{set_cookies:?}");
    assert!(set_cookies[1].ends_with("; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"));
}

#[tokio::test]
async fn the_stream_delivers_new_exchanges_and_resumes_after_last_event_id() {
    let lab = TestLab::start().await;
    browser_like(&lab, Method::GET, "/api/hello/", "visitor-aaaa").send().await.unwrap();
    let mut stream = client().get(page(&lab, &format!("/exchanges/stream?lab={VISITOR}"))).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    browser_like(&lab, Method::GET, "/api/users/", "visitor-aaaa").send().await.unwrap();
    let mut text = String::new();
    while text.matches("event: exchange").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let ids: Vec<u64> = exchanges(&lab, VISITOR).await.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert!(text.contains(&format!("id: {}\n", ids[0])) && text.contains(&format!("id: {}\n", ids[1])), "{text}");
    assert!(text.contains("/api/users/?lab=visitor-aaaa"));
    drop(stream);

    // A reconnecting EventSource sends the last id it saw.
    browser_like(&lab, Method::GET, "/api/csrf/", "visitor-aaaa").send().await.unwrap();
    let mut stream = client()
        .get(page(&lab, &format!("/exchanges/stream?lab={VISITOR}")))
        .header("last-event-id", ids[1].to_string())
        .send()
        .await
        .unwrap();
    let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.unwrap().unwrap().unwrap();
    let text = String::from_utf8_lossy(&chunk);
    assert!(!text.contains(&format!("id: {}\n", ids[0])), "{text}");
    assert_eq!(text.matches("event: exchange").count(), 1, "{text}");
    assert!(text.contains("/api/csrf/"));
}

#[tokio::test]
async fn a_bad_visitor_id_is_a_clear_error() {
    let lab = TestLab::start().await;
    for query in ["", "?lab=short", "?lab=no%20spaces%20here", "?lab="] {
        let r = client().get(page(&lab, &format!("/exchanges{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "invalid_visitor");
    }
    let r = client().get(page(&lab, "/exchanges/stream?lab=x")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = client().get(page(&lab, &format!("/exchanges?lab={VISITOR}&after=soon"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_query");
    let r = client().get(page(&lab, "/exchanges?lab=visitor-aaaa&lab=visitor-bbbb")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_query");
}

#[tokio::test]
async fn open_streams_are_capped() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.log_streams = 2).await;
    let open = |v: &str| client().get(page(&lab, &format!("/exchanges/stream?lab={v}"))).send();
    let a = open("visitor-0001").await.unwrap();
    let b = open("visitor-0002").await.unwrap();
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let c = open("visitor-0003").await.unwrap();
    assert_eq!(c.status(), 503);
    assert_eq!(c.headers()["retry-after"], "5");
    drop(a);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(open("visitor-0004").await.unwrap().status(), 200, "a closed stream frees its slot");
}

#[tokio::test]
async fn the_log_forgets_the_least_recent_visitor_beyond_its_bound() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.log.visitors = 3).await;
    for v in ["visitor-0001", "visitor-0002", "visitor-0003", "visitor-0001", "visitor-0004"] {
        browser_like(&lab, Method::GET, "/api/hello/", v).send().await.unwrap();
    }
    assert!(exchanges(&lab, "visitor-0002").await.is_empty(), "least recently active, dropped");
    assert_eq!(exchanges(&lab, "visitor-0001").await.len(), 2);
    assert_eq!(exchanges(&lab, "visitor-0004").await.len(), 1);
}

#[tokio::test]
async fn each_visitor_keeps_its_newest_exchanges() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.log.per_visitor = 5).await;
    for _ in 0..8 {
        browser_like(&lab, Method::GET, "/api/hello/", VISITOR).send().await.unwrap();
    }
    let log = exchanges(&lab, VISITOR).await;
    assert_eq!(log.len(), 5);
    assert!(log.windows(2).all(|w| w[0]["id"].as_u64() < w[1]["id"].as_u64()));
}

#[tokio::test]
async fn shutdown_does_not_wait_for_open_streams() {
    let lab = TestLab::start().await;
    let _stream = client().get(page(&lab, &format!("/exchanges/stream?lab={VISITOR}"))).send().await.unwrap();
    let started = std::time::Instant::now();
    lab.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_flooded_stream_skips_ahead_and_says_how_many() {
    let lab = TestLab::start().await;
    let mut stream = client().get(page(&lab, &format!("/exchanges/stream?lab={VISITOR}"))).send().await.unwrap();
    // A burst, all at once.
    let burst = (0..120).map(|_| browser_like(&lab, Method::GET, "/api/hello/", VISITOR).send());
    for r in futures_util::future::join_all(burst).await {
        assert_eq!(r.unwrap().status(), 200);
    }
    let last = exchanges(&lab, VISITOR).await.last().unwrap()["id"].as_u64().unwrap();
    let mut text = String::new();
    while !text.contains(&format!("id: {last}\n")) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let exchanges = text.matches("event: exchange").count();
    assert!(exchanges < 120, "the stream sent every one of a burst ({exchanges})");
    assert!(text.contains("event: skipped"), "{text}");
}

#[tokio::test]
async fn a_visitor_flooding_the_api_has_the_excess_counted_not_kept() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.log.per_visitor_per_second = 3).await;
    for _ in 0..10 {
        assert_eq!(browser_like(&lab, Method::GET, "/api/hello/", VISITOR).send().await.unwrap().status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    browser_like(&lab, Method::GET, "/api/hello/", VISITOR).send().await.unwrap();
    let log = exchanges(&lab, VISITOR).await;
    assert!((4..=7).contains(&log.len()), "at most 3 a second were kept: {}", log.len());
    let unrecorded: u64 = log.iter().map(|e| e["unrecorded_before"].as_u64().unwrap()).sum();
    assert_eq!(log.len() as u64 + unrecorded, 11, "every request is either kept or counted");
}

#[tokio::test]
async fn a_visitor_id_the_log_refuses_is_told_not_silently_dropped() {
    let lab = TestLab::start().await;
    let r = browser_like(&lab, Method::GET, "/api/hello/", "short").send().await.unwrap();
    assert_eq!(r.status(), 200, "the API answers as ever");
    let note = r.headers()["corslab-log"].to_str().unwrap().to_owned();
    assert!(note.contains("8-64 characters"), "{note}");
    let ok = browser_like(&lab, Method::GET, "/api/hello/", VISITOR).send().await.unwrap();
    assert!(!ok.headers().contains_key("corslab-log"));
    assert!(!client().get(lab.url("/api/hello/")).send().await.unwrap().headers().contains_key("corslab-log"));
}
