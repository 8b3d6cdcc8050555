//! The scenario catalogue: `assets/scenarios/*.toml`, embedded in the binary.
//!
//! Each entry is a few overrides of the article's layers (a TOML table merged onto them, so
//! an entry says only what it breaks), plus what the lab page shows: title, summary, the
//! misconfiguration classes, the attack that works on it, the fix, and config snippets for
//! the secure version. The tower-http snippets live beside each TOML file in a Rust file of
//! the same name (`cors-origins.toml` → `cors_origins.rs`), which a test compiles, so none of them can rot.
//!
//! Strings may name the lab's origins as placeholders, filled in at start: `{page}`,
//! `{page_host}`, `{api}`, `{attacker}` (same site), `{cross_site_attacker}`, `{prefix}`
//! (the scenario's mount, e.g. `/s/reflect-origin`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::calls::PageCall;
use super::{LabOrigins, Layers, prefix};
use crate::verdict::Text;

macro_rules! group {
    ($name:literal, $rust:literal) => {
        (
            $name,
            include_str!(concat!("../../assets/scenarios/", $name, ".toml")),
            include_str!(concat!("../../assets/scenarios/", $rust, ".rs")),
        )
    };
}

/// The catalogue's groups, in the order the page lists them: each a TOML file of entries and
/// a Rust file of their tower-http snippets, one `// scenario: <id>` section each.
const GROUPS: [(&str, &str, &str); 6] = [
    group!("article", "article"),
    group!("cors-origins", "cors_origins"),
    group!("cors-requests", "cors_requests"),
    group!("csrf", "csrf"),
    group!("cookies", "cookies"),
    group!("jwt", "jwt"),
];


/// Which of the lab's attacker origins runs a scenario's exploit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackerSite {
    /// `http://localhost:8003`: another origin of the same site, like a sibling subdomain.
    SameSite,
    /// `http://127.0.0.1:8002`: another site altogether.
    CrossSite,
    /// No attacker: the lab page's own origin, for a scenario that is a trap rather than a
    /// hole. Its demonstration (at `/demo/<id>/` on the page origin) makes the page's own
    /// calls, which the scenario allows, and shows those it breaks.
    Page,
}

/// What a scenario's exploit page does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    /// Nothing to exploit: no exploit page.
    None,
    /// `fetch(…, {credentials: "include"})` of the visitor's session data and CSRF token,
    /// read if CORS lets the attacker's origin in.
    CredentialedRead,
    /// The same read as `Origin: null`, twice: from a sandboxed iframe (Chromium counts its
    /// requests as cross-site, so no `SameSite=Lax` cookie goes along), then through a
    /// redirect on the attacker's other origin (a fetch redirected across origins says
    /// `Origin: null` and keeps the page's cookies).
    NullOriginRead,
    /// A plain form posted to logout in a new window (a top-level navigation), carrying
    /// whichever of the visitor's cookies SameSite lets go along: they are logged out if the
    /// CSRF check lets it through.
    FormPost,
    /// A link-like top-level GET navigation to logout in a new window: SameSite=Lax cookies
    /// go along on top-level GETs from any site, and the CSRF check never looks at a GET.
    TopLevelGet,
    /// A form with `enctype="text/plain"` whose one field spells a JSON login of the
    /// attacker's own account (no preflight): the visitor's browser comes back logged in as
    /// the attacker (login CSRF).
    TextPlainJson,
    /// The lab page's own [`Attack::calls`], from its own origin ([`AttackerSite::Page`]):
    /// the trap springs when exactly the [`Attack::broken`] ones fail.
    PageCalls,
    /// A `no-cors` fetch (as an `<img>` would make, without `Origin`) of a URL the page
    /// calls, which a URL-keyed cache then hands to the page: the page's own calls, made
    /// next from its origin, fail as [`Attack::broken`] says.
    CachePoisoning,
    /// The three requests a page can make the visitor's browser send to the API — a
    /// credentialed fetch, a top-level GET navigation and a forged form POST (a logout), the
    /// last two in a window it opens — and which cookies went along on each, as the lab's
    /// referee (its exchange log) saw them: the attacker itself sees none of the answers.
    SamesiteProbe,
    /// Plants a session key of the attacker's own account in the visitor's browser before
    /// they log in (`document.cookie`, which a same-site origin may write for the API's
    /// host), then uses that key from the attacker's own server.
    FixateSession,
    /// Writes an unsigned token (`"alg": "none"`) for the victim's username.
    AlgNoneToken,
    /// Cracks the HMAC key of the attacker's own token against a small wordlist on the page
    /// (WebCrypto), then signs a token for the victim with it.
    CrackedSecret,
    /// Puts the victim's claims under the signature of the attacker's own token.
    UncheckedSignature,
    /// Uses the attacker's own refresh token where an access token is required.
    RefreshAsAccess,
}

/// What the learner does on the lab page to run an attack, one button each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The page's own login on the attacked mount (a CSRF token, then the login with it), so
    /// that the browser holds a session there for the attack to use.
    LogIn,
    /// Opens the exploit page in a new window.
    Launch,
    /// Asks the attacked mount, from the page, whose session the browser holds now: what a
    /// forgery did to it.
    CheckSession,
    /// The page's own logout with the CSRF token it fetched before its last login, as a page
    /// that keeps its old token does: where login rotates the secret, that token is stale.
    LogOutWithOldToken,
}

impl AttackKind {
    /// The steps of this kind of attack, in the order it needs them.
    pub fn flow(self) -> &'static [Step] {
        use Step::*;
        match self {
            // The trap shows itself in the page's own login (a 403, a refused cookie).
            AttackKind::None => &[LogIn],
            AttackKind::CredentialedRead | AttackKind::NullOriginRead | AttackKind::SamesiteProbe => &[LogIn, Launch],
            AttackKind::FormPost | AttackKind::TopLevelGet => &[LogIn, Launch, CheckSession],
            // Login CSRF needs no session of the visitor's: it leaves them in the attacker's.
            AttackKind::TextPlainJson => &[Launch, CheckSession],
            // The key is planted first and taken over by the visitor's next login.
            AttackKind::FixateSession => &[Launch, LogIn],
            // The victim is known by name; the forged token goes from the attacker's server.
            AttackKind::AlgNoneToken | AttackKind::CrackedSecret | AttackKind::UncheckedSignature | AttackKind::RefreshAsAccess => &[Launch],
            AttackKind::PageCalls | AttackKind::CachePoisoning => &[Launch],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attack {
    pub from: AttackerSite,
    /// The other attacker serves the same exploit too, where the lesson is the difference
    /// between them (`SameSite` decides by site: a sibling origin passes, another site not).
    #[serde(default)]
    pub also_from: Option<AttackerSite>,
    pub kind: AttackKind,
    /// What the exploit does and what it gains.
    pub steps: Text,
    /// The lab page's own calls the demonstration makes, in order (kinds that show what the
    /// scenario does to the page: [`AttackKind::PageCalls`], [`AttackKind::CachePoisoning`]).
    #[serde(default)]
    pub calls: Vec<PageCall>,
    /// Those of [`Attack::calls`] the scenario breaks (the fetch rejects); the others work.
    #[serde(default)]
    pub broken: Vec<PageCall>,
    /// The steps on the lab page, where a trap needs other calls than its kind's
    /// ([`AttackKind::flow`]); the listing serves [`Attack::flow`].
    #[serde(default, skip_serializing)]
    pub flow: Vec<Step>,
}

impl Attack {
    /// Whether the attack shows itself through the page's own calls.
    pub fn has_page_calls(&self) -> bool {
        matches!(self.kind, AttackKind::PageCalls | AttackKind::CachePoisoning)
    }

    fn check(&self) -> Result<(), String> {
        if self.flow().contains(&Step::Launch) == (self.kind == AttackKind::None) {
            return Err("the flow launches the exploit, if and only if there is one".into());
        }
        if (self.kind == AttackKind::PageCalls) != (self.from == AttackerSite::Page) {
            return Err("the page's own calls (kind = \"page_calls\") and only they come from = \"page\"".into());
        }
        if !self.has_page_calls() {
            if self.calls.is_empty() && self.broken.is_empty() {
                return Ok(());
            }
            return Err(format!("{:?} makes no page calls", self.kind));
        }
        if self.broken.is_empty() || self.broken.iter().any(|b| !self.calls.contains(b)) {
            return Err("broken names at least one of the calls, and only calls".into());
        }
        Ok(())
    }
}

impl Attack {
    /// The steps of this attack on the lab page, in order.
    pub fn flow(&self) -> &[Step] {
        if self.flow.is_empty() { self.kind.flow() } else { &self.flow }
    }

    /// The attackers that serve this exploit, `from` first.
    pub fn sites(&self) -> impl Iterator<Item = AttackerSite> {
        std::iter::once(self.from).chain(self.also_from.filter(|s| *s != self.from))
    }
}

/// Config for the secure version, in each stack the lab speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snippets {
    /// Django settings + django-cors-headers.
    pub django: String,
    /// Express with the `cors` package.
    pub express: String,
    /// An nginx `location` block.
    pub nginx: String,
    /// axum + tower-http's `CorsLayer`; filled from the group's Rust file, not from the TOML.
    #[serde(default)]
    pub tower_http: String,
}

/// One catalogue entry, its layers merged and its placeholders filled.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: String,
    /// The catalogue file it comes from (`cors-origins`, `csrf`, …): the page lists the
    /// scenarios under these groups.
    pub group: &'static str,
    pub title: Text,
    pub summary: Text,
    pub vulnerable: bool,
    /// The misconfiguration classes it shows, as [`super::lint`] names them.
    pub classes: Vec<String>,
    pub attack: Attack,
    pub fix: Text,
    pub snippets: Snippets,
    pub layers: Layers,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    scenario: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    title: Text,
    summary: Text,
    vulnerable: bool,
    classes: Vec<String>,
    attack: Attack,
    fix: Text,
    snippets: Snippets,
    /// Overrides of the article's layers, e.g. `[scenario.layers.cors] vary_origin = false`.
    #[serde(default)]
    layers: Value,
}

/// What is wrong with a catalogue file; a bug in the lab, which the tests catch.
#[derive(Debug)]
pub struct CatalogueError(pub String);

impl std::fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The whole catalogue, each entry built on `base` (the article's layers as the operator
/// configured them) with its own cookie path.
pub fn load(base: &Layers, origins: &LabOrigins) -> Result<Vec<Entry>, CatalogueError> {
    let mut entries: Vec<Entry> = Vec::new();
    for (group, text, rust) in GROUPS {
        let file = format!("{group}.toml");
        let snippets = tower_http_snippets(rust);
        let rust_file = format!("{}.rs", group.replace('-', "_"));
        let raw: RawFile = basic_toml::from_str(text).map_err(|e| CatalogueError(format!("{file}: {e}")))?;
        for entry in raw.scenario {
            let id = entry.id.clone();
            let at = |what: String| CatalogueError(format!("{file}, scenario '{id}': {what}"));
            if !valid_id(&id) || entries.iter().any(|e| e.id == id) {
                return Err(at("ids are unique, 1-40 of a-z 0-9 -".into()));
            }
            let fill = |s: &str| fill(s, origins, &prefix(&id));
            let mut layers = base.clone();
            layers.cookies.path = format!("{}/", prefix(&id));
            let mut merged = serde_json::to_value(&layers).map_err(|e| at(e.to_string()))?;
            merge(&mut merged, entry.layers);
            map_strings(&mut merged, &fill);
            let layers: Layers = serde_json::from_value(merged).map_err(|e| at(format!("layers: {e}")))?;
            entry.attack.check().map_err(|e| at(format!("attack: {e}")))?;
            let text = |t: Text| Text { en: fill(&t.en), ja: fill(&t.ja) };
            let tower_http = snippets.iter().find(|(sid, _)| *sid == id).map(|(_, code)| fill(code));
            let tower_http = tower_http.ok_or_else(|| at(format!("no `// scenario: {id}` section in {rust_file}")))?;
            entries.push(Entry {
                group,
                title: text(entry.title),
                summary: text(entry.summary),
                vulnerable: entry.vulnerable,
                classes: entry.classes,
                attack: Attack { steps: text(entry.attack.steps), ..entry.attack },
                fix: text(entry.fix),
                snippets: Snippets {
                    django: fill(&entry.snippets.django),
                    express: fill(&entry.snippets.express),
                    nginx: fill(&entry.snippets.nginx),
                    tower_http,
                },
                layers,
                id,
            });
        }
    }
    Ok(entries)
}

fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `over` onto `base`: tables merge key by key, anything else replaces (nothing given,
/// nothing changes). A table with a `kind` is a tagged choice (`origins = { kind = "off" }`),
/// which replaces the base's choice whole rather than mixing fields of two variants.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (_, Value::Null) => {}
        (Value::Object(b), Value::Object(o)) if !o.contains_key("kind") => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn map_strings(value: &mut Value, f: &impl Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| map_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| map_strings(v, f)),
        _ => {}
    }
}

fn fill(s: &str, o: &LabOrigins, prefix: &str) -> String {
    s.replace("{page}", &o.page.to_string())
        .replace("{page_host}", o.page.host())
        .replace("{api}", &o.api.to_string())
        .replace("{attacker}", &o.same_site_attacker.to_string())
        .replace("{cross_site_attacker}", &o.cross_site_attacker.to_string())
        .replace("{prefix}", prefix)
}

/// `(id, code)` for each `// scenario: <id>` section of a group's Rust file: the lines after
/// the marker up to the next marker or the end, without the file's header.
fn tower_http_snippets(rust: &'static str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for line in rust.lines() {
        if let Some(id) = line.strip_prefix("// scenario: ") {
            out.push((id.trim(), String::new()));
        } else if let Some((_, code)) = out.last_mut() {
            code.push_str(line);
            code.push('\n');
        }
    }
    for (_, code) in &mut out {
        let trimmed = code.trim().to_owned();
        *code = trimmed + "\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_merge_into_tables_and_replace_the_rest() {
        let mut base = serde_json::json!({"cors": {"vary_origin": true, "allow_methods": ["GET", "POST"]}, "jwt": {"kind": "strict"}});
        merge(&mut base, serde_json::json!({"cors": {"vary_origin": false, "allow_methods": ["GET"]}}));
        assert_eq!(base, serde_json::json!({"cors": {"vary_origin": false, "allow_methods": ["GET"]}, "jwt": {"kind": "strict"}}));
        let mut rule = serde_json::json!({"origins": {"kind": "list", "value": ["http://a.test"]}});
        merge(&mut rule, serde_json::json!({"origins": {"kind": "off"}}));
        assert_eq!(rule, serde_json::json!({"origins": {"kind": "off"}}), "a tagged choice is replaced whole");
    }

    #[test]
    fn ids_are_path_segments() {
        assert!(valid_id("reflect-origin-credentials"));
        for bad in ["", "Up", "a/b", "a b", &"x".repeat(41)] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
