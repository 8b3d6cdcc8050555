//! The scenarios of `assets/scenarios/cors-origins.toml` over HTTP.

use crate::support::{TestLab, client};

#[tokio::test]
async fn reflect_origin_echoes_any_origin_with_credentials() {
    let lab = TestLab::start().await;
    let r = client().get(lab.url("/s/reflect-origin/api/hello/")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://evil.example");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(r.headers()["vary"], "origin");
}
