//! From what the probes of one URL got back to findings: which class each answer shows, the
//! probe that showed it and what the browser then does.
//!
//! Each rule reads the answers the way the class's mistake shows itself: the crafted origins
//! an API lets in name its origin check (the most telling one, so that a substring check is
//! not also reported as the prefix and suffix checks it implies); a preflight answered 3xx,
//! 401/403 or 404/405 without CORS headers names what stands in front of the CORS layer; a
//! missing path answered without them while others carry them, errors outside CORS; an
//! Origin-dependent answer without `Vary: Origin`, a cache hazard; a cross-site form POST
//! accepted, no CSRF origin check. The user's own request, when blocked for none of the
//! reasons found on its own origin, is reported with the engine's own reason and fix.

use crate::scenario::lint::Severity;
use crate::verdict::{CorsError, Outcome, Text};

use super::classes::{
    ALLOW_HEADERS_WILDCARD, ANY_SUBDOMAIN, CREDENTIALS_MISSING, CSRF_OFF, CSRF_TEXT_PLAIN, CSRF_TRUSTED_MISSING, Class,
    ERRORS_WITHOUT_CORS, HTTP_TRUSTED, NULL, OFF, PREFIX, PREFLIGHT_AFTER_AUTH, PREFLIGHT_AFTER_ROUTING,
    PREFLIGHT_REDIRECTED, REFLECT, REQUEST_BLOCKED, SUBSTRING, SUFFIX, UNESCAPED_DOT, VARY_MISSING,
    WILDCARD_WITH_CREDENTIALS,
};
use super::client::Reply;
use super::origins::Trick;
use super::probe::{Exchanged, Kind, Probed, Request, Stop};

/// One misconfiguration, shown by one probe.
#[derive(Clone, Debug)]
pub struct Finding {
    pub class: &'static Class,
    pub severity: Severity,
    /// What the probe showed.
    pub message: Text,
    pub fix: Text,
    /// The probe that showed it, an index into the URL's probes.
    pub probe: usize,
}

/// The findings for one URL's probes (the user's own request first), and notes on what was
/// not probed or not followed.
pub fn judge(probes: &[Probed], req: &Request) -> (Vec<Finding>, Vec<Text>) {
    let mut j = Judge { probes, req, findings: Vec::new(), notes: Vec::new() };
    j.origins();
    j.preflights();
    j.errors();
    j.credentials();
    j.vary();
    j.csrf();
    j.cors_off();
    j.request_blocked();
    j.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    (j.findings, j.notes)
}

struct Judge<'a> {
    probes: &'a [Probed],
    req: &'a Request,
    findings: Vec<Finding>,
    notes: Vec<Text>,
}

impl Judge<'_> {
    /// Adds a finding of `class` unless one is there already.
    fn found(&mut self, class: &'static Class, severity: Severity, probe: usize, message: Text) {
        if !self.findings.iter().any(|f| std::ptr::eq(f.class, class)) {
            let fix = Text::new(class.fix.en, class.fix.ja);
            self.findings.push(Finding { class, severity, message, fix, probe });
        }
    }

    fn of_kind(&self, kind: &Kind) -> Option<(usize, &Probed)> {
        self.probes.iter().enumerate().find(|(_, p)| &p.probe.kind == kind)
    }

    /// The probes made from the user's own origin.
    fn own(&self) -> impl Iterator<Item = (usize, &Probed)> {
        self.probes.iter().enumerate().filter(|(_, p)| matches!(p.probe.kind, Kind::Request | Kind::Preflight | Kind::NotFound))
    }

    /// Whether any answer to the user's origin carries Access-Control-Allow-Origin.
    fn cors_somewhere(&self) -> bool {
        self.own().any(|(_, p)| p.exchanges.iter().any(|e| acao(&e.reply).is_some()))
    }

    fn origins(&mut self) {
        // (probe, trick, origin, readable with credentials) for every crafted origin echoed.
        let open: Vec<(usize, Trick, String, bool)> = self
            .probes
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let Kind::Origin(c) = &p.probe.kind else { return None };
                let echoed = p.exchanges.last().and_then(|e| acao(&e.reply)).is_some_and(|v| v == c.origin);
                (echoed && (p.readable() || p.readable_without_credentials)).then(|| (i, c.trick, c.origin.clone(), p.readable()))
            })
            .collect();
        let first = |t: Trick| open.iter().find(|o| o.1 == t).cloned();
        let mut report = |class: &'static Class, (probe, trick, origin, cookies): (usize, Trick, String, bool)| {
            let severity = if cookies { class.severity } else { Severity::Low };
            self.found(class, severity, probe, allowed(trick, &origin, cookies));
        };
        // Anyone let in explains every other trick let in.
        if let Some(unrelated) = first(Trick::Unrelated) {
            if unrelated.3 {
                report(&REFLECT, unrelated);
            }
            return;
        }
        if let Some(o) = first(Trick::Null) {
            report(&NULL, o);
        }
        // A substring check lets in the prefix, suffix and subdomain tricks too; a suffix
        // check without a dot, the subdomain one.
        if let Some(o) = first(Trick::Substring) {
            report(&SUBSTRING, o);
        } else {
            if let Some(o) = first(Trick::Prefix) {
                report(&PREFIX, o);
            }
            match (first(Trick::Suffix), first(Trick::Subdomain)) {
                (Some(o), _) => report(&SUFFIX, o),
                (None, Some(o)) => report(&ANY_SUBDOMAIN, o),
                (None, None) => {}
            }
        }
        if let Some(o) = first(Trick::UnescapedDot) {
            report(&UNESCAPED_DOT, o);
        }
        if let Some(o) = first(Trick::Http) {
            report(&HTTP_TRUSTED, o);
        }
    }

    /// The preflights sent from the user's origin: refused in front of CORS, redirected, or
    /// letting Authorization through only as `*`.
    fn preflights(&mut self) {
        let seen: Vec<(usize, Exchanged)> = self
            .own()
            .flat_map(|(i, p)| p.preflights().map(move |e| (i, e.clone())))
            .collect();
        // Where nothing carries CORS headers there is no CORS layer for anything to stand in
        // front of: `cors.off` says so.
        let cors_somewhere = self.cors_somewhere();
        for (i, e) in seen.into_iter().filter(|_| cors_somewhere) {
            let (r, status) = (&e.reply, e.reply.status);
            let bare = acao(r).is_none();
            let method = value(&e.request.headers, "access-control-request-method");
            let asked = |en: &str, ja: &str| {
                Text::new(
                    format!("The preflight (OPTIONS {}, Access-Control-Request-Method: {method}) was answered {status}{en}.", e.request.url),
                    format!("プリフライト（OPTIONS {}、Access-Control-Request-Method: {method}）への応答は {status}{ja}でした。", e.request.url),
                )
            };
            if is_redirect(r) {
                let to = r.header("location").unwrap_or_default();
                let message = asked(&format!(" with a redirect to {to}, which a browser never follows for a preflight"), &format!("（{to} へのリダイレクト。ブラウザーはプリフライトのリダイレクトをたどりません）"));
                self.found(&PREFLIGHT_REDIRECTED, PREFLIGHT_REDIRECTED.severity, i, message);
            } else if bare && matches!(status, 401 | 403) {
                let message = asked(" without CORS headers: something that wants credentials answers before the CORS layer", "（CORS ヘッダーなし。資格情報を求める何かが CORS の層より先に答えています）");
                self.found(&PREFLIGHT_AFTER_AUTH, PREFLIGHT_AFTER_AUTH.severity, i, message);
            } else if bare && matches!(status, 404 | 405) {
                let message = asked(" without CORS headers: a router that knows no OPTIONS answers before the CORS layer", "（CORS ヘッダーなし。OPTIONS を知らないルーターが CORS の層より先に答えています）");
                self.found(&PREFLIGHT_AFTER_ROUTING, PREFLIGHT_AFTER_ROUTING.severity, i, message);
            } else if !bare && asks_authorization(&e) && star_not_authorization(r) {
                let t = Text::new(
                    "The preflight asked for Authorization and was answered Access-Control-Allow-Headers: * without naming it.",
                    "プリフライトは Authorization を求め、名前を挙げない Access-Control-Allow-Headers: * で答えられました。",
                );
                self.found(&ALLOW_HEADERS_WILDCARD, ALLOW_HEADERS_WILDCARD.severity, i, t);
            }
        }
    }

    /// A missing path answered without CORS headers, where other answers carry them.
    fn errors(&mut self) {
        let Some((i, p)) = self.of_kind(&Kind::NotFound) else { return };
        let Some(last) = p.replies().last() else { return };
        if last.reply.status >= 400 && acao(&last.reply).is_none() && self.cors_somewhere() {
            let (url, status) = (&last.request.url, last.reply.status);
            let message = Text::new(
                format!("A path that does not exist ({url}) was answered {status} without CORS headers, while other answers to your origin carry them: the page sees a CORS error instead of the {status}."),
                format!("存在しないパス（{url}）への応答は CORS ヘッダーのない {status} でしたが、あなたのオリジンへのほかの応答には付いています。ページには {status} ではなく CORS エラーが見えます。"),
            );
            self.found(&ERRORS_WITHOUT_CORS, ERRORS_WITHOUT_CORS.severity, i, message);
        }
    }

    /// `*` beside credentials, and a credentialed request refused for want of them.
    fn credentials(&mut self) {
        let star: Option<usize> = self.own().find_map(|(i, p)| {
            p.exchanges.iter().any(|e| acao(&e.reply).as_deref() == Some("*") && e.reply.header("access-control-allow-credentials").as_deref() == Some("true")).then_some(i)
        });
        if let Some(i) = star {
            let message = Text::new(
                "The answer says Access-Control-Allow-Origin: * and Access-Control-Allow-Credentials: true; a browser refuses `*` on every credentialed request (WildcardOriginNotAllowed).",
                "応答は Access-Control-Allow-Origin: * と Access-Control-Allow-Credentials: true です。ブラウザーは資格情報付きのリクエストでは必ず `*` を拒否します（WildcardOriginNotAllowed）。",
            );
            self.found(&WILDCARD_WITH_CREDENTIALS, WILDCARD_WITH_CREDENTIALS.severity, i, message);
            return;
        }
        use CorsError::*;
        let Some(own) = self.probes.first() else { return };
        let error = own.verdict.cors_error;
        let for_credentials = matches!(
            error,
            Some(InvalidAllowCredentials | PreflightInvalidAllowCredentials | WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed)
        );
        if self.req.credentials && for_credentials {
            let name = error.map(CorsError::name).unwrap_or_default();
            let message = Text::new(
                format!("Your credentialed request is blocked with {name}: the answer does not allow credentials for your origin."),
                format!("資格情報付きのリクエストが {name} でブロックされます。応答があなたのオリジンに資格情報を許していません。"),
            );
            self.found(&CREDENTIALS_MISSING, CREDENTIALS_MISSING.severity, 0, message);
        }
    }

    /// Answers naming one origin, without `Vary: Origin`; and copies that reached another.
    fn vary(&mut self) {
        let mut hit: Option<(usize, String, String)> = None;
        for (i, p) in self.probes.iter().enumerate() {
            for e in p.replies() {
                let Some(allowed) = acao(&e.reply).filter(|v| v != "*") else { continue };
                let sent = value(&e.request.headers, "origin");
                if from_a_cache(&e.reply) && allowed != sent {
                    self.notes.push(Text::new(
                        format!("The answer to Origin: {sent} came from a cache and carried another origin's Access-Control-Allow-Origin: {allowed}."),
                        format!("Origin: {sent} への応答はキャッシュからのもので、別のオリジン向けの Access-Control-Allow-Origin: {allowed} が付いていました。"),
                    ));
                }
                if hit.is_none() && !varies_on_origin(&e.reply) {
                    hit = Some((i, sent.to_owned(), allowed));
                }
            }
        }
        if let Some((i, sent, allowed)) = hit {
            let message = Text::new(
                format!("The answer to Origin: {sent} names an origin (Access-Control-Allow-Origin: {allowed}) without Vary: Origin: a shared cache may hand it to requests from other origins."),
                format!("Origin: {sent} への応答はオリジンを名指ししている（Access-Control-Allow-Origin: {allowed}）のに Vary: Origin がありません。共有キャッシュがほかのオリジンからのリクエストにそれを渡しえます。"),
            );
            self.found(&VARY_MISSING, VARY_MISSING.severity, i, message);
        }
    }

    fn csrf(&mut self) {
        if let Some(last) = self.probes.first().and_then(|p| p.replies().last())
            && last.reply.status == 403
            && last.reply.body.contains("Origin checking failed")
        {
            let message = Text::new(
                format!("Your own {} was refused 403 by the CSRF origin check: {}", last.request.method, excerpt(&last.reply.body)),
                format!("あなた自身の {} が CSRF の Origin チェックで 403 と拒否されました: {}", last.request.method, excerpt(&last.reply.body)),
            );
            self.found(&CSRF_TRUSTED_MISSING, CSRF_TRUSTED_MISSING.severity, 0, message);
        }
        if !self.req.probes_csrf() {
            self.notes.push(not_probed(self.req));
            return;
        }
        let answer = |j: &Self, kind| j.of_kind(&kind).and_then(|(i, p)| Some((i, p.replies().last()?.reply.status)));
        let Some((form, status)) = answer(self, Kind::CsrfForm) else { return };
        // Only a 2xx says the request was done: a redirect may come from routing (a missing
        // slash, http to https) before any check runs, and is not followed.
        match status {
            200..=299 => {
                let message = Text::new(
                    format!("A POST from https://{} sent as a form sends it (application/x-www-form-urlencoded, no preflight) was done: {status}. If this endpoint acts on cookies, any site can make the visitor's browser send it.", super::origins::EVIL),
                    format!("https://{} からフォームと同じ形（application/x-www-form-urlencoded、プリフライトなし）で送った POST が受け付けられました: {status}。このエンドポイントが Cookie で動くなら、どのサイトでも訪問者のブラウザーにこれを送らせられます。", super::origins::EVIL),
                );
                self.found(&CSRF_OFF, CSRF_OFF.severity, form, message);
            }
            403 => {
                if let Some((text, status @ 200..=299)) = answer(self, Kind::CsrfTextPlain) {
                    let message = Text::new(
                        format!("The same POST as a form was refused 403, but with the JSON text {{}} as text/plain (what a form with enctype=\"text/plain\" sends) it was accepted: {status}."),
                        format!("同じ POST はフォームの形では 403 で拒否されましたが、JSON の {{}} を text/plain で送ると（enctype=\"text/plain\" のフォームが送る形）受け付けられました: {status}。"),
                    );
                    self.found(&CSRF_TEXT_PLAIN, CSRF_TEXT_PLAIN.severity, text, message);
                }
            }
            300..=399 => self.notes.push(Text::new(
                format!("CSRF: a cross-site form-like POST was answered {status}, a redirect, not followed: check the URL it leads to."),
                format!("CSRF: クロスサイトのフォーム形式の POST への応答は {status}（リダイレクト）で、たどっていません。リダイレクト先の URL を調べてください。"),
            )),
            _ => self.notes.push(Text::new(
                format!("CSRF: a cross-site form-like POST was answered {status}, which says neither that it was refused (403) nor that it was done (2xx); give --cookie to probe as a signed-in visitor."),
                format!("CSRF: クロスサイトのフォーム形式の POST への応答は {status} で、拒否（403）とも実行された（2xx）とも言えません。サインインした訪問者として調べるには --cookie を指定してください。"),
            )),
        }
    }

    /// No CORS header anywhere, and the user's request blocked for want of one.
    fn cors_off(&mut self) {
        let Some(own) = self.probes.first() else { return };
        let missing = matches!(own.verdict.cors_error, Some(CorsError::MissingAllowOriginHeader | CorsError::PreflightMissingAllowOriginHeader));
        let any_cors = self.probes.iter().flat_map(|p| &p.exchanges).any(|e| {
            varies_on_origin(&e.reply) || e.reply.headers.iter().any(|(n, _)| n.starts_with("access-control-"))
        });
        if missing && !any_cors {
            let message = Text::new(
                "No answer, to any origin, carries an Access-Control-* header or Vary: Origin: the API has no CORS at all, so your page cannot read it.",
                "どのオリジンへのどの応答にも Access-Control-* ヘッダーも Vary: Origin もありません。API に CORS がまったくないため、ページは読めません。",
            );
            self.found(&OFF, OFF.severity, 0, message);
        }
    }

    /// The user's own request blocked, for no reason found above: the engine's own.
    fn request_blocked(&mut self) {
        let Some(own) = self.probes.first() else { return };
        if let Some(Stop::RedirectNotFollowed(to)) = &own.stop {
            self.notes.push(Text::new(
                format!("Your request was redirected to {to}; not followed (--follow-redirects follows it as the browser would)."),
                format!("リクエストは {to} へリダイレクトされました。たどっていません（--follow-redirects でブラウザーと同じようにたどります）。"),
            ));
        }
        // Classes found on the user's own origin say why its request fails; the crafted
        // origins' classes do not.
        let explained = [&OFF, &CREDENTIALS_MISSING, &WILDCARD_WITH_CREDENTIALS, &PREFLIGHT_AFTER_AUTH, &PREFLIGHT_AFTER_ROUTING, &PREFLIGHT_REDIRECTED, &ALLOW_HEADERS_WILDCARD, &ERRORS_WITHOUT_CORS];
        if own.verdict.outcome != Outcome::Error || self.findings.iter().any(|f| explained.iter().any(|c| std::ptr::eq(f.class, *c))) {
            return;
        }
        let v = &own.verdict;
        let why = v.cors_error.map(|e| e.name().to_owned()).or_else(|| v.js_error.clone()).unwrap_or_default();
        let message = Text::new(format!("Chromium blocks your request ({why}): {}", v.explanation.en), format!("Chromium はリクエストをブロックします（{why}）: {}", v.explanation.ja));
        self.findings.push(Finding { class: &REQUEST_BLOCKED, severity: REQUEST_BLOCKED.severity, message, fix: v.fix.clone(), probe: 0 });
    }
}

/// What a crafted origin let in says, for the trick it played.
fn allowed(trick: Trick, origin: &str, cookies: bool) -> Text {
    let (en, ja) = match trick {
        Trick::Unrelated => ("a site that has nothing to do with yours", "あなたのサイトと無関係なサイト"),
        Trick::Null => ("what sandboxed iframes and fetches redirected across origins send", "サンドボックス化された iframe やオリジンをまたいでリダイレクトされた fetch が送る値"),
        Trick::Prefix => ("your host with another domain after it", "あなたのホストの後ろに別のドメインを続けたもの"),
        Trick::Suffix => ("a host that merely ends with yours", "あなたのホストで終わるだけのホスト"),
        Trick::Substring => ("a host that merely contains yours", "あなたのホストを含むだけのホスト"),
        Trick::Subdomain => ("a subdomain of your host", "あなたのホストのサブドメイン"),
        Trick::UnescapedDot => ("your host with a dot turned into a letter", "あなたのホストのドットを文字に変えたもの"),
        Trick::Http => ("your origin over plain http", "あなたのオリジンの平文 http 版"),
    };
    let (reads_en, reads_ja) = if cookies {
        ("reads the response with the visitor's cookies", "訪問者の Cookie 付きで応答を読めます")
    } else {
        ("reads the response, without cookies (credentials are not allowed)", "応答を読めます（資格情報は許されていないので Cookie なしで）")
    };
    Text::new(
        format!("Origin: {origin} ({en}) is allowed: JavaScript on it {reads_en}."),
        format!("Origin: {origin}（{ja}）が許可されています。そのオリジンの JavaScript は{reads_ja}。"),
    )
}

fn not_probed(req: &Request) -> Text {
    if req.is_unsafe() {
        let m = &req.method;
        Text::new(
            format!("CSRF not probed: a page on another site cannot send {m} without a preflight, which CORS decides (see the crafted origins); --unsafe-probes sends a form-like POST anyway."),
            format!("CSRF は調べていません。ほかのサイトのページはプリフライトなしに {m} を送れず、それは CORS が決めます（偽の Origin の結果を参照）。--unsafe-probes を付けるとフォーム形式の POST も送ります。"),
        )
    } else {
        Text::new(
            format!("CSRF not probed: {} changes nothing; give --method POST for an endpoint that changes state, or --unsafe-probes to send a cross-site POST here.", req.method),
            format!("CSRF は調べていません。{} は何も変えません。状態を変えるエンドポイントには --method POST を、ここにクロスサイトの POST を送るには --unsafe-probes を指定してください。", req.method),
        )
    }
}

fn acao(reply: &Reply) -> Option<String> {
    reply.header("access-control-allow-origin")
}

fn value<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

fn is_redirect(reply: &Reply) -> bool {
    matches!(reply.status, 301 | 302 | 303 | 307 | 308) && reply.header("location").is_some()
}

fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

fn varies_on_origin(reply: &Reply) -> bool {
    reply.header("vary").is_some_and(|v| tokens(&v).any(|t| t == "*" || t.eq_ignore_ascii_case("origin")))
}

fn asks_authorization(e: &Exchanged) -> bool {
    tokens(value(&e.request.headers, "access-control-request-headers")).any(|t| t == "authorization")
}

fn star_not_authorization(reply: &Reply) -> bool {
    let allowed = reply.header("access-control-allow-headers").unwrap_or_default();
    tokens(&allowed).any(|t| t == "*") && !tokens(&allowed).any(|t| t.eq_ignore_ascii_case("authorization"))
}

/// Whether a shared cache says it answered (`Age`, or `X-Cache: HIT`).
fn from_a_cache(reply: &Reply) -> bool {
    reply.header("age").is_some() || reply.header("x-cache").is_some_and(|v| v.to_ascii_lowercase().contains("hit"))
}

/// The start of a body, on one line.
fn excerpt(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
