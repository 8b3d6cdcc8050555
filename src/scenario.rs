//! Scenarios: the unit an API mount reads.
//!
//! A scenario is one setting for every layer the lab teaches — CORS, CSRF, cookies,
//! sessions, the JWT verifier — as plain data ([`Layers`]). The default mount (`/api/…`) runs
//! the article's settings, from the operator's configuration. Every catalogue scenario is
//! mounted at `/s/<id>/api/…`: the same route table, the same handlers and rule modules,
//! only other data. A broken scenario's mistakes are not refused (that is the point); the
//! [`lint`] describes them, and the lab page shows what it found.
//!
//! The catalogue ([`catalogue`]) is data too: `assets/scenarios/*.toml`, each entry a few
//! overrides of the article's layers plus the texts, attack and fix the page shows.

use serde::{Deserialize, Serialize};

use crate::cdn::CdnSettings;
use crate::cookie::CookieSettings;
use crate::cors::CorsPolicy;
use crate::csrf::CsrfSettings;
use crate::jwt::JwtVerifier;
use crate::origin::Origin;
use crate::session::SessionSettings;

pub mod calls;
pub mod catalogue;
pub mod lint;
pub mod switch;

/// Every layer's settings for one API mount.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub cors: CorsPolicy,
    pub csrf: CsrfSettings,
    pub cookies: CookieSettings,
    pub sessions: SessionSettings,
    pub jwt: JwtVerifier,
    /// A shared cache (a CDN) in front of the mount; none for the article.
    pub cdn: Option<CdnSettings>,
}

/// The lab's own origins, which scenarios are written against.
#[derive(Clone, Debug)]
pub struct LabOrigins {
    pub page: Origin,
    pub api: Origin,
    /// Same site as the API, another origin: `http://localhost:8003` (ports do not count
    /// for sites, so its requests carry `SameSite=Lax` cookies).
    pub same_site_attacker: Origin,
    /// Another site: `http://127.0.0.1:8002`.
    pub cross_site_attacker: Origin,
}

/// Where scenario `id` is mounted on the API origin.
pub fn prefix(id: &str) -> String {
    format!("/s/{id}")
}

/// The id of the scenario the default mount runs: the article's settings.
pub const ARTICLE: &str = "article";

/// Where the page origin serves the demonstrations of the scenarios that show themselves
/// through the page's own calls ([`catalogue::Attack::calls`]), at `<DEMOS>/<id>/`.
pub const DEMOS: &str = "/demo";

/// The API before anyone installed django-cors-headers, also mounted at its old path.
pub const WITHOUT_CORS: &str = "without-cors";

/// Where [`WITHOUT_CORS`] was mounted before scenarios existed; the lab page's "blocked
/// request" experiment and existing links use it.
pub const WITHOUT_CORS_ALIAS: &str = "/without-cors";

impl Layers {
    /// The article's settings (SPEC §2) for these CORS-allowed and CSRF-trusted origins and
    /// cookie attributes: the default mount.
    pub fn article(allowed: &[Origin], trusted: &[Origin], cookies: CookieSettings) -> Layers {
        Layers {
            cors: CorsPolicy::article(allowed),
            csrf: CsrfSettings::django(trusted),
            cookies,
            sessions: SessionSettings::DJANGO,
            jwt: JwtVerifier::Strict,
            cdn: None,
        }
    }
}

/// `GET /scenarios.json` on the page origin: the catalogue as the lab page and tools read
/// it. Each entry adds to the catalogue's fields where its API is mounted, where its
/// exploit page is, and what the [`lint`] finds in its layers.
pub fn listing(entries: &[catalogue::Entry], origins: &LabOrigins) -> String {
    #[derive(Serialize)]
    struct Listed<'a> {
        #[serde(flatten)]
        entry: &'a catalogue::Entry,
        api: String,
        /// The exploit page of the attack's `from` attacker.
        exploit: String,
        /// Every attacker's exploit page for it, `from` first.
        exploits: Vec<Exploit>,
        /// The steps the lab page offers to run the attack, in order ([`catalogue::Attack::flow`]).
        flow: &'a [catalogue::Step],
        lint: Vec<lint::Finding>,
    }
    #[derive(Serialize)]
    struct Exploit {
        from: catalogue::AttackerSite,
        url: String,
    }
    let listed: Vec<Listed<'_>> = entries
        .iter()
        .map(|entry| {
            let exploits: Vec<Exploit> = entry
                .attack
                .sites()
                .map(|from| {
                    let url = match from {
                        catalogue::AttackerSite::SameSite => format!("{}/{}/", origins.same_site_attacker, entry.id),
                        catalogue::AttackerSite::CrossSite => format!("{}/{}/", origins.cross_site_attacker, entry.id),
                        catalogue::AttackerSite::Page => format!("{}{DEMOS}/{}/", origins.page, entry.id),
                    };
                    Exploit { from, url }
                })
                .collect();
            Listed {
                api: format!("{}{}", origins.api, prefix(&entry.id)),
                exploit: exploits[0].url.clone(),
                exploits,
                flow: entry.attack.flow(),
                lint: lint::lint(&entry.layers, origins),
                entry,
            }
        })
        .collect();
    serde_json::to_string(&serde_json::json!({ "scenarios": listed })).expect("the catalogue serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lab's default origins.
    pub(super) fn origins() -> LabOrigins {
        LabOrigins {
            page: "http://localhost:8000".parse().unwrap(),
            api: "http://localhost:8001".parse().unwrap(),
            same_site_attacker: "http://localhost:8003".parse().unwrap(),
            cross_site_attacker: "http://127.0.0.1:8002".parse().unwrap(),
        }
    }

    fn catalogue() -> Vec<catalogue::Entry> {
        let o = origins();
        let base = Layers::article(std::slice::from_ref(&o.page), std::slice::from_ref(&o.page), CookieSettings::default());
        catalogue::load(&base, &o).unwrap()
    }

    #[test]
    fn the_lint_names_every_deliberate_mistake_and_none_in_the_article() {
        let o = origins();
        let article = Layers::article(std::slice::from_ref(&o.page), std::slice::from_ref(&o.page), CookieSettings::default());
        assert_eq!(lint::lint(&article, &o), Vec::new());
        for entry in catalogue() {
            let mut found: Vec<&str> = lint::lint(&entry.layers, &o).iter().map(|f| f.class).collect();
            found.sort_unstable();
            let mut listed: Vec<&str> = entry.classes.iter().map(String::as_str).collect();
            listed.sort_unstable();
            assert_eq!(found, listed, "scenario {}", entry.id);
            assert_eq!(entry.vulnerable, lint::lint(&entry.layers, &o).iter().any(|f| f.severity >= lint::Severity::Medium), "{}: vulnerable iff a medium or worse finding", entry.id);
        }
    }

    #[test]
    fn the_catalogue_starts_with_the_article_and_scopes_each_scenarios_cookies() {
        let entries = catalogue();
        assert_eq!(entries[0].id, ARTICLE);
        assert!(entries.iter().any(|e| e.id == WITHOUT_CORS));
        for e in &entries {
            assert_eq!(e.layers.cookies.path, format!("/s/{}/", e.id));
            for t in [&e.title, &e.summary, &e.fix, &e.attack.steps] {
                assert!(!t.en.is_empty() && !t.ja.is_empty() && !t.en.contains('{'), "{}: {t:?}", e.id);
            }
        }
    }

    #[test]
    fn the_listing_says_where_each_scenario_is_and_what_is_wrong() {
        let o = origins();
        let listing: serde_json::Value = serde_json::from_str(&listing(&catalogue(), &o)).unwrap();
        let reflect = listing["scenarios"].as_array().unwrap().iter().find(|s| s["id"] == "reflect-origin").unwrap();
        assert_eq!(reflect["api"], "http://localhost:8001/s/reflect-origin");
        assert_eq!(reflect["exploit"], "http://localhost:8003/reflect-origin/");
        assert_eq!(reflect["lint"][0]["class"], "cors.reflect_origin_with_credentials");
        for field in ["title", "summary", "vulnerable", "classes", "attack", "fix", "snippets", "layers"] {
            assert!(reflect.get(field).is_some(), "{field}");
        }
        assert_eq!(reflect["group"], "article");
        assert_eq!(reflect["flow"], serde_json::json!(["log_in", "launch"]));
        let fixation = listing["scenarios"].as_array().unwrap().iter().find(|s| s["id"] == "session-fixation").unwrap();
        assert_eq!(fixation["flow"], serde_json::json!(["launch", "log_in"]), "the key is planted before the login");
        let rotation = listing["scenarios"].as_array().unwrap().iter().find(|s| s["id"] == "csrf-no-rotation").unwrap();
        assert_eq!(rotation["flow"], serde_json::json!(["log_in", "log_out_with_old_token"]), "the trap's own flow");
    }
}
