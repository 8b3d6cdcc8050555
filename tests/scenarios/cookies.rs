//! The scenarios of `assets/scenarios/cookies.toml` over HTTP: the cookie attributes each
//! mount sets, the forged logout the SameSite scenarios let through (no CSRF check) and the
//! default refuses, and a login that keeps the key the browser came with.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestLab, client, cookie_value, set_cookies};

/// Logs in as demo at `mount` from the lab page, sending `session` if given; the response's
/// `Set-Cookie` headers and the session key it sets.
async fn log_in(lab: &TestLab, mount: &str, session: Option<&str>) -> (Vec<String>, String) {
    let csrf = client().get(lab.url(&format!("{mount}/api/csrf/"))).header("origin", &lab.page_origin).send().await.unwrap();
    let secret = cookie_value(csrf.headers(), "csrftoken").unwrap();
    let token = csrf.json::<Value>().await.unwrap()["csrfToken"].as_str().unwrap().to_owned();
    let jar = match session {
        Some(key) => format!("csrftoken={secret}; sessionid={key}"),
        None => format!("csrftoken={secret}"),
    };
    let login = client()
        .post(lab.url(&format!("{mount}/api/login/")))
        .header("origin", &lab.page_origin)
        .header("cookie", jar)
        .header("x-csrftoken", token)
        .json(&json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "login at {mount}");
    let key = cookie_value(login.headers(), "sessionid").unwrap();
    (set_cookies(login.headers()), key)
}

async fn session_status(lab: &TestLab, mount: &str, key: &str) -> StatusCode {
    client().get(lab.url(&format!("{mount}/api/session-data/"))).header("cookie", format!("sessionid={key}")).send().await.unwrap().status()
}

#[tokio::test]
async fn each_samesite_scenario_sets_both_cookies_with_its_attribute_on_its_own_path() {
    let lab = TestLab::start().await;
    for (id, attributes) in [
        ("samesite-strict", "; SameSite=Strict"),
        ("samesite-lax", "; SameSite=Lax"),
        ("samesite-none", "; SameSite=None; Secure"),
        ("samesite-unset", ""),
        ("samesite-none-insecure", "; SameSite=None"),
    ] {
        let (cookies, _) = log_in(&lab, &format!("/s/{id}"), None).await;
        for name in ["csrftoken", "sessionid"] {
            let cookie = cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap();
            assert!(cookie.ends_with(&format!("Path=/s/{id}/{attributes}")), "{id}: {cookie}");
        }
        let session = cookies.iter().find(|c| c.starts_with("sessionid=")).unwrap();
        assert!(session.contains("; HttpOnly;"), "{id}: {session}");
    }
}

#[tokio::test]
async fn without_a_csrf_check_a_forged_form_post_with_the_session_cookie_logs_out_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let forged_logout = |mount: String, key: String| {
        client()
            .post(lab.url(&format!("{mount}/api/logout/")))
            .header("origin", &lab.cross_site_attacker)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("sessionid={key}"))
            .body("")
            .send()
    };
    for id in ["samesite-strict", "samesite-lax", "samesite-none", "samesite-unset"] {
        let mount = format!("/s/{id}");
        let (_, key) = log_in(&lab, &mount, None).await;
        let r = forged_logout(mount.clone(), key.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{id}");
        assert_eq!(r.json::<Value>().await.unwrap()["was_authenticated"], true, "{id}");
        assert_eq!(session_status(&lab, &mount, &key).await, StatusCode::UNAUTHORIZED, "{id}: the session is gone");
    }
    let (_, key) = log_in(&lab, "", None).await;
    let r = forged_logout(String::new(), key.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["reason"], format!("Origin checking failed - {} does not match any trusted origins.", lab.cross_site_attacker));
    assert_eq!(session_status(&lab, "", &key).await, StatusCode::OK);
}

#[tokio::test]
async fn samesite_none_without_secure_keeps_the_csrf_check() {
    let lab = TestLab::start().await;
    let r = client()
        .post(lab.url("/s/samesite-none-insecure/api/logout/"))
        .header("origin", &lab.page_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["reason"], "CSRF cookie not set.");
}

#[tokio::test]
async fn session_fixation_keeps_a_live_key_at_login_and_the_default_cycles_it() {
    let lab = TestLab::start().await;
    let mount = "/s/session-fixation";
    let (_, planted) = log_in(&lab, mount, None).await;
    let (_, kept) = log_in(&lab, mount, Some(&planted)).await;
    assert_eq!(kept, planted, "the key the browser came with is the new session's");
    assert_eq!(session_status(&lab, mount, &planted).await, StatusCode::OK);
    // A key the lab never issued is not adopted, as Django refuses unknown keys.
    let unknown = "a".repeat(32);
    let (_, fresh) = log_in(&lab, mount, Some(&unknown)).await;
    assert_ne!(fresh, unknown);

    let (_, before) = log_in(&lab, "", None).await;
    let (_, after) = log_in(&lab, "", Some(&before)).await;
    assert_ne!(after, before, "the default cycles the key");
    assert_eq!(session_status(&lab, "", &before).await, StatusCode::UNAUTHORIZED, "and deletes the old session");
}

#[tokio::test]
async fn the_referee_reports_only_the_attacker_pages_requests_and_refuses_a_bad_query() {
    let lab = TestLab::start().await;
    let visitor = "referee-test-1";
    let tagged = |path: &str| lab.url(&format!("/s/samesite-lax{path}?lab={visitor}.include"));
    // One request from the attacker's page, one from the lab page.
    client().get(tagged("/api/session-data/")).header("origin", &lab.same_site_attacker).send().await.unwrap();
    client().get(tagged("/api/hello/")).header("origin", &lab.page_origin).send().await.unwrap();
    let referee = |query: &str| client().get(format!("{}/samesite-lax/referee?{query}", lab.same_site_attacker)).send();
    let seen: Value = referee(&format!("lab={visitor}&since=0")).await.unwrap().json().await.unwrap();
    let seen = seen["seen"].as_array().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!((seen[0]["path"].as_str(), seen[0]["status"].as_u64()), (Some("/s/samesite-lax/api/session-data/"), Some(401)));
    for bad in ["lab=x", "since=1", &format!("lab={visitor}&since=-1"), &format!("lab={visitor}&since=1&since=2")] {
        assert_eq!(referee(bad).await.unwrap().status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let unknown = client().get(format!("{}/no-such-scenario/referee?lab={visitor}", lab.same_site_attacker)).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
