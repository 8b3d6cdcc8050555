//! Attacks on the scenarios of `assets/scenarios/cors-origins.toml`.

use crate::attack_both;
use crate::support::TestLab;
use crate::support::browser::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflect_origin_lets_the_same_site_attacker_read_the_session_and_the_default_does_not() {
    let lab = TestLab::start().await;
    let b = Browser::start().await;
    let attacker = lab.same_site_attacker.clone();
    let (vulnerable, default) = attack_both(&lab, &b, &attacker, "reflect-origin").await;

    assert_eq!(vulnerable.outcome, "succeeded", "{:#?}", vulnerable.loot);
    assert_eq!(vulnerable.loot["session"]["body"]["username"], "demo");
    assert_eq!(vulnerable.loot["csrf"]["body"]["csrfToken"].as_str().map(str::len), Some(64));
    vulnerable.assert_verdicts_agree_with_chromium(&lab, &attacker);
    // The attacker's server received the loot, as an exploit server's log shows it.
    assert!(vulnerable.attacker_log.iter().any(|e| e["method"] == "POST" && e["body"].as_str().unwrap().contains("\"demo\"")), "{:#?}", vulnerable.attacker_log);

    assert_eq!(default.outcome, "failed", "{:#?}", default.loot);
    assert_eq!(default.loot["session"]["error"], "TypeError: Failed to fetch");
    default.assert_verdicts_agree_with_chromium(&lab, &attacker);
    let blocked = default.from(&attacker);
    assert!(blocked.iter().all(|e| e["browser"]["verdict"]["cors_error"] == "MissingAllowOriginHeader"), "{blocked:#?}");
    b.close().await;
}
