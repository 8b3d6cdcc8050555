//! Attacks on the scenarios of `assets/scenarios/jwt.toml`: the cross-site attacker, who knows
//! only the demo account's username and has an account of its own, reads `/api/protected/` as
//! the demo account (or, with its refresh token, at all). The visitor's browser runs the page;
//! the forged token goes from the attacker's own server, since the browser stops the page's
//! own call at the preflight, which is the verdict checked against Chromium.

use serde_json::Value;

use crate::support::attack::{self, Attack};
use crate::support::browser::Browser;
use crate::support::{TestLab, client};

/// The exploit against the scenario and against the default mount, in one browser.
async fn against_both(lab: &TestLab, id: &str) -> (Attack, Attack) {
    let b = Browser::start().await;
    let attacker = &lab.cross_site_attacker;
    let vulnerable = attack::run(&b, lab, attacker, id, false, &attack::visitor(id)).await;
    let default = attack::run(&b, lab, attacker, id, true, &attack::visitor(id)).await;
    b.close().await;
    (vulnerable, default)
}

/// `GET <mount>/api/protected/` with `token`, straight from the test: the API's own answer.
async fn protected(lab: &TestLab, mount: &str, token: &str) -> (u16, Value) {
    let r = client().get(lab.url(&format!("{mount}/api/protected/"))).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// What forging attacks share: the page's own call is stopped at its preflight (as Chromium
/// says), the token from the attacker's server is taken as the demo account at the scenario
/// and refused by the default, and the API says the same to a token replayed by the test.
async fn assert_forged_for_demo(lab: &TestLab, id: &str, vulnerable: &Attack, default: &Attack) {
    let attacker = &lab.cross_site_attacker;
    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    let used = &vulnerable.loot["used"];
    assert_eq!(used["browser"]["error"], "TypeError: Failed to fetch");
    assert_eq!(used["server"]["body"]["user"]["username"], "demo", "{used:#}");
    vulnerable.assert_verdicts_agree_with_chromium(lab, attacker);
    let preflights = vulnerable.from(attacker);
    assert!(preflights.iter().all(|e| e["browser"]["verdict"]["cors_error"] == "PreflightMissingAllowOriginHeader"), "{preflights:#?}");
    let token = vulnerable.loot["token"].as_str().unwrap();
    let (status, body) = protected(lab, &format!("/s/{id}"), token).await;
    assert_eq!((status, body["user"]["username"].as_str()), (200, Some("demo")));
    // The default mount's verifier is strict.
    let (status, body) = protected(lab, "", token).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("token_invalid")), "{body}");

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alg_none_token_written_from_the_username_reads_the_demo_account_and_the_default_refuses_it() {
    let lab = TestLab::start().await;
    let (vulnerable, default) = against_both(&lab, "jwt-alg-none").await;
    assert_forged_for_demo(&lab, "jwt-alg-none", &vulnerable, &default).await;
    let header = vulnerable.loot["token"].as_str().unwrap().split('.').next().unwrap().to_owned();
    assert_eq!(header, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", "{{\"alg\":\"none\",\"typ\":\"JWT\"}}");
    assert_eq!(default.loot["used"]["server"]["status"], 401);
    assert_eq!(default.loot["used"]["server"]["body"]["code"], "token_invalid");
    default.assert_verdicts_agree_with_chromium(&lab, &lab.cross_site_attacker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_secret_is_cracked_from_the_attackers_own_token_and_signs_one_for_demo_and_the_default_key_is_not_in_the_list() {
    let lab = TestLab::start().await;
    let (vulnerable, default) = against_both(&lab, "jwt-weak-secret").await;
    assert_forged_for_demo(&lab, "jwt-weak-secret", &vulnerable, &default).await;
    let cracking = &vulnerable.loot["cracking"];
    assert_eq!(cracking["word"], "your-256-bit-secret");
    assert!(cracking["tried"].as_u64().unwrap() > 100, "the list is a real one, the word not first: {cracking}");
    // The attacker's own token came from its own account.
    let own: Value = serde_json::from_slice(&base64_url(vulnerable.loot["own"].as_str().unwrap().split('.').nth(1).unwrap())).unwrap();
    assert_eq!(own["username"], corslab::attacker::ACCOUNT);
    // Against the default, no word reproduces the signature, so nothing is forged or sent.
    assert_eq!(default.loot["cracking"]["word"], Value::Null, "{:#?}", default.loot);
    assert_eq!(default.loot["cracking"]["tried"], default.loot["cracking"]["of"]);
    assert!(default.from(&lab.cross_site_attacker).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attackers_own_signature_under_demos_claims_passes_an_unchecking_verifier_and_not_the_default() {
    let lab = TestLab::start().await;
    let (vulnerable, default) = against_both(&lab, "jwt-signature-unchecked").await;
    assert_forged_for_demo(&lab, "jwt-signature-unchecked", &vulnerable, &default).await;
    let (own, forged) = (vulnerable.loot["own"].as_str().unwrap(), vulnerable.loot["token"].as_str().unwrap());
    assert_eq!(own.rsplit('.').next(), forged.rsplit('.').next(), "the signature is the attacker's own");
    assert_eq!(default.loot["used"]["server"]["body"]["code"], "token_invalid");
    default.assert_verdicts_agree_with_chromium(&lab, &lab.cross_site_attacker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_opens_protected_where_the_type_is_unchecked_and_not_at_the_default() {
    let lab = TestLab::start().await;
    let (vulnerable, default) = against_both(&lab, "jwt-refresh-as-access").await;
    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    let body = &vulnerable.loot["used"]["server"]["body"];
    assert_eq!((body["claims"]["token_type"].as_str(), body["user"]["username"].as_str()), (Some("refresh"), Some(corslab::attacker::ACCOUNT)));
    vulnerable.assert_verdicts_agree_with_chromium(&lab, &lab.cross_site_attacker);
    let refresh = vulnerable.loot["token"].as_str().unwrap();
    assert_eq!(protected(&lab, "/s/jwt-refresh-as-access", refresh).await.0, 200);

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    let body = &default.loot["used"]["server"]["body"];
    assert_eq!(body["detail"].as_str().map(|d| d.contains("refresh token cannot be used as an access token")), Some(true), "{body}");
    default.assert_verdicts_agree_with_chromium(&lab, &lab.cross_site_attacker);
}

fn base64_url(part: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()
}
