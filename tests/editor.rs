//! The policy editor in real headless Chromium (SPEC §7): a permalink per CorsError opens the
//! page, sets its answer on the server, sends its request, and shows that CorsError, which
//! Chromium itself reports; every click leaves its result in view; a refused answer is said
//! beside the button; both languages; no console errors of the page's own; axe-core clean.

mod support;

use serde_json::Value;
use support::browser::Browser;
use support::page::{lab_with_page, open, own_errors, press, screenshot_path, serious_axe_violations};
use support::{TestLab, get_json};

/// The presets as the lab serves them: each an answer, a request and the CorsError
/// Chromium reports for them (`null`: the fetch passes).
async fn presets(lab: &TestLab) -> Vec<Value> {
    let url = format!("http://127.0.0.1:{}/policy/presets.json", lab.page_addr.port());
    get_json(&url).await["presets"].as_array().unwrap().clone()
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
        let kept = get_json(&format!("http://127.0.0.1:{}/policy?lab={visitor}", lab.page_addr.port())).await;
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

/// Presses `#<id>` from the keyboard: focus, then Enter.
async fn press_with_keyboard(b: &Browser, css: &str) {
    let el = b.client.find(fantoccini::Locator::Css(css)).await.unwrap();
    b.client.execute("arguments[0].focus();", vec![serde_json::to_value(&el).unwrap()]).await.unwrap();
    el.send_keys(&fantoccini::key::Key::Enter.to_string()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_and_send_from_the_keyboard_in_japanese_leave_each_result_in_view_and_a_reload_keeps_the_answer() {
    let lab = TestLab::start().await;
    let b = Browser::start_in("ja").await;
    b.client.set_window_size(1280, 900).await.unwrap();
    open(&b, &format!("{}/", lab.page_origin)).await;
    for (preset, error) in [
        ("wildcard-credentials", "WildcardOriginNotAllowed"),
        ("preflight-status", "PreflightInvalidStatus"),
        ("method-disallowed", "MethodDisallowedByPreflightResponse"),
    ] {
        press_with_keyboard(&b, &format!("button[data-editor-preset='{preset}']")).await;
        assert!(b.text("#editor-notice").await.contains("を入れました"), "{preset}: the notice says what was filled in");
        let before = b.run("const s = document.getElementById('result-editor'); return s ? s.dataset.run : null;").await;
        press_with_keyboard(&b, "#editor-send").await;
        b.wait_until(&format!(
            "(() => {{ const s = document.getElementById('result-editor'); return s && s.dataset.run !== {before} && s.dataset.runComplete === 'true'; }})()"
        ))
        .await;
        assert_eq!(b.attr("#result-editor .verdict", "data-cors-error").await.as_deref(), Some(error));
        let (top, bottom, height) = summary_in_view(&b).await;
        assert!(top >= 0.0 && bottom <= height, "{preset}: the result's summary is at {top}..{bottom} of {height}");
        assert_eq!(b.run("return document.activeElement.id;").await, "editor-send", "focus stays on the button");
        let verdict = b.text("#result-editor .verdict").await;
        assert!(verdict.contains("直し方") && verdict.contains("Access to fetch at"), "ja, with Chromium's own line: {verdict}");
    }
    assert_eq!(b.text("#editor-request").await.split(" · ").next(), Some("PUT /play/api/users/"));

    // The copy as curl sets the answer first, then asks as the browser did, and gets it.
    let curl = b.run("return document.querySelector('#result-editor .copy-curl').textContent;").await;
    let curl = curl.as_str().unwrap();
    assert!(curl.starts_with(&format!("curl -i -X PUT '{}/policy?lab=", lab.page_origin)), "{curl}");
    let out = std::process::Command::new("sh").arg("-c").arg(curl).output().expect("curl runs");
    let out = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(out.contains("access-control-allow-methods: get, post") && out.contains("405 method not allowed"), "{out}");

    // A reload: the form shows the answer the server keeps, the result is rebuilt.
    open(&b, &format!("{}/", lab.page_origin)).await;
    assert_eq!(b.run("return document.getElementById('editor-preflight-allow_methods').value;").await, "GET, POST");
    assert_eq!(b.attr("#result-editor .verdict", "data-cors-error").await.as_deref(), Some("MethodDisallowedByPreflightResponse"));
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_answer_is_said_beside_the_button_with_its_field_marked_and_nothing_sent() {
    let (lab, b) = lab_with_page("en-US").await;
    b.run("document.getElementById('editor-actual-vary').value = 'x'.repeat(600);").await;
    b.click("#editor-send").await;
    b.wait_until("document.getElementById('editor-notice').textContent !== ''").await;
    let notice = b.text("#editor-notice").await;
    assert!(notice.contains("actual.vary: longer than 512 bytes"), "{notice}");
    assert_eq!(b.attr("#editor-actual-vary", "aria-invalid").await.as_deref(), Some("true"));
    assert_eq!(b.run("return document.activeElement.id;").await, "editor-actual-vary", "focus goes where the fix is");
    assert_eq!(b.run("return document.getElementById('result-editor');").await, Value::Null, "nothing was sent");

    // The composer's request goes to the editor's mount: one of the default mount's at the
    // same endpoint there, one of another mount's not at all.
    b.click("#editor-reset").await;
    b.run("document.getElementById('composer-path').value = '/without-cors/api/hello/';").await;
    b.click("#editor-send").await;
    b.wait_until("document.getElementById('editor-notice').textContent.includes('/without-cors/')").await;
    assert!(b.text("#editor-notice").await.contains("the composer's path is /without-cors/api/hello/"));
    b.run("document.getElementById('composer-path').value = '/api/hello/';").await;
    let r = press(&b, "editor-send", "editor").await;
    assert!(b.text("#result-editor .request-line").await.contains("/play/api/hello/?lab="));
    assert_eq!(r.status, "200", "the article's answer again: {r:?}");
    assert_eq!(b.attr("#result-editor .verdict", "data-verdict").await.as_deref(), Some("pass"));
    let usage = get_json(&format!("http://127.0.0.1:{}/policy/usage", lab.page_addr.port())).await;
    assert_eq!(usage["policies"], 1);
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_nothing_serious_in_the_editor_in_either_language() {
    let (_lab, b) = lab_with_page("en-US").await;
    b.client.set_window_size(1280, 1000).await.unwrap();
    b.click("button[data-editor-preset='wildcard-credentials']").await;
    press(&b, "editor-send", "editor").await;
    for lang in ["en", "ja"] {
        b.run(&format!("window.corslab.setLanguage('{lang}');")).await;
        assert_eq!(serious_axe_violations(&b).await, Value::Array(vec![]), "{lang}");
        b.client.execute("document.getElementById('card-editor').scrollIntoView()", vec![]).await.unwrap();
        b.screenshot(&screenshot_path(&format!("{lang}-editor.png"))).await;
        b.client.execute("document.querySelector('.editor-answers').scrollIntoView()", vec![]).await.unwrap();
        b.screenshot(&screenshot_path(&format!("{lang}-editor-answers.png"))).await;
        b.client.execute("document.getElementById('result-editor').scrollIntoView()", vec![]).await.unwrap();
        b.screenshot(&screenshot_path(&format!("{lang}-editor-result.png"))).await;
    }
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}
