//! The API of SPEC §2 over real HTTP: one test per behaviour a client would notice.

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use corslab::jwt::{JwtKeys, TokenType};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::*;

const EXPOSE: &str = "Access-Control-Allow-Origin, Access-Control-Allow-Methods, Access-Control-Allow-Headers, Access-Control-Allow-Credentials, Access-Control-Max-Age";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("")
    }
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Reply { status, headers, body }
}

/// A request as the lab page would send it: from the page origin.
fn from_page(lab: &TestLab, method: Method, path: &str) -> reqwest::RequestBuilder {
    client().request(method, lab.url(path)).header("origin", &lab.page_origin)
}

fn cookies(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// `GET /api/csrf/`: the cookie secret and a masked token.
async fn csrf_pair(lab: &TestLab) -> (String, String) {
    let r = send(from_page(lab, Method::GET, "/api/csrf/")).await;
    assert_eq!(r.status, 200);
    let secret = cookie_value(&r.headers, "csrftoken").expect("csrftoken cookie");
    (secret, r.body["csrfToken"].as_str().unwrap().to_owned())
}

struct LoggedIn {
    session: String,
    csrf_secret: String,
    csrf_token: String,
}

async fn login_as(lab: &TestLab, username: &str, password: &str, session: Option<&str>) -> (Reply, Option<LoggedIn>) {
    let (secret, token) = csrf_pair(lab).await;
    let mut jar = vec![("csrftoken", secret.as_str())];
    if let Some(s) = session {
        jar.push(("sessionid", s));
    }
    let r = send(
        from_page(lab, Method::POST, "/api/login/")
            .header("cookie", cookies(&jar))
            .header("x-csrftoken", &token)
            .json(&json!({"username": username, "password": password})),
    )
    .await;
    let logged_in = (r.status == 200).then(|| LoggedIn {
        session: cookie_value(&r.headers, "sessionid").unwrap(),
        csrf_secret: cookie_value(&r.headers, "csrftoken").unwrap(),
        csrf_token: r.body["csrfToken"].as_str().unwrap().to_owned(),
    });
    (r, logged_in)
}

async fn login(lab: &TestLab) -> LoggedIn {
    login_as(lab, "demo", "demo-password", None).await.1.expect("demo login works")
}

fn assert_cors_allowed(r: &Reply, lab: &TestLab) {
    assert_eq!(r.header("access-control-allow-origin"), Some(lab.page_origin.as_str()));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-expose-headers"), Some(EXPOSE));
}

fn assert_no_cors(r: &Reply) {
    let cors: Vec<_> = r.headers.keys().filter(|k| k.as_str().starts_with("access-control-")).collect();
    assert!(cors.is_empty(), "unexpected CORS headers {cors:?}");
}

/// `sessionid=…; expires=<date>; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`, with a
/// real date about two weeks ahead.
fn assert_cookie_attributes(set_cookie: &str, name: &str, rest: &str, max_age: u64) {
    let (head, tail) = set_cookie.split_once("; expires=").expect("expires attribute");
    assert!(head.starts_with(&format!("{name}=")), "{set_cookie}");
    let (date, attrs) = tail.split_once("; ").unwrap();
    assert_eq!(attrs, rest, "{set_cookie}");
    let expires = httpdate::parse_http_date(date).expect("HTTP date");
    let ahead = expires.duration_since(std::time::SystemTime::now()).unwrap().as_secs();
    assert!(ahead.abs_diff(max_age) < 5, "expires {date} is not now + {max_age}s");
}

const DELETED_SESSION: &str = "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax";

// ---- 1. hello -------------------------------------------------------------------------

#[tokio::test]
async fn hello_answers_json_with_cors_headers_for_the_page() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::GET, "/api/hello/")).await;
    assert_eq!(r.status, 200);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("vary"), Some("origin"));
    assert_cors_allowed(&r, &lab);
    assert_eq!(r.header("access-control-allow-methods"), None, "only OPTIONS responses list methods");
    assert!(set_cookies(&r.headers).is_empty());
}

#[tokio::test]
async fn a_disallowed_origin_is_processed_but_gets_no_cors_headers() {
    let lab = TestLab::start().await;
    let r = send(client().get(lab.url("/api/hello/")).header("origin", "http://127.0.0.1:8002")).await;
    assert_eq!(r.status, 200, "the server answers; only the browser blocks the read");
    assert_eq!(r.header("vary"), Some("origin"));
    assert_no_cors(&r);
    // A CSRF-exempt POST from that origin really runs: CORS is not access control.
    let r = send(
        client()
            .post(lab.url("/api/users/"))
            .header("origin", "http://127.0.0.1:8002")
            .json(&json!({"username": "made-by-evil"})),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_no_cors(&r);
    let list = send(client().get(lab.url("/api/users/"))).await;
    assert!(list.body.as_array().unwrap().iter().any(|u| u["username"] == "made-by-evil"));
}

#[tokio::test]
async fn without_origin_only_vary_is_added() {
    let lab = TestLab::start().await;
    let r = send(client().get(lab.url("/api/hello/"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("vary"), Some("origin"));
    assert_no_cors(&r);
}

#[tokio::test]
async fn origin_matching_is_exact() {
    let lab = TestLab::start().await;
    let port = lab.page_addr.port();
    for origin in [format!("http://127.0.0.1:{port}"), format!("{}/", lab.page_origin), "null".into()] {
        let r = send(client().get(lab.url("/api/hello/")).header("origin", origin.as_str())).await;
        assert_no_cors(&r);
    }
}

// ---- preflight ------------------------------------------------------------------------

#[tokio::test]
async fn two_origin_lines_are_one_value_as_behind_wsgi_so_neither_is_trusted() {
    let lab = TestLab::start().await;
    let two = |req: reqwest::RequestBuilder| req.header("origin", &lab.page_origin).header("origin", "https://evil.example");
    let r = send(two(client().get(lab.url("/api/hello/")))).await;
    assert_eq!(r.status, 200);
    assert_no_cors(&r);

    let (secret, token) = csrf_pair(&lab).await;
    let r = send(
        two(client().post(lab.url("/api/login/")))
            .header("cookie", format!("csrftoken={secret}"))
            .header("x-csrftoken", &token)
            .json(&json!({"username": "demo", "password": "demo-password"})),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "csrf_failed"));
    assert_eq!(
        r.reason(),
        format!("Origin checking failed - {},https://evil.example does not match any trusted origins.", lab.page_origin)
    );
}

#[tokio::test]
async fn a_preflight_is_answered_before_routing_auth_and_csrf() {
    let lab = TestLab::start().await;
    for path in ["/api/users/", "/api/login/", "/api/protected/", "/api/no-such-endpoint/"] {
        let r = send(
            from_page(&lab, Method::OPTIONS, path)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,x-csrftoken"),
        )
        .await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, Value::Null, "empty body");
        assert_eq!(r.header("content-length"), Some("0"));
        assert_cors_allowed(&r, &lab);
        assert_eq!(r.header("access-control-allow-methods"), Some("DELETE, GET, OPTIONS, PATCH, POST, PUT"));
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with")
        );
        assert_eq!(r.header("access-control-max-age"), Some("86400"));
        assert_eq!(r.header("vary"), Some("origin"));
        assert!(set_cookies(&r.headers).is_empty(), "no cookies on a preflight");
    }
}

#[tokio::test]
async fn a_preflight_ignores_and_sets_no_cookies() {
    let lab = TestLab::start().await;
    let r = send(
        from_page(&lab, Method::OPTIONS, "/api/session-data/")
            .header("access-control-request-method", "GET")
            .header("cookie", "sessionid=bogusbogusbogusbogusbogusbogus12; csrftoken=short"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(set_cookies(&r.headers).is_empty());
    assert_eq!(r.header("vary"), Some("origin"));
}

#[tokio::test]
async fn a_preflight_from_a_disallowed_origin_gets_200_without_allow_headers() {
    let lab = TestLab::start().await;
    let r = send(
        client()
            .request(Method::OPTIONS, lab.url("/api/users/"))
            .header("origin", "http://evil.test")
            .header("access-control-request-method", "POST"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_no_cors(&r);
}

#[tokio::test]
async fn options_without_request_method_is_not_a_preflight() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::OPTIONS, "/api/users/")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("allow"), Some("GET, POST, HEAD, OPTIONS"), "the view answered");
    // django-cors-headers adds the preflight lists to every OPTIONS response.
    assert_eq!(r.header("access-control-allow-methods"), Some("DELETE, GET, OPTIONS, PATCH, POST, PUT"));
    let r = send(from_page(&lab, Method::OPTIONS, "/api/no-such-endpoint/")).await;
    assert_eq!(r.status, 404, "routed, so an unknown path is 404");
    assert_eq!(r.code(), "not_found");
    assert_cors_allowed(&r, &lab);
}

#[tokio::test]
async fn the_without_cors_mount_sends_no_cors_headers_at_all() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::GET, "/without-cors/api/hello/")).await;
    assert_eq!(r.status, 200);
    assert!(r.body["message"].is_string());
    assert_eq!(r.header("vary"), None);
    assert_no_cors(&r);
    let r = send(from_page(&lab, Method::OPTIONS, "/without-cors/api/users/").header("access-control-request-method", "POST")).await;
    assert_eq!(r.status, 200, "the view's own OPTIONS answer");
    assert_eq!(r.header("allow"), Some("GET, POST, HEAD, OPTIONS"));
    assert_no_cors(&r);
    let r = send(from_page(&lab, Method::GET, "/without-cors/api/nope/")).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
}

// ---- 2. users -------------------------------------------------------------------------

#[tokio::test]
async fn users_are_created_and_listed() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "alice", "email": "alice@example.com"}))).await;
    assert_eq!(r.status, 201);
    assert!(r.body["id"].as_i64().unwrap() > 0);
    assert_eq!((r.body["username"].as_str(), r.body["email"].as_str()), (Some("alice"), Some("alice@example.com")));
    assert_cors_allowed(&r, &lab);
    let r = send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "bob"}))).await;
    assert_eq!((r.status.as_u16(), r.body["email"].as_str()), (201, Some("")));
    let list = send(from_page(&lab, Method::GET, "/api/users/")).await;
    let names: Vec<&str> = list.body.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names[..2], ["bob", "alice"], "newest first");
    assert!(names.contains(&"demo"));
    assert!(list.body[0].get("password").is_none(), "no password hashes in the list");
}

#[tokio::test]
async fn user_creation_rejects_bad_input_with_codes() {
    let lab = TestLab::start().await;
    send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "taken"}))).await;
    let cases = [
        (json!({"username": "taken"}), 400, "username_taken"),
        (json!({}), 400, "username_required"),
        (json!({"username": ""}), 400, "username_required"),
        (json!({"username": 42}), 400, "username_required"),
        (json!({"username": "a b"}), 400, "invalid_username"),
        (json!({"username": "x".repeat(151)}), 400, "invalid_username"),
        (json!({"username": "ok1", "email": "not-an-email"}), 400, "invalid_email"),
        (json!({"username": "ok2", "email": ["a@b.c"]}), 400, "invalid_email"),
        (json!(["username", "x"]), 400, "invalid_json"),
        (json!("just a string"), 400, "invalid_json"),
    ];
    for (body, status, code) in cases {
        let r = send(from_page(&lab, Method::POST, "/api/users/").json(&body)).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{body}");
        assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_cors_allowed(&r, &lab);
    }
}

#[tokio::test]
async fn usernames_are_stripped_first_so_only_spaces_is_required() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "   "}))).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "username_required"), "DRF strips, then requires");
    let r = send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": " padded ", "email": " a@example.com "}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!((r.body["username"].as_str(), r.body["email"].as_str()), (Some("padded"), Some("a@example.com")));
}

#[tokio::test]
async fn users_endpoint_is_csrf_exempt() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::POST, "/api/users/").header("cookie", "csrftoken=short").json(&json!({"username": "nocsrf"}))).await;
    assert_eq!(r.status, 201);
}

// ---- bodies ---------------------------------------------------------------------------

#[tokio::test]
async fn malformed_json_and_wrong_media_types_are_clear_errors() {
    let lab = TestLab::start().await;
    let post = || from_page(&lab, Method::POST, "/api/token/");
    let r = send(post().header("content-type", "application/json").body("{\"username\": ")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    assert!(r.body["detail"].as_str().unwrap().starts_with("Invalid JSON: "));
    let r = send(post().header("content-type", "application/json").body("")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    let r = send(post().header("content-type", "application/json").body(vec![0xff, 0xfe, b'{'])).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    let r = send(post().header("content-type", "application/json").body("[".repeat(10_000))).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"), "deep nesting is an error, not a stack overflow");
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = send(post().header("content-type", ct).body("{\"username\":\"demo\",\"password\":\"demo-password\"}")).await;
        assert_eq!((r.status.as_u16(), r.code()), (415, "unsupported_media_type"), "{ct}");
    }
    let r = send(post().body("{}")).await;
    assert_eq!((r.status.as_u16(), r.code()), (415, "unsupported_media_type"), "no content type");
    let r = send(post().header("content-type", "application/json; charset=utf-8").body("{}")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "credentials_required"), "charset parameter is fine");
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413() {
    let lab = TestLab::start().await;
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(64 * 1024 - 15));
    assert_eq!(big.len(), 64 * 1024 + 1);
    let r = send(from_page(&lab, Method::POST, "/api/users/").header("content-type", "application/json").body(big)).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "payload_too_large"));
    assert_cors_allowed(&r, &lab);
    // Exactly at the limit is still read (and then judged on its content).
    let at_limit = format!("{{\"username\": \"{}\"}}", "a".repeat(64 * 1024 - 16));
    assert_eq!(at_limit.len(), 64 * 1024);
    let r = send(from_page(&lab, Method::POST, "/api/users/").header("content-type", "application/json").body(at_limit)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_username"));
}

#[tokio::test]
async fn a_huge_declared_length_is_refused_before_the_body_is_read() {
    let lab = TestLab::start().await;
    let req = b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{";
    let out = raw_exchange(lab.api_addr, req, Duration::from_secs(2)).await;
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("payload_too_large"));
}

#[tokio::test]
async fn a_chunked_body_is_cut_off_at_64_kib() {
    let lab = TestLab::start().await;
    let mut req = b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = vec![b' '; 8192];
    for _ in 0..9 {
        req.extend_from_slice(b"2000\r\n");
        req.extend_from_slice(&chunk);
        req.extend_from_slice(b"\r\n");
    }
    // No terminating chunk: the server must answer without waiting for the rest.
    let out = raw_exchange(lab.api_addr, &req, Duration::from_secs(2)).await;
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
}

#[tokio::test]
async fn a_body_that_never_arrives_times_out_with_408() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.body_read_timeout = Duration::from_millis(300)).await;
    let req = b"POST /api/users/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user";
    let out = raw_exchange(lab.api_addr, req, Duration::from_secs(2)).await;
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("request_timeout"));
}

// ---- limits on the connection ---------------------------------------------------------

#[tokio::test]
async fn oversized_headers_get_431() {
    let lab = TestLab::start().await;
    let r = client().get(lab.url("/api/hello/")).header("x-filler", "a".repeat(20 * 1024)).send().await.unwrap();
    assert_eq!(r.status(), 431);
    let mut req = client().get(lab.url("/api/hello/"));
    for i in 0..120 {
        req = req.header(format!("x-h{i}"), "1");
    }
    assert_eq!(req.send().await.unwrap().status(), 431, "more than 100 headers");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let lab = TestLab::start_with(|_| {}, |c| c.limits.header_read_timeout = Duration::from_millis(300)).await;
    let mut stream = tokio::net::TcpStream::connect(lab.api_addr).await.unwrap();
    use tokio::io::AsyncWriteExt;
    stream.write_all(b"GET /api/hello/ HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let out = read_until_quiet(&mut stream, Duration::from_secs(5)).await;
    assert!(started.elapsed() < Duration::from_secs(3), "closed by the server, not by our patience");
    assert!(!out.contains("200 OK"), "{out}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_instead_of_being_served() {
    let lab = TestLab::start_with(|s| s.max_connections = Some(1), |_| {}).await;
    let mut first = tokio::net::TcpStream::connect(lab.api_addr).await.unwrap();
    use tokio::io::AsyncWriteExt;
    first.write_all(b"GET /api/hello/ HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_until_quiet(&mut first, Duration::from_millis(500)).await.starts_with("HTTP/1.1 200"));
    // The first connection stays open (keep-alive), so the second is not served yet…
    let mut second = tokio::net::TcpStream::connect(lab.api_addr).await.unwrap();
    second.write_all(b"GET /api/hello/ HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert_eq!(read_until_quiet(&mut second, Duration::from_millis(500)).await, "");
    // …until the first one closes.
    drop(first);
    assert!(read_until_quiet(&mut second, Duration::from_secs(2)).await.starts_with("HTTP/1.1 200"));
}

// ---- unknown paths and methods --------------------------------------------------------

#[tokio::test]
async fn unknown_paths_are_json_404s_with_a_trailing_slash_hint() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::GET, "/api/nope/")).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    assert_eq!(r.body["detail"], "Not found.");
    assert_cors_allowed(&r, &lab);
    let r = send(from_page(&lab, Method::POST, "/api/login")).await;
    assert_eq!(r.status, 404);
    assert!(r.body["detail"].as_str().unwrap().contains("/api/login/"));
    let r = send(client().get(lab.url("/%ff%00/../../etc/passwd"))).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_api_root_points_to_the_page() {
    let lab = TestLab::start().await;
    let r = send(client().get(lab.url("/"))).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("{}/", lab.page_origin)) && detail.contains("/api/hello/"), "{detail}");
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let lab = TestLab::start().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/hello/", "GET, HEAD, OPTIONS"),
        (Method::GET, "/api/login/", "POST, OPTIONS"),
        (Method::PUT, "/api/users/", "GET, POST, HEAD, OPTIONS"),
        (Method::GET, "/api/token/", "POST, OPTIONS"),
        (Method::PATCH, "/api/logout/", "POST, OPTIONS"),
    ] {
        let r = send(from_page(&lab, method.clone(), path)).await;
        assert_eq!((r.status.as_u16(), r.code()), (405, "method_not_allowed"), "{method} {path}");
        assert_eq!(r.header("allow"), Some(allow));
        assert_eq!(r.body["detail"], format!("Method \"{method}\" not allowed."));
        assert_cors_allowed(&r, &lab);
    }
}

// ---- 3. JWT ---------------------------------------------------------------------------

async fn tokens(lab: &TestLab) -> (String, String) {
    let r = send(from_page(lab, Method::POST, "/api/token/").json(&json!({"username": "demo", "password": "demo-password"}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (r.body["access"].as_str().unwrap().to_owned(), r.body["refresh"].as_str().unwrap().to_owned())
}

fn bearer(lab: &TestLab, token: &str) -> reqwest::RequestBuilder {
    from_page(lab, Method::GET, "/api/protected/").header("authorization", format!("Bearer {token}"))
}

#[tokio::test]
async fn token_issues_an_access_and_refresh_pair() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::POST, "/api/token/").json(&json!({"username": "demo", "password": "demo-password"}))).await;
    assert_eq!(r.status, 200);
    assert_eq!((r.body["token_type"].as_str(), r.body["expires_in"].as_u64()), (Some("Bearer"), Some(300)));
    assert!(set_cookies(&r.headers).is_empty(), "tokens, not cookies");
    let access = r.body["access"].as_str().unwrap();
    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!((claims["token_type"].as_str(), claims["username"].as_str()), (Some("access"), Some("demo")));
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 300);
    let refresh: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD.decode(r.body["refresh"].as_str().unwrap().split('.').nth(1).unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(refresh["exp"].as_u64().unwrap() - refresh["iat"].as_u64().unwrap(), 86_400);
}

#[tokio::test]
async fn token_refuses_wrong_or_missing_credentials() {
    let lab = TestLab::start().await;
    for (body, status, code) in [
        (json!({"username": "demo", "password": "nope"}), 401, "invalid_credentials"),
        (json!({"username": "nobody", "password": "demo-password"}), 401, "invalid_credentials"),
        (json!({"username": "demo"}), 400, "credentials_required"),
        (json!({"username": "demo", "password": ""}), 400, "credentials_required"),
        (json!({"username": "demo", "password": 123}), 400, "credentials_required"),
        (json!({"username": "x".repeat(10_000), "password": "p"}), 401, "invalid_credentials"),
    ] {
        let r = send(from_page(&lab, Method::POST, "/api/token/").json(&body)).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code));
        assert!(set_cookies(&r.headers).is_empty());
    }
}

#[tokio::test]
async fn protected_returns_the_user_and_claims_for_a_valid_bearer() {
    let lab = TestLab::start().await;
    let (access, _) = tokens(&lab).await;
    let r = send(bearer(&lab, &access)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["user"]["username"], "demo");
    assert_eq!(r.body["user"]["id"], r.body["claims"]["user_id"]);
    assert_eq!(r.body["claims"]["token_type"], "access");
    assert_cors_allowed(&r, &lab);
    let r = send(from_page(&lab, Method::GET, "/api/protected/").header("authorization", format!("bearer {access}"))).await;
    assert_eq!(r.status, 200, "scheme is case-insensitive");
}

#[tokio::test]
async fn every_jwt_failure_has_its_code_and_a_bearer_challenge() {
    let lab = TestLab::start().await;
    let (access, refresh) = tokens(&lab).await;
    let keys = JwtKeys::new(JWT_SECRET.as_bytes());
    let now = corslab::unix_now();
    let expired = keys.issue(1, "demo", TokenType::Access, now - 301);
    let parts: Vec<&str> = access.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["username"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    let alg_none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let hs512 = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#), parts[1], parts[2]);
    let other_key = JwtKeys::new(&[b'k'; 32]).issue(1, "demo", TokenType::Access, now);

    let no_header = send(from_page(&lab, Method::GET, "/api/protected/")).await;
    let basic = send(from_page(&lab, Method::GET, "/api/protected/").header("authorization", "Basic ZGVtbzpkZW1v")).await;
    let bare = send(from_page(&lab, Method::GET, "/api/protected/").header("authorization", "Bearer")).await;
    let cases = [
        (no_header, "not_authenticated"),
        (basic, "bad_authorization_header"),
        (bare, "bad_authorization_header"),
        (send(bearer(&lab, &expired)).await, "token_expired"),
        (send(bearer(&lab, &tampered)).await, "token_invalid"),
        (send(bearer(&lab, &alg_none)).await, "token_invalid"),
        (send(bearer(&lab, &hs512)).await, "token_invalid"),
        (send(bearer(&lab, &other_key)).await, "token_invalid"),
        (send(bearer(&lab, &refresh)).await, "token_invalid"),
        (send(bearer(&lab, "not.a.jwt")).await, "token_invalid"),
        // Bearer-shaped, just not text: simplejwt calls that an invalid token too.
        (send(from_page(&lab, Method::GET, "/api/protected/").header("authorization", reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe.\xe9").unwrap())).await, "token_invalid"),
    ];
    for (r, code) in cases {
        assert_eq!((r.status.as_u16(), r.code()), (401, code), "{:?}", r.body);
        assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"api\""));
        assert_cors_allowed(&r, &lab);
    }
}

#[tokio::test]
async fn refresh_gives_a_new_access_token_and_refuses_the_rest() {
    let lab = TestLab::start().await;
    let (access, refresh) = tokens(&lab).await;
    let r = send(from_page(&lab, Method::POST, "/api/token/refresh/").json(&json!({"refresh": refresh}))).await;
    assert_eq!(r.status, 200);
    let new_access = r.body["access"].as_str().unwrap();
    assert_eq!(send(bearer(&lab, new_access)).await.status, 200);

    let expired = JwtKeys::new(JWT_SECRET.as_bytes()).issue(1, "demo", TokenType::Refresh, corslab::unix_now() - 86_401);
    for (body, status, code) in [
        (json!({"refresh": access}), 401, "token_invalid"),
        (json!({"refresh": expired}), 401, "token_expired"),
        (json!({"refresh": "garbage"}), 401, "token_invalid"),
        (json!({}), 400, "credentials_required"),
        (json!({"refresh": 5}), 400, "credentials_required"),
    ] {
        let r = send(from_page(&lab, Method::POST, "/api/token/refresh/").json(&body)).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{body}");
    }
}

// ---- 5. CSRF token --------------------------------------------------------------------

#[tokio::test]
async fn csrf_endpoint_sets_the_secret_cookie_and_returns_a_masked_token() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::GET, "/api/csrf/")).await;
    assert_eq!(r.status, 200);
    let token = r.body["csrfToken"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    let set = set_cookies(&r.headers);
    assert_eq!(set.len(), 1);
    assert_cookie_attributes(&set[0], "csrftoken", "Max-Age=31449600; Path=/; SameSite=Lax", 31_449_600);
    let secret = cookie_value(&r.headers, "csrftoken").unwrap();
    assert_eq!(secret.len(), 32);
    assert_eq!(unmask(token), secret);
    assert_eq!(r.header("vary"), Some("Cookie, origin"));
    assert_cors_allowed(&r, &lab);

    // With the cookie, the secret stays and the mask changes.
    let r2 = send(from_page(&lab, Method::GET, "/api/csrf/").header("cookie", format!("csrftoken={secret}"))).await;
    let token2 = r2.body["csrfToken"].as_str().unwrap();
    assert_ne!(token2, token);
    assert_eq!(unmask(token2), secret);
    assert_eq!(cookie_value(&r2.headers, "csrftoken").unwrap(), secret, "re-sent to renew its expiry");
    // A malformed cookie is replaced.
    let r3 = send(from_page(&lab, Method::GET, "/api/csrf/").header("cookie", "csrftoken=bad!")).await;
    let fresh = cookie_value(&r3.headers, "csrftoken").unwrap();
    assert_eq!(fresh.len(), 32);
    assert_eq!(unmask(r3.body["csrfToken"].as_str().unwrap()), fresh);
}

/// Django's `_unmask_cipher_token`, written independently of the server's code.
fn unmask(token: &str) -> String {
    let chars: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".chars().collect();
    let idx = |c: char| chars.iter().position(|&x| x == c).unwrap() as i64;
    let (mask, cipher) = token.split_at(32);
    cipher
        .chars()
        .zip(mask.chars())
        .map(|(c, m)| chars[(idx(c) - idx(m)).rem_euclid(62) as usize])
        .collect()
}

// ---- 6. login and every CSRF reason ---------------------------------------------------

#[tokio::test]
async fn login_sets_a_session_and_rotates_the_csrf_secret() {
    let lab = TestLab::start().await;
    let (secret, token) = csrf_pair(&lab).await;
    let r = send(
        from_page(&lab, Method::POST, "/api/login/")
            .header("cookie", format!("csrftoken={secret}"))
            .header("x-csrftoken", &token)
            .json(&json!({"username": "demo", "password": "demo-password"})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["username"], "demo");
    let set = set_cookies(&r.headers);
    assert_eq!(set.len(), 2, "{set:?}");
    assert_cookie_attributes(&set[0], "csrftoken", "Max-Age=31449600; Path=/; SameSite=Lax", 31_449_600);
    assert_cookie_attributes(&set[1], "sessionid", "HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax", 1_209_600);
    let new_secret = cookie_value(&r.headers, "csrftoken").unwrap();
    assert_ne!(new_secret, secret, "rotated");
    assert_eq!(unmask(r.body["csrfToken"].as_str().unwrap()), new_secret, "login returns a token for the new secret");
    let key = cookie_value(&r.headers, "sessionid").unwrap();
    assert!(key.len() == 32 && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{key}");
    assert_eq!(r.header("vary"), Some("Cookie, origin"));
    assert_cors_allowed(&r, &lab);
}

#[tokio::test]
async fn the_token_from_before_login_fails_after_it() {
    let lab = TestLab::start().await;
    let (secret, old_token) = csrf_pair(&lab).await;
    let r = send(
        from_page(&lab, Method::POST, "/api/login/")
            .header("cookie", format!("csrftoken={secret}"))
            .header("x-csrftoken", &old_token)
            .json(&json!({"username": "demo", "password": "demo-password"})),
    )
    .await;
    let session = cookie_value(&r.headers, "sessionid").unwrap();
    let new_secret = cookie_value(&r.headers, "csrftoken").unwrap();
    let new_token = r.body["csrfToken"].as_str().unwrap().to_owned();
    let jar = cookies(&[("csrftoken", &new_secret), ("sessionid", &session)]);
    let stale = send(from_page(&lab, Method::POST, "/api/logout/").header("cookie", &jar).header("x-csrftoken", &old_token)).await;
    assert_eq!((stale.status.as_u16(), stale.code()), (403, "csrf_failed"));
    assert_eq!(stale.reason(), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.");
    assert_eq!(stale.body["detail"], "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect.");
    let fresh = send(from_page(&lab, Method::POST, "/api/logout/").header("cookie", &jar).header("x-csrftoken", &new_token)).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.body["was_authenticated"], true);
}

#[tokio::test]
async fn every_csrf_reason_in_djangos_order() {
    let lab = TestLab::start().await;
    let (secret, token) = csrf_pair(&lab).await;
    let good_cookie = format!("csrftoken={secret}");
    let body = json!({"username": "demo", "password": "demo-password"});
    let login = |origin: Option<&str>, cookie: Option<&str>, header: Option<&[u8]>| {
        let mut req = client().post(lab.url("/api/login/")).json(&body);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c.to_owned());
        }
        if let Some(h) = header {
            req = req.header("x-csrftoken", reqwest::header::HeaderValue::from_bytes(h).unwrap());
        }
        send(req)
    };
    let page = Some(lab.page_origin.as_str());
    let evil = "http://127.0.0.1:1";
    let cases: Vec<(Reply, String)> = vec![
        (
            login(Some(evil), Some(&good_cookie), Some(token.as_bytes())).await,
            format!("Origin checking failed - {evil} does not match any trusted origins."),
        ),
        (login(page, None, Some(token.as_bytes())).await, "CSRF cookie not set.".into()),
        (login(page, Some("csrftoken=abc"), Some(token.as_bytes())).await, "CSRF cookie has incorrect length.".into()),
        (
            login(page, Some(&format!("csrftoken={}", "-".repeat(32))), Some(token.as_bytes())).await,
            "CSRF cookie has invalid characters.".into(),
        ),
        (login(page, Some(&good_cookie), None).await, "CSRF token missing.".into()),
        (
            login(page, Some(&good_cookie), Some(b"short")).await,
            "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.".into(),
        ),
        (
            login(page, Some(&good_cookie), Some(&[0xe9; 64])).await,
            "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.".into(),
        ),
        (
            login(page, Some(&good_cookie), Some("A".repeat(64).as_bytes())).await,
            "CSRF token from the 'X-Csrftoken' HTTP header incorrect.".into(),
        ),
    ];
    for (r, reason) in cases {
        assert_eq!((r.status.as_u16(), r.code()), (403, "csrf_failed"), "{reason}");
        assert_eq!(r.reason(), reason);
        assert_eq!(r.body["detail"], format!("CSRF Failed: {reason}"));
        assert!(set_cookies(&r.headers).is_empty(), "a refused login sets no cookie");
    }
    // The raw secret is accepted in place of a masked token, and no Origin is fine over http.
    let r = login(None, Some(&good_cookie), Some(secret.as_bytes())).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn over_https_a_request_without_origin_needs_a_trusted_referer() {
    let lab = TestLab::start_with(
        |s| {
            s.api_origin = Some("https://api.example.test".into());
            s.csrf_trusted_origins = Some(vec!["https://www.example.test".into()]);
        },
        |_| {},
    )
    .await;
    let (secret, token) = csrf_pair(&lab).await;
    let login = |referer: Option<&'static str>| {
        let mut req = client()
            .post(lab.url("/api/login/"))
            .header("cookie", format!("csrftoken={secret}"))
            .header("x-csrftoken", &token)
            .json(&json!({"username": "demo", "password": "demo-password"}));
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        send(req)
    };
    for (referer, reason) in [
        (None, "Referer checking failed - no Referer."),
        (Some("garbage"), "Referer checking failed - Referer is malformed."),
        (Some("http://www.example.test/"), "Referer checking failed - Referer is insecure while host is secure."),
        (Some("https://evil.test/x"), "Referer checking failed - https://evil.test/x does not match any trusted origins."),
    ] {
        let r = login(referer).await;
        assert_eq!((r.status.as_u16(), r.reason()), (403, reason));
    }
    assert_eq!(login(Some("https://www.example.test/app")).await.status, 200);
}

#[tokio::test]
async fn a_failed_login_sets_no_cookie() {
    let lab = TestLab::start().await;
    let (r, logged_in) = login_as(&lab, "demo", "wrong-password", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "invalid_credentials"));
    assert!(logged_in.is_none());
    assert!(set_cookies(&r.headers).is_empty());
}

#[tokio::test]
async fn a_session_id_from_before_login_does_not_survive_it() {
    let lab = TestLab::start().await;
    // The attacker logs in to their own account and plants that session id in the victim's
    // browser; the victim then logs in.
    send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "attacker"}))).await;
    let attacker = login(&lab).await.session;
    let (r, victim) = login_as(&lab, "demo", "demo-password", Some(&attacker)).await;
    assert_eq!(r.status, 200);
    let victim = victim.unwrap().session;
    assert_ne!(victim, attacker, "login issued a new key");
    let planted = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={attacker}"))).await;
    assert_eq!(planted.status, 401, "the planted key no longer opens any session");
    // An invented key is not adopted either.
    let invented = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let (_, li) = login_as(&lab, "demo", "demo-password", Some(invented)).await;
    assert_ne!(li.unwrap().session, invented);
}

// ---- 7. session data ------------------------------------------------------------------

#[tokio::test]
async fn session_data_reports_the_logged_in_user() {
    let lab = TestLab::start().await;
    let li = login(&lab).await;
    let r = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["username"], "demo");
    assert!(r.body["user_id"].as_i64().unwrap() > 0);
    assert_eq!(r.header("vary"), Some("Cookie, origin"));
    assert_cors_allowed(&r, &lab);
}

#[tokio::test]
async fn session_data_without_a_session_is_401() {
    let lab = TestLab::start().await;
    let r = send(from_page(&lab, Method::GET, "/api/session-data/")).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "not_authenticated"));
    assert!(set_cookies(&r.headers).is_empty(), "no cookie to delete");
    assert_eq!(r.header("www-authenticate"), None, "cookie auth has no challenge scheme");
    let r = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", "sessionid=nosuchsessionnosuchsession000000")).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "not_authenticated"));
    assert_eq!(set_cookies(&r.headers), [DELETED_SESSION]);
}

#[tokio::test]
async fn an_expired_session_is_401_and_deleted_from_the_browser() {
    let lab = TestLab::start().await;
    let li = login(&lab).await;
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", lab.db_path.display())).await.unwrap();
    sqlx::query("UPDATE sessions SET expire_date = 1 WHERE session_key = ?").bind(&li.session).execute(&db).await.unwrap();
    let r = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "not_authenticated"));
    assert_eq!(set_cookies(&r.headers), [DELETED_SESSION]);
}

#[tokio::test]
async fn session_data_post_is_csrf_checked() {
    let lab = TestLab::start().await;
    let li = login(&lab).await;
    let jar = cookies(&[("sessionid", &li.session), ("csrftoken", &li.csrf_secret)]);
    let r = send(from_page(&lab, Method::POST, "/api/session-data/").header("cookie", &jar)).await;
    assert_eq!((r.status.as_u16(), r.reason()), (403, "CSRF token missing."));
    let r = send(from_page(&lab, Method::POST, "/api/session-data/").header("cookie", &jar).header("x-csrftoken", &li.csrf_token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["username"], "demo");
}

// ---- 8. logout ------------------------------------------------------------------------

#[tokio::test]
async fn logout_deletes_the_session_and_a_replayed_id_is_useless() {
    let lab = TestLab::start().await;
    let li = login(&lab).await;
    let jar = cookies(&[("sessionid", &li.session), ("csrftoken", &li.csrf_secret)]);
    let logout = || send(from_page(&lab, Method::POST, "/api/logout/").header("cookie", &jar).header("x-csrftoken", &li.csrf_token));
    let before = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!(before.status, 200);
    let r = logout().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"was_authenticated": true}));
    assert_eq!(set_cookies(&r.headers), [DELETED_SESSION]);
    assert_eq!(r.header("vary"), Some("Cookie, origin"));
    // Replaying the old cookie: the row is gone.
    let replay = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!(replay.status, 401);
    // Logging out twice is fine.
    let r = logout().await;
    assert_eq!((r.status.as_u16(), &r.body), (200, &json!({"was_authenticated": false})));
}

#[tokio::test]
async fn logout_without_a_session_cookie_is_fine_and_sets_nothing() {
    let lab = TestLab::start().await;
    let (secret, token) = csrf_pair(&lab).await;
    let r = send(from_page(&lab, Method::POST, "/api/logout/").header("cookie", format!("csrftoken={secret}")).header("x-csrftoken", token)).await;
    assert_eq!((r.status.as_u16(), &r.body), (200, &json!({"was_authenticated": false})));
    assert!(set_cookies(&r.headers).is_empty());
}

#[tokio::test]
async fn logout_is_csrf_checked() {
    let lab = TestLab::start().await;
    let li = login(&lab).await;
    let r = send(from_page(&lab, Method::POST, "/api/logout/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!((r.status.as_u16(), r.reason()), (403, "CSRF cookie not set."));
    let still = send(from_page(&lab, Method::GET, "/api/session-data/").header("cookie", format!("sessionid={}", li.session))).await;
    assert_eq!(still.status, 200, "a forged logout did nothing");
}

// ---- rate limits ----------------------------------------------------------------------

#[tokio::test]
async fn login_and_token_are_rate_limited_per_address() {
    let lab = TestLab::start_with(|s| s.login_rate_per_minute = Some(3), |_| {}).await;
    let body = json!({"username": "demo", "password": "demo-password"});
    for _ in 0..2 {
        assert_eq!(send(from_page(&lab, Method::POST, "/api/token/").json(&body)).await.status, 200);
    }
    let (r, _) = login_as(&lab, "demo", "demo-password", None).await;
    assert_eq!(r.status, 200, "login shares the budget");
    let r = send(from_page(&lab, Method::POST, "/api/token/").json(&body)).await;
    assert_eq!((r.status.as_u16(), r.code()), (429, "rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_cors_allowed(&r, &lab);
}

#[tokio::test]
async fn failed_logins_are_limited_per_username() {
    let lab = TestLab::start_with(|s| s.login_failures_per_username = Some(2), |_| {}).await;
    let wrong = json!({"username": "demo", "password": "wrong"});
    for _ in 0..2 {
        assert_eq!(send(from_page(&lab, Method::POST, "/api/token/").json(&wrong)).await.status, 401);
    }
    let right = json!({"username": "demo", "password": "demo-password"});
    let r = send(from_page(&lab, Method::POST, "/api/token/").json(&right)).await;
    assert_eq!((r.status.as_u16(), r.code()), (429, "rate_limited"), "locked even with the right password");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() > 60);
    send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "other"}))).await;
    let other = send(from_page(&lab, Method::POST, "/api/token/").json(&json!({"username": "other", "password": "x"}))).await;
    assert_eq!(other.status, 401, "other usernames are unaffected");
}

#[tokio::test]
async fn user_creation_is_rate_limited_per_address() {
    let lab = TestLab::start_with(|s| s.users_rate_per_minute = Some(2), |_| {}).await;
    for name in ["u1", "u2"] {
        assert_eq!(send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": name}))).await.status, 201);
    }
    let r = send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "u3"}))).await;
    assert_eq!((r.status.as_u16(), r.code()), (429, "rate_limited"));
    assert!(r.header("retry-after").is_some());
}

// ---- lifecycle ------------------------------------------------------------------------

#[tokio::test]
async fn data_survives_a_restart_and_the_demo_account_can_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let d1 = data.clone();
    let lab = TestLab::start_with(move |s| s.data_dir = Some(d1), |_| {}).await;
    send(from_page(&lab, Method::POST, "/api/users/").json(&json!({"username": "persisted"}))).await;
    lab.shutdown().await;
    let lab = TestLab::start_with(move |s| { s.data_dir = Some(data); s.demo = Some(false); }, |_| {}).await;
    let list = send(from_page(&lab, Method::GET, "/api/users/")).await;
    assert!(list.body.as_array().unwrap().iter().any(|u| u["username"] == "persisted"));
    let fresh = TestLab::start_with(|s| s.demo = Some(false), |_| {}).await;
    let r = send(from_page(&fresh, Method::POST, "/api/token/").json(&json!({"username": "demo", "password": "demo-password"}))).await;
    assert_eq!(r.status, 401, "no demo account");
}

#[tokio::test]
async fn the_page_is_served_with_the_api_origin_and_a_strict_csp() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let r = client().get(format!("{page}/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("connect-src 'self' {}", lab.api_origin)), "{csp}");
    assert!(csp.contains("script-src 'self'"));
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("content=\"{}\"", lab.api_origin)));
    assert!(!html.contains("{{API_ORIGIN}}"));
    assert!(html.contains(r#"<script type="module" src="/js/main.js">"#));
    for (asset, kind) in [("/js/main.js", "text/javascript"), ("/js/messages.js", "text/javascript"), ("/style.css", "text/css")] {
        let r = client().get(format!("{page}{asset}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(kind), "modules run only as JavaScript: {asset}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    assert_eq!(client().get(format!("{page}/nope")).send().await.unwrap().status(), 404);
    assert_eq!(client().get(format!("{page}/js/nope.js")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_page_origin_answers_with_the_servers_own_rules() {
    let lab = TestLab::start().await;
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let get = |path: String| {
        let url = format!("{page}{path}");
        async move {
            let r = client().get(url).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, origins) = get(format!("/origins.json?page={}", lab.page_origin)).await;
    assert_eq!((status, &origins["relation"], &origins["cors"]["allowed"], &origins["fix"]), (200, &json!("same_site"), &json!(true), &Value::Null));
    let (status, origins) = get("/origins.json?page=http://127.0.0.1:8000".into()).await;
    assert_eq!((status, &origins["relation"], &origins["cors"]["allowed"]), (200, &json!("cross_site"), &json!(false)));
    assert_eq!(origins["fix"]["open"], format!("{}/", lab.page_origin));
    let (status, refused) = get("/origins.json?page=127.0.0.1:8000".into()).await;
    assert_eq!((status, &refused["code"]), (400, &json!("invalid_query")), "{refused}");

    let (status, table) = get("/endpoints.json".into()).await;
    assert_eq!(status, 200);
    let protected = table["endpoints"].as_array().unwrap().iter().find(|e| e["path"] == "/api/protected/").unwrap();
    assert_eq!((&protected["methods"], &protected["auth"]), (&json!(["GET", "HEAD", "OPTIONS"]), &json!("bearer")));
    assert_eq!(table["aliases"], json!(["/without-cors"]));

    let explain = |body: String| {
        let url = format!("{page}/csrf/explain");
        async move { client().post(url).body(body).send().await.unwrap() }
    };
    let (cookie, token) = csrf_pair(&lab).await;
    let answer: Value = explain(json!({"token": token, "cookie": cookie}).to_string()).await.json().await.unwrap();
    assert_eq!((&answer["mask"], &answer["secret"], &answer["check"]["passes"]), (&json!(token[..32]), &json!(cookie), &json!(true)));
    assert_eq!(explain("{".into()).await.status(), 400);
    assert_eq!(explain("x".repeat(5000)).await.status(), 413);
}
