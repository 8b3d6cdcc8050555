//! Attacks on the scenarios of `assets/scenarios/cors-origins.toml`.

use serde_json::Value;

use crate::attack_both;
use crate::support::attack::{self, Attack};
use crate::support::browser::Browser;
use crate::support::{TestLab, client};

/// The same-site attacker's credentialed read against scenario `id`: it reads the visitor's
/// username and a CSRF token there and nothing from the default mount, its server receives
/// the loot, and corslab's verdict on every exchange is Chromium's.
async fn the_same_site_read_succeeds_only_against(id: &str) {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.same_site_attacker.clone();
    let (vulnerable, default) = attack_both(&lab, &b, &attacker, id).await;

    assert_eq!(vulnerable.outcome, "succeeded", "{id}: {:#?}", vulnerable.loot);
    assert_eq!(vulnerable.loot["session"]["body"]["username"], "demo");
    assert_eq!(vulnerable.loot["csrf"]["body"]["csrfToken"].as_str().map(str::len), Some(64));
    vulnerable.assert_verdicts_agree_with_chromium(&lab, &attacker);
    // The attacker's server received the loot, as an exploit server's log shows it.
    assert!(vulnerable.attacker_log.iter().any(|e| e["method"] == "POST" && e["body"].as_str().unwrap().contains("\"demo\"")), "{:#?}", vulnerable.attacker_log);

    assert_eq!(default.outcome, "failed", "{id}: {:#?}", default.loot);
    assert_eq!(default.loot["session"]["error"], "TypeError: Failed to fetch");
    default.assert_verdicts_agree_with_chromium(&lab, &attacker);
    let blocked = default.from(&attacker);
    assert!(blocked.iter().all(|e| e["browser"]["verdict"]["cors_error"] == "MissingAllowOriginHeader"), "{blocked:#?}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflect_origin_lets_the_same_site_attacker_read_the_session_and_the_default_does_not() {
    the_same_site_read_succeeds_only_against("reflect-origin").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_all_with_credentials_lets_the_same_site_attacker_read_the_session() {
    the_same_site_read_succeeds_only_against("allow-all-credentials").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_match_lets_in_another_port_of_the_page_host() {
    the_same_site_read_succeeds_only_against("prefix-match").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_suffix_match_lets_in_another_port_of_the_page_host() {
    the_same_site_read_succeeds_only_against("suffix-match").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substring_match_lets_in_another_port_of_the_page_host() {
    the_same_site_read_succeeds_only_against("substring-match").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_regex_without_dollar_lets_in_another_port_of_the_page_host() {
    the_same_site_read_succeeds_only_against("origin-regexes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusting_any_subdomain_lets_in_the_domain_itself_at_another_port() {
    the_same_site_read_succeeds_only_against("any-subdomain").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_http_origin_reads_the_session_for_whoever_answers_it() {
    the_same_site_read_succeeds_only_against("http-origin-trusted").await;
}

/// The exchanges that went through the exploit's path `via` (`redirect` or
/// `sandboxed-iframe`), all of them `Origin: null`.
fn via<'a>(attack: &'a Attack, how: &str) -> Vec<&'a Value> {
    let marker = format!("&via={how}");
    let found: Vec<&Value> = attack.from("null").into_iter().filter(|e| e["url"].as_str().is_some_and(|u| u.ends_with(&marker))).collect();
    assert!(!found.is_empty(), "no Origin: null exchange via {how}: {:#?}", attack.exchanges);
    found
}

/// The visitor id an attack's exchanges were tagged with (`?lab=<visitor>.<credentials>`).
fn visitor_of(attack: &Attack) -> String {
    let url = attack.exchanges.last().and_then(|e| e["url"].as_str()).expect("the attack left exchanges");
    let tag = url.split_once("lab=").map(|(_, tag)| tag).unwrap_or_default();
    tag.split(['.', '&']).next().unwrap_or_default().to_owned()
}

fn cookie_names(exchange: &Value) -> Vec<&str> {
    exchange["cookies"].as_array().unwrap().iter().filter_map(Value::as_str).collect()
}

/// Chromium runs the sandboxed iframe in a process of its own, whose network events
/// chromedriver's log does not carry; what the frame's script got is Chromium's verdict.
fn assert_the_frames_verdict_is_chromiums(attack: &Attack) {
    let read = &attack.loot["sandboxed"]["session"];
    let chromium_blocked = read["error"] == "TypeError: Failed to fetch";
    assert!(chromium_blocked || read["status"].is_u64(), "the frame reports a read or the browser's error: {read}");
    for e in via(attack, "sandboxed-iframe") {
        let verdict = &e["browser"]["verdict"];
        assert_eq!(verdict["outcome"] == "blocked", chromium_blocked, "corslab {verdict}, the frame {read}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_trusted_lets_a_redirected_fetch_read_the_session_while_a_sandboxed_iframe_gets_no_cookies() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let (vulnerable, default) = attack_both(&lab, &b, &lab.same_site_attacker, "null-origin").await;

    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    assert_eq!(vulnerable.loot["session"]["body"]["username"], "demo");
    assert_eq!(vulnerable.loot["csrf"]["body"]["csrfToken"].as_str().map(str::len), Some(64));
    // The sandboxed iframe is `null` too and CORS lets it read, but Chromium sends it no
    // SameSite=Lax cookie: the session is not there.
    assert_eq!(vulnerable.loot["sandboxed"]["origin"], "null");
    assert_eq!(vulnerable.loot["sandboxed"]["session"]["status"], 401, "{:#?}", vulnerable.loot);
    for e in via(&vulnerable, "sandboxed-iframe") {
        assert_eq!(cookie_names(e), Vec::<&str>::new(), "{e:#?}");
    }
    // Through the redirect the cookies went along.
    for e in via(&vulnerable, "redirect") {
        assert!(cookie_names(e).contains(&"sessionid"), "{e:#?}");
    }
    vulnerable.assert_verdicts_agree_on(&lab, &via(&vulnerable, "redirect"));
    assert_the_frames_verdict_is_chromiums(&vulnerable);
    // The hop is on the attacker's other server, which logged the attacker page asking.
    let visitor = visitor_of(&vulnerable);
    let hops: Value = client().get(format!("{}/log.json?lab={visitor}", lab.cross_site_attacker)).send().await.unwrap().json().await.unwrap();
    let hops = hops["entries"].as_array().unwrap();
    assert!(hops.iter().any(|e| e["url"].as_str().unwrap().starts_with("/hop?") && e["origin"] == lab.same_site_attacker.as_str()), "{hops:#?}");

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    assert_eq!(default.loot["session"]["error"], "TypeError: Failed to fetch");
    assert_eq!(default.loot["sandboxed"]["session"]["error"], "TypeError: Failed to fetch");
    let redirected = via(&default, "redirect");
    default.assert_verdicts_agree_on(&lab, &redirected);
    assert!(redirected.iter().all(|e| e["browser"]["verdict"]["cors_error"] == "MissingAllowOriginHeader"), "{redirected:#?}");
    assert_the_frames_verdict_is_chromiums(&default);
    b.close().await;
}

/// A mount answering `*`: even logged in there (from the API's own origin, as the lab page
/// cannot), the visitor's session is withheld from the attacker with WildcardOriginNotAllowed,
/// though the browser sent the cookies.
async fn a_wildcard_withholds_the_session_from_a_credentialed_read(id: &str) -> (TestLab, Browser) {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let visitor = attack::visitor(id);
    let mount = format!("/s/{id}");
    attack::log_in_from(&b, &lab, &format!("{}{mount}/api/hello/", lab.api_origin), &mount, &visitor).await;
    let attacker = lab.same_site_attacker.clone();
    let run = attack::run(&b, &lab, &attacker, id, false, &visitor).await;

    assert_eq!(run.outcome, "failed", "{id}: {:#?}", run.loot);
    assert_eq!(run.loot["session"]["error"], "TypeError: Failed to fetch");
    run.assert_verdicts_agree_with_chromium(&lab, &attacker);
    let reads = run.from(&attacker);
    assert!(reads.iter().all(|e| e["browser"]["verdict"]["cors_error"] == "WildcardOriginNotAllowed"), "{reads:#?}");
    assert!(reads.iter().all(|e| cookie_names(e).contains(&"sessionid")), "logged in, and the cookie went along: {reads:#?}");
    (lab, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_on_a_public_resource_gives_anyone_the_public_answer_and_no_one_the_session() {
    let (lab, b) = a_wildcard_withholds_the_session_from_a_credentialed_read("star-public").await;
    // The attacker page may read what is public, without credentials, like anyone.
    let hello = format!("{}/s/star-public/api/hello/", lab.api_origin);
    let read = b.run(&format!("const r = await fetch('{hello}'); return [r.status, r.headers.get('access-control-allow-origin')];")).await;
    assert_eq!(read, serde_json::json!([200, "*"]));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn star_beside_allow_credentials_is_refused_by_the_browser() {
    let (_lab, b) = a_wildcard_withholds_the_session_from_a_credentialed_read("star-with-credentials").await;
    b.close().await;
}
