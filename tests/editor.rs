//! The policy editor in real headless Chromium (SPEC §7): a permalink per CorsError opens the
//! page, sets its answer on the server, sends its request, and shows that CorsError, which
//! Chromium itself reports; every click leaves its result in view; a refused answer is said
//! beside the button; both languages; no console errors of the page's own; axe-core clean.

mod support;

use serde_json::Value;
use support::browser::Browser;
use support::page::{lab_with_page, open, own_errors, press, screenshot_path};
use support::{TestLab, client};

/// The presets as the lab serves them: each an answer, a request and the CorsError
/// Chromium reports for them (`null`: the fetch passes).
async fn presets(lab: &TestLab) -> Vec<Value> {
    let url = format!("http://127.0.0.1:{}/policy/presets.json", lab.page_addr.port());
    let listing: Value = client().get(url).send().await.unwrap().json().await.unwrap();
    listing["presets"].as_array().unwrap().clone()
}

/// The permalink a result of this preset carries (share.js): the composer's fields and the
/// answer, as URLSearchParams writes them.
fn permalink(lab: &TestLab, preset: &Value) -> String {
    let mut fragment = url::form_urlencoded::Serializer::new(String::new());
    fragment.append_pair("run", "editor");
    for (name, value) in preset["request"].as_object().unwrap() {
        fragment.append_pair(name, value.as_str().unwrap());
    }
    fragment.append_pair("policy", &preset["policy"].to_string());
    format!("{}/#{}", lab.page_origin, fragment.finish())
}

/// The exact URL the page fetched for a preset's request (its `lab=` tag included).
fn fetched_url(lab: &TestLab, visitor: &str, preset: &Value) -> String {
    let request = &preset["request"];
    let credentials = request["credentials"].as_str().unwrap_or("same-origin");
    format!("{}{}?lab={visitor}.{credentials}", lab.api_origin, request["path"].as_str().unwrap())
}

/// Whether the editor's newest result (not one rebuilt from the log) is complete.
const RUN_DONE: &str = "(() => { const s = document.getElementById('result-editor'); \
     return location.hash === '' && s && s.dataset.runComplete === 'true' && !s.querySelector('.restored-note'); })()";

/// Where the result's summary line is, against the window's height: (top, bottom, height).
async fn summary_in_view(b: &Browser) -> (f64, f64, f64) {
    let r = b
        .run("const r = document.querySelector('#result-editor summary').getBoundingClientRect(); return [r.top, r.bottom, innerHeight];")
        .await;
    (r[0].as_f64().unwrap(), r[1].as_f64().unwrap(), r[2].as_f64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permalink_per_cors_error_shows_it_on_the_page_and_chromium_reports_the_same() {
    let lab = TestLab::start().await;
    let presets = presets(&lab).await;
    let b = Browser::start().await;
    b.client.set_window_size(1280, 900).await.unwrap();
    open(&b, &format!("{}/", lab.page_origin)).await;
    let visitor = b.run("return window.corslab.visitor;").await.as_str().unwrap().to_owned();
    b.network().await;
    let mut seen = Vec::new();
    for preset in &presets {
        let id = preset["id"].as_str().unwrap();
        // A fresh load each time: the link is opened as a colleague would open it.
        b.goto("about:blank").await;
        open(&b, &permalink(&lab, preset)).await;
        b.wait_until(RUN_DONE).await;
        let shown = b.attr("#result-editor .verdict", "data-cors-error").await.unwrap_or_default();
        let verdict = b.attr("#result-editor .verdict", "data-verdict").await.unwrap_or_default();
        let url = fetched_url(&lab, &visitor, preset);
        let method = preset["request"]["method"].as_str().unwrap_or("GET");
        let chromium = b.network().await.cors_errors_of(&url, method);
        match preset["error"].as_str() {
            Some(error) => {
                assert_eq!((verdict.as_str(), shown.as_str()), ("blocked", error), "{id}: the page");
                assert_eq!(chromium, [error], "{id}: Chromium");
                seen.push(error.to_owned());
            }
            None => {
                assert_eq!(verdict, "pass", "{id}");
                assert!(chromium.is_empty(), "{id}: {chromium:?}");
            }
        }
        let (top, bottom, height) = summary_in_view(&b).await;
        assert!(top >= 0.0 && bottom <= height, "{id}: the result's summary is at {top}..{bottom} of {height}");
        // The answer the link carried is the one the server now sends this visitor.
        let kept: Value = client()
            .get(format!("http://127.0.0.1:{}/policy?lab={visitor}", lab.page_addr.port()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(kept["policy"], preset["policy"], "{id}");
    }
    for required in [
        "AllowOriginMismatch", "MultipleAllowOriginValues", "InvalidAllowOriginValue", "WildcardOriginNotAllowed",
        "InvalidAllowCredentials", "MissingAllowOriginHeader", "PreflightInvalidStatus", "PreflightDisallowedRedirect",
        "MethodDisallowedByPreflightResponse", "HeaderDisallowedByPreflightResponse", "InvalidAllowMethodsPreflightResponse",
        "InvalidAllowHeadersPreflightResponse", "PreflightMissingAllowOriginHeader", "PreflightMultipleAllowOriginValues",
        "PreflightInvalidAllowOriginValue", "PreflightAllowOriginMismatch", "PreflightWildcardOriginNotAllowed",
        "PreflightInvalidAllowCredentials", "RedirectContainsCredentials",
    ] {
        assert!(seen.iter().any(|e| e == required), "no preset reached {required}: {seen:?}");
    }
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}
