//! The verdict on a whole `fetch()` (SPEC §8's `verdict` object): every hop the browser made,
//! what JavaScript finally got or why it failed, every console line, the cookies.
//!
//! Both the simulator (an experiment's steps) and the HAR reader (a recorded session) walk a
//! fetch hop by hop into a [`Trail`], and end it with what the last hop decided.

use serde::Serialize;

use crate::console::bad_status_line;
use crate::explain::Text;
use crate::verdict::{Blocked, CorsError, JsView, ResponseType};

/// What JavaScript ends up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// JavaScript gets a `Response`.
    Response,
    /// `fetch()` rejects.
    Error,
    /// Outside what the engine models; nothing is claimed.
    Unmodeled,
}

/// A preflight sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreflightSent {
    pub url: String,
    pub access_control_request_method: Option<String>,
    pub access_control_request_headers: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    Preflight,
    Request,
}

/// What became of one hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopResult {
    Pass,
    Blocked,
    Redirect,
    /// Planned, never sent (fetch() refused, or the preflight failed).
    NotSent,
}

/// One request the browser made (or would have made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub url: String,
    pub method: String,
    pub kind: HopKind,
    pub http_status: Option<u16>,
    pub result: HopResult,
}

/// A cookie the browser refused to store or send, with DevTools' reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedCookie {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cookies {
    /// Names of the cookies the browser attached, in the order first sent.
    pub sent: Vec<String>,
    /// Names of the cookies the browser stored from `Set-Cookie`.
    pub stored: Vec<String>,
    pub blocked: Vec<BlockedCookie>,
}

/// The verdict on one fetch, field for field as SPEC §8 names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchVerdict {
    pub outcome: Outcome,
    /// `Response.type` (`None` on error).
    pub response_type: Option<ResponseType>,
    /// `Response.status` as JavaScript sees it: 0 when opaque, `None` on error.
    pub status: Option<u16>,
    /// What the server answered on the last hop, `None` if nothing was sent.
    pub http_status: Option<u16>,
    /// Lower-case, sorted; `None` on error.
    pub readable_headers: Option<Vec<String>>,
    pub preflights: Vec<PreflightSent>,
    pub preflight_from_cache: bool,
    pub cors_error: Option<CorsError>,
    /// DevTools' `corsErrorStatus.failedParameter` when there is a CorsError (possibly "").
    pub failed_parameter: Option<String>,
    pub js_error: Option<String>,
    /// Every line Chromium prints for this fetch, in its order.
    pub console: Vec<String>,
    pub hops: Vec<Hop>,
    pub cookies: Cookies,
    pub standard_differs: Option<Text>,
    pub explanation: Text,
    pub fix: Text,
}

/// A fetch walked so far.
#[derive(Debug, Default)]
pub(crate) struct Trail {
    pub(crate) hops: Vec<Hop>,
    pub(crate) preflights: Vec<PreflightSent>,
    pub(crate) preflight_from_cache: bool,
    pub(crate) cookies: Cookies,
    /// What happened on the way (redirects followed, a preflight reused), for the explanation.
    pub(crate) notes: Vec<Text>,
    pub(crate) standard_differs: Vec<Text>,
}

/// How the last hop ended the fetch.
pub(crate) enum End {
    /// JavaScript gets this response; `http_status` and `reason` are the server's.
    Response { js: JsView, http_status: u16, reason: String },
    Blocked(Box<Blocked>),
    Unmodeled(Text),
}

impl Trail {
    pub(crate) fn hop(&mut self, url: &str, method: &str, kind: HopKind, http_status: Option<u16>, result: HopResult) {
        self.hops.push(Hop { url: url.to_string(), method: method.to_string(), kind, http_status, result });
    }

    pub(crate) fn differs(&mut self, text: Option<Text>) {
        if let Some(text) = text
            && !self.standard_differs.contains(&text)
        {
            self.standard_differs.push(text);
        }
    }

    pub(crate) fn finish(mut self, end: End) -> FetchVerdict {
        let http_status = self.hops.iter().rev().find_map(|h| h.http_status);
        let mut verdict = FetchVerdict {
            outcome: Outcome::Unmodeled,
            response_type: None,
            status: None,
            http_status,
            readable_headers: None,
            preflights: std::mem::take(&mut self.preflights),
            preflight_from_cache: self.preflight_from_cache,
            cors_error: None,
            failed_parameter: None,
            js_error: None,
            console: Vec::new(),
            hops: std::mem::take(&mut self.hops),
            cookies: std::mem::take(&mut self.cookies),
            standard_differs: None,
            explanation: Text::new("", ""),
            fix: Text::new("", ""),
        };
        let (explanation, fix) = match end {
            End::Response { js, http_status, reason } => {
                if http_status >= 400 {
                    verdict.console.push(bad_status_line(http_status, &reason));
                }
                let texts = response_texts(&js, http_status);
                verdict.outcome = Outcome::Response;
                verdict.response_type = Some(js.response_type);
                verdict.status = Some(js.status);
                verdict.readable_headers = Some(js.readable_headers);
                texts
            }
            End::Blocked(b) => {
                let b = *b;
                verdict.outcome = Outcome::Error;
                verdict.console.extend(b.console);
                if let Some(net) = b.net_error {
                    verdict.console.push(format!("Failed to load resource: {}", net.code()));
                }
                verdict.failed_parameter = b.cors_error.map(|_| b.failed_parameter);
                verdict.cors_error = b.cors_error;
                verdict.js_error = Some(b.js_error);
                self.differs(b.standard_differs);
                (b.explanation, b.fix)
            }
            End::Unmodeled(reason) => (
                reason,
                Text::new(
                    "corslab claims nothing here: try this request in Chromium itself.",
                    "corslab はここでは判定しません。このリクエストは Chromium で実際に試してください。",
                ),
            ),
        };
        verdict.explanation = joined(self.notes.iter().chain([&explanation]));
        verdict.fix = fix;
        verdict.standard_differs = (!self.standard_differs.is_empty()).then(|| joined(self.standard_differs.iter()));
        verdict
    }
}

fn joined<'t>(texts: impl Iterator<Item = &'t Text>) -> Text {
    let mut out = Text::new("", "");
    for t in texts.filter(|t| !t.en.is_empty()) {
        if !out.en.is_empty() {
            out.en.push(' ');
        }
        out.en.push_str(&t.en);
        out.ja.push_str(&t.ja);
    }
    out
}

/// What a response JavaScript gets means, and what (if anything) to change.
fn response_texts(js: &JsView, http_status: u16) -> (Text, Text) {
    let list = if js.readable_headers.is_empty() { "none".to_string() } else { js.readable_headers.join(", ") };
    let list_ja = if js.readable_headers.is_empty() { "なし".to_string() } else { js.readable_headers.join(", ") };
    let mut explanation = match js.response_type {
        ResponseType::Cors => Text::new(
            format!("CORS lets the page read the {http_status} response; the headers JavaScript can read: {list} (others need Access-Control-Expose-Headers)."),
            format!("CORS によりページは {http_status} のレスポンスを読めます。JavaScript が読めるヘッダー: {list_ja}（それ以外は Access-Control-Expose-Headers が必要です）。"),
        ),
        ResponseType::Basic => Text::new(
            format!("Same origin: CORS does not apply, and JavaScript reads the {http_status} response with every header but Set-Cookie."),
            format!("同一オリジンなので CORS は関係なく、JavaScript は {http_status} のレスポンスを Set-Cookie 以外のすべてのヘッダーとともに読めます。"),
        ),
        ResponseType::Opaque => Text::new(
            format!("mode: 'no-cors' gives an opaque response: the request was sent and the server answered {http_status}, but JavaScript sees status 0, no headers and no body."),
            format!("mode: 'no-cors' では不透明なレスポンスになります。リクエストは送られサーバーは {http_status} を返しましたが、JavaScript にはステータス 0、ヘッダーなし、本文なしに見えます。"),
        ),
        ResponseType::OpaqueRedirect => Text::new(
            format!("redirect: 'manual' stops at the {http_status} redirect: JavaScript gets an opaqueredirect response (status 0, no headers) and the browser does not follow it."),
            format!("redirect: 'manual' のため {http_status} のリダイレクトで止まります。JavaScript には opaqueredirect のレスポンス（ステータス 0、ヘッダーなし）が渡され、ブラウザーはリダイレクトをたどりません。"),
        ),
    };
    if http_status >= 400 {
        explanation.en.push_str(&format!(" The {http_status} is the server's own answer, not a CORS failure; Chromium logs it as a failed load."));
        explanation.ja.push_str(&format!("{http_status} はサーバー自身の応答で、CORS の失敗ではありません。Chromium はこれを読み込み失敗としてログに出します。"));
    }
    let fix = match (js.response_type, http_status >= 400) {
        (ResponseType::Opaque, _) => Text::new(
            "To read the response, use mode: 'cors' and have the server allow this page with Access-Control-Allow-Origin.",
            "レスポンスを読むには mode: 'cors' を使い、サーバーが Access-Control-Allow-Origin でこのページを許可するようにしてください。",
        ),
        (_, true) => Text::new(
            format!("Nothing to change for CORS; look at why the server answered {http_status}."),
            format!("CORS について変更は不要です。サーバーが {http_status} を返した理由を調べてください。"),
        ),
        _ => Text::new("Nothing to fix.", "修正は不要です。"),
    };
    (explanation, fix)
}
