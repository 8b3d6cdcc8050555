//! The report for people, in English or Japanese: per URL, what the page's own request gets,
//! then each finding with its probe (the request as sent, the answer's CORS headers), what the
//! browser then does and the fix; then what was not probed, and a summary line.

use std::fmt::Write as _;

use crate::scenario::lint::Severity;
use crate::verdict::{Outcome, Text};

use super::classes::Words;
use super::probe::{Probed, Stop};
use super::{Lang, Report, UrlReport};

struct Labels {
    request: &'static str,
    probe: &'static str,
    answer: &'static str,
    browser: &'static str,
    fix: &'static str,
    note: &'static str,
    error: &'static str,
}

const EN: Labels = Labels { request: "your request", probe: "probe", answer: "answer", browser: "browser", fix: "fix", note: "note", error: "error" };
const JA: Labels = Labels { request: "リクエスト", probe: "プローブ", answer: "応答", browser: "ブラウザー", fix: "修正", note: "注記", error: "エラー" };

/// The response headers a CORS reader looks at, in the order shown.
const SHOWN: [&str; 8] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "vary",
    "location",
    "x-cache",
    "age",
];

pub fn render(report: &Report, lang: Lang) -> String {
    let labels = if lang == Lang::Ja { &JA } else { &EN };
    let r = &report.request;
    let credentials = if r.credentials { "include" } else { "same-origin" };
    let mut out = String::new();
    let _ = writeln!(out, "corslab check: {}{} from {}, credentials: {credentials}", r.method, headers_shown(&r.headers), r.origin);
    for u in &report.urls {
        url_section(&mut out, u, lang, labels);
    }
    summary(&mut out, report, lang);
    out
}

fn url_section(out: &mut String, u: &UrlReport, lang: Lang, l: &Labels) {
    let _ = writeln!(out, "\n{}", u.url);
    if let Some(own) = &u.own {
        let _ = writeln!(out, "  {} {}", pad(l.request), browser(own, lang));
    }
    for (f, p) in &u.findings {
        let alias = match f.class.same_on_the_wire {
            [] => String::new(),
            same if lang == Lang::Ja => format!("（外からは {} と同じ）", same.join("・")),
            same => format!(" (the same on the wire as {})", same.join(", ")),
        };
        let _ = writeln!(out, "  {} {}  {}{alias}", pad(severity(f.severity)), f.class.name, words(f.class.title, lang));
        let _ = writeln!(out, "  {} {}", pad(""), text(&f.message, lang));
        for e in &p.exchanges {
            let origin = header(&e.request.headers, "origin").map(|o| format!("  Origin: {o}")).unwrap_or_default();
            let asked = ["access-control-request-method", "access-control-request-headers"]
                .iter()
                .filter_map(|n| header(&e.request.headers, n).map(|v| format!("  {n}: {v}")))
                .collect::<String>();
            let _ = writeln!(out, "  {} {} {}{origin}{asked}", pad(l.probe), e.request.method, e.request.url);
            let shown: Vec<String> = SHOWN.iter().filter_map(|n| e.reply.header(n).map(|v| format!("{n}: {v}"))).collect();
            let _ = writeln!(out, "  {} {}{}{}", pad(l.answer), e.reply.status, if shown.is_empty() { "" } else { "  " }, shown.join("  "));
        }
        let _ = writeln!(out, "  {} {}", pad(l.browser), browser(p, lang));
        let _ = writeln!(out, "  {} {}", pad(l.fix), text(&f.fix, lang));
    }
    for n in &u.notes {
        let _ = writeln!(out, "  {} {}", pad(l.note), text(n, lang));
    }
    for e in &u.errors {
        let _ = writeln!(out, "  {} {e}", pad(l.error));
    }
}

/// What the browser does with a probe's answers, in one line.
fn browser(p: &Probed, lang: Lang) -> String {
    let v = &p.verdict;
    let ja = lang == Lang::Ja;
    match (v.outcome, &p.stop) {
        (Outcome::Response, _) => {
            let readable = v.readable_headers.as_deref().unwrap_or_default().join(", ");
            let (status, kind) = (v.status.unwrap_or_default(), v.response_type.map(|t| format!("{t:?}").to_lowercase()).unwrap_or_default());
            if ja {
                format!("{} の JavaScript が応答を読めます（{status}、{kind}、読めるヘッダー: {readable}）", p.probe.page)
            } else {
                format!("JavaScript on {} reads the response ({status}, {kind}; readable headers: {readable})", p.probe.page)
            }
        }
        (Outcome::Error, _) => {
            let why = v.cors_error.map(|e| e.name().to_owned()).or_else(|| v.js_error.clone()).unwrap_or_default();
            let console = v.console.first().cloned().unwrap_or_default();
            if ja { format!("ブロック: {why}。コンソール: {console}") } else { format!("blocked: {why}. Console: {console}") }
        }
        (Outcome::Unmodeled, Some(Stop::PreflightOnly)) => {
            if ja { "プリフライトは通ります（このプローブはそこで止めます）".into() } else { "the preflight passes (this probe stops there)".into() }
        }
        (Outcome::Unmodeled, Some(Stop::RedirectNotFollowed(to))) => {
            if ja { format!("{to} へのリダイレクトをたどります（たどっていません: --follow-redirects）") } else { format!("follows the redirect to {to} (not followed: --follow-redirects)") }
        }
        (Outcome::Unmodeled, None) => text(&v.explanation, lang).to_owned(),
    }
}

fn summary(out: &mut String, report: &Report, lang: Lang) {
    let count = |s: Severity| report.findings().filter(|f| f.severity == s).count();
    let (high, medium, low, info) = (count(Severity::High), count(Severity::Medium), count(Severity::Low), count(Severity::Info));
    let total = high + medium + low + info;
    let errors: usize = report.urls.iter().map(|u| u.errors.len()).sum();
    let (urls, sent, secs) = (report.urls.len(), report.requests_sent, report.elapsed.as_secs_f64());
    let _ = if lang == Lang::Ja {
        writeln!(out, "\n{urls} 件の URL: 検出 {total} 件（高 {high}、中 {medium}、低 {low}、情報 {info}）、エラー {errors} 件。{sent} リクエスト、{secs:.2} 秒。")
    } else {
        writeln!(out, "\n{urls} URL(s): {total} finding(s) ({high} high, {medium} medium, {low} low, {info} info), {errors} error(s); {sent} requests in {secs:.2} s.")
    };
}

/// `label` padded to the report's label column, counting East Asian wide characters twice.
fn pad(label: &str) -> String {
    let width: usize = label.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum();
    format!("{label}{}", " ".repeat(LABEL_WIDTH.saturating_sub(width)))
}

const LABEL_WIDTH: usize = 12;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// The names of the request's headers (their values may be secrets).
fn headers_shown(headers: &[(String, String)]) -> String {
    match headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ") {
        names if names.is_empty() => names,
        names => format!(" with {names}"),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn text(t: &Text, lang: Lang) -> &str {
    if lang == Lang::Ja { &t.ja } else { &t.en }
}

fn words(w: Words, lang: Lang) -> &'static str {
    if lang == Lang::Ja { w.ja } else { w.en }
}
