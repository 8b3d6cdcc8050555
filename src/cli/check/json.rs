//! `--json`: the report as one JSON document (schema in docs/CHECK.md, `"schema":
//! "corslab-check/1"`). Each finding carries its probe whole: every request as sent, every
//! answer, the engine's verdict (SPEC §8's object, as `corslab explain --json` gives it) and
//! the probe as an experiment file, which `corslab explain` replays offline.
//!
//! Credentials never reach the output: the values of `Authorization`, `Cookie` and
//! `Set-Cookie` are replaced by `[redacted]` (a cookie keeps its name and attributes).

use serde_json::{Value, json};

use crate::verdict::{Experiment, WireRequest};

use super::client::Reply;
use super::findings::Finding;
use super::probe::{Probed, Stop};
use super::{Brief, Report, UrlReport};

pub const SCHEMA: &str = "corslab-check/1";

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&document(report)).unwrap_or_default();
    out.push('\n');
    out
}

pub fn document(report: &Report) -> Value {
    let r = &report.request;
    let count = |s: crate::scenario::lint::Severity| report.findings().filter(|f| f.severity == s).count();
    use crate::scenario::lint::Severity::*;
    json!({
        "schema": SCHEMA,
        "tool": {"name": "corslab check", "version": env!("CARGO_PKG_VERSION"), "browser": "chromium-156"},
        "request": {
            "origin": r.origin.to_string(),
            "method": r.method,
            "headers": redacted(&r.headers),
            "credentials": if r.credentials { "include" } else { "same-origin" },
            "cookies": r.cookie.iter().flat_map(|c| c.split("; ")).filter_map(|c| c.split_once('=').map(|(n, _)| n)).collect::<Vec<_>>(),
            "follow_redirects": r.follow_redirects,
            "unsafe_probes": r.unsafe_probes,
        },
        "summary": {
            "urls": report.urls.len(),
            "findings": report.findings().count(),
            "by_severity": {"high": count(High), "medium": count(Medium), "low": count(Low), "info": count(Info)},
            "errors": report.urls.iter().map(|u| u.errors.len()).sum::<usize>(),
            "requests_sent": report.requests_sent,
            "elapsed_ms": report.elapsed.as_millis() as u64,
            "exit_code": report.exit_code(),
        },
        "results": report.urls.iter().map(url).collect::<Vec<_>>(),
    })
}

fn url(u: &UrlReport) -> Value {
    json!({
        "url": u.url,
        "verdict": u.own.as_ref().map(|p| &p.verdict),
        "findings": u.findings.iter().map(|(f, p)| finding(f, p)).collect::<Vec<_>>(),
        "probes": u.probes.iter().map(brief).collect::<Vec<_>>(),
        "notes": u.notes,
        "errors": u.errors,
    })
}

fn finding(f: &Finding, p: &Probed) -> Value {
    json!({
        "class": f.class.name,
        "severity": f.severity,
        "same_on_the_wire": f.class.same_on_the_wire,
        "title": {"en": f.class.title.en, "ja": f.class.title.ja},
        "message": f.message,
        "fix": f.fix,
        "probe": probe(p),
    })
}

pub fn probe(p: &Probed) -> Value {
    let stopped = match &p.stop {
        None => Value::Null,
        Some(Stop::PreflightOnly) => json!("preflight_only"),
        Some(Stop::RedirectNotFollowed(to)) => json!({"redirect_not_followed": to}),
    };
    json!({
        "kind": p.probe.kind.name(),
        "trick": match &p.probe.kind { super::probe::Kind::Origin(c) => json!(c.trick), _ => Value::Null },
        "origin": p.probe.page,
        "exchanges": p.exchanges.iter().map(|e| json!({"request": request(&e.request), "response": response(&e.reply)})).collect::<Vec<_>>(),
        "verdict": p.verdict,
        "stopped": stopped,
        "experiment": experiment(&p.experiment),
    })
}

fn brief(b: &Brief) -> Value {
    json!({
        "kind": b.kind,
        "trick": b.trick,
        "origin": b.origin,
        "requests": b.requests,
        "status": b.status,
        "outcome": b.outcome,
        "cors_error": b.cors_error,
    })
}

fn request(w: &WireRequest) -> Value {
    json!({"method": w.method, "url": w.url, "preflight": w.preflight, "headers": redacted(&w.headers)})
}

fn response(r: &Reply) -> Value {
    json!({"status": r.status, "headers": redacted(&r.headers)})
}

/// The experiment with its credentials redacted, still an experiment file.
fn experiment(e: &Experiment) -> Value {
    let mut e = e.clone();
    for step in &mut e.steps {
        step.fetch.headers = redacted(&step.fetch.headers);
        for answer in &mut step.server {
            answer.headers = redacted(&answer.headers);
        }
    }
    serde_json::to_value(&e).unwrap_or_default()
}

/// Header lines with credential values replaced.
pub fn redacted(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let value = match n.to_ascii_lowercase().as_str() {
                "authorization" | "proxy-authorization" | "cookie" => "[redacted]".to_owned(),
                "set-cookie" => match v.split_once('=') {
                    Some((name, rest)) => {
                        let attributes = rest.split_once(';').map(|(_, a)| format!(";{a}")).unwrap_or_default();
                        format!("{name}=[redacted]{attributes}")
                    }
                    None => "[redacted]".to_owned(),
                },
                _ => v.clone(),
            };
            (n.clone(), value)
        })
        .collect()
}
