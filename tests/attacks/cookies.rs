//! Attacks on the scenarios of `assets/scenarios/cookies.toml`, in real Chromium.
//!
//! The SameSite probes: with the CSRF check dropped, whether the forged logout works is up to
//! the browser attaching the session cookie. Each scenario is probed from both attackers and
//! against the default mount, and the exchange log (what the API received) must show, for
//! each of the probe's three requests, the cookies Chromium 156 sends: the table at the top
//! of the TOML file. The fixation attack plants a key before the login and reads the session
//! with it afterwards.

use serde_json::Value;

use crate::support::attack::{self, Attack};
use crate::support::browser::Browser;
use crate::support::clock::ShiftedChromium;
use crate::support::{TestLab, client};

/// Whether the session cookie reached the API on each of the probe's requests.
#[derive(Debug, PartialEq, Eq)]
struct Carried {
    fetch: bool,
    navigation: bool,
    form_post: bool,
}

/// What the API received on the probe's three requests, from the exchange log (the lab's
/// record, not the exploit's word): the fetch, the GET navigation, the form POST.
fn carried(a: &Attack, mount: &str) -> Carried {
    let request = |method: &str, path: &str, mode: &str| -> &Value {
        a.exchanges
            .iter()
            .find(|e| {
                e["method"] == method
                    && e["url"].as_str().is_some_and(|u| u.starts_with(&format!("{mount}{path}")))
                    && header(e, "sec-fetch-mode") == Some(mode)
            })
            .unwrap_or_else(|| panic!("no {mode} {method} {mount}{path} in {:#?}", a.exchanges))
    };
    let session = |e: &Value| e["cookies"].as_array().unwrap().iter().any(|c| c == "sessionid");
    Carried {
        fetch: session(request("GET", "/api/session-data/", "cors")),
        navigation: session(request("GET", "/api/session-data/", "navigate")),
        form_post: session(request("POST", "/api/logout/", "navigate")),
    }
}

fn header<'a>(exchange: &'a Value, name: &str) -> Option<&'a str> {
    exchange["request_headers"].as_array()?.iter().find(|h| h[0] == name).and_then(|h| h[1].as_str())
}

/// Whether the browser's session at `mount` is still live, asked from the lab page.
async fn logged_in(b: &Browser, lab: &TestLab, mount: &str) -> bool {
    b.goto(&format!("{}/", lab.page_origin)).await;
    let status = b.run(&format!("return (await fetch('{}{mount}/api/session-data/', {{credentials: 'include'}})).status;", lab.api_origin)).await;
    status == 200
}

/// The probe of scenario `id` from `attacker` (against the default mount if asked), right
/// after a fresh login at the attacked mount: the outcome, what went along, and whether the
/// visitor was still logged in afterwards.
async fn probe(b: &Browser, lab: &TestLab, attacker: &str, id: &str, against_default: bool) -> (Attack, Carried, bool) {
    let mount = if against_default { String::new() } else { format!("/s/{id}") };
    let visitor = attack::visitor(id);
    attack::log_in(b, lab, &mount, &visitor).await;
    let a = attack::run(b, lab, attacker, id, against_default, &visitor).await;
    a.assert_verdicts_agree_with_chromium(lab, attacker);
    let carried = carried(&a, &mount);
    let still = logged_in(b, lab, &mount).await;
    (a, carried, still)
}

const ALL: Carried = Carried { fetch: true, navigation: true, form_post: true };
/// The cross-site fetch never carries cookies in a fresh profile: third-party cookies are
/// blocked, whatever SameSite says.
const CROSS_SITE_FETCH_ONLY_BLOCKED: Carried = Carried { fetch: false, navigation: true, form_post: true };

/// One SameSite scenario from both attackers and against the default: `cross_site` is what
/// another site's requests carry; a same-site page's carry everything.
async fn assert_samesite(id: &str, cross_site: Carried) {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (same, cross) = (lab.same_site_attacker.clone(), lab.cross_site_attacker.clone());

    let (a, carried, still) = probe(&b, &lab, &same, id, false).await;
    assert_eq!(carried, ALL, "{id} from the same site");
    assert_eq!((a.outcome.as_str(), still), ("succeeded", false), "{id}: the same-site forged logout works: {:#?}", a.loot);

    let expect_success = cross_site.form_post;
    let (a, carried, still) = probe(&b, &lab, &cross, id, false).await;
    assert_eq!(carried, cross_site, "{id} from another site");
    let outcome = if expect_success { "succeeded" } else { "failed" };
    assert_eq!((a.outcome.as_str(), still), (outcome, !expect_success), "{id} from another site: {:#?}", a.loot);

    // The default mount keeps its CSRF check: the same forged POST is refused whatever went along.
    for attacker in [&same, &cross] {
        let (a, _, still) = probe(&b, &lab, attacker, id, true).await;
        assert_eq!((a.outcome.as_str(), still), ("failed", true), "{id} against the default from {attacker}: {:#?}", a.loot);
        assert_eq!(a.loot["form_post"]["status"], 403, "CSRF: Origin checking failed");
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samesite_strict_keeps_the_session_off_every_request_of_another_site_and_none_of_a_same_site_origin() {
    assert_samesite("samesite-strict", Carried { fetch: false, navigation: false, form_post: false }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samesite_lax_sends_the_session_on_another_sites_links_not_its_forms_and_everything_from_the_same_site() {
    assert_samesite("samesite-lax", Carried { fetch: false, navigation: true, form_post: false }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samesite_none_sends_the_session_on_another_sites_forms_and_links_but_not_its_fetch() {
    assert_samesite("samesite-none", CROSS_SITE_FETCH_ONLY_BLOCKED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unset_samesite_sends_a_fresh_session_on_another_sites_form_post_lax_plus_post() {
    // Within two minutes of the login, as the probe runs right after it.
    assert_samesite("samesite-unset", CROSS_SITE_FETCH_ONLY_BLOCKED).await;
}

/// The other half of Lax+POST: two minutes after the login, the cross-site form POST goes
/// without the cookie (Chromium's clock moved on 130 s rather than waiting for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unset_samesite_cookie_stops_riding_on_cross_site_posts_after_two_minutes() {
    let clock = ShiftedChromium::new();
    let lab = TestLab::start().await;
    let b = Browser::start_through(&clock.binary()).await;
    let id = "samesite-unset";
    let visitor = attack::visitor(id);
    attack::log_in(&b, &lab, &format!("/s/{id}"), &visitor).await;
    clock.shift(130).await;
    let a = attack::run(&b, &lab, &lab.cross_site_attacker, id, false, &visitor).await;
    assert_eq!(carried(&a, &format!("/s/{id}")), Carried { fetch: false, navigation: true, form_post: false });
    assert_eq!(a.outcome, "failed", "{:#?}", a.loot);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_samesite_none_cookie_without_secure_is_refused_so_the_login_fails_for_want_of_a_csrf_cookie() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    b.goto(&format!("{}/", lab.page_origin)).await;
    b.network().await;
    let api = format!("{}/s/samesite-none-insecure", lab.api_origin);
    let out = b
        .run(&format!(
            "const t = await (await fetch('{api}/api/csrf/', {{credentials: 'include'}})).json(); \
             const r = await fetch('{api}/api/login/', {{method: 'POST', credentials: 'include', \
               headers: {{'Content-Type': 'application/json', 'X-CSRFToken': t.csrfToken}}, \
               body: JSON.stringify({{username: 'demo', password: 'demo-password'}})}}); \
             return [r.status, (await r.json()).reason];"
        ))
        .await;
    assert_eq!(out, serde_json::json!([403, "CSRF cookie not set."]));
    // Chromium says why: the Set-Cookie of /api/csrf/ was refused.
    let refused: Vec<String> = b
        .network()
        .await
        .events
        .iter()
        .filter(|e| e["method"] == "Network.responseReceivedExtraInfo")
        .flat_map(|e| e["params"]["blockedCookies"].as_array().cloned().unwrap_or_default())
        .flat_map(|c| c["blockedReasons"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    assert!(refused.iter().any(|r| r == "SameSiteNoneInsecure"), "{refused:?}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_key_becomes_the_victims_session_where_login_keeps_it_and_dies_where_login_cycles_it() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.same_site_attacker.clone();
    let id = "session-fixation";

    for (against_default, mount) in [(false, format!("/s/{id}")), (true, String::new())] {
        let visitor = attack::visitor(id);
        // The exploit plants its key, then waits for the login in a tab of its own.
        let exploit = b.client.window().await.unwrap();
        let against = if against_default { "&against=default" } else { "" };
        b.goto(&format!("{attacker}/{id}/?lab={visitor}{against}")).await;
        b.wait_until("document.body.dataset.phase === 'planted' || document.body.dataset.outcome !== 'running'").await;
        let lab_tab = b.client.new_window(true).await.unwrap().handle;
        b.client.switch_to_window(lab_tab).await.unwrap();
        attack::log_in(&b, &lab, &mount, &visitor).await;
        b.client.close_window().await.unwrap();
        b.client.switch_to_window(exploit).await.unwrap();
        b.wait_until("document.body.dataset.outcome !== 'running'").await;
        let outcome = b.run("return document.body.dataset.outcome;").await;
        let loot = b.run("return window.corslabLoot;").await;
        let key = loot["planted"]["key"].as_str().unwrap().to_owned();
        // The login carried the planted key (the lab page's request, in the exchange log).
        let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
        let feed: Value = client().get(format!("{page}/exchanges?lab={visitor}")).send().await.unwrap().json().await.unwrap();
        let login = feed["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["method"] == "POST" && e["url"].as_str().unwrap().starts_with(&format!("{mount}/api/login/")) && header(e, "origin") == Some(&lab.page_origin))
            .unwrap();
        assert!(login["cookies"].as_array().unwrap().iter().any(|c| c == "sessionid"), "{login:#}");
        // What the key opens now, asked by the test itself.
        let session = client().get(lab.url(&format!("{mount}/api/session-data/"))).header("cookie", format!("sessionid={key}")).send().await.unwrap();
        if against_default {
            assert_eq!(outcome, "failed", "{loot:#}");
            assert_eq!(loot["key_now_belongs_to"], Value::Null, "the login cycled the key: {loot:#}");
            assert_eq!(session.status(), 401);
        } else {
            assert_eq!(outcome, "succeeded", "{loot:#}");
            assert_eq!(loot["session"]["username"], "demo");
            let body: Value = session.json().await.unwrap();
            assert_eq!(body["username"], "demo", "the attacker's key is the victim's session");
        }
    }
    b.close().await;
}
