//! `corslab check` as a user runs it: the real binary against small servers with known
//! misconfigurations, and against every scenario of the catalogue on a running lab, where each
//! vulnerable scenario's classes must be reported under the lint's names and the article's
//! mount must come out clean. Also: what goes on the wire (the preflight as Chromium sends
//! it, no cookie unless given, no state-changing request unless asked, the bounds), exit codes
//! 0/1/2, the JSON and SARIF documents.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode};
use corslab::cli::check::classes::{CLASSES, reported_as};
use serde_json::Value;
use support::TestLab;

const BIN: &str = env!("CARGO_BIN_EXE_corslab");

/// The page origin every small server is checked for.
const PAGE: &str = "https://app.example.com";

/// Runs `corslab check <args>` in a clean locale, off the test's runtime.
async fn check(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .arg("check")
            .args(&args)
            .env_remove("LC_ALL")
            .env_remove("LANG")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// The classes reported for each URL of a `--json` report.
fn classes(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let found = r["findings"].as_array().unwrap().iter().map(|f| f["class"].as_str().unwrap().to_owned()).collect();
            (r["url"].as_str().unwrap().to_owned(), found)
        })
        .collect()
}

/// A request a small server saw.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A server whose every answer `answer` decides, keeping what it saw and how many requests
/// were in flight at most.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    most_at_once: Arc<AtomicUsize>,
}

type Answer = fn(&Seen) -> Response<Body>;

impl Server {
    async fn start(answer: Answer) -> Server {
        Server::start_slow(answer, Duration::ZERO).await
    }

    async fn start_slow(answer: Answer, delay: Duration) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (in_flight, most_at_once) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (log, most) = (seen.clone(), most_at_once.clone());
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let (log, in_flight, most) = (log.clone(), in_flight.clone(), most.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let seen = Seen { method: req.method().clone(), path: req.uri().path().to_owned(), headers: req.headers().clone() };
                log.lock().unwrap().push(seen.clone());
                tokio::time::sleep(delay).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                answer(&seen)
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url: format!("http://127.0.0.1:{}", addr.port()), seen, most_at_once }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn respond(status: u16, headers: &[(&str, &str)]) -> Response<Body> {
    let mut res = Response::new(Body::from("{}"));
    *res.status_mut() = StatusCode::from_u16(status).unwrap();
    for (n, v) in headers {
        res.headers_mut().append(axum::http::HeaderName::from_bytes(n.as_bytes()).unwrap(), v.parse().unwrap());
    }
    res
}

fn origin(seen: &Seen) -> String {
    seen.header("origin").unwrap_or_default().to_owned()
}

/// The answer of a correct API for `PAGE`: its exact origin, credentials, Vary, and a
/// preflight allowing what it asks for.
fn correct(seen: &Seen) -> Response<Body> {
    let mut headers = vec![("vary", "origin".to_owned())];
    if origin(seen) == PAGE {
        headers.push(("access-control-allow-origin", PAGE.to_owned()));
        headers.push(("access-control-allow-credentials", "true".to_owned()));
        if seen.method == Method::OPTIONS {
            headers.push(("access-control-allow-methods", "GET, POST, DELETE".to_owned()));
            headers.push(("access-control-allow-headers", "authorization, content-type, x-api-key".to_owned()));
        }
    }
    // A state-changing request from anywhere else is refused, as a CSRF origin check does.
    let refused = !matches!(seen.method, Method::GET | Method::HEAD | Method::OPTIONS) && origin(seen) != PAGE;
    let status = if refused { 403 } else if seen.path.contains("corslab-check-404") { 404 } else { 200 };
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    respond(status, &pairs)
}

/// Echoes any Origin with credentials, and accepts every POST.
fn reflecting(seen: &Seen) -> Response<Body> {
    let o = origin(seen);
    respond(200, &[("access-control-allow-origin", &o), ("access-control-allow-credentials", "true"), ("vary", "origin")])
}

#[tokio::test]
async fn a_correct_api_is_clean_and_exits_0() {
    let server = Server::start(correct).await;
    let url = format!("{}/items/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--credentials", "--method", "POST", "-H", "Content-Type: application/json", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(classes(&doc)[&url], BTreeSet::new());
    assert_eq!(doc["schema"], "corslab-check/1");
    assert_eq!(doc["results"][0]["verdict"]["outcome"], "response", "{:#}", doc["results"][0]["verdict"]);
    assert_eq!(doc["summary"]["requests_sent"].as_u64().unwrap() as usize, server.seen().len());
}

#[tokio::test]
async fn the_preflight_goes_as_chromium_sends_it_and_no_cookie_goes_unless_given() {
    let server = Server::start(correct).await;
    let url = format!("{}/items/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--method", "DELETE", "-H", "X-Api-Key: k", "-H", "Content-Type: application/json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let seen = server.seen();
    let first = &seen[0];
    assert_eq!(first.method, Method::OPTIONS, "the user's own request goes first, preflight first");
    assert_eq!(first.header("access-control-request-method"), Some("DELETE"));
    assert_eq!(first.header("access-control-request-headers"), Some("content-type,x-api-key"));
    assert_eq!(first.header("origin"), Some(PAGE));
    assert_eq!((first.header("sec-fetch-mode"), first.header("sec-fetch-site")), (Some("cors"), Some("cross-site")));
    assert_eq!(first.header("x-api-key"), None, "a preflight carries no author header");
    assert_eq!(seen[1].method, Method::DELETE);
    assert_eq!(seen[1].header("x-api-key"), Some("k"));
    assert!(seen.iter().all(|s| s.header("cookie").is_none()), "no cookie was given");
    // DELETE was the user's own, once; every other probe read with GET or asked with OPTIONS.
    assert_eq!(seen.iter().filter(|s| s.method == Method::DELETE).count(), 1);
    assert!(seen.iter().all(|s| matches!(s.method, Method::GET | Method::OPTIONS | Method::DELETE)), "{seen:?}");
    assert!(stdout(&out).contains("CSRF not probed"), "{}", stdout(&out));

    // fetch() upper-cases only the standard's six methods: `patch` is preflighted as it is.
    let server = Server::start(correct).await;
    let url = format!("{}/items/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--method", "patch", "--json"]).await;
    assert_eq!(server.seen()[0].header("access-control-request-method"), Some("patch"));
    assert_eq!(json(&out)["results"][0]["verdict"]["cors_error"], "MethodDisallowedByPreflightResponse");

    let server = Server::start(correct).await;
    let url = format!("{}/items/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--credentials", "--cookie", "sessionid=abc", "-H", "Authorization: Bearer t"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    for s in server.seen() {
        let expected = (s.method != Method::OPTIONS).then_some("sessionid=abc");
        assert_eq!(s.header("cookie"), expected, "{s:?}");
    }
}

#[tokio::test]
async fn a_reflecting_api_is_named_with_its_class_and_exits_1_in_every_format() {
    let server = Server::start(reflecting).await;
    let url = format!("{}/me/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--credentials", "--method", "POST", "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(classes(&doc)[&url], BTreeSet::from(["cors.reflect_origin_with_credentials".to_owned(), "csrf.off".to_owned()]));
    let finding = doc["results"][0]["findings"].as_array().unwrap().iter().find(|f| f["class"] == "cors.reflect_origin_with_credentials").unwrap();
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["same_on_the_wire"][0], "cors.allow_all_with_credentials");
    assert_eq!(finding["probe"]["origin"], "https://evil.invalid");
    assert_eq!(finding["probe"]["verdict"]["outcome"], "response");
    // The probe is an experiment file that `corslab explain` judges the same way offline.
    let replay = tokio::task::spawn_blocking({
        let experiment = finding["probe"]["experiment"].to_string();
        move || {
            use std::io::Write;
            let mut child = std::process::Command::new(BIN)
                .args(["explain", "--json", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(experiment.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        }
    })
    .await
    .unwrap();
    let replayed: Value = serde_json::from_slice(&replay.stdout).unwrap();
    assert_eq!(replayed["steps"][0]["verdict"], finding["probe"]["verdict"]);

    let text = check(&[&url, "--origin", PAGE, "--credentials"]).await;
    assert_eq!(text.status.code(), Some(1));
    let shown = stdout(&text);
    assert!(shown.contains("HIGH") && shown.contains("cors.reflect_origin_with_credentials") && shown.contains("Origin: https://evil.invalid"), "{shown}");
    let ja = check(&[&url, "--origin", PAGE, "--credentials", "--lang", "ja"]).await;
    assert!(stdout(&ja).contains("訪問者の Cookie 付きで"), "{}", stdout(&ja));

    let sarif = check(&[&url, "--origin", PAGE, "--credentials", "--sarif"]).await;
    assert_eq!(sarif.status.code(), Some(1));
    let doc = json(&sarif);
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "cors.reflect_origin_with_credentials");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], url.as_str());
}

/// SARIF 2.1.0, field by field: what the schema requires and what viewers rely on.
fn assert_valid_sarif(doc: &Value) {
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert!(driver["name"].is_string() && driver["version"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), CLASSES.len(), "one rule per class");
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for rule in rules {
        assert!(rule["shortDescription"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(["none", "note", "warning", "error"].contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
        let severity: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&severity));
    }
    for result in runs[0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at ruleId's rule");
        assert!(["none", "note", "warning", "error"].contains(&result["level"].as_str().unwrap()));
        assert!(result["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("http"), "{uri}");
        assert!(result["partialFingerprints"].is_object());
    }
    let invocation = &runs[0]["invocations"][0];
    assert!(invocation["executionSuccessful"].is_boolean());
    assert!(invocation["toolExecutionNotifications"].is_array());
}

#[tokio::test]
async fn errors_exit_2_naming_what_failed() {
    // Nothing listens on a port just freed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = format!("http://127.0.0.1:{}/api/", listener.local_addr().unwrap().port());
    drop(listener);
    let out = check(&[&free, "--origin", PAGE]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&free) && stderr(&out).contains("unreachable"), "{}", stderr(&out));

    // TLS is there (rustls): an https URL on a plain-http server fails its handshake.
    let plain = Server::start(correct).await;
    let https = format!("{}/x/", plain.url.replace("http://", "https://"));
    let out = check(&[&https, "--origin", PAGE]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unreachable") && stderr(&out).contains(&https), "{}", stderr(&out));

    let slow = Server::start_slow(correct, Duration::from_secs(5)).await;
    let out = check(&[&format!("{}/x/", slow.url), "--origin", PAGE, "--timeout", "0.3"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no answer within 0.3 s"), "{}", stderr(&out));

    for (args, says) in [
        (vec!["http://a.test/", "--origin", "app.example.com"], "--origin \"app.example.com\": must start with a scheme"),
        (vec!["ftp://a.test/", "--origin", PAGE], "only http:// and https://"),
        (vec!["http://u:p@a.test/", "--origin", PAGE], "credentials in it"),
        (vec!["http://a.test/", "--origin", PAGE, "-H", "Cookie: a=b"], "--cookie"),
        (vec!["http://a.test/", "--origin", PAGE, "--rate", "0"], "--rate"),
        (vec!["--origin", PAGE], "no URL to check"),
    ] {
        let out = check(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[tokio::test]
async fn redirects_are_reported_and_followed_only_when_asked() {
    fn redirecting(seen: &Seen) -> Response<Body> {
        let allow = [("access-control-allow-origin", PAGE), ("access-control-allow-credentials", "true"), ("vary", "origin")];
        match (seen.method == Method::OPTIONS, seen.path.as_str()) {
            (true, _) => respond(308, &[("location", "/elsewhere/")]),
            (false, "/start/") => respond(302, &[allow[0], allow[1], allow[2], ("location", "/final/")]),
            _ => respond(200, &allow),
        }
    }
    let server = Server::start(redirecting).await;
    let url = format!("{}/start/", server.url);
    let out = check(&[&url, "--origin", PAGE, "--credentials", "--json"]).await;
    let doc = json(&out);
    // The preflight probe's 308: never followed by a browser.
    assert_eq!(classes(&doc)[&url], BTreeSet::from(["cors.preflight_redirected".to_owned()]));
    assert!(doc["results"][0]["notes"].to_string().contains("redirected to"), "{:#}", doc["results"][0]["notes"]);
    assert!(!server.seen().iter().any(|s| s.path == "/final/"), "not followed");
    let out = check(&[&url, "--origin", PAGE, "--credentials", "--follow-redirects", "--json"]).await;
    assert_eq!(json(&out)["results"][0]["verdict"]["outcome"], "response");
    assert!(server.seen().iter().any(|s| s.path == "/final/"), "followed when asked");
}

#[tokio::test]
async fn the_given_cookie_goes_to_its_own_host_alone_in_one_line_with_the_servers() {
    static ELSEWHERE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    // The page is on the server's own site, so the cookie the first hop sets is stored and sent.
    const SAME_SITE_PAGE: &str = "http://127.0.0.1:9";
    fn setting_then_leaving(seen: &Seen) -> Response<Body> {
        let allow = [("access-control-allow-origin", SAME_SITE_PAGE), ("access-control-allow-credentials", "true"), ("vary", "origin")];
        match seen.path.as_str() {
            "/start/" => respond(302, &[allow[0], allow[1], allow[2], ("set-cookie", "fromserver=1; Path=/"), ("location", "/again/")]),
            "/again/" => respond(302, &[allow[0], allow[1], allow[2], ("location", ELSEWHERE.get().unwrap())]),
            _ => respond(200, &allow),
        }
    }
    let other_host = Server::start(correct).await;
    ELSEWHERE.set(format!("{}/final/", other_host.url.replace("127.0.0.1", "localhost"))).unwrap();
    let server = Server::start(setting_then_leaving).await;
    let url = format!("{}/start/", server.url);
    check(&[&url, "--origin", SAME_SITE_PAGE, "--credentials", "--cookie", "sessionid=abc", "--follow-redirects"]).await;

    let again: Vec<Seen> = server.seen().into_iter().filter(|s| s.path == "/again/").collect();
    assert!(!again.is_empty(), "the redirect was followed");
    for s in &again {
        let lines: Vec<_> = s.headers.get_all("cookie").iter().collect();
        assert_eq!(lines, ["fromserver=1; sessionid=abc"], "{s:?}");
    }
    let reached = other_host.seen();
    assert!(reached.iter().any(|s| s.path == "/final/"), "the redirect to the other host was followed");
    assert!(reached.iter().all(|s| s.header("cookie").is_none()), "{reached:?}");
}

#[tokio::test]
async fn requests_stay_within_the_concurrency_and_the_rate() {
    let server = Server::start_slow(correct, Duration::from_millis(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let urls: Vec<String> = (0..6).map(|i| format!("{}/items/{i}/", server.url)).collect();
    std::fs::write(&list, format!("# six URLs\n\n{}\n", urls.join("\n"))).unwrap();
    let started = Instant::now();
    let out = check(&["--input", list.to_str().unwrap(), "--origin", PAGE, "--concurrency", "2", "--rate", "100/s"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let sent = server.seen().len();
    assert!(server.most_at_once.load(Ordering::SeqCst) <= 2);
    // 100 a second: n requests take at least (n - 1) / 100 s.
    assert!(started.elapsed() >= Duration::from_millis(10 * (sent as u64 - 1)), "{sent} in {:?}", started.elapsed());
    // Not a terminal: a plain progress line on standard error.
    assert!(stderr(&out).contains("6/6 URLs checked"), "{}", stderr(&out));
    assert!(stdout(&out).contains("6 URL(s): 0 finding(s)"), "{}", stdout(&out));
}

/// What one run over the lab found, by scenario id (`""` for the default mount).
fn by_scenario(doc: &Value, mounts: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (url, found) in classes(doc) {
        let (id, _) = mounts.iter().filter(|(_, base)| url.starts_with(&format!("{base}/api/"))).max_by_key(|(_, base)| base.len()).unwrap();
        out.entry(id.clone()).or_default().extend(found);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_of_the_catalogue_is_reported_with_its_lint_classes_and_the_article_is_clean() {
    let lab = TestLab::start().await;
    let page = lab.page_origin.clone();
    let listing: Value = support::client().get(format!("http://{}/scenarios.json", lab.page_addr)).send().await.unwrap().json().await.unwrap();
    let scenarios = listing["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 30, "{}", scenarios.len());
    // Each mount's base as the checker is pointed at it (the lab binds IPv4), by scenario id.
    let mut mounts: Vec<(String, String)> = vec![(String::new(), lab.api.clone())];
    for s in scenarios {
        let api = s["api"].as_str().unwrap().replace(&lab.api_origin, &lab.api);
        mounts.push((s["id"].as_str().unwrap().to_owned(), api));
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, paths: &[&str]| {
        let file = dir.path().join(name);
        let urls: Vec<String> = mounts.iter().flat_map(|(_, base)| paths.iter().map(move |p| format!("{base}/api/{p}"))).collect();
        std::fs::write(&file, urls.join("\n")).unwrap();
        file.to_str().unwrap().to_owned()
    };
    let fast = ["--concurrency", "16", "--rate", "5000", "--json"];
    // Reads, where each flaw shows: an open endpoint, a session one (auth before CORS), a path
    // without its slash (a redirect before CORS); then a state-changing POST (CSRF).
    let reads = run("reads.txt", &["hello/", "session-data/", "hello"]);
    let out = check(&[&["--input", &reads, "--origin", &page, "--credentials"][..], &fast].concat()).await;
    assert!(out.status.code() == Some(1), "{}", stderr(&out));
    let mut found = by_scenario(&json(&out), &mounts);
    // A state-changing endpoint, and a path whose POST a slash redirect answers first.
    let writes = run("writes.txt", &["logout/", "hello"]);
    let out = check(&[&["--input", &writes, "--origin", &page, "--credentials", "--method", "POST"][..], &fast].concat()).await;
    for (id, classes) in by_scenario(&json(&out), &mounts) {
        found.entry(id).or_default().extend(classes);
    }
    // Two flaws show only from the origins the scenarios' own texts imagine: the production
    // page https://app.example.com of the regexes, and the https page whose http twin the
    // lab's same-site attacker plays (which the API does not list, so that page's own
    // request is blocked too, as check says).
    let base = |id: &str| mounts.iter().find(|(i, _)| i == id).unwrap().1.clone();
    let port = lab.same_site_attacker.rsplit(':').next().unwrap().to_owned();
    for (id, origin) in [("origin-regexes", "https://app.example.com".to_owned()), ("http-origin-trusted", format!("https://localhost:{port}"))] {
        let url = format!("{}/api/hello/", base(id));
        let out = check(&[&[url.as_str(), "--origin", &origin, "--credentials"][..], &fast].concat()).await;
        found.entry(id.to_owned()).or_default().extend(classes(&json(&out)).remove(&url).unwrap());
    }

    let mut wrong = Vec::new();
    for (id, base) in &mounts {
        let listed: Vec<&str> = scenarios.iter().find(|s| s["id"] == id.as_str()).map_or(Vec::new(), |s| s["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect());
        let mut expected: BTreeSet<String> = listed.iter().filter_map(|c| reported_as(c)).map(|c| c.name.to_owned()).collect();
        if id == "http-origin-trusted" {
            expected.insert("cors.request_blocked".into());
        }
        let got = found.remove(id).unwrap_or_default();
        if got != expected {
            wrong.push(format!("{} ({base}): expected {expected:?}, got {got:?}", if id.is_empty() { "default mount" } else { id }));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    lab.shutdown().await;
}
