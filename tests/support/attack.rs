//! Running a scenario's exploit the way a learner does, in one real Chromium: log in to the
//! lab from the lab page, visit the attacker's exploit page, and collect what Chromium
//! reported, what the exploit obtained, and what corslab's exchange log said about each of
//! the attack's requests.

use serde_json::Value;

use super::TestLab;
use super::browser::{Browser, Network};

/// A visitor id of the lab's shape, new for each run.
pub fn visitor(label: &str) -> String {
    format!("{label}-{}", corslab::random::hex::<6>())
}

/// Logs the browser into `mount` (`""` for the default, `/s/<id>` for a scenario) from the
/// lab page, as the page's "log in" does: a CSRF token, then the login with it.
pub async fn log_in(b: &Browser, lab: &TestLab, mount: &str, visitor: &str) {
    log_in_from(b, lab, &format!("{}/", lab.page_origin), mount, visitor).await;
}

/// [`log_in`] from the page at `from`: a page on the API's own origin logs in to a mount
/// whose CORS answers keep the lab page out (same-origin fetches need no CORS).
pub async fn log_in_from(b: &Browser, lab: &TestLab, from: &str, mount: &str, visitor: &str) {
    b.goto(from).await;
    let api = format!("{}{mount}", lab.api_origin);
    let out = b
        .run(&format!(
            "const tag = 'lab={visitor}.include'; \
             const t = await (await fetch('{api}/api/csrf/?' + tag, {{credentials: 'include'}})).json(); \
             const r = await fetch('{api}/api/login/?' + tag, {{method: 'POST', credentials: 'include', \
               headers: {{'Content-Type': 'application/json', 'X-CSRFToken': t.csrfToken}}, \
               body: JSON.stringify({{username: 'demo', password: 'demo-password'}})}}); \
             return r.status;"
        ))
        .await;
    assert_eq!(out, 200, "logging in to {api} from {from}");
}

pub struct Attack {
    /// `succeeded` or `failed`, as the exploit page concluded.
    pub outcome: String,
    /// What the exploit page obtained and reported.
    pub loot: Value,
    /// Chromium's network events while the exploit ran.
    pub network: Network,
    pub console: Vec<String>,
    /// corslab's exchange log for the visitor: every API exchange of the attack, judged.
    pub exchanges: Vec<Value>,
    /// The attacker's own access log for the visitor.
    pub attacker_log: Vec<Value>,
}

/// Opens `attacker`'s exploit page for scenario `id` (against the default mount if asked)
/// and waits for its outcome.
pub async fn run(b: &Browser, lab: &TestLab, attacker: &str, id: &str, against_default: bool, visitor: &str) -> Attack {
    b.network().await;
    b.console().await;
    let against = if against_default { "&against=default" } else { "" };
    b.goto(&format!("{attacker}/{id}/?lab={visitor}{against}")).await;
    b.wait_until("document.body && document.body.dataset.outcome && document.body.dataset.outcome !== 'running'").await;
    let outcome = b.run("return document.body.dataset.outcome;").await.as_str().unwrap_or_default().to_owned();
    let loot = b.run("return window.corslabLoot || null;").await;
    let network = b.network().await;
    let console = b.console().await.into_iter().map(|e| e.message).collect();
    let page = format!("http://127.0.0.1:{}", lab.page_addr.port());
    let feed: Value = super::client().get(format!("{page}/exchanges?lab={visitor}")).send().await.unwrap().json().await.unwrap();
    let exchanges = feed["exchanges"].as_array().cloned().unwrap_or_default();
    let log: Value = super::client().get(format!("{attacker}/log.json?lab={visitor}")).send().await.unwrap().json().await.unwrap();
    let attacker_log = log["entries"].as_array().cloned().unwrap_or_default();
    Attack { outcome, loot, network, console, exchanges, attacker_log }
}

impl Attack {
    /// The exchanges the attacker's page caused (its `Origin`), oldest first.
    pub fn from(&self, origin: &str) -> Vec<&Value> {
        self.exchanges.iter().filter(|e| header(e, "origin") == Some(origin)).collect()
    }

    /// Asserts that for every exchange of the attack corslab's verdict is Chromium's: the
    /// same CorsError where Chromium blocked the request, a pass where it did not.
    pub fn assert_verdicts_agree_with_chromium(&self, lab: &TestLab, origin: &str) {
        self.assert_verdicts_agree_on(lab, &self.from(origin));
    }

    /// [`Attack::assert_verdicts_agree_with_chromium`] for these exchanges of the attack.
    pub fn assert_verdicts_agree_on(&self, lab: &TestLab, attack: &[&Value]) {
        assert!(!attack.is_empty(), "the attack reached the API: {:#?}", self.exchanges);
        for &e in attack {
            let url = format!("{}{}", lab.api_origin, e["url"].as_str().unwrap());
            let browser = &e["browser"];
            let blocked = browser["verdict"]["outcome"] == "blocked";
            // Chromium reports a failed preflight on the request it was for.
            let method = match browser["kind"].as_str() {
                Some("preflight") if !blocked => continue,
                Some("preflight") => header(e, "access-control-request-method").unwrap_or_default(),
                _ => e["method"].as_str().unwrap(),
            };
            let ours = browser["verdict"]["cors_error"].as_str().unwrap_or_default();
            let chromium = self.network.cors_errors_of(&url, method);
            if blocked {
                assert_eq!(chromium, [ours], "{method} {url}: corslab says {ours}, Chromium {chromium:?}");
            } else {
                assert!(chromium.is_empty(), "{method} {url}: corslab lets it through, Chromium says {chromium:?}");
            }
        }
    }
}

fn header<'a>(exchange: &'a Value, name: &str) -> Option<&'a str> {
    exchange["request_headers"].as_array()?.iter().find(|h| h[0] == name).and_then(|h| h[1].as_str())
}
