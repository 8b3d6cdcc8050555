//! The scenarios of `assets/scenarios/cors-requests.toml` over HTTP.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use crate::support::{TestLab, client};

const VISITOR: &str = "visitor-cors-requests";

/// A preflight from the lab page, as Chromium sends it, tagged for `VISITOR` (or `tag`).
fn preflight(lab: &TestLab, path: &str, method: &str, headers: &str) -> RequestBuilder {
    client()
        .request(Method::OPTIONS, lab.url(path))
        .header("origin", &lab.page_origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
}

fn header<'r>(r: &'r Response, name: &str) -> Option<&'r str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

fn cors_headers(r: &Response) -> Vec<&str> {
    r.headers().keys().map(|k| k.as_str()).filter(|k| k.starts_with("access-control-")).collect()
}

async fn token(lab: &TestLab, id: &str) -> String {
    let r = client()
        .post(lab.url(&format!("/s/{id}/api/token/")))
        .json(&serde_json::json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["access"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn allow_headers_wildcard_answers_preflights_with_a_star_and_credentials() {
    let lab = TestLab::start().await;
    let r = preflight(&lab, "/s/allow-headers-wildcard/api/protected/", "GET", "authorization").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "access-control-allow-headers"), Some("*"));
    assert_eq!(header(&r, "access-control-allow-credentials"), Some("true"));
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
    // The API itself does not care how the Authorization header got past the browser.
    let bearer = format!("Bearer {}", token(&lab, "allow-headers-wildcard").await);
    let r = client().get(lab.url("/s/allow-headers-wildcard/api/protected/")).header("authorization", bearer).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn credentials_missing_allows_the_page_but_never_says_allow_credentials() {
    let lab = TestLab::start().await;
    let r = client().get(lab.url("/s/credentials-missing/api/csrf/")).header("origin", &lab.page_origin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
    assert_eq!(header(&r, "access-control-allow-credentials"), None);
    assert!(header(&r, "set-cookie").is_some_and(|c| c.starts_with("csrftoken=")), "the server still sets the cookie");
    let r = preflight(&lab, "/s/credentials-missing/api/login/", "POST", "content-type,x-csrftoken").send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-credentials"), None);
}

#[tokio::test]
async fn preflight_after_auth_refuses_preflights_to_protected_endpoints_with_a_bare_401() {
    let lab = TestLab::start().await;
    let r = preflight(&lab, "/s/preflight-after-auth/api/protected/", "GET", "authorization").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(cors_headers(&r), Vec::<&str>::new(), "the authentication layer answers, outside CORS");
    assert_eq!(header(&r, "www-authenticate"), Some("Bearer realm=\"api\""));
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_authenticated");
    let r = preflight(&lab, "/s/preflight-after-auth/api/session-data/", "POST", "content-type,x-csrftoken").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no session cookie on a preflight either");
    // Open endpoints let the preflight through to the router, whose OPTIONS gets the headers.
    let r = preflight(&lab, "/s/preflight-after-auth/api/token/", "POST", "content-type").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "allow"), Some("POST, OPTIONS"));
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
    // The actual request, which carries the token, is authenticated and answered with CORS.
    let bearer = format!("Bearer {}", token(&lab, "preflight-after-auth").await);
    let r = client()
        .get(lab.url("/s/preflight-after-auth/api/protected/"))
        .header("origin", &lab.page_origin)
        .header("authorization", bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
}

#[tokio::test]
async fn preflight_after_routing_answers_every_options_with_a_bare_404() {
    let lab = TestLab::start().await;
    for path in ["/s/preflight-after-routing/api/token/", "/s/preflight-after-routing/api/hello/"] {
        let r = preflight(&lab, path, "POST", "content-type").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(cors_headers(&r), Vec::<&str>::new(), "{path}");
    }
    let r = client().get(lab.url("/s/preflight-after-routing/api/hello/")).header("origin", &lab.page_origin).send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()), "simple requests still get CORS");
}

#[tokio::test]
async fn errors_without_cors_send_the_real_error_without_allow_headers() {
    let lab = TestLab::start().await;
    let from_page = |path: &str| client().get(lab.url(path)).header("origin", &lab.page_origin);
    let r = from_page("/s/errors-without-cors/api/protected/").header("authorization", "Bearer not-a-token").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(cors_headers(&r), Vec::<&str>::new());
    assert_eq!(header(&r, "vary"), Some("origin"));
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "token_invalid");
    let r = from_page("/s/errors-without-cors/api/hello").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(cors_headers(&r), Vec::<&str>::new());
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("/api/hello/"), "the hint the page never sees");
    let r = from_page("/s/errors-without-cors/api/hello/").send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
    let r = preflight(&lab, "/s/errors-without-cors/api/protected/", "GET", "authorization").send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()), "preflights are answered 200");
}

async fn hello(lab: &TestLab, id: &str, visitor: &str, origin: Option<&str>) -> Response {
    let mut req = client().get(lab.url(&format!("/s/{id}/api/hello/?lab={visitor}.same-origin")));
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn vary_missing_lets_a_copy_stored_without_origin_reach_the_page() {
    let lab = TestLab::start().await;
    let page = Some(lab.page_origin.as_str());
    let primer = hello(&lab, "vary-missing", VISITOR, None).await;
    assert_eq!((header(&primer, "x-cache"), header(&primer, "vary")), (Some("MISS"), None));
    assert_eq!(cors_headers(&primer), Vec::<&str>::new(), "no Origin, nothing to allow");
    let poisoned = hello(&lab, "vary-missing", VISITOR, page).await;
    assert_eq!(header(&poisoned, "x-cache"), Some("HIT"));
    assert!(header(&poisoned, "age").is_some());
    assert_eq!(cors_headers(&poisoned), Vec::<&str>::new(), "the page got the primer's copy");
    assert_eq!(poisoned.json::<Value>().await.unwrap()["message"].as_str().map(|m| !m.is_empty()), Some(true));
    // Another URL (another visitor's tag) is another key: the page's own answer.
    let other = hello(&lab, "vary-missing", "visitor-someone-else", page).await;
    assert_eq!(header(&other, "x-cache"), Some("MISS"));
    assert_eq!(header(&other, "access-control-allow-origin"), page);
    // Only the CDN rule's paths are cached, and the default mount has no CDN at all.
    let users = client().get(lab.url("/s/vary-missing/api/users/")).send().await.unwrap();
    assert_eq!(header(&users, "x-cache"), None);
    let default = client().get(lab.url(&format!("/api/hello/?lab={VISITOR}.same-origin"))).send().await.unwrap();
    assert_eq!(header(&default, "x-cache"), None);
}

#[tokio::test]
async fn the_same_cache_keeps_one_copy_per_origin_when_the_answer_says_vary_origin() {
    let lab = TestLab::start().await;
    let page = Some(lab.page_origin.as_str());
    let primer = hello(&lab, "cdn-with-vary", VISITOR, None).await;
    assert_eq!((header(&primer, "x-cache"), header(&primer, "vary")), (Some("MISS"), Some("origin")));
    let first = hello(&lab, "cdn-with-vary", VISITOR, page).await;
    assert_eq!(header(&first, "x-cache"), Some("MISS"), "the page's Origin is another key");
    assert_eq!(header(&first, "access-control-allow-origin"), page);
    let again = hello(&lab, "cdn-with-vary", VISITOR, page).await;
    assert_eq!(header(&again, "x-cache"), Some("HIT"));
    assert_eq!(header(&again, "access-control-allow-origin"), page, "its own copy");
    let no_origin = hello(&lab, "cdn-with-vary", VISITOR, None).await;
    assert_eq!(header(&no_origin, "x-cache"), Some("HIT"));
    assert_eq!(cors_headers(&no_origin), Vec::<&str>::new());
}

#[tokio::test]
async fn preflight_redirect_adds_a_missing_trailing_slash_before_cors() {
    let lab = TestLab::start().await;
    let path = format!("/s/preflight-redirect/api/token?lab={VISITOR}.omit");
    let r = preflight(&lab, &path, "POST", "content-type").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&r, "location"), Some(format!("/s/preflight-redirect/api/token/?lab={VISITOR}.omit").as_str()));
    assert_eq!(cors_headers(&r), Vec::<&str>::new());
    let r = client().get(lab.url("/s/preflight-redirect/api/hello")).header("origin", &lab.page_origin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&r, "location"), Some("/s/preflight-redirect/api/hello/"));
    assert_eq!(cors_headers(&r), Vec::<&str>::new(), "the redirect itself has no allow header");
    // Paths with their slash, and paths that are no endpoint with one, are not redirected.
    let r = client().get(lab.url("/s/preflight-redirect/api/hello/")).header("origin", &lab.page_origin).send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));
    let r = client().get(lab.url("/s/preflight-redirect/api/nothing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn max_age_outlives_change_narrows_the_preflight_answer_only_for_the_visitor_who_deploys_it() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let path = |visitor: &str| format!("/s/max-age-outlives-change/api/protected/?lab={visitor}.omit");
    let allowed = |r: &Response| header(r, "access-control-allow-headers").unwrap().to_owned();
    let r = preflight(&lab, &path(VISITOR), "GET", "authorization").send().await.unwrap();
    assert_eq!(header(&r, "access-control-max-age"), Some("86400"));
    assert!(allowed(&r).contains("authorization"));

    let switch = format!("{page}/scenarios/max-age-outlives-change/change?lab={VISITOR}");
    let deployed: Value = client().post(&switch).send().await.unwrap().json().await.unwrap();
    assert_eq!(deployed["changed"], true);
    let r = preflight(&lab, &path(VISITOR), "GET", "authorization").send().await.unwrap();
    assert_eq!(allowed(&r), "accept, content-type, user-agent, x-csrftoken, x-requested-with");
    assert_eq!(header(&r, "access-control-max-age"), Some("86400"));
    let other = preflight(&lab, &path("visitor-someone-else"), "GET", "authorization").send().await.unwrap();
    assert!(allowed(&other).contains("authorization"), "another visitor still gets the first policy");
    let untagged = preflight(&lab, "/s/max-age-outlives-change/api/protected/", "GET", "authorization").send().await.unwrap();
    assert!(allowed(&untagged).contains("authorization"));
    // CORS headers never stop a request that arrives: a browser with the old answer cached
    // sends the Bearer call, and the API answers it.
    let bearer = format!("Bearer {}", token(&lab, "max-age-outlives-change").await);
    let r = client().get(lab.url(&path(VISITOR))).header("origin", &lab.page_origin).header("authorization", bearer).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "access-control-allow-origin"), Some(lab.page_origin.as_str()));

    let state: Value = client().get(&switch).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["changed"], true);
    let restored: Value = client().delete(&switch).send().await.unwrap().json().await.unwrap();
    assert_eq!(restored["changed"], false);
    let r = preflight(&lab, &path(VISITOR), "GET", "authorization").send().await.unwrap();
    assert!(allowed(&r).contains("authorization"));
}

#[tokio::test]
async fn a_policy_switch_exists_only_for_a_scenario_with_a_change_and_a_visitor() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let status = |r: Response| r.status();
    for id in ["article", "no-such-scenario", "vary-missing"] {
        let r = client().post(format!("{page}/scenarios/{id}/change?lab={VISITOR}")).send().await.unwrap();
        assert_eq!(status(r), StatusCode::NOT_FOUND, "{id}");
    }
    for query in ["", "?lab=short", "?lab=%00%00%00%00%00%00%00%00", &format!("?lab={}", "x".repeat(65))] {
        let r = client().post(format!("{page}/scenarios/max-age-outlives-change/change{query}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_visitor");
    }
    let r = client().put(format!("{page}/scenarios/max-age-outlives-change/change?lab={VISITOR}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_page_origin_serves_the_page_side_of_the_scenarios_shown_through_its_calls() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let listing: Value = client().get(format!("{page}/scenarios.json")).send().await.unwrap().json().await.unwrap();
    let entry = |id: &str| listing["scenarios"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(entry("credentials-missing")["exploit"], format!("{}/demo/credentials-missing/", lab.page_origin));
    assert_eq!(entry("credentials-missing")["attack"]["broken"], serde_json::json!(["csrf"]));
    assert_eq!(entry("vary-missing")["exploit"], format!("{}/vary-missing/", lab.cross_site_attacker));

    let index = client().get(format!("{page}/demo")).send().await.unwrap().text().await.unwrap();
    assert!(index.contains("href=\"/demo/credentials-missing/\"") && !index.contains("reflect-origin"), "{index}");
    let demo = client().get(format!("{page}/demo/credentials-missing/?lab={VISITOR}&lang=ja")).send().await.unwrap();
    assert_eq!(demo.status(), StatusCode::OK);
    let csp = header(&demo, "content-security-policy").unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains(&format!("connect-src 'self' {}", lab.api_origin)), "{csp}");
    let html = demo.text().await.unwrap();
    assert!(html.contains("src=\"../assets/page_calls.js\""), "{html}");
    assert!(html.contains("\"calls\":[\"hello\",\"csrf\"]") && html.contains("\"site\":\"page\""), "{html}");
    assert!(html.contains("lang=\"ja\""));
    for script in ["page_calls.js", "calls.js", "common.js"] {
        let r = client().get(format!("{page}/demo/assets/{script}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{script}");
    }
    // The page's side of an attack that harms the page: what the page gets after it.
    let view = client().get(format!("{page}/demo/vary-missing/?lab={VISITOR}")).send().await.unwrap();
    assert_eq!(view.status(), StatusCode::OK);
    assert!(view.text().await.unwrap().contains("\"kind\":\"cache_poisoning\""));
    // Scenarios with an exploit of their own have no page side.
    let r = client().get(format!("{page}/demo/reflect-origin/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The attacker's exploit knows where to send the visitor afterwards.
    let exploit = client().get(format!("{}/vary-missing/?lab={VISITOR}", lab.cross_site_attacker)).send().await.unwrap();
    let html = exploit.text().await.unwrap();
    assert!(html.contains(&format!("\"page_view\":\"{}/demo/vary-missing/\"", lab.page_origin)), "{html}");
    assert!(html.contains("src=\"../assets/cache_poisoning.js\""));
}
