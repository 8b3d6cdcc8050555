//! Every vulnerable scenario, attacked from the attacker's origin in real Chromium against
//! the visitor's own lab session: the exploit succeeds against the scenario and fails
//! against the default mount, and corslab's verdict on each of the attack's exchanges is
//! the one Chromium reported. One module per catalogue group.

#[path = "../support/mod.rs"]
mod support;

mod cookies;
mod cors_origins;
mod cors_requests;
mod csrf;
mod jwt;

use support::TestLab;
use support::attack::{self, Attack};
use support::browser::Browser;

/// Logs in to the scenario and to the default mount, then runs the exploit against each.
pub async fn attack_both(lab: &TestLab, b: &Browser, attacker: &str, id: &str) -> (Attack, Attack) {
    let visitor = attack::visitor(id);
    attack::log_in(b, lab, &format!("/s/{id}"), &visitor).await;
    attack::log_in(b, lab, "", &visitor).await;
    let vulnerable = attack::run(b, lab, attacker, id, false, &visitor).await;
    let visitor = attack::visitor(id);
    let default = attack::run(b, lab, attacker, id, true, &visitor).await;
    (vulnerable, default)
}
