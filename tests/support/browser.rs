//! Real headless Chromium, driven by chromedriver through fantoccini.
//!
//! chromedriver runs in its own process group, and that group is killed when the [`Browser`]
//! is dropped, so a failing test never leaves Chromium behind. Chromium's own network log
//! (CDP events) and console come from chromedriver's `se/log` endpoint.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Only one browser at a time: the machine has two cores, and parallel Chromiums make every
/// test slow and flaky. Held for the whole life of a [`Browser`].
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: Option<tokio::sync::SemaphorePermit<'static>>,
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_in("en-US").await
    }

    /// A fresh profile whose preferred language is `lang` (e.g. `ja`).
    pub async fn start_in(lang: &str) -> Browser {
        let turn = ONE_AT_A_TIME.acquire().await.unwrap();
        Browser::launch(lang, Some(turn), CHROMIUM).await
    }

    /// Chromium started through `binary`, a wrapper that runs it (e.g. under libfaketime).
    pub async fn start_through(binary: &str) -> Browser {
        let turn = ONE_AT_A_TIME.acquire().await.unwrap();
        Browser::launch("en-US", Some(turn), binary).await
    }

    /// Two independent browsers (separate Chromium processes and profiles) at once.
    pub async fn pair() -> (Browser, Browser) {
        let turn = ONE_AT_A_TIME.acquire().await.unwrap();
        (Browser::launch("en-US", Some(turn), CHROMIUM).await, Browser::launch("en-US", None, CHROMIUM).await)
    }

    async fn launch(lang: &str, turn: Option<tokio::sync::SemaphorePermit<'static>>, binary: &str) -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: run scripts/test, which installs Debian's chromium and chromium-driver"
            );
        }
        let port = free_port();
        let driver = {
            use std::os::unix::process::CommandExt;
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("chromedriver starts")
        };
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--lang={lang}"),
                    "--window-size=1280,1800",
                ],
                "prefs": { "intl.accept_languages": lang },
            },
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
        });
        let caps: fantoccini::wd::Capabilities = caps.as_object().unwrap().clone().into_iter().collect();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot start a Chromium session: {e}"),
            }
        };
        Browser { client, driver, _profile: profile, _turn: turn }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Runs `body` (an async function body receiving nothing) in the page and returns what
    /// it resolves to.
    pub async fn run(&self, body: &str) -> Value {
        let script = format!("const done = arguments[arguments.length - 1]; (async () => {{ {body} }})().then(done, e => done({{thrown: String(e)}}));");
        self.client.execute_async(&script, vec![]).await.unwrap()
    }

    pub async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.client.find(Locator::Css(css)).await.unwrap().attr(name).await.unwrap()
    }

    /// Polls `condition` (a JS expression) until it is truthy.
    pub async fn wait_until(&self, condition: &str) {
        let started = Instant::now();
        loop {
            let v = self.client.execute(&format!("return !!({condition});"), vec![]).await.unwrap();
            if v == Value::Bool(true) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "timed out waiting for {condition}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Console entries since the last call (chromedriver drains the buffer).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        self.log("browser")
            .await
            .into_iter()
            .map(|e| ConsoleEntry {
                level: e["level"].as_str().unwrap_or("").to_owned(),
                message: e["message"].as_str().unwrap_or("").to_owned(),
            })
            .collect()
    }

    /// Chromium's DevTools network events since the last call.
    pub async fn network(&self) -> Network {
        let events = self
            .log("performance")
            .await
            .into_iter()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .map(|m| m["message"].clone())
            .filter(|m| m["method"].as_str().is_some_and(|x| x.starts_with("Network.")))
            .collect();
        Network { events }
    }

    async fn log(&self, kind: &'static str) -> Vec<Value> {
        match self.client.issue_cmd(GetLog(kind)).await.unwrap() {
            Value::Array(entries) => entries,
            other => panic!("unexpected log answer {other}"),
        }
    }

    /// Ends the WebDriver session and stops chromedriver and Chromium.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop kills the process group.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own group (process_group(0)), so its id is the group id.
        let pgid = self.driver.id() as libc::pid_t;
        if pgid > 1 {
            // SAFETY: plain syscall; a negative pid addresses exactly that process group.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        let _ = self.driver.wait();
    }
}

#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    pub level: String,
    pub message: String,
}

/// CDP `Network.*` events, as Chromium reported them.
pub struct Network {
    pub events: Vec<Value>,
}

impl Network {
    fn of(&self, method: &str) -> impl Iterator<Item = &Value> {
        self.events.iter().filter(move |e| e["method"] == method).map(|e| &e["params"])
    }

    /// `(method, url)` of every request Chromium sent, preflights included.
    pub fn requests(&self) -> Vec<(String, String, bool)> {
        self.of("Network.requestWillBeSent")
            .map(|p| {
                (
                    p["request"]["method"].as_str().unwrap_or("").to_owned(),
                    p["request"]["url"].as_str().unwrap_or("").to_owned(),
                    p["initiator"]["type"] == "preflight",
                )
            })
            .collect()
    }

    /// Whether Chromium sent a CORS preflight for `url` (compared without its query).
    pub fn preflighted(&self, url: &str) -> bool {
        self.requests().iter().any(|(m, u, pre)| *pre && m == "OPTIONS" && same_resource(u, url))
    }

    /// Whether Chromium sent the request itself (not a preflight) with this method to `url`.
    pub fn sent(&self, method: &str, url: &str) -> bool {
        self.requests().iter().any(|(m, u, pre)| !*pre && m == method && same_resource(u, url))
    }

    /// The `corsErrorStatus.corsError` of failed loads of `url`.
    pub fn cors_errors(&self, url: &str) -> Vec<String> {
        let ids: Vec<&str> = self
            .of("Network.requestWillBeSent")
            .filter(|p| p["request"]["url"].as_str().is_some_and(|u| same_resource(u, url)))
            .filter_map(|p| p["requestId"].as_str())
            .collect();
        self.of("Network.loadingFailed")
            .filter(|p| p["requestId"].as_str().is_some_and(|id| ids.contains(&id)))
            .filter_map(|p| p["corsErrorStatus"]["corsError"].as_str().map(str::to_owned))
            .collect()
    }

    /// The distinct `corsErrorStatus.corsError`s of failed `method url` fetches (exact URL,
    /// query included), their preflights included.
    pub fn cors_errors_of(&self, url: &str, method: &str) -> Vec<String> {
        let ids: Vec<&str> = self
            .of("Network.requestWillBeSent")
            .filter(|p| p["request"]["url"] == url)
            .filter(|p| p["request"]["method"] == method || p["initiator"]["type"] == "preflight")
            .filter_map(|p| p["requestId"].as_str())
            .collect();
        let mut errors: Vec<String> = self
            .of("Network.loadingFailed")
            .filter(|p| p["requestId"].as_str().is_some_and(|id| ids.contains(&id)))
            .filter_map(|p| p["corsErrorStatus"]["corsError"].as_str().map(str::to_owned))
            .collect();
        errors.dedup();
        errors
    }

    /// The request headers Chromium actually put on the wire for `method url`.
    pub fn wire_headers(&self, method: &str, url: &str) -> Vec<Value> {
        let ids: Vec<&str> = self
            .of("Network.requestWillBeSent")
            .filter(|p| p["request"]["url"].as_str().is_some_and(|u| same_resource(u, url)))
            .filter(|p| p["request"]["method"] == method)
            .filter_map(|p| p["requestId"].as_str())
            .collect();
        self.of("Network.requestWillBeSentExtraInfo")
            .filter(|p| p["requestId"].as_str().is_some_and(|id| ids.contains(&id)))
            .map(|p| p["headers"].clone())
            .collect()
    }
}

/// chromedriver's non-standard `POST /session/{id}/se/log`.
#[derive(Debug)]
struct GetLog(&'static str);

impl WebDriverCompatibleCommand for GetLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({ "type": self.0 }).to_string()))
    }
}

/// The same URL once the query (the lab's visitor tag) is set aside.
fn same_resource(a: &str, b: &str) -> bool {
    a.split('?').next() == b.split('?').next()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
