//! `explain`'s output for a person, in English or Japanese: per fetch, the hops the browser
//! made, what JavaScript got, the console, the cookies, why, and what to change.

use std::fmt::Write as _;

use super::{Judged, JudgedFetch, Lang};
use crate::verdict::{FetchVerdict, HopKind, HopResult, Outcome, ResponseType, Text};

/// Every label in both languages: `(en, ja)`.
struct Words {
    preflight: Pick,
    request: Pick,
    cached: Pick,
    gets: Pick,
    readable: Pick,
    fails: Pick,
    unmodeled: Pick,
    cors_error: Pick,
    failed_parameter: Pick,
    console: Pick,
    cookies: Pick,
    sent: Pick,
    stored: Pick,
    refused: Pick,
    why: Pick,
    fix: Pick,
    differs: Pick,
    none: Pick,
    pass: Pick,
    blocked: Pick,
    redirect: Pick,
    not_sent: Pick,
}

const WORDS: Words = Words {
    preflight: ("preflight", "プリフライト"),
    request: ("request", "リクエスト"),
    cached: ("preflight answered from Chromium's preflight cache", "プリフライトは Chromium のキャッシュから応答"),
    gets: ("JavaScript gets a response", "JavaScript はレスポンスを受け取ります"),
    readable: ("readable headers", "読めるヘッダー"),
    fails: ("fetch() rejects", "fetch() は失敗します"),
    unmodeled: ("not modeled", "判定の対象外"),
    cors_error: ("CorsError", "CorsError"),
    failed_parameter: ("failed parameter", "failedParameter"),
    console: ("console", "コンソール"),
    cookies: ("cookies", "Cookie"),
    sent: ("sent", "送信"),
    stored: ("stored", "保存"),
    refused: ("refused", "拒否"),
    why: ("why", "理由"),
    fix: ("fix", "修正"),
    differs: ("Chromium vs the Fetch Standard", "Chromium と Fetch Standard の違い"),
    none: ("none", "なし"),
    pass: ("pass", "通過"),
    blocked: ("blocked", "ブロック"),
    redirect: ("redirect", "リダイレクト"),
    not_sent: ("not sent", "未送信"),
};

type Pick = (&'static str, &'static str);

pub(super) fn render(judged: &Judged, lang: Lang) -> String {
    let mut out = String::new();
    for (n, fetch) in judged.fetches.iter().enumerate() {
        fetch_block(&mut out, n + 1, fetch, lang);
    }
    summary(&mut out, &judged.fetches, lang);
    out
}

fn fetch_block(out: &mut String, n: usize, fetch: &JudgedFetch, lang: Lang) {
    let w = |pair: Pick| if lang == Lang::Ja { pair.1 } else { pair.0 };
    let t = |text: &Text| if lang == Lang::Ja { text.ja.clone() } else { text.en.clone() };
    let v: &FetchVerdict = &fetch.verdict;
    let _ = writeln!(out, "{n}. {}", fetch.title);
    for hop in &v.hops {
        let kind = w(match hop.kind {
            HopKind::Preflight => WORDS.preflight,
            HopKind::Request => WORDS.request,
        });
        let status = hop.http_status.map_or("-".to_string(), |s| s.to_string());
        let result = w(match hop.result {
            HopResult::Pass => WORDS.pass,
            HopResult::Blocked => WORDS.blocked,
            HopResult::Redirect => WORDS.redirect,
            HopResult::NotSent => WORDS.not_sent,
        });
        let _ = writeln!(out, "   {} {:<7} {}  {status}  {result}", pad(kind), hop.method, hop.url);
    }
    if v.preflight_from_cache {
        let _ = writeln!(out, "   ({})", w(WORDS.cached));
    }
    match v.outcome {
        Outcome::Response => {
            let ty = match v.response_type {
                Some(ResponseType::Basic) => "basic",
                Some(ResponseType::Cors) => "cors",
                Some(ResponseType::Opaque) => "opaque",
                Some(ResponseType::OpaqueRedirect) => "opaqueredirect",
                None => "-",
            };
            let headers = v.readable_headers.as_deref().filter(|h| !h.is_empty()).map_or_else(|| w(WORDS.none).to_string(), |h| h.join(", "));
            let _ = writeln!(out, "   => {}: {ty} {}; {}: {headers}", w(WORDS.gets), v.status.unwrap_or(0), w(WORDS.readable));
        }
        Outcome::Error => {
            let _ = writeln!(out, "   => {}: {}", w(WORDS.fails), v.js_error.as_deref().unwrap_or("TypeError"));
            if let Some(error) = v.cors_error {
                let param = v.failed_parameter.as_deref().unwrap_or("");
                let _ = writeln!(out, "   {}: {} ({}: {param:?})", w(WORDS.cors_error), error.name(), w(WORDS.failed_parameter));
            }
        }
        Outcome::Unmodeled => {
            let _ = writeln!(out, "   => {}", w(WORDS.unmodeled));
        }
    }
    for (i, line) in v.console.iter().enumerate() {
        let label = if i == 0 { w(WORDS.console) } else { "" };
        let _ = writeln!(out, "   {} {line}", pad(label));
    }
    let c = &v.cookies;
    if !(c.sent.is_empty() && c.stored.is_empty() && c.blocked.is_empty()) {
        let list = |names: &[String]| if names.is_empty() { w(WORDS.none).to_string() } else { names.join(", ") };
        let refused: Vec<String> = c.blocked.iter().map(|b| format!("{} ({})", b.name, b.reason)).collect();
        let _ = writeln!(
            out,
            "   {} {}: {}; {}: {}; {}: {}",
            pad(w(WORDS.cookies)),
            w(WORDS.sent),
            list(&c.sent),
            w(WORDS.stored),
            list(&c.stored),
            w(WORDS.refused),
            list(&refused)
        );
    }
    let _ = writeln!(out, "   {} {}", pad(w(WORDS.why)), t(&v.explanation));
    let _ = writeln!(out, "   {} {}", pad(w(WORDS.fix)), t(&v.fix));
    if let Some(differs) = &v.standard_differs {
        let _ = writeln!(out, "   {}: {}", w(WORDS.differs), t(differs));
    }
    out.push('\n');
}

/// A label padded to one column width, counting a CJK character as two columns (as a
/// terminal shows it).
fn pad(label: &str) -> String {
    let width: usize = label.chars().map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum();
    format!("{label}{}", " ".repeat(12usize.saturating_sub(width)))
}

fn summary(out: &mut String, fetches: &[JudgedFetch], lang: Lang) {
    let count = |o: Outcome| fetches.iter().filter(|f| f.verdict.outcome == o).count();
    let (ok, failed, unmodeled) = (count(Outcome::Response), count(Outcome::Error), count(Outcome::Unmodeled));
    let _ = match lang {
        Lang::En => {
            let noun = if fetches.len() == 1 { "fetch" } else { "fetches" };
            writeln!(out, "{} {noun}: {ok} got a response, {failed} rejected, {unmodeled} not modeled.", fetches.len())
        }
        Lang::Ja => writeln!(out, "fetch {} 件: レスポンスあり {ok}、失敗 {failed}、判定の対象外 {unmodeled}。", fetches.len()),
    };
}
