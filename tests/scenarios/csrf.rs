//! The scenarios of `assets/scenarios/csrf.toml` over HTTP: each mount does what its CSRF
//! settings say, and the default refuses the same requests with Django's reason.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestLab, client, cookie_value, set_cookies};

/// An answer, its body read as JSON.
struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Reply {
    fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("")
    }
}

/// A request with these cookies, token and body, as a browser (or a forger) would send it.
struct Call {
    method: Method,
    path: String,
    origin: Option<String>,
    cookies: Vec<(&'static str, String)>,
    token: Option<String>,
    body: Option<(&'static str, String)>,
}

impl Call {
    fn new(method: Method, path: impl Into<String>) -> Call {
        Call { method, path: path.into(), origin: None, cookies: Vec::new(), token: None, body: None }
    }

    async fn send(self, lab: &TestLab) -> Reply {
        let mut req = client().request(self.method, lab.url(&self.path));
        if let Some(origin) = self.origin {
            req = req.header("origin", origin);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header("cookie", jar.join("; "));
        }
        if let Some(token) = self.token {
            req = req.header("x-csrftoken", token);
        }
        if let Some((content_type, body)) = self.body {
            req = req.header("content-type", content_type).body(body);
        }
        let res = req.send().await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.bytes().await.unwrap();
        Reply { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }
}

/// `GET {mount}/api/csrf/` from the page: the cookie's secret and a masked token.
async fn csrf(lab: &TestLab, mount: &str) -> (String, String) {
    let path = format!("{mount}/api/csrf/");
    let r = Call { origin: Some(lab.page_origin.clone()), ..Call::new(Method::GET, path.clone()) }.send(lab).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    (cookie_value(&r.headers, "csrftoken").unwrap(), r.body["csrfToken"].as_str().unwrap().to_owned())
}

/// Logs in as demo from the page with this secret and token: the session key, and the
/// csrftoken cookie and token the answer gives.
async fn log_in(lab: &TestLab, mount: &str, secret: &str, token: &str) -> (String, String, String) {
    let path = format!("{mount}/api/login/");
    let r = Call {
        origin: Some(lab.page_origin.clone()),
        cookies: vec![("csrftoken", secret.to_owned())],
        token: Some(token.to_owned()),
        body: Some(("application/json", json!({"username": "demo", "password": "demo-password"}).to_string())),
        ..Call::new(Method::POST, path.clone())
    }
    .send(lab)
    .await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    let session = cookie_value(&r.headers, "sessionid").unwrap();
    (session, cookie_value(&r.headers, "csrftoken").unwrap(), r.body["csrfToken"].as_str().unwrap().to_owned())
}

async fn logged_in(lab: &TestLab, mount: &str) -> String {
    let (secret, token) = csrf(lab, mount).await;
    log_in(lab, mount, &secret, &token).await.0
}

/// Who `session` is at `mount`: the username, or `None` (401).
async fn whoami(lab: &TestLab, mount: &str, session: &str) -> Option<String> {
    let path = format!("{mount}/api/session-data/");
    let r = Call { cookies: vec![("sessionid", session.to_owned())], ..Call::new(Method::GET, path.clone()) }.send(lab).await;
    r.body["username"].as_str().map(str::to_owned)
}

fn bad_origin(origin: &str) -> String {
    format!("Origin checking failed - {origin} does not match any trusted origins.")
}

/// What a form with `enctype="text/plain"` sends for one field `name` = `value`.
fn text_plain_login(username: &str, password: &str) -> String {
    let name = json!({"username": username, "password": password}).to_string();
    format!("{},\"_\":\"=\"}}\r\n", &name[..name.len() - 1])
}

#[tokio::test]
async fn csrf_off_runs_a_forged_logout_from_another_origin_and_the_default_names_that_origin() {
    let lab = TestLab::start().await;
    let attacker = lab.same_site_attacker.clone();
    for (mount, forged_ok) in [("/s/csrf-off", true), ("", false)] {
        let session = logged_in(&lab, mount).await;
        let path = format!("{mount}/api/logout/");
        // A plain form post from the attacker: the cookies go along, nothing else does.
        let forged = Call {
            origin: Some(attacker.clone()),
            cookies: vec![("sessionid", session.clone())],
            body: Some(("application/x-www-form-urlencoded", String::new())),
            ..Call::new(Method::POST, path.clone())
        }
        .send(&lab)
        .await;
        if forged_ok {
            assert_eq!((forged.status, &forged.body), (StatusCode::OK, &json!({"was_authenticated": true})));
            assert_eq!(whoami(&lab, mount, &session).await, None, "logged out");
        } else {
            assert_eq!(forged.status, StatusCode::FORBIDDEN);
            assert_eq!(forged.reason(), bad_origin(&attacker));
            assert_eq!(whoami(&lab, mount, &session).await.as_deref(), Some("demo"), "still logged in");
        }
    }
}

#[tokio::test]
async fn a_missing_trusted_origin_lets_the_page_read_the_token_but_refuses_its_posts() {
    let lab = TestLab::start().await;
    let page = lab.page_origin.clone();
    let (secret, token) = csrf(&lab, "/s/csrf-trusted-origin-missing").await;
    let login = |origin: &str| Call {
        origin: Some(origin.to_owned()),
        cookies: vec![("csrftoken", secret.clone())],
        token: Some(token.clone()),
        body: Some(("application/json", json!({"username": "demo", "password": "demo-password"}).to_string())),
        ..Call::new(Method::POST, "/s/csrf-trusted-origin-missing/api/login/")
    };
    let refused = login(&page).send(&lab).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reason(), bad_origin(&page));
    assert_eq!(refused.body["detail"], format!("CSRF Failed: {}", bad_origin(&page)));
    assert_eq!(refused.headers["access-control-allow-origin"], page.as_str(), "the page may read its 403");
    // The API's own origin is always trusted, as in Django.
    assert_eq!(login(&lab.api_origin).send(&lab).await.status, StatusCode::OK);
    // The default trusts the page.
    let (secret, token) = csrf(&lab, "").await;
    log_in(&lab, "", &secret, &token).await;
}

#[tokio::test]
async fn without_rotation_a_token_from_before_login_still_works_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    for (mount, rotates) in [("/s/csrf-no-rotation", false), ("", true)] {
        let (before, old_token) = csrf(&lab, mount).await;
        let (session, after, new_token) = log_in(&lab, mount, &before, &old_token).await;
        assert_eq!(before == after, !rotates, "{mount}: the csrftoken cookie after login");
        let path = format!("{mount}/api/logout/");
        let logout = |token: &str| Call {
            origin: Some(lab.page_origin.clone()),
            cookies: vec![("csrftoken", after.clone()), ("sessionid", session.clone())],
            token: Some(token.to_owned()),
            ..Call::new(Method::POST, path.clone())
        };
        let stale = logout(&old_token).send(&lab).await;
        if rotates {
            assert_eq!(stale.status, StatusCode::FORBIDDEN);
            assert_eq!(stale.reason(), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.");
            let fresh = logout(&new_token).send(&lab).await;
            assert_eq!(fresh.body, json!({"was_authenticated": true}), "the token login returned works");
        } else {
            assert_eq!(stale.body, json!({"was_authenticated": true}), "{mount}: the pre-login token still works");
        }
    }
}

#[tokio::test]
async fn a_shared_secret_takes_another_browsers_token_yet_still_checks_the_origin() {
    let lab = TestLab::start().await;
    for (mount, shared) in [("/s/csrf-token-not-tied", true), ("", false)] {
        // The attacker's own token, fetched for itself (its cookie thrown away).
        let (_, attackers_token) = csrf(&lab, mount).await;
        let (secret, token) = csrf(&lab, mount).await;
        let (session, victims_secret, _) = log_in(&lab, mount, &secret, &token).await;
        let path = format!("{mount}/api/session-data/");
        let with = |origin: &'static str, cookies: Vec<(&'static str, String)>| Call {
            origin: Some(if origin == "page" { lab.page_origin.clone() } else { lab.cross_site_attacker.clone() }),
            cookies,
            token: Some(attackers_token.clone()),
            ..Call::new(Method::POST, path.clone())
        };
        let no_csrf_cookie = with("page", vec![("sessionid", session.clone())]).send(&lab).await;
        let victims_cookies = with("page", vec![("csrftoken", victims_secret.clone()), ("sessionid", session.clone())]).send(&lab).await;
        if shared {
            assert_eq!(no_csrf_cookie.body["username"], "demo", "no csrftoken cookie needed");
            assert_eq!(victims_cookies.body["username"], "demo", "the attacker's token passes for the victim");
        } else {
            assert_eq!(no_csrf_cookie.reason(), "CSRF cookie not set.");
            assert_eq!(victims_cookies.reason(), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.");
        }
        // Either way, another origin is refused before any token is read.
        let foreign = with("attacker", vec![("sessionid", session.clone())]).send(&lab).await;
        assert_eq!(foreign.reason(), bad_origin(&lab.cross_site_attacker), "{mount}");
    }
}

#[tokio::test]
async fn logout_on_get_logs_out_on_a_plain_get_and_the_default_allows_post_only() {
    let lab = TestLab::start().await;
    let session = logged_in(&lab, "/s/csrf-logout-on-get").await;
    let get = Call { cookies: vec![("sessionid", session.clone())], ..Call::new(Method::GET, "/s/csrf-logout-on-get/api/logout/") };
    let r = get.send(&lab).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &json!({"was_authenticated": true})));
    assert!(set_cookies(&r.headers).iter().any(|c| c.starts_with("sessionid=\"\"") && c.contains("Max-Age=0")));
    assert_eq!(whoami(&lab, "/s/csrf-logout-on-get", &session).await, None);
    let put = Call::new(Method::PUT, "/s/csrf-logout-on-get/api/logout/").send(&lab).await;
    assert_eq!((put.status, &put.headers["allow"]), (StatusCode::METHOD_NOT_ALLOWED, &"GET, POST, HEAD, OPTIONS".parse().unwrap()));

    let session = logged_in(&lab, "").await;
    let r = Call { cookies: vec![("sessionid", session.clone())], ..Call::new(Method::GET, "/api/logout/") }.send(&lab).await;
    assert_eq!((r.status, &r.headers["allow"]), (StatusCode::METHOD_NOT_ALLOWED, &"POST, OPTIONS".parse().unwrap()));
    assert_eq!(whoami(&lab, "", &session).await.as_deref(), Some("demo"));
}

#[tokio::test]
async fn json_read_from_text_plain_skips_the_check_and_logs_a_form_in_while_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let form = |mount: &str, content_type: &'static str, body: String| Call {
        origin: Some(lab.cross_site_attacker.clone()),
        body: Some((content_type, body)),
        ..Call::new(Method::POST, format!("{mount}/api/login/"))
    };
    let body = text_plain_login(corslab::attacker::ACCOUNT, &lab.attacker_password().await);
    let r = form("/s/csrf-json-as-text-plain", "text/plain", body.clone()).send(&lab).await;
    assert_eq!((r.status, &r.body["username"]), (StatusCode::OK, &json!("mallory")), "{}", r.body);
    let session = cookie_value(&r.headers, "sessionid").expect("a session for the form's browser");
    assert_eq!(whoami(&lab, "/s/csrf-json-as-text-plain", &session).await.as_deref(), Some("mallory"));
    // What is not read as JSON is still checked.
    let urlencoded = form("/s/csrf-json-as-text-plain", "application/x-www-form-urlencoded", "username=mallory".into()).send(&lab).await;
    assert_eq!(urlencoded.reason(), bad_origin(&lab.cross_site_attacker));

    let r = form("", "text/plain", body).send(&lab).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.reason(), bad_origin(&lab.cross_site_attacker));
    assert_eq!(cookie_value(&r.headers, "sessionid"), None);
}
