//! A real corslab on ephemeral loopback ports with its own temporary database.
#![allow(dead_code)] // each test binary uses a different part of this

pub mod attack;
pub mod browser;
pub mod clock;
pub mod page;
pub mod har;

use std::net::SocketAddr;
use std::time::Duration;

use corslab::{Config, RunningLab, Settings};
use reqwest::header::HeaderMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Known, so tests can forge tokens the way an attacker who stole the key would.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub struct TestLab {
    lab: Option<RunningLab>,
    /// `http://localhost:<port>`: what browsers send as `Origin`.
    pub page_origin: String,
    pub api_origin: String,
    /// `http://127.0.0.1:<port>`: where the HTTP tests connect (the server binds IPv4).
    pub api: String,
    pub api_addr: SocketAddr,
    pub page_addr: SocketAddr,
    /// `http://localhost:<port>`: the attacker on the API's site.
    pub same_site_attacker: String,
    /// `http://127.0.0.1:<port>`: the attacker on another site.
    pub cross_site_attacker: String,
    pub db_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TestLab {
    pub async fn start() -> TestLab {
        TestLab::start_with(|_| {}, |_| {}).await
    }

    /// `settings` runs before validation (as flags would), `config` after (for limits that
    /// are not settings, such as timeouts).
    pub async fn start_with(settings: impl FnOnce(&mut Settings), config: impl FnOnce(&mut Config)) -> TestLab {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings {
            page_port: Some(0),
            api_port: Some(0),
            cross_site_attacker_port: Some(0),
            same_site_attacker_port: Some(0),
            data_dir: Some(dir.path().to_owned()),
            log: Some("warn".into()),
            ..Settings::default()
        };
        settings(&mut s);
        let mut c = s.resolve(Some(JWT_SECRET.to_owned())).expect("valid test settings");
        config(&mut c);
        let db_path = c.database.clone();
        let lab = corslab::start(c).await.expect("lab starts");
        TestLab {
            page_origin: lab.page_origin.to_string(),
            api_origin: lab.api_origin.to_string(),
            api: format!("http://127.0.0.1:{}", lab.api_addr.port()),
            api_addr: lab.api_addr,
            page_addr: lab.page_addr,
            same_site_attacker: lab.origins.same_site_attacker.to_string(),
            cross_site_attacker: lab.origins.cross_site_attacker.to_string(),
            db_path,
            lab: Some(lab),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.api, path)
    }

    pub async fn shutdown(mut self) {
        if let Some(lab) = self.lab.take() {
            lab.shutdown().await;
        }
    }
}

pub fn client() -> reqwest::Client {
    // reqwest's rustls comes without a crypto backend of its own (corslab check chooses ring,
    // see Cargo.toml), so a client cannot be built before one is installed.
    let _already = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The JSON document at `url`.
pub async fn get_json(url: &str) -> serde_json::Value {
    client().get(url).send().await.unwrap().json().await.unwrap()
}

/// The `Set-Cookie` headers of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The value a `Set-Cookie` gives cookie `name`, if the response sets it.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    set_cookies(headers).iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// Sends raw bytes and returns everything the server sends back before closing or
/// going quiet for `quiet`.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8], quiet: Duration) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_quiet(&mut stream, quiet).await
}

pub async fn read_until_quiet(stream: &mut tokio::net::TcpStream, quiet: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(quiet, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The catalogue as a lab on the default ports would load it.
pub fn catalogue() -> Vec<corslab::scenario::catalogue::Entry> {
    corslab::scenario::catalogue::load(&article_layers(), &default_origins()).expect("the catalogue loads")
}

pub fn default_origins() -> corslab::scenario::LabOrigins {
    corslab::scenario::LabOrigins {
        page: "http://localhost:8000".parse().unwrap(),
        api: "http://localhost:8001".parse().unwrap(),
        same_site_attacker: "http://localhost:8003".parse().unwrap(),
        cross_site_attacker: "http://127.0.0.1:8002".parse().unwrap(),
    }
}

pub fn article_layers() -> corslab::scenario::Layers {
    let page: corslab::origin::Origin = "http://localhost:8000".parse().unwrap();
    corslab::scenario::Layers::article(&[page.clone()], &[page], corslab::cookie::CookieSettings::default())
}

impl TestLab {
    /// The password of the attacker's own account, which the lab generated and keeps with
    /// its other secrets (what only the attacker's pages are told).
    pub async fn attacker_password(&self) -> String {
        let url = format!("sqlite://{}?mode=ro", self.db_path.display());
        let db = sqlx::SqlitePool::connect(&url).await.unwrap();
        let password: String = sqlx::query_scalar("SELECT value FROM lab_secrets WHERE name = 'attacker_password'").fetch_one(&db).await.unwrap();
        db.close().await;
        password
    }
}
