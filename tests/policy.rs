//! The policy editor over HTTP (SPEC §7): a visitor's answer is theirs alone, sent at the
//! editor's mount only, through the CORS layer; hostile policies get a clear JSON 4xx; and
//! ten thousand policies from one client leave the store and the process's memory bounded.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{TestLab, client, get_json};

const VISITOR: &str = "visitor-editor";

fn page(lab: &TestLab, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", lab.page_addr.port())
}

async fn put_policy(page_url: &str, visitor: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let res = client()
        .put(format!("{page_url}/policy?lab={visitor}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

/// A request as Chromium sends it from the lab page, tagged for `visitor`.
fn from_page(lab: &TestLab, method: Method, path: &str, visitor: &str) -> reqwest::RequestBuilder {
    client().request(method, lab.url(&format!("{path}?lab={visitor}.same-origin"))).header("origin", &lab.page_origin).header("sec-fetch-mode", "cors")
}

fn lines(res: &reqwest::Response, name: &str) -> Vec<String> {
    res.headers().get_all(name).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_visitors_answer_is_sent_to_them_alone_at_the_editors_mount() {
    let lab = TestLab::start().await;
    let policy = json!({
        "preflight": {"status": 204, "allow_origin": {"kind": "star"}, "allow_methods": "GET; PUT", "max_age": "-1"},
        "actual": {"allow_origin": {"kind": "several", "value": ["https://a.test", "https://b.test"]}, "expose_headers": "x-a"},
    });
    let (status, kept) = put_policy(&page(&lab, ""), VISITOR, policy.to_string()).await;
    assert_eq!((status, &kept["policy"]), (200, &policy));

    let res = from_page(&lab, Method::GET, "/play/api/hello/", VISITOR).send().await.unwrap();
    assert_eq!(res.status(), 200, "the endpoint still answers");
    assert_eq!(lines(&res, "access-control-allow-origin"), ["https://a.test", "https://b.test"]);
    assert_eq!(lines(&res, "access-control-expose-headers"), ["x-a"]);
    assert!(res.headers().get("vary").is_none() && res.headers().get("access-control-allow-credentials").is_none(), "only what it says");
    assert!(res.text().await.unwrap().contains("Hello"));

    let pf = from_page(&lab, Method::OPTIONS, "/play/api/users/", VISITOR).header("access-control-request-method", "PUT").send().await.unwrap();
    assert_eq!(pf.status(), 204);
    assert_eq!(lines(&pf, "access-control-allow-origin"), ["*"]);
    assert_eq!(lines(&pf, "access-control-allow-methods"), ["GET; PUT"]);
    assert_eq!(lines(&pf, "access-control-max-age"), ["-1"]);

    // Another visitor, and the default mount, get the article's policy.
    for (path, visitor) in [("/play/api/hello/", "visitor-other"), ("/api/hello/", VISITOR)] {
        let res = from_page(&lab, Method::GET, path, visitor).send().await.unwrap();
        assert_eq!(lines(&res, "access-control-allow-origin"), std::slice::from_ref(&lab.page_origin), "{path} {visitor}");
        assert_eq!(lines(&res, "access-control-allow-credentials"), ["true"]);
    }

    // The log says whose answer decided.
    let log = get_json(&page(&lab, &format!("/exchanges?lab={VISITOR}"))).await;
    let first = &log["exchanges"][0];
    assert_eq!((&first["policy"], &first["origin_check"], &first["url"]), (&json!("play"), &json!("edited"), &json!("/play/api/hello/?lab=visitor-editor.same-origin")));
    assert_eq!(first["browser"]["verdict"]["cors_error"], "MultipleAllowOriginValues");

    let read = get_json(&page(&lab, &format!("/policy?lab={VISITOR}"))).await;
    assert_eq!(read["policy"], policy);
    let cleared = client().delete(page(&lab, &format!("/policy?lab={VISITOR}"))).send().await.unwrap();
    assert_eq!(cleared.status(), 200);
    let res = from_page(&lab, Method::GET, "/play/api/hello/", VISITOR).send().await.unwrap();
    assert_eq!(lines(&res, "access-control-allow-origin"), std::slice::from_ref(&lab.page_origin), "back to the article's answer");
}

#[tokio::test]
async fn a_status_of_its_own_replaces_the_endpoints_answer_and_a_redirect_stays_the_visitors() {
    let lab = TestLab::start().await;
    let policy = json!({"actual": {"status": 307, "allow_origin": {"kind": "echo"}, "location": "/play/api/csrf/"}});
    assert_eq!(put_policy(&page(&lab, ""), VISITOR, policy.to_string()).await.0, 200);
    let res = from_page(&lab, Method::POST, "/play/api/users/", VISITOR).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(lines(&res, "location"), ["/play/api/csrf/?lab=visitor-editor.same-origin"]);
    assert_eq!(lines(&res, "access-control-allow-origin"), std::slice::from_ref(&lab.page_origin));
    // The target answers as its endpoint does (with the same headers), so following ends.
    let res = from_page(&lab, Method::GET, "/play/api/csrf/", VISITOR).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("csrfToken"));

    let policy = json!({"actual": {"status": 503, "allow_origin": {"kind": "echo"}}});
    assert_eq!(put_policy(&page(&lab, ""), VISITOR, policy.to_string()).await.0, 200);
    let res = from_page(&lab, Method::POST, "/play/api/users/", VISITOR).body(r#"{"username": "never-made"}"#).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "answered_by_policy");
    let users = get_json(&lab.url("/api/users/")).await;
    assert!(!users.to_string().contains("never-made"), "the endpoint did not run");
}

#[tokio::test]
async fn hostile_policies_get_a_clear_json_4xx_naming_the_field() {
    let lab = TestLab::start().await;
    let url = page(&lab, "");
    let long = "x".repeat(513);
    let many: Vec<String> = (0..9).map(|i| format!("https://{i}.test")).collect();
    let cases = [
        (json!({"actual": {"allow_headers": long}}).to_string(), 400, "invalid_policy", Some("actual.allow_headers")),
        (json!({"actual": {"vary": "Origin\r\nSet-Cookie: sessionid=x"}}).to_string(), 400, "invalid_policy", Some("actual.vary")),
        (json!({"preflight": {"allow_origin": {"kind": "fixed", "value": "a\u{0}b"}}}).to_string(), 400, "invalid_policy", Some("preflight.allow_origin.value")),
        (json!({"actual": {"allow_origin": {"kind": "several", "value": many}}}).to_string(), 400, "invalid_policy", Some("actual.allow_origin.value")),
        (json!({"actual": {"status": 302, "location": "https://evil.test/"}}).to_string(), 400, "invalid_policy", Some("actual.location")),
        (json!({"actual": {"status": 302, "location": "/play/api/hello/", "location_userinfo": "u:p@evil.test"}}).to_string(), 400, "invalid_policy", Some("actual.location_userinfo")),
        (json!({"actual": {"status": 42}}).to_string(), 400, "invalid_policy", Some("actual.status")),
        (json!({"actual": {"colour": "red"}}).to_string(), 400, "invalid_policy", Some("actual.colour")),
        ("{\"actual\": {".to_owned(), 400, "invalid_json", None),
        ("[]".to_owned(), 400, "invalid_policy", Some(".")),
        (format!("{{\"actual\": {{\"vary\": \"{}\"}}}}", "y".repeat(9000)), 413, "payload_too_large", None),
    ];
    for (body, status, code, field) in cases {
        let (got, answer) = put_policy(&url, VISITOR, body.clone()).await;
        let shown: String = body.chars().take(80).collect();
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{shown}: {answer}");
        assert!(answer["detail"].as_str().is_some_and(|d| !d.is_empty()), "{answer}");
        assert_eq!(answer["field"].as_str(), field, "{shown}: {answer}");
    }
    let res = client().put(format!("{url}/policy?lab={VISITOR}")).header("content-type", "text/plain").body("{}").send().await.unwrap();
    assert_eq!(res.status(), 415);
    let res = client().put(format!("{url}/policy?lab=x")).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.json::<Value>().await.unwrap()["code"].clone()), (400, json!("invalid_visitor")));
    let usage = get_json(&format!("{url}/policy/usage")).await;
    assert_eq!(usage["policies"], 0, "nothing refused was kept");
}

/// The lab as a child process, so its resident memory can be read; killed on drop.
struct Process {
    child: Child,
    page: String,
    _dir: tempfile::TempDir,
}

impl Process {
    fn start() -> Process {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_corslab"))
            .args(["--page-port", "0", "--api-port", "0", "--cross-site-attacker-port", "0", "--same-site-attacker-port", "0", "--log", "warn"])
            .arg("--data-dir")
            .arg(dir.path())
            .env("CORSLAB_JWT_SECRET", support::JWT_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("corslab starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let page = stdout
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.trim().strip_prefix("page").map(|rest| rest.split_whitespace().next().unwrap().trim_end_matches('/').to_owned()))
            .expect("corslab prints the page's address");
        // The rest is read too: a closed pipe would end the lab at its next line.
        std::thread::spawn(move || stdout.for_each(drop));
        // The server binds IPv4; `localhost` may resolve to ::1 first.
        Process { child, page: page.replace("localhost", "127.0.0.1"), _dir: dir }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Growth allowed after 10,000 attempts: what 32 kept policies and a warm allocator hold,
/// with room to spare; a store that kept what it refused would hold ~100 MiB.
const RSS_GROWTH_KIB: u64 = 8 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_policies_from_one_client_are_refused_beyond_its_share_and_memory_stays_bounded() {
    let lab = Process::start();
    // Near the largest policy there is: eight origin lines of 512 bytes on each side.
    let value = format!("https://{}.test", "a".repeat(490));
    let side = json!({"allow_origin": {"kind": "several", "value": vec![value; 7]}});
    let body = json!({"preflight": side, "actual": side}).to_string();
    assert!(body.len() > 7000, "{}", body.len());
    let warm = 100;
    let mut statuses = std::collections::BTreeMap::new();
    let mut before = 0;
    for i in 0..10_000 {
        if i == warm {
            // After the first hundred: the allocator, the connection and the maps are warm.
            tokio::time::sleep(Duration::from_secs(6)).await;
            before = lab.rss_kib();
        }
        let (status, answer) = put_policy(&lab.page, &format!("visitor-{i:05}"), body.clone()).await;
        if status != 200 {
            assert_eq!((status, answer["code"].as_str()), (429, Some("too_many_policies")), "attempt {i}: {answer}");
        }
        *statuses.entry(status).or_insert(0) += 1;
    }
    let usage = get_json(&format!("{}/policy/usage", lab.page)).await;
    let per_address = usage["max_per_address"].as_u64().unwrap();
    assert_eq!(usage["policies"].as_u64(), Some(per_address), "{usage}");
    assert_eq!(statuses.get(&200), Some(&per_address), "{statuses:?}");
    assert!(usage["bytes"].as_u64().unwrap() < per_address * 2 * body.len() as u64 + 64 * 1024, "{usage}");
    // The server returns freed memory to the system every 5 s.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = lab.rss_kib();
    println!("RSS {before} KiB before, {after} KiB after 10,000 attempts; store {usage}");
    assert!(after < before + RSS_GROWTH_KIB, "RSS grew from {before} KiB to {after} KiB");
}
