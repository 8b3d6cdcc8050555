//! The lab page's scenario section as a newcomer uses it, in real headless Chromium: pick a
//! scenario, press its steps' buttons in order (the page's own login, the exploit launched in
//! a new window, the same against the default), and read the result under each button: what
//! the attacker obtained (its access log) and why the attack worked or failed (the verdicts
//! corslab computed for its requests), in English and Japanese. Nothing here calls `fetch()`
//! itself: every request is the page's or the exploit's.

mod support;

use serde_json::Value;
use support::browser::Browser;
use support::page::{open, own_errors, screenshot_path};
use support::TestLab;

/// A laptop's screen: results must not land below the fold.
const WINDOW: (u32, u32) = (1280, 900);

/// A browser preferring `lang`, the lab page open at scenario `id`.
async fn open_scenario(lab: &TestLab, lang: &str, id: &str) -> Browser {
    let b = Browser::start_in(lang).await;
    b.client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
    show(&b, lab, id).await;
    b
}

/// Opens the permalink of scenario `id` and waits until the page shows it.
async fn show(b: &Browser, lab: &TestLab, id: &str) {
    open(b, &format!("{}/#scenario={id}", lab.page_origin)).await;
    b.wait_until(&format!("!document.getElementById('scenario-{id}').hidden")).await;
}

/// What a step's newest result shows, and where it is once the step is done.
#[derive(Debug)]
struct Shown {
    /// `launch`, `log_in` or `check_session`.
    kind: String,
    /// An attack's `data-outcome` (`succeeded` / `failed`), or a fetch's `data-status`.
    outcome: String,
    text: String,
    /// The result's summary line, relative to the viewport.
    top: f64,
    bottom: f64,
    viewport: f64,
}

impl Shown {
    fn assert_in_view(&self, what: &str) {
        assert!(self.top >= 0.0 && self.bottom <= self.viewport, "{what}: its result's summary is at {}..{} of {}", self.top, self.bottom, self.viewport);
    }
}

/// Presses step `n` of scenario `id` (its button, as a person clicks it) and waits until its
/// result is complete: an attack once the exploit said how it ended, a fetch once its run is.
async fn press_step(b: &Browser, id: &str, n: u32) -> Shown {
    let button = format!("#scenario-{id} button[data-step=\"{n}\"]");
    let results = format!("results-scenario-{id}-{n}");
    let kind = b.attr(&button, "data-kind").await.expect("a step has a kind");
    let before = b.run(&format!("return document.getElementById('{results}').childElementCount;")).await;
    b.click(&button).await;
    let newest = format!("document.getElementById('{results}').firstElementChild");
    if kind == "launch" {
        b.wait_until(&format!("{newest} && {newest}.dataset.state && {newest}.dataset.state !== 'running'")).await;
    } else {
        b.wait_until(&format!(
            "!document.querySelector('{}').hasAttribute('aria-busy') && document.getElementById('{results}').childElementCount > {before} \
             && {newest}.dataset.runComplete === 'true'",
            button.replace('\'', "\\'")
        ))
        .await;
    }
    // The page brings the result into view again once the frame is laid out.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let v = b
        .run(&format!(
            "const r = {newest}; const s = r.querySelector('summary').getBoundingClientRect(); \
             return {{outcome: r.dataset.outcome && !r.dataset.status ? r.dataset.outcome : (r.dataset.status || r.dataset.outcome), \
                      text: r.innerText, top: s.top, bottom: s.bottom, viewport: innerHeight}};"
        ))
        .await;
    Shown {
        kind,
        outcome: v["outcome"].as_str().unwrap_or_default().to_owned(),
        text: v["text"].as_str().unwrap_or_default().to_owned(),
        top: v["top"].as_f64().unwrap(),
        bottom: v["bottom"].as_f64().unwrap(),
        viewport: v["viewport"].as_f64().unwrap(),
    }
}

/// Opens every fold of the newest result of step `n` (as a reader expanding it) and returns
/// its text, what a screenshot of it shows.
async fn expand(b: &Browser, id: &str, n: u32) -> String {
    let js = format!(
        "const r = document.getElementById('results-scenario-{id}-{n}').firstElementChild; r.open = true; \
         for (const d of r.querySelectorAll('details.attack-fetch')) d.open = true; return r.innerText;"
    );
    b.run(&js).await.as_str().unwrap_or_default().to_owned()
}

/// An attribute of every element matching `css` inside the newest result of step `n`.
async fn attrs_in(b: &Browser, id: &str, n: u32, css: &str, name: &str) -> Vec<String> {
    let js = format!(
        "const r = document.getElementById('results-scenario-{id}-{n}').firstElementChild; \
         return Array.from(r.querySelectorAll('{css}')).map(e => e.getAttribute('{name}'));"
    );
    let v = b.run(&js).await;
    v.as_array().unwrap().iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// A masked CSRF token (64 of `A-Za-z0-9`) quoted in `text`, as a JSON body shows it.
fn quoted_token(text: &str) -> Option<&str> {
    text.split('"').find(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A screenshot of step `n`'s newest result, from its button (or from `part` of it, e.g. the
/// loot further down).
async fn screenshot_step(b: &Browser, id: &str, n: u32, part: Option<&str>, name: &str) {
    let part = part.map(|css| format!(".querySelector('{css}')")).unwrap_or_default();
    b.run(&format!("document.getElementById('results-scenario-{id}-{n}').firstElementChild{part}.scrollIntoView(); window.scrollBy(0, -140);")).await;
    b.screenshot(&screenshot_path(name)).await;
}

/// The texts the Origin-reflected flow shows in one language: what the attack obtained, and
/// the reason the default stops it.
struct Words {
    read: &'static str,
    failed: &'static str,
    why: &'static str,
}

const EN: Words = Words {
    read: "read your username (demo) and a valid CSRF token",
    failed: "The attack failed",
    why: "without an Access-Control-Allow-Origin header, so Chromium withholds the response",
};
const JA: Words = Words {
    read: "あなたのユーザー名（demo）と有効な CSRF トークンを読み取りました",
    failed: "攻撃は失敗しました",
    why: "Access-Control-Allow-Origin ヘッダーがないため、Chromium はレスポンスをページの JavaScript に渡しません",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_watches_the_attacker_read_their_session_where_the_origin_is_reflected_and_the_default_stop_it_in_both_languages() {
    for (lang, words) in [("en-US", &EN), ("ja", &JA)] {
        let lab = TestLab::start().await;
        let id = "reflect-origin";
        let b = open_scenario(&lab, lang, id).await;
        let short = &lang[..2];

        let login = press_step(&b, id, 1).await;
        assert_eq!((login.kind.as_str(), login.outcome.as_str()), ("log_in", "200"), "{lang}: {}", login.text);
        login.assert_in_view("1. log in");

        let attack = press_step(&b, id, 2).await;
        assert_eq!(attack.outcome, "succeeded", "{lang}: {}", attack.text);
        attack.assert_in_view("2. launch");
        assert!(attack.text.contains(words.read), "{lang}: {}", attack.text);
        // What the attacker's server received: the loot, the token itself included.
        assert!(attack.text.contains("\"username\": \"demo\""), "{lang}: {}", attack.text);
        assert!(quoted_token(&attack.text).is_some(), "{lang}: the stolen CSRF token is shown: {}", attack.text);
        assert_eq!(attrs_in(&b, id, 2, ".attack-fetch .verdict", "data-verdict").await, ["pass", "pass"], "both reads passed CORS");
        screenshot_step(&b, id, 2, None, &format!("scenario-{short}-attack.png")).await;
        screenshot_step(&b, id, 2, Some(".attacker-log"), &format!("scenario-{short}-loot.png")).await;

        let login = press_step(&b, id, 3).await;
        assert_eq!(login.outcome, "200", "{lang}: the default's login: {}", login.text);
        login.assert_in_view("3. log in to the default");

        let default = press_step(&b, id, 4).await;
        assert_eq!(default.outcome, "failed", "{lang}: {}", default.text);
        default.assert_in_view("4. the same attack against the default");
        assert!(default.text.contains(words.failed), "{lang}: {}", default.text);
        assert_eq!(
            attrs_in(&b, id, 4, ".attack-fetch .verdict", "data-cors-error").await,
            ["MissingAllowOriginHeader", "MissingAllowOriginHeader"],
            "{lang}: the reason, as corslab computed it for each read"
        );
        assert!(default.text.contains(words.why), "{lang}: the explanation in the page's language: {}", default.text);
        assert!(default.text.contains("has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header"), "{lang}: Chromium's console line");
        assert!(!default.text.contains("\"username\""), "{lang}: the attacker got nothing: {}", default.text);
        // The block is the defence: no advice to let the attacker in.
        assert!(!default.text.contains("Access-Control-Allow-Origin: http://localhost:"), "{lang}: {}", default.text);
        screenshot_step(&b, id, 4, None, &format!("scenario-{short}-default.png")).await;

        // Switching the language redraws the results in place.
        let other = if short == "en" { "ja" } else { "en" };
        b.run(&format!("window.corslab.setLanguage('{other}');")).await;
        let redrawn = expand(&b, id, 4).await;
        assert!(redrawn.contains(if other == "ja" { JA.failed } else { EN.failed }), "{redrawn}");
        b.run(&format!("window.corslab.setLanguage('{short}');")).await;

        assert_axe_clean(&b, lang).await;
        assert_eq!(own_errors(&b.console().await), Vec::<String>::new(), "{lang}");
        b.close().await;
        lab.shutdown().await;
    }
}

/// axe-core over the page with a scenario's results open (its fetches unfolded too).
async fn assert_axe_clean(b: &Browser, lang: &str) {
    b.run("for (const d of document.querySelectorAll('.scenario:not([hidden]) details')) d.open = true;").await;
    let axe = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vendor/axe-core/axe.min.js")).unwrap();
    b.client.execute(&axe, vec![]).await.unwrap();
    let violations = b
        .run(
            "const r = await axe.run(document, {resultTypes: ['violations']}); \
             return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical') \
               .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));",
        )
        .await;
    assert_eq!(violations, Value::Array(vec![]), "{lang}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_logout_without_a_csrf_check_logs_the_visitor_out_as_the_referee_saw_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let id = "csrf-off";
    let b = open_scenario(&lab, "en-US", id).await;

    assert_eq!(press_step(&b, id, 1).await.outcome, "200");
    let forged = press_step(&b, id, 2).await;
    assert_eq!(forged.outcome, "succeeded", "{}", forged.text);
    forged.assert_in_view("2. launch");
    assert!(forged.text.contains("the API ended the session: you are logged out"), "{}", forged.text);
    let referee = expand(&b, id, 2).await;
    assert_eq!(attrs_in(&b, id, 2, ".attack-fetch", "data-kind").await, ["navigate"], "{referee}");
    assert!(referee.contains("POST /s/csrf-off/api/logout/"), "{referee}");
    assert!(referee.contains("Sec-Fetch-Site: same-site"), "{referee}");
    assert!(referee.contains("csrftoken, sessionid"), "the session cookie went along: {referee}");
    assert!(referee.contains("Max-Age=0"), "the answer deleted it: {referee}");
    screenshot_step(&b, id, 2, None, "scenario-en-forgery.png").await;

    let after = press_step(&b, id, 3).await;
    assert_eq!((after.kind.as_str(), after.outcome.as_str()), ("check_session", "401"), "logged out: {}", after.text);
    after.assert_in_view("3. check the session");

    assert_eq!(press_step(&b, id, 4).await.outcome, "200");
    let refused = press_step(&b, id, 5).await;
    assert_eq!(refused.outcome, "failed", "{}", refused.text);
    assert!(refused.text.contains("403 CSRF Failed"), "{}", refused.text);
    let still = press_step(&b, id, 6).await;
    assert_eq!(still.outcome, "200", "still logged in to the default: {}", still.text);
    assert!(still.text.contains("\"username\": \"demo\""), "{}", still.text);
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alg_none_token_passes_from_the_attackers_own_server_while_the_browser_stops_its_page_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let id = "jwt-alg-none";
    let b = open_scenario(&lab, "en-US", id).await;

    let forged = press_step(&b, id, 1).await;
    assert_eq!(forged.outcome, "succeeded", "{}", forged.text);
    forged.assert_in_view("1. launch");
    assert!(forged.text.contains("took an unsigned token as demo"), "{}", forged.text);
    // The exploit page's own call stopped at its preflight; the token went from the server.
    assert_eq!(attrs_in(&b, id, 1, ".attack-fetch .verdict", "data-cors-error").await, ["PreflightMissingAllowOriginHeader"]);
    assert_eq!(attrs_in(&b, id, 1, ".attack-fetch", "data-kind").await, ["server", "cors", "server"]);
    // The attacker's access log holds the forged token and what the API answered it.
    assert!(forged.text.contains("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."), "{}", forged.text);
    assert!(forged.text.contains("\"username\": \"demo\""), "{}", forged.text);
    screenshot_step(&b, id, 1, None, "scenario-en-jwt.png").await;

    let refused = press_step(&b, id, 2).await;
    assert_eq!(refused.outcome, "failed", "{}", refused.text);
    refused.assert_in_view("2. the same against the default");
    assert!(refused.text.contains("the API refused the token: Token is invalid"), "{}", refused.text);
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_fixation_is_launched_before_the_login_that_takes_the_planted_key_over() {
    let lab = TestLab::start().await;
    let id = "session-fixation";
    let b = open_scenario(&lab, "en-US", id).await;
    let kinds = b.run(&format!("return Array.from(document.querySelectorAll('#scenario-{id} button[data-step]')).map(e => e.dataset.kind);")).await;
    assert_eq!(kinds, serde_json::json!(["launch", "log_in", "launch", "log_in"]), "the exploit first, then the login");

    b.click(&format!("#scenario-{id} button[data-step=\"1\"]")).await;
    let newest = format!("document.getElementById('results-scenario-{id}-1').firstElementChild");
    b.wait_until(&format!("{newest} && {newest}.textContent.includes('Now log in on the lab page')")).await;
    assert_eq!(press_step(&b, id, 2).await.outcome, "200");
    b.wait_until(&format!("{newest}.dataset.state === 'done'")).await;
    // Folded by the login (the step at hand): its text is there, not shown.
    let text = b.run(&format!("return {newest}.dataset.outcome + ' ' + {newest}.textContent;")).await;
    let text = text.as_str().unwrap();
    assert!(text.starts_with("succeeded") && text.contains("your login kept the key the attacker planted"), "{text}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traps_show_themselves_in_the_pages_own_calls() {
    let lab = TestLab::start().await;
    let b = open_scenario(&lab, "en-US", "csrf-trusted-origin-missing").await;
    let login = press_step(&b, "csrf-trusted-origin-missing", 1).await;
    assert_eq!(login.outcome, "403", "{}", login.text);
    // A login's result folds to its summary line (403 · csrf_failed); opened, Django's reason.
    let body = b.run("return document.querySelector('#results-scenario-csrf-trusted-origin-missing-1 .result .body').textContent;").await;
    let reason = format!("Origin checking failed - {} does not match any trusted origins.", lab.page_origin);
    assert!(body.as_str().unwrap().contains(&reason), "{body}");
    assert_eq!(
        b.run("return document.querySelectorAll('#scenario-csrf-trusted-origin-missing button[data-kind=launch]').length;").await,
        0,
        "nothing to launch where nothing is exploitable"
    );

    // A page that keeps its pre-login token: fine without rotation, 403 at the default.
    show(&b, &lab, "csrf-no-rotation").await;
    for (n, status) in [(1, "200"), (2, "200"), (3, "200"), (4, "403")] {
        let shown = press_step(&b, "csrf-no-rotation", n).await;
        assert_eq!(shown.outcome, status, "step {n}: {}", shown.text);
        shown.assert_in_view("csrf-no-rotation");
    }
    let body = b.run("return document.querySelector('#results-scenario-csrf-no-rotation-4 .result .body').textContent;").await;
    assert!(body.as_str().unwrap().contains("CSRF token from the 'X-Csrftoken' HTTP header incorrect."), "{body}");

    show(&b, &lab, "allow-headers-wildcard").await;
    let demo = press_step(&b, "allow-headers-wildcard", 1).await;
    assert_eq!(demo.outcome, "succeeded", "{}", demo.text);
    assert!(demo.text.contains("The trap sprang"), "{}", demo.text);
    let errors = attrs_in(&b, "allow-headers-wildcard", 1, ".attack-fetch .verdict", "data-cors-error").await;
    assert!(errors.contains(&"HeaderDisallowedByPreflightResponse".to_owned()), "{errors:?}");
    assert_eq!(own_errors(&b.console().await), Vec::<String>::new());
    b.close().await;
}
