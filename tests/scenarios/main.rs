//! Every catalogue scenario's server behaviour over real HTTP: each mount is the same API
//! with other settings, and does exactly what its settings say. One module per catalogue
//! group; what holds for every scenario is here.

#[path = "../support/mod.rs"]
mod support;

mod cookies;
mod cors_origins;
mod cors_requests;
mod csrf;
mod jwt;

use reqwest::StatusCode;
use support::{TestLab, client, cookie_value, set_cookies};

#[tokio::test]
async fn every_scenario_is_mounted_with_its_own_cookie_path_and_sessions() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let listing: serde_json::Value = client().get(format!("{page}/scenarios.json")).send().await.unwrap().json().await.unwrap();
    let scenarios = listing["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 3);
    for s in scenarios {
        let id = s["id"].as_str().unwrap();
        let hello = client().get(lab.url(&format!("/s/{id}/api/hello/"))).send().await.unwrap();
        assert_eq!(hello.status(), StatusCode::OK, "{id}");
        let csrf = client().get(lab.url(&format!("/s/{id}/api/csrf/"))).header("origin", &lab.page_origin).send().await.unwrap();
        let cookie = set_cookies(csrf.headers()).into_iter().find(|c| c.starts_with("csrftoken=")).unwrap();
        assert!(cookie.contains(&format!("Path=/s/{id}/")), "{id}: {cookie}");
    }
    // A session made at one mount is unknown at another.
    let (secret, token) = {
        let r = client().get(lab.url("/s/reflect-origin/api/csrf/")).header("origin", &lab.page_origin).send().await.unwrap();
        let secret = cookie_value(r.headers(), "csrftoken").unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        (secret, body["csrfToken"].as_str().unwrap().to_owned())
    };
    let login = client()
        .post(lab.url("/s/reflect-origin/api/login/"))
        .header("origin", &lab.page_origin)
        .header("cookie", format!("csrftoken={secret}"))
        .header("x-csrftoken", token)
        .json(&serde_json::json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let session = cookie_value(login.headers(), "sessionid").unwrap();
    let at = |path: &str| client().get(lab.url(path)).header("cookie", format!("sessionid={session}")).send();
    assert_eq!(at("/s/reflect-origin/api/session-data/").await.unwrap().status(), StatusCode::OK);
    assert_eq!(at("/api/session-data/").await.unwrap().status(), StatusCode::UNAUTHORIZED, "not the default's");
    assert_eq!(at("/s/article/api/session-data/").await.unwrap().status(), StatusCode::UNAUTHORIZED, "nor another scenario's");
}

#[tokio::test]
async fn an_unknown_scenario_is_a_404_of_the_default_api() {
    let lab = TestLab::start().await;
    let r = client().get(lab.url("/s/no-such-scenario/api/hello/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
