//! Driving the lab page in a [`Browser`]: pressing an experiment's button and reading its
//! result as the page's DOM contract describes it (`js/card-view.js`, `js/result-view.js`).

use super::TestLab;
use super::browser::{Browser, ConsoleEntry};

/// A fresh lab, and a browser preferring language `lang` with the lab's page open.
pub async fn lab_with_page(lang: &str) -> (TestLab, Browser) {
    let lab = TestLab::start().await;
    let b = Browser::start_in(lang).await;
    open(&b, &format!("{}/", lab.page_origin)).await;
    (lab, b)
}

/// Loads the page at `url` and waits until it has drawn everything and read the log.
pub async fn open(b: &Browser, url: &str) {
    b.goto(url).await;
    b.wait_until("document.documentElement.dataset.ready === 'true'").await;
}

/// Clicks `#<button>` and waits until the result of experiment `key` is a new, complete run.
pub async fn press(b: &Browser, button: &str, key: &str) -> Outcome {
    let before = b.run(&format!("const s = document.getElementById('result-{key}'); return s ? s.dataset.run : null;")).await;
    b.click(&format!("#{button}")).await;
    b.wait_until(&format!(
        "document.getElementById('{button}').getAttribute('aria-busy') !== 'true' && (() => {{ \
           const s = document.getElementById('result-{key}'); \
           return s && s.dataset.run !== {before} && s.dataset.runComplete === 'true'; }})()"
    ))
    .await;
    outcome(b, key).await
}

/// What one result shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status JavaScript saw (0 without a readable response).
    pub status: String,
    pub outcome: String,
    pub body: String,
    pub headers: String,
}

pub async fn outcome(b: &Browser, key: &str) -> Outcome {
    let v = b
        .run(&format!(
            "const s = document.getElementById('result-{key}'); \
             return {{status: s.dataset.status, outcome: s.dataset.outcome, \
                      body: (s.querySelector('.body') || {{}}).textContent || '', \
                      headers: (s.querySelector('.headers') || {{}}).textContent || ''}};"
        ))
        .await;
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Outcome { status: field("status"), outcome: field("outcome"), body: field("body"), headers: field("headers") }
}

/// Console errors that are the page's own, not Chromium reporting the CORS blocks and
/// 4xx answers the experiments provoke on purpose.
pub fn own_errors(console: &[ConsoleEntry]) -> Vec<String> {
    console
        .iter()
        .filter(|e| e.level == "SEVERE")
        .map(|e| e.message.clone())
        .filter(|m| !m.contains("has been blocked by CORS policy"))
        .filter(|m| !m.contains("Failed to load resource"))
        .collect()
}

/// `target/screenshots/<name>`, the folder created.
pub fn screenshot_path(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// axe-core's serious and critical violations on the page as it is now (vendored under
/// `tests/vendor/axe-core/`, injected on first use), as `"rule: target | target"` lines.
pub async fn serious_axe_violations(b: &Browser) -> serde_json::Value {
    if b.run("return typeof axe === 'undefined';").await == serde_json::Value::Bool(true) {
        let axe = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vendor/axe-core/axe.min.js")).unwrap();
        b.client.execute(&axe, vec![]).await.unwrap();
    }
    b.run(
        "const r = await axe.run(document, {resultTypes: ['violations']}); \
         return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical') \
           .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));",
    )
    .await
}
