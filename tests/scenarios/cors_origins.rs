//! The scenarios of `assets/scenarios/cors-origins.toml` over HTTP.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::support::{TestLab, client, set_cookies};

/// The response headers of `GET /s/<id>/api/hello/` sent with `Origin: origin`.
async fn hello(lab: &TestLab, id: &str, origin: &str) -> HeaderMap {
    let r = client().get(lab.url(&format!("/s/{id}/api/hello/"))).header("origin", origin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{id}: the request is processed whatever the origin");
    r.headers().clone()
}

/// Asserts that scenario `id` answers each origin of `admitted` by name, with credentials,
/// and gives no allow header to any of `refused`; `Vary: origin` either way.
async fn assert_matches(lab: &TestLab, id: &str, admitted: &[&str], refused: &[&str]) {
    for &origin in admitted {
        let h = hello(lab, id, origin).await;
        assert_eq!(h.get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some(origin), "{id} admits {origin}");
        assert_eq!(h["access-control-allow-credentials"], "true", "{id}, {origin}");
        assert_eq!(h["vary"], "origin");
    }
    for &origin in refused {
        let h = hello(lab, id, origin).await;
        assert!(!h.contains_key("access-control-allow-origin"), "{id} refuses {origin}: {h:?}");
        assert_eq!(h["vary"], "origin");
    }
}

#[tokio::test]
async fn reflect_origin_echoes_any_origin_with_credentials() {
    let lab = TestLab::start().await;
    let r = client().get(lab.url("/s/reflect-origin/api/hello/")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://evil.example");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(r.headers()["vary"], "origin");
}

#[tokio::test]
async fn allow_all_with_credentials_echoes_every_origin_as_django_cors_headers_does() {
    let lab = TestLab::start().await;
    assert_matches(&lab, "allow-all-credentials", &["https://evil.example", &lab.same_site_attacker, "null"], &[]).await;
}

#[tokio::test]
async fn null_origin_answers_null_and_the_page_but_no_other_origin() {
    let lab = TestLab::start().await;
    assert_matches(&lab, "null-origin", &["null", &lab.page_origin], &[&lab.same_site_attacker, "https://evil.example"]).await;
}

#[tokio::test]
async fn each_loose_matcher_admits_another_port_of_the_page_host_and_its_production_victims() {
    let lab = TestLab::start().await;
    let (page, attacker, cross_site) = (lab.page_origin.as_str(), lab.same_site_attacker.as_str(), lab.cross_site_attacker.as_str());
    assert_eq!(&page[..17], "http://localhost:", "the lab page's host is what the rules are written for");
    assert_matches(&lab, "prefix-match", &[page, attacker, "http://localhost.evil.example"], &["https://localhost", cross_site, "null"]).await;
    assert_matches(&lab, "suffix-match", &[page, attacker, "http://evillocalhost", "https://localhost"], &["http://localhost.evil.example", cross_site, "null"])
        .await;
    assert_matches(&lab, "substring-match", &[page, attacker, "http://localhost.evil.example", "https://notlocalhost.example"], &[cross_site, "null"])
        .await;
    assert_matches(
        &lab,
        "origin-regexes",
        &[page, attacker, "http://localhost.evil.example", "https://app.example.com", "https://appXexample.com"],
        &["https://app.example.com.evil.net", "https://localhost", cross_site],
    )
    .await;
    assert_matches(&lab, "any-subdomain", &[page, attacker, "http://evil.localhost:1234", "https://localhost"], &["http://evillocalhost", cross_site, "null"])
        .await;
}

#[tokio::test]
async fn http_origin_trusted_lists_the_page_and_its_http_twin_and_sets_secure_cookies() {
    let lab = TestLab::start().await;
    assert_matches(&lab, "http-origin-trusted", &[&lab.page_origin, &lab.same_site_attacker], &[&lab.cross_site_attacker, "http://localhost:1"]).await;
    let r = client().get(lab.url("/s/http-origin-trusted/api/csrf/")).header("origin", &lab.page_origin).send().await.unwrap();
    let cookie = set_cookies(r.headers()).into_iter().find(|c| c.starts_with("csrftoken=")).unwrap();
    assert!(cookie.contains("; Secure"), "meant for https: {cookie}");
}

#[tokio::test]
async fn star_public_answers_star_without_credentials_to_requests_and_preflights() {
    let lab = TestLab::start().await;
    let h = hello(&lab, "star-public", &lab.same_site_attacker).await;
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(!h.contains_key("access-control-allow-credentials"));
    let r = client()
        .request(reqwest::Method::OPTIONS, lab.url("/s/star-public/api/users/"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));
}

#[tokio::test]
async fn star_with_credentials_sends_the_wildcard_as_is_beside_allow_credentials() {
    let lab = TestLab::start().await;
    for origin in [lab.page_origin.as_str(), "https://evil.example", "null"] {
        let h = hello(&lab, "star-with-credentials", origin).await;
        assert_eq!(h["access-control-allow-origin"], "*", "{origin}");
        assert_eq!(h["access-control-allow-credentials"], "true");
    }
}

/// `GET /hop?to=…` on an attacker origin, as `origin`'s page would fetch it.
async fn hop(attacker: &str, to: &str, origin: &str) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(&format!("{attacker}/hop"), [("to", to)]).unwrap();
    client().get(url).header("origin", origin).send().await.unwrap()
}

#[tokio::test]
async fn the_redirect_hop_sends_the_attackers_own_pages_to_the_api_and_nowhere_else() {
    let lab = TestLab::start().await;
    let to = format!("{}/s/null-origin/api/session-data/?lab=visitor-1.include", lab.api_origin);
    for (attacker, page) in [(&lab.cross_site_attacker, &lab.same_site_attacker), (&lab.same_site_attacker, &lab.cross_site_attacker)] {
        let r = hop(attacker, &to, page).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()["location"], to.as_str());
        // Checked before the browser follows it, with credentials.
        assert_eq!(r.headers()["access-control-allow-origin"], page.as_str());
        assert_eq!(r.headers()["access-control-allow-credentials"], "true");
        assert_eq!(r.headers()["cache-control"], "no-store");
    }
    let other_page = hop(&lab.cross_site_attacker, &to, "https://evil.example").await;
    assert_eq!(other_page.status(), StatusCode::FOUND);
    assert!(!other_page.headers().contains_key("access-control-allow-origin"), "only its own pages may read the redirect");

    let too_long = format!("{}/api/hello/?{}", lab.api_origin, "x".repeat(3000));
    for to in ["https://evil.example/", "http://localhost:1/", lab.api_origin.as_str(), &format!("{}.evil.example/", lab.api_origin), &too_long, ""] {
        let r = hop(&lab.cross_site_attacker, to, &lab.same_site_attacker).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{to:.60}");
        assert!(r.headers().get("location").is_none());
    }
    let bare = client().get(format!("{}/hop", lab.cross_site_attacker)).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_sandboxed_frame_exists_only_for_the_null_origin_exploit_and_fetches_only_the_api() {
    let lab = TestLab::start().await;
    let attacker = &lab.same_site_attacker;
    let r = client().get(format!("{attacker}/null-origin/frame?lab=visitor-1")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("connect-src {};", lab.api_origin)) && csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(r.text().await.unwrap().contains("/assets/null_origin_frame.js"));
    let r = client().get(format!("{attacker}/prefix-match/frame")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "other kinds have no frame");
    // Its modules load with CORS, from an opaque origin.
    let js = client().get(format!("{attacker}/assets/common.js")).send().await.unwrap();
    assert_eq!(js.headers()["access-control-allow-origin"], "*");
    // The exploit page may fetch the hop on the other attacker origin; others may not.
    let csp = |id: &str| {
        let url = format!("{attacker}/{id}/");
        async move { client().get(url).send().await.unwrap().headers()["content-security-policy"].to_str().unwrap().to_owned() }
    };
    assert!(csp("null-origin").await.contains(&format!("connect-src 'self' {} {};", lab.api_origin, lab.cross_site_attacker)));
    assert!(csp("prefix-match").await.contains(&format!("connect-src 'self' {};", lab.api_origin)));
}
