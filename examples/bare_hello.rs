//! The benchmark baseline: a bare axum server answering every request with the same JSON as
//! corslab's `GET /api/hello/`, with the same tokio runtime settings (multi-threaded, one
//! worker per CPU). No CORS, CSRF, sessions or limits: corslab's speed is quoted as a ratio
//! to this, measured in the same run (see scripts/bench and docs/PERFORMANCE.md).
//!
//! Usage: cargo run --release --example bare_hello -- 127.0.0.1:18009

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const HELLO: &str = r#"{"message":"Hello from the corslab API!"}"#;

async fn hello() -> Response {
    let mut res = HELLO.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18009".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
        println!("bare_hello listening on http://{addr}");
        axum::serve(listener, Router::new().fallback(hello)).await.expect("serve");
    });
}
