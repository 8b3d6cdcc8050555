//! `--sarif`: the report as SARIF 2.1.0, for code-scanning dashboards: one rule per class the
//! checker knows (its title, its fix as help, the level and `security-severity` of its
//! severity), one result per finding, located at the URL that showed it, and one
//! notification per error (`executionSuccessful` false when there was one).

use serde_json::{Value, json};

use crate::scenario::lint::Severity;
use crate::verdict::Text;

use super::classes::{CLASSES, Words};
use super::{Lang, Report};

pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = serde_json::to_string_pretty(&document(report, lang)).unwrap_or_default();
    out.push('\n');
    out
}

fn document(report: &Report, lang: Lang) -> Value {
    let words = |w: Words| if lang == Lang::Ja { w.ja } else { w.en };
    let text = |t: &Text| if lang == Lang::Ja { t.ja.clone() } else { t.en.clone() };
    let rules: Vec<Value> = CLASSES
        .iter()
        .map(|c| {
            json!({
                "id": c.name,
                "shortDescription": {"text": words(c.title)},
                "fullDescription": {"text": words(c.title)},
                "help": {"text": words(c.fix)},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "tags": ["security", c.name.split('.').next().unwrap_or_default()],
                    "security-severity": security_severity(c.severity),
                    "sameOnTheWire": c.same_on_the_wire,
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .urls
        .iter()
        .flat_map(|u| u.findings.iter().map(move |(f, p)| (u, f, p)))
        .map(|(u, f, p)| {
            let index = CLASSES.iter().position(|c| std::ptr::eq(*c, f.class)).unwrap_or_default();
            json!({
                "ruleId": f.class.name,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{} {}", text(&f.message), text(&f.fix))},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": u.url}}}],
                "partialFingerprints": {"corslabCheck/v1": format!("{}:{}", f.class.name, u.url)},
                "properties": {"severity": f.severity, "probeKind": p.probe.kind.name(), "probeOrigin": p.probe.page},
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .urls
        .iter()
        .flat_map(|u| u.errors.iter().map(move |e| json!({"level": "error", "message": {"text": format!("{}: {e}", u.url)}})))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "corslab check",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "exitCode": report.exit_code(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}
