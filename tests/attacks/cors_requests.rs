//! Attacks on the scenarios of `assets/scenarios/cors-requests.toml`.
//!
//! Most of them are traps, not holes: their demonstration is the lab page's own calls, made
//! from the page's origin (which the scenario allows) at `/demo/<id>/` on the page origin.
//! It "succeeds" when exactly the calls the trap breaks fail, and fails against the default
//! mount, where every call works. vary-missing is a real attack: the cross-site attacker
//! plants a copy in the cache, and the page's own call then gets it.

use serde_json::Value;

use crate::support::TestLab;
use crate::support::attack::{self, Attack};
use crate::support::browser::Browser;
use crate::support::clock::ShiftedChromium;

/// Runs the page's side of scenario `id` (its demonstration) against the scenario, then
/// against the default mount, each for a new visitor.
async fn demonstrate(lab: &TestLab, b: &Browser, id: &str) -> (Attack, Attack) {
    let demos = format!("{}/demo", lab.page_origin);
    let trap = attack::run(b, lab, &demos, id, false, &attack::visitor(id)).await;
    let default = attack::run(b, lab, &demos, id, true, &attack::visitor(id)).await;
    (trap, default)
}

/// The exchanges of `attack` for `path` (on its mount, without the query) and `method`.
fn exchanges<'a>(attack: &'a Attack, method: &str, path: &str) -> Vec<&'a Value> {
    attack
        .exchanges
        .iter()
        .filter(|e| e["method"] == method && e["url"].as_str().is_some_and(|u| u.split('?').next().unwrap().ends_with(path)))
        .collect()
}

fn verdict(e: &Value) -> &Value {
    &e["browser"]["verdict"]
}

fn response_header<'a>(e: &'a Value, name: &str) -> Option<&'a str> {
    e["response_headers"].as_array()?.iter().find(|h| h[0] == name).and_then(|h| h[1].as_str())
}

/// The page's own calls as the demonstration reported them, by call name.
fn call<'a>(attack: &'a Attack, name: &str) -> &'a Value {
    attack.loot["calls"].as_array().unwrap().iter().find(|c| c["call"] == name).unwrap_or_else(|| panic!("{name}: {:#?}", attack.loot))
}

/// The default mount answers every call the trap broke, and Chromium agrees with corslab.
fn assert_no_trap_on_the_default(lab: &TestLab, default: &Attack) {
    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    for c in default.loot["calls"].as_array().unwrap() {
        assert!(c.get("error").is_none(), "the default answers {c}");
    }
    default.assert_verdicts_agree_with_chromium(lab, &lab.page_origin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_headers_wildcard_lets_bearer_through_only_as_chromium_departs_and_never_with_credentials() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "allow-headers-wildcard").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    assert_eq!(call(&trap, "protected")["body"]["user"]["username"], "demo");
    assert_eq!(call(&trap, "protected_with_cookies")["error"], "TypeError: Failed to fetch");
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let gets = exchanges(&trap, "GET", "/api/protected/");
    let without_cookies = gets.iter().find(|e| e["url"].as_str().unwrap().contains(".omit")).expect("the Bearer GET was sent");
    let differs = verdict(without_cookies)["standard_differs"]["en"].as_str().unwrap_or_default();
    assert!(differs.contains("Fetch Standard") && differs.contains("Authorization"), "corslab says both: {differs:?}");
    let preflights = exchanges(&trap, "OPTIONS", "/api/protected/");
    let refused = preflights.iter().find(|e| e["url"].as_str().unwrap().contains(".include")).unwrap();
    assert_eq!(verdict(refused)["cors_error"], "HeaderDisallowedByPreflightResponse");
    assert_eq!(verdict(refused)["failed_parameter"], "authorization", "with credentials `*` is only a name");
    // Chromium never caches a preflight that let Authorization through `*`: each call asks.
    assert_eq!(preflights.len(), 2, "{preflights:#?}");

    assert_no_trap_on_the_default(&lab, &default);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_missing_locks_the_pages_cookie_calls_out_with_invalid_allow_credentials() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "credentials-missing").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    assert_eq!(call(&trap, "hello")["status"], 200);
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let csrf = exchanges(&trap, "GET", "/api/csrf/");
    assert_eq!(csrf.len(), 1);
    assert_eq!(csrf[0]["status"], 200, "the server answered; the browser withheld it");
    assert_eq!(verdict(csrf[0])["cors_error"], "InvalidAllowCredentials");

    assert_no_trap_on_the_default(&lab, &default);
    assert_eq!(call(&default, "csrf")["body"]["csrfToken"].as_str().map(str::len), Some(64));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_after_auth_fails_the_valid_bearer_call_at_its_preflight_401() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "preflight-after-auth").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    assert!(call(&trap, "token")["body"]["access"].is_string(), "open endpoints work");
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let preflight = exchanges(&trap, "OPTIONS", "/api/protected/");
    assert_eq!(preflight.len(), 1);
    assert_eq!(preflight[0]["status"], 401);
    assert_eq!(verdict(preflight[0])["cors_error"], "PreflightMissingAllowOriginHeader");
    assert!(verdict(preflight[0])["standard_differs"]["en"].as_str().unwrap_or_default().contains("PreflightInvalidStatus"));
    assert!(exchanges(&trap, "GET", "/api/protected/").is_empty(), "the GET was never sent");

    assert_no_trap_on_the_default(&lab, &default);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_after_routing_lets_simple_gets_through_and_fails_every_preflight_at_404() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "preflight-after-routing").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    assert_eq!(call(&trap, "hello")["status"], 200);
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let preflight = exchanges(&trap, "OPTIONS", "/api/token/");
    assert_eq!((preflight.len(), &preflight[0]["status"]), (1, &Value::from(404)));
    assert_eq!(verdict(preflight[0])["cors_error"], "PreflightMissingAllowOriginHeader");

    assert_no_trap_on_the_default(&lab, &default);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_without_cors_hide_the_real_401_and_404_behind_failed_to_fetch() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "errors-without-cors").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    for (path, status) in [("/api/protected/", 401), ("/api/hello", 404)] {
        let got = exchanges(&trap, "GET", path);
        assert_eq!(got.len(), 1, "{path}");
        assert_eq!(got[0]["status"], status, "{path}: the server's real answer");
        assert_eq!(verdict(got[0])["cors_error"], "MissingAllowOriginHeader", "{path}");
    }

    assert_no_trap_on_the_default(&lab, &default);
    assert_eq!(call(&default, "protected_with_bad_token")["body"]["code"], "token_invalid");
    assert!(call(&default, "hello_without_slash")["body"]["detail"].as_str().unwrap().contains("/api/hello/"));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preflight_redirect_is_never_followed_and_a_simple_gets_redirect_is_blocked_too() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "preflight-redirect").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    assert_eq!(call(&trap, "hello")["status"], 200);
    let preflight = exchanges(&trap, "OPTIONS", "/api/token");
    assert_eq!((preflight.len(), &preflight[0]["status"]), (1, &Value::from(301)));
    assert_eq!(verdict(preflight[0])["cors_error"], "PreflightDisallowedRedirect");
    let hello = exchanges(&trap, "GET", "/api/hello");
    assert_eq!((hello.len(), &hello[0]["status"]), (1, &Value::from(301)));
    assert_eq!(verdict(hello[0])["cors_error"], "MissingAllowOriginHeader");
    assert!(exchanges(&trap, "POST", "/api/token/").is_empty() && exchanges(&trap, "POST", "/api/token").is_empty(), "the POST was never sent");
    assert_eq!(exchanges(&trap, "GET", "/api/hello/").len(), 1, "Chromium followed no redirect: only the page's own GET with its slash");

    assert_no_trap_on_the_default(&lab, &default);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_preflight_answer_outlives_the_policy_change_while_a_fresh_url_gets_the_new_one() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (trap, default) = demonstrate(&lab, &b, "max-age-outlives-change").await;

    assert_eq!(trap.outcome, "succeeded", "{:#?}", trap.loot);
    assert_eq!(call(&trap, "change_policy")["body"]["changed"], true);
    trap.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let calls: Vec<&Value> = trap.loot["calls"].as_array().unwrap().iter().filter(|c| c["call"] == "protected").collect();
    assert!(calls.iter().all(|c| c["status"] == 200), "before and after the change: {calls:#?}");

    // At the first URL: one preflight (before the change), then two GETs; the second, after
    // the change, answered from Chromium's preflight cache, and corslab says so.
    let stable = |e: &&&Value| !e["url"].as_str().unwrap().contains("fresh=");
    let preflights: Vec<_> = exchanges(&trap, "OPTIONS", "/api/protected/");
    let gets: Vec<_> = exchanges(&trap, "GET", "/api/protected/").into_iter().filter(|e| stable(&e)).collect();
    assert_eq!(preflights.iter().filter(stable).count(), 1, "{preflights:#?}");
    assert_eq!(gets.len(), 2);
    let cached = &gets[1]["browser"];
    assert_eq!(cached["verdict"]["outcome"], "pass");
    assert_eq!(cached["from_cache"]["preflight_id"], preflights.iter().find(stable).unwrap()["id"], "{cached:#}");
    let until = cached["from_cache"]["until_ms"].as_u64().unwrap() - preflights.iter().find(stable).unwrap()["at_ms"].as_u64().unwrap();
    assert_eq!(until, 7_200_000, "Max-Age 86400, capped at 2 h as Chromium does");
    let first_url = format!("{}{}", lab.api_origin, gets[0]["url"].as_str().unwrap());
    let sent = trap.network.requests().iter().filter(|(m, u, pre)| *pre && m == "OPTIONS" && *u == first_url).count();
    assert_eq!(sent, 1, "Chromium sent one preflight for the first URL, before the change");

    // A URL this browser had not preflighted gets the narrowed answer.
    let fresh: Vec<_> = preflights.iter().filter(|e| !stable(e)).collect();
    assert_eq!(fresh.len(), 1);
    assert!(!response_header(fresh[0], "access-control-allow-headers").unwrap().contains("authorization"));
    assert_eq!(verdict(fresh[0])["cors_error"], "HeaderDisallowedByPreflightResponse");
    assert_eq!(verdict(fresh[0])["failed_parameter"], "authorization");

    assert_no_trap_on_the_default(&lab, &default);
    assert!(call(&default, "change_policy")["skipped"].is_string());
    b.close().await;
}

/// Runs the cache-poisoning exploit of `id` (against the default mount if asked), which
/// ends on the page's side: the lab page's own call after the attack.
async fn poison(lab: &TestLab, b: &Browser, id: &str, against_default: bool) -> Attack {
    attack::run(b, lab, &lab.cross_site_attacker, id, against_default, &attack::visitor(id)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vary_missing_lets_the_cross_site_attacker_plant_a_copy_that_breaks_the_pages_own_call() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attack = poison(&lab, &b, "vary-missing", false).await;

    assert_eq!(attack.outcome, "succeeded", "{:#?}", attack.loot);
    assert_eq!(call(&attack, "hello")["error"], "TypeError: Failed to fetch");
    attack.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let hello = exchanges(&attack, "GET", "/api/hello/");
    assert_eq!(hello.len(), 2, "the attacker's, then the page's: {hello:#?}");
    let (planted, victim) = (hello[0], hello[1]);
    assert_eq!(planted["url"], victim["url"], "the same URL, the page's own");
    assert!(planted["request_headers"].as_array().unwrap().iter().all(|h| h[0] != "origin"), "no-cors: no Origin");
    assert_eq!(response_header(planted, "x-cache"), Some("MISS"));
    assert_eq!(verdict(planted)["outcome"], "pass", "an opaque answer, as Chromium gave it");
    assert_eq!(verdict(planted)["js"]["response_type"], "opaque");
    assert_eq!(response_header(victim, "x-cache"), Some("HIT"), "the page got the attacker's copy");
    assert_eq!(verdict(victim)["cors_error"], "MissingAllowOriginHeader");
    // Chromium reported one CORS error for that URL: the page's. The attacker's no-cors load
    // got an opaque answer (whose JSON body Chromium's opaque-response blocking then cut).
    let url = format!("{}{}", lab.api_origin, victim["url"].as_str().unwrap());
    let events = |method: &'static str| attack.network.events.iter().filter(move |e| e["method"] == method).map(|e| &e["params"]);
    let ids: Vec<&Value> = events("Network.requestWillBeSent").filter(|p| p["request"]["url"] == url.as_str()).map(|p| &p["requestId"]).collect();
    let errors: Vec<&Value> = events("Network.loadingFailed").filter(|p| ids.contains(&&p["requestId"])).filter_map(|p| p.get("corsErrorStatus")).collect();
    assert_eq!((ids.len(), errors.len()), (2, 1), "{errors:#?}");
    assert_eq!(errors[0]["corsError"], "MissingAllowOriginHeader");
    assert!(attack.attacker_log.iter().any(|e| e["method"] == "POST" && e["body"].as_str().unwrap().contains("opaque")), "{:#?}", attack.attacker_log);

    let default = poison(&lab, &b, "vary-missing", true).await;
    assert_eq!(default.outcome, "failed", "no cache in front of the default: {:#?}", default.loot);
    assert_eq!(call(&default, "hello")["status"], 200);
    default.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);

    // The fix: the same cache in front of an API that says Vary: origin.
    let fixed = poison(&lab, &b, "cdn-with-vary", false).await;
    assert_eq!(fixed.outcome, "failed", "{:#?}", fixed.loot);
    assert_eq!(call(&fixed, "hello")["status"], 200);
    fixed.assert_verdicts_agree_with_chromium(&lab, &lab.page_origin);
    let hello = exchanges(&fixed, "GET", "/api/hello/");
    assert_eq!(hello.iter().map(|e| response_header(e, "x-cache")).collect::<Vec<_>>(), [Some("MISS"), Some("MISS")], "one copy per Origin");
    b.close().await;
}

/// Measures the cap with Chromium's clock moved forward: the preflight answer cached before
/// the policy change (Max-Age 86400) is still used 7180 s later, and no longer 7230 s later,
/// when Chromium asks again and gets the narrowed policy. So the cap is 7200 s, not the
/// 86400 s the API asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_keeps_the_old_preflight_answer_for_at_most_7200_s_then_gets_the_new_policy() {
    let clock = ShiftedChromium::new();
    let lab = TestLab::start().await;
    let b = Browser::start_through(&clock.binary()).await;
    let visitor = attack::visitor("max-age-cap");
    b.goto(&format!("{}/", lab.page_origin)).await;
    let api = format!("{}/s/max-age-outlives-change/api", lab.api_origin);
    let bearer_call = format!(
        "const tag = 'lab={visitor}.omit'; \
         if (!window.token) {{ \
           const t = await fetch('{api}/token/?' + tag, {{method: 'POST', credentials: 'omit', \
             headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{username: 'demo', password: 'demo-password'}})}}); \
           window.token = (await t.json()).access; }} \
         try {{ const r = await fetch('{api}/protected/?' + tag, {{credentials: 'omit', headers: {{Authorization: 'Bearer ' + window.token}}}}); return r.status; }} \
         catch (e) {{ return String(e); }}"
    );
    let protected = format!("{api}/protected/?lab={visitor}.omit");
    let mut events = Vec::new();
    let mut step = async |label: &str| {
        let got = b.run(&bearer_call).await;
        let network = b.network().await;
        let preflighted = network.requests().iter().any(|(m, u, pre)| *pre && m == "OPTIONS" && *u == protected);
        events.extend(network.events);
        eprintln!("{label}: {got}, preflight sent: {preflighted}");
        (got, preflighted)
    };

    assert_eq!(step("before the change").await, (Value::from(200), true));
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let switch = crate::support::client().post(format!("{page}/scenarios/max-age-outlives-change/change?lab={visitor}")).send().await.unwrap();
    assert_eq!(switch.status(), reqwest::StatusCode::OK);
    clock.shift(7180).await;
    assert_eq!(step("changed, +7180 s").await, (Value::from(200), false), "still the cached answer");
    clock.shift(7230).await;
    assert_eq!(step("changed, +7230 s").await, (Value::from("TypeError: Failed to fetch"), true), "asked again: refused");

    // Per fetch, in order: Chromium's CORS error (reported on the request a failed preflight
    // was for) and corslab's (a blocked preflight stands for its request). The same URL
    // passes and then fails, so the check goes by order, not by URL.
    let network = crate::support::browser::Network { events };
    let ids: Vec<&Value> = network
        .events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent" && e["params"]["request"]["url"] == protected.as_str())
        .filter(|e| e["params"]["initiator"]["type"] != "preflight")
        .map(|e| &e["params"]["requestId"])
        .collect();
    let chromium: Vec<Option<&str>> = ids
        .iter()
        .map(|id| {
            let failed = network.events.iter().find(|e| e["method"] == "Network.loadingFailed" && e["params"]["requestId"] == **id);
            failed.and_then(|e| e["params"]["corsErrorStatus"]["corsError"].as_str())
        })
        .collect();
    let page_feed: Value = crate::support::client().get(format!("{page}/exchanges?lab={visitor}")).send().await.unwrap().json().await.unwrap();
    let ours: Vec<Option<&str>> = page_feed["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["url"].as_str().is_some_and(|u| u.contains("/api/protected/")))
        .filter(|e| e["browser"]["kind"] == "request" || verdict(e)["outcome"] == "blocked")
        .map(|e| verdict(e)["cors_error"].as_str())
        .collect();
    assert_eq!(chromium, [None, None, Some("HeaderDisallowedByPreflightResponse")]);
    assert_eq!(ours, chromium, "corslab's verdict on each fetch is Chromium's");
    b.close().await;
}
