//! Attacks on the scenarios of `assets/scenarios/csrf.toml`, and the traps the lab page's
//! own calls fall into, in real Chromium.
//!
//! A forgery is blind: the exploit never reads the API's answer. So each test checks what
//! the browser really did (which cookies went along, from which site: the exchange log),
//! the answer Chromium showed in the forged request's window, and the effect through the
//! API, as the victim's lab page sees it.

use serde_json::Value;

use crate::support::TestLab;
use crate::support::attack::{self, Attack};
use crate::support::browser::Browser;

/// Runs `id`'s exploit against the scenario, then against the default, each right after
/// logging in there; returns each run with the text of the forged request's window.
async fn forge_both(lab: &TestLab, b: &Browser, attacker: &str, id: &str, expect: [&str; 2]) -> [(Attack, String); 2] {
    let mut runs = Vec::new();
    for (against_default, expect) in [(false, expect[0]), (true, expect[1])] {
        let visitor = attack::visitor(id);
        let mount = if against_default { String::new() } else { format!("/s/{id}") };
        attack::log_in(b, lab, &mount, &visitor).await;
        let run = attack::run(b, lab, attacker, id, against_default, &visitor).await;
        let shown = window_showing(b, expect).await;
        runs.push((run, shown));
    }
    runs.try_into().ok().expect("two runs")
}

/// The text of the forged request's window (the answer the visitor, not the attacker, can
/// read), once it shows `expected`; then closes it, so that the next run opens its own.
async fn window_showing(b: &Browser, expected: &str) -> String {
    let main = b.client.window().await.unwrap();
    let windows = b.client.windows().await.unwrap();
    let [forged] = windows.into_iter().filter(|w| *w != main).collect::<Vec<_>>().try_into().expect("one forged request's window");
    b.client.switch_to_window(forged).await.unwrap();
    let needle = serde_json::to_string(expected).unwrap();
    b.wait_until(&format!("document.body && document.body.innerText.includes({needle})")).await;
    let text = b.run("return document.body.innerText;").await;
    b.client.close_window().await.unwrap();
    b.client.switch_to_window(main).await.unwrap();
    text.as_str().unwrap_or_default().to_owned()
}

/// What the lab page reads from `{mount}/api/session-data/` now: `{status, body}`.
async fn whoami(b: &Browser, lab: &TestLab, mount: &str, visitor: &str) -> Value {
    b.goto(&format!("{}/", lab.page_origin)).await;
    let url = format!("{}{mount}/api/session-data/?lab={visitor}.include", lab.api_origin);
    b.run(&format!("const r = await fetch('{url}', {{credentials: 'include'}}); return {{status: r.status, body: await r.json()}};")).await
}

/// The last exchange the visitor's browser made for `method path` (mount prefix included).
fn exchange<'a>(run: &'a Attack, method: &str, path: &str) -> &'a Value {
    run.exchanges
        .iter()
        .rev()
        .find(|e| e["method"] == method && e["url"].as_str().is_some_and(|u| u.split('?').next() == Some(path)))
        .unwrap_or_else(|| panic!("no {method} {path} in {:#?}", run.exchanges))
}

fn header<'a>(exchange: &'a Value, name: &str) -> Option<&'a str> {
    exchange["request_headers"].as_array()?.iter().find(|h| h[0] == name).and_then(|h| h[1].as_str())
}

/// A navigation is not a CORS request: corslab judges it so, and Chromium reports no CORS
/// error for it. (A GET navigation carries no `Origin`, so `assert_verdicts_agree_with_chromium`,
/// which picks the attack's exchanges by their `Origin`, cannot find it.)
fn assert_a_navigation_that_cors_leaves_alone(run: &Attack, lab: &TestLab, e: &Value) {
    assert_eq!(header(e, "sec-fetch-mode"), Some("navigate"), "{e:#?}");
    assert_ne!(e["browser"]["verdict"]["outcome"], "blocked", "{e:#?}");
    let url = format!("{}{}", lab.api_origin, e["url"].as_str().unwrap());
    assert!(run.network.cors_errors_of(&url, e["method"].as_str().unwrap()).is_empty());
}

fn bad_origin(origin: &str) -> String {
    format!("CSRF Failed: Origin checking failed - {origin} does not match any trusted origins.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_off_lets_a_same_site_form_log_the_visitor_out_and_the_default_refuses_it_by_origin() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.same_site_attacker.clone();
    let [(vulnerable, shown), (default, refused)] =
        forge_both(&lab, &b, &attacker, "csrf-off", ["was_authenticated", "Origin checking failed"]).await;

    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    let forged = exchange(&vulnerable, "POST", "/s/csrf-off/api/logout/");
    assert_eq!(header(forged, "sec-fetch-site"), Some("same-site"));
    assert!(forged["cookies"].as_array().unwrap().contains(&"sessionid".into()), "SameSite=Lax cookies go along from the same site");
    assert_eq!(serde_json::from_str::<Value>(&shown).unwrap(), serde_json::json!({"was_authenticated": true}));
    vulnerable.assert_verdicts_agree_with_chromium(&lab, &attacker);
    // All the attacker got: what it sent. The answer stayed in the window.
    let loot = vulnerable.attacker_log.iter().find(|e| e["method"] == "POST").expect("the exploit reported");
    assert!(loot["body"].as_str().unwrap().contains("unreadable"), "{loot:#?}");

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    assert!(refused.contains(&bad_origin(&attacker)), "{refused}");
    default.assert_verdicts_agree_with_chromium(&lab, &attacker);
    let visitor = attack::visitor("csrf-off");
    assert_eq!(whoami(&b, &lab, "/s/csrf-off", &visitor).await["status"], 401, "logged out of the scenario");
    assert_eq!(whoami(&b, &lab, "", &visitor).await["body"]["username"], "demo", "still logged in to the default");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samesite_lax_keeps_the_cookies_off_the_same_form_from_another_site() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let visitor = attack::visitor("csrf-off-x");
    attack::log_in(&b, &lab, "/s/csrf-off", &visitor).await;
    // The same empty form as csrf-off's exploit, from the cross-site attacker's page.
    b.goto(&format!("{}/", lab.cross_site_attacker)).await;
    let action = format!("{}/s/csrf-off/api/logout/?lab={visitor}.include", lab.api_origin);
    b.run(&format!("const f = document.createElement('form'); f.method = 'POST'; f.action = '{action}'; document.body.append(f); f.submit(); return 0;")).await;
    b.wait_until("document.body && document.body.innerText.includes('was_authenticated')").await;
    assert_eq!(b.run("return JSON.parse(document.body.innerText);").await, serde_json::json!({"was_authenticated": false}));
    let me = whoami(&b, &lab, "/s/csrf-off", &visitor).await;
    assert_eq!(me["body"]["username"], "demo", "the forged logout had no session to end");
    let feed: Value = crate::support::client()
        .get(format!("http://127.0.0.1:{}/exchanges?lab={visitor}", lab.page_addr.port()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let forged = feed["exchanges"].as_array().unwrap().iter().find(|e| e["method"] == "POST" && header(e, "sec-fetch-mode") == Some("navigate")).unwrap();
    assert_eq!(header(forged, "sec-fetch-site"), Some("cross-site"));
    assert_eq!(forged["cookies"], serde_json::json!([]), "no cookie of localhost on a cross-site POST");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_get_lets_another_site_log_the_visitor_out_with_a_link_and_the_default_answers_405() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.cross_site_attacker.clone();
    let [(vulnerable, shown), (default, refused)] =
        forge_both(&lab, &b, &attacker, "csrf-logout-on-get", ["was_authenticated", "method_not_allowed"]).await;

    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    let forged = exchange(&vulnerable, "GET", "/s/csrf-logout-on-get/api/logout/");
    assert_eq!(header(forged, "sec-fetch-site"), Some("cross-site"));
    assert!(forged["cookies"].as_array().unwrap().contains(&"sessionid".into()), "Lax cookies go along on a top-level GET");
    assert_eq!(serde_json::from_str::<Value>(&shown).unwrap(), serde_json::json!({"was_authenticated": true}));
    assert_a_navigation_that_cors_leaves_alone(&vulnerable, &lab, forged);

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    assert_eq!(serde_json::from_str::<Value>(&refused).unwrap()["code"], "method_not_allowed");
    assert_a_navigation_that_cors_leaves_alone(&default, &lab, exchange(&default, "GET", "/api/logout/"));
    let visitor = attack::visitor("csrf-logout-on-get");
    assert_eq!(whoami(&b, &lab, "/s/csrf-logout-on-get", &visitor).await["status"], 401);
    assert_eq!(whoami(&b, &lab, "", &visitor).await["body"]["username"], "demo");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_as_text_plain_lets_another_site_log_the_visitor_in_as_the_attacker_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.cross_site_attacker.clone();
    let [(vulnerable, shown), (default, refused)] =
        forge_both(&lab, &b, &attacker, "csrf-json-as-text-plain", ["mallory", "Origin checking failed"]).await;

    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    let forged = exchange(&vulnerable, "POST", "/s/csrf-json-as-text-plain/api/login/");
    assert_eq!(header(forged, "content-type"), Some("text/plain"), "a form's type: no preflight");
    assert_eq!(header(forged, "sec-fetch-site"), Some("cross-site"));
    assert!(!vulnerable.network.preflighted(&format!("{}/s/csrf-json-as-text-plain/api/login/", lab.api_origin)));
    assert_eq!(serde_json::from_str::<Value>(&shown).unwrap()["username"], "mallory");
    vulnerable.assert_verdicts_agree_with_chromium(&lab, &attacker);

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    assert!(refused.contains(&bad_origin(&attacker)), "{refused}");
    default.assert_verdicts_agree_with_chromium(&lab, &attacker);
    // Chromium stored the session cookie of the cross-site navigation's answer.
    let visitor = attack::visitor("csrf-json-as-text-plain");
    assert_eq!(whoami(&b, &lab, "/s/csrf-json-as-text-plain", &visitor).await["body"]["username"], "mallory");
    assert_eq!(whoami(&b, &lab, "", &visitor).await["body"]["username"], "demo");
    b.close().await;
}

/// The lab page's own calls, observed as an attack's are: Chromium's network log and
/// corslab's exchange log for the visitor (no exploit page, no attacker log).
async fn page_calls(b: &Browser, lab: &TestLab, visitor: &str, script: &str) -> (Value, Attack) {
    b.goto(&format!("{}/", lab.page_origin)).await;
    b.network().await;
    let result = b.run(script).await;
    let feed: Value = crate::support::client()
        .get(format!("http://127.0.0.1:{}/exchanges?lab={visitor}", lab.page_addr.port()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let observed = Attack {
        outcome: String::new(),
        loot: Value::Null,
        network: b.network().await,
        console: Vec::new(),
        exchanges: feed["exchanges"].as_array().cloned().unwrap_or_default(),
        attacker_log: Vec::new(),
    };
    (result, observed)
}

/// Page script: fetch a token, log in with it, then POST `{then}` with the token named
/// `use`, which is `before` (fetched before login) or `after` (the one login returned).
fn token_script(lab: &TestLab, mount: &str, visitor: &str, then: &str, token: &str) -> String {
    let api = format!("{}{mount}", lab.api_origin);
    format!(
        "const tag = '?lab={visitor}.include'; const read = async (r) => ({{status: r.status, body: await r.json()}}); \
         const csrf = await read(await fetch('{api}/api/csrf/' + tag, {{credentials: 'include'}})); \
         const post = (path, token, body) => fetch('{api}' + path + tag, {{method: 'POST', credentials: 'include', \
           headers: {{'Content-Type': 'application/json', 'X-CSRFToken': token}}, body: body && JSON.stringify(body)}}).then(read); \
         const before = csrf.body.csrfToken; \
         const login = await post('/api/login/', before, {{username: 'demo', password: 'demo-password'}}); \
         if (login.status !== 200) return {{csrf, login}}; \
         const after = login.body.csrfToken; \
         return {{csrf, login, then: await post('{then}', {token})}};"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_page_in_csrf_trusted_origins_its_get_works_and_its_post_gets_a_readable_403() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let visitor = attack::visitor("csrf-trusted");
    let script = token_script(&lab, "/s/csrf-trusted-origin-missing", &visitor, "/api/logout/", "after");
    let (calls, observed) = page_calls(&b, &lab, &visitor, &script).await;
    assert_eq!(calls["csrf"]["status"], 200);
    assert_eq!(calls["csrf"]["body"]["csrfToken"].as_str().map(str::len), Some(64), "the page reads the token");
    assert_eq!(calls["login"]["status"], 403);
    assert_eq!(calls["login"]["body"]["detail"], bad_origin(&lab.page_origin), "and reads the 403's reason");
    // Every call passed CORS, the refused login included (a preflight, then the 403).
    observed.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let login = exchange(&observed, "POST", "/s/csrf-trusted-origin-missing/api/login/");
    assert_eq!((login["status"].as_u64(), login["browser"]["verdict"]["outcome"].as_str()), (Some(403), Some("pass")));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_keeps_its_pre_login_token_is_refused_by_the_default_and_not_without_rotation() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    for (mount, stale_status) in [("/s/csrf-no-rotation", 200), ("", 403)] {
        let visitor = attack::visitor("csrf-rotation");
        let (calls, observed) = page_calls(&b, &lab, &visitor, &token_script(&lab, mount, &visitor, "/api/session-data/", "before")).await;
        assert_eq!(calls["login"]["status"], 200, "{mount}: {calls:#?}");
        assert_eq!(calls["then"]["status"], stale_status, "{mount}: {calls:#?}");
        if stale_status == 403 {
            assert_eq!(calls["then"]["body"]["reason"], "CSRF token from the 'X-Csrftoken' HTTP header incorrect.");
            let (fresh, _) = page_calls(&b, &lab, &visitor, &token_script(&lab, mount, &visitor, "/api/session-data/", "after")).await;
            assert_eq!(fresh["then"]["body"]["username"], "demo", "the token login returned works");
        }
        observed.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    }
    b.close().await;
}
