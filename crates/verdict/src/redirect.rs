//! Redirects of the actual request: what each redirect mode makes of one, and, under
//! `redirect: 'follow'`, the checks a redirect passes and the next hop it leads to.

use crate::analysis::{Analysis, Scope, clip};
use crate::console::console_line_at;
use crate::explain::{Text, fix_same_origin_mode};
use crate::preflight::{need_of, preflight_need};
use crate::request::{Mode, Request};
use crate::response::Response;
use crate::url::{parse_url, resolve_location, split_scheme};
use crate::verdict::{Blocked, CorsError, NetError, Stage, Verdict, blocked, fail};

/// `redirect: 'error'` met a redirect (measured `r_error_mode*`): a network error, logged
/// only as `net::ERR_FAILED`.
pub(crate) fn redirect_refused(resp: &Response<'_>) -> Blocked {
    let status = resp.status();
    Blocked::net(
        NetError::Failed,
        Text::new(
            format!("The server answered {status} (a redirect) and the fetch uses redirect: 'error', so it fails; the response is not given to JavaScript."),
            format!("サーバーは {status}（リダイレクト）を返し、fetch は redirect: 'error' なので失敗します。レスポンスは JavaScript に渡されません。"),
        ),
        Text::new(
            "Call the final URL directly, or use redirect: 'follow' (or 'manual' to see that a redirect happened).",
            "最終的な URL を直接呼ぶか、redirect: 'follow'（リダイレクトが起きたことだけ知りたいなら 'manual'）を使ってください。",
        ),
    )
}

/// Where a redirect the browser follows leads, and what the next hop carries.
pub(crate) struct Follow {
    /// Absolute URL of the next hop.
    pub(crate) location: String,
    pub(crate) method: String,
    pub(crate) tainted_origin: bool,
    /// Indices into the request's `headers` of those the next hop keeps.
    pub(crate) kept_headers: Vec<usize>,
    /// Indices into the request's `unsafe_header_names` of those the next hop keeps.
    pub(crate) kept_unsafe: Vec<usize>,
    /// `Authorization` was dropped because the redirect leaves the origin.
    pub(crate) dropped_authorization: bool,
    /// The next hop is a GET without the body (303, or 301/302 after POST).
    pub(crate) to_get: bool,
}

impl Follow {
    /// The next hop's request; `headers` and `unsafe_names` hold what `kept_headers` and
    /// `kept_unsafe` select.
    pub(crate) fn next_request<'a>(&'a self, a: &Analysis<'a>, headers: &'a [(&'a str, &'a str)], unsafe_names: &'a [&'a str]) -> Request<'a> {
        Request {
            method: &self.method,
            url: &self.location,
            headers,
            unsafe_header_names: unsafe_names,
            initial_url: Some(a.req.initial_url.unwrap_or(a.req.url)),
            tainted_origin: self.tainted_origin,
            ..a.req
        }
    }
}

/// A redirect hop whose CORS check (if any) passed, under `redirect: 'follow'`.
pub(crate) fn redirect_verdict(a: &Analysis<'_>, resp: &Response<'_>) -> Verdict {
    let follow = match follow(a, resp) {
        Ok(f) => f,
        Err(v) => return v,
    };
    let headers: Vec<(&str, &str)> = follow.kept_headers.iter().map(|&i| a.req.headers[i]).collect();
    let unsafe_names: Vec<&str> = follow.kept_unsafe.iter().map(|&i| a.req.unsafe_header_names[i]).collect();
    let preflight_again = preflight_need(&follow.next_request(a, &headers, &unsafe_names)).needed;
    let location = &follow.location;
    let mut en = format!("The browser follows this {} to {location}", resp.status());
    let mut ja = format!("ブラウザーはこの {} に従って {location} へ進みます", resp.status());
    if follow.to_get {
        en.push_str(" as a GET without the body");
        ja.push_str("（本文なしの GET に変わります）");
    }
    en.push('.');
    ja.push('。');
    if follow.dropped_authorization {
        en.push_str(" It leaves the origin, so the browser drops the Authorization header.");
        ja.push_str("オリジンが変わるため、ブラウザーは Authorization ヘッダーを外します。");
    }
    if follow.tainted_origin && !a.req.tainted_origin {
        en.push_str(" The request left a cross-origin server for another origin, so the next hop sends `Origin: null` and only `Access-Control-Allow-Origin: null` or `*` will match.");
        ja.push_str("別オリジンのサーバーからさらに別のオリジンへ移ったため、次のリクエストは `Origin: null` を送り、一致するのは `Access-Control-Allow-Origin: null` か `*` だけです。");
    }
    if preflight_again {
        en.push_str(" The next hop is preflighted again.");
        ja.push_str("次のリクエストでもう一度プリフライトが行われます。");
    }
    Verdict::Redirect {
        location: follow.location,
        next_method: follow.method,
        tainted_origin: follow.tainted_origin,
        preflight_again,
        note: Text { en, ja },
    }
}

/// The checks a followed redirect passes, in Chromium's order, and the next hop: a `data:`
/// location is an unsafe redirect in every mode (measured `r_data*`); mode `same-origin`
/// refuses a cross-origin location (`n_sameorigin_redirect`); another scheme fails the CORS
/// flag's scheme check (`CorsDisabledScheme`, `r_ftp`, `r_ftp_same`) or, in `no-cors`, the
/// network layer (`r_ftp_nocors`); a CORS request refuses a location with `user:pass@`
/// (`RedirectContainsCredentials`, `r_userinfo`). The next hop drops `Authorization` when it
/// leaves the origin (`r_cross_auth*`) and, when it becomes a GET, the body and its headers;
/// the origin is tainted when a CORS request leaves an origin that was already not the page's.
pub(crate) fn follow(a: &Analysis<'_>, resp: &Response<'_>) -> Result<Follow, Verdict> {
    let location = resolve_location(&a.url, resp.location().unwrap_or(""));
    let scheme = split_scheme(&location).map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    if scheme == "data" && a.req.mode != Mode::SameOrigin {
        return Err(Verdict::Blocked(Box::new(Blocked::net(
            NetError::UnsafeRedirect,
            Text::new(
                format!("The server redirects to a data: URL ('{}'); Chromium never follows a redirect to data:, so the fetch fails.", clip(&location)),
                format!("サーバーが data: URL（'{}'）へリダイレクトしています。Chromium は data: へのリダイレクトをたどらないため、fetch は失敗します。", clip(&location)),
            ),
            Text::new("Redirect to an http(s) URL, or return the content directly.", "http(s) の URL へリダイレクトするか、内容を直接返してください。"),
        ))));
    }
    let next = parse_url(&location).ok();
    let next_same_as_page = next.as_ref().is_some_and(|n| a.page.same_origin(n));
    if a.req.mode == Mode::SameOrigin && !next_same_as_page {
        if !matches!(scheme.as_str(), "http" | "https") {
            return Err(unmodeled_redirect(&scheme));
        }
        return Err(Verdict::Blocked(Box::new(Blocked::not_sent(
            "TypeError: Failed to fetch".into(),
            Some(format!(
                "Unsafe attempt to load URL {location} from frame with URL {}/. Domains, protocols and ports must match.",
                a.page.serialize()
            )),
            Text::new(
                format!("The request uses mode: 'same-origin' and was redirected to {location}, another origin; Chromium refuses to follow."),
                format!("mode: 'same-origin' のリクエストが別オリジンの {location} へリダイレクトされたため、Chromium はたどりません。"),
            ),
            fix_same_origin_mode(&next.as_ref().map_or_else(|| location.clone(), |n| n.origin())),
        ))));
    }
    let Some(next) = next else {
        return match scheme.as_str() {
            "ftp" if a.req.mode == Mode::Cors => {
                let need = need_of(a);
                let mut v = blocked(a, &need, fail(CorsError::CorsDisabledScheme, ""), Stage::Actual, resp);
                if let Verdict::Blocked(b) = &mut v {
                    // Chromium names the refused location, redirected from the first URL.
                    b.console = Some(console_line_at(a, &location, CorsError::CorsDisabledScheme));
                }
                Err(v)
            }
            "ftp" => Err(Verdict::Blocked(Box::new(Blocked::net(
                NetError::UnknownUrlScheme,
                Text::new(
                    format!("The server redirects to {}; the browser cannot load an {scheme}: URL, so the fetch fails.", clip(&location)),
                    format!("サーバーが {} へリダイレクトしています。ブラウザーは {scheme}: の URL を読み込めないため、fetch は失敗します。", clip(&location)),
                ),
                Text::new("Redirect to an http(s) URL.", "http(s) の URL へリダイレクトしてください。"),
            )))),
            _ => Err(unmodeled_redirect(&scheme)),
        };
    };
    if a.req.mode == Mode::Cors && next.has_userinfo && (a.scope == Scope::Cors || !next_same_as_page) {
        let need = need_of(a);
        return Err(blocked(a, &need, fail(CorsError::RedirectContainsCredentials, ""), Stage::Actual, resp));
    }
    let current_is_page_origin = a.page.same_origin(&a.url) && !a.req.tainted_origin;
    let leaves_origin = !next.same_origin(&a.url);
    let tainted = a.req.tainted_origin || (a.req.mode == Mode::Cors && leaves_origin && !current_is_page_origin);
    let to_get = (resp.status() == 303 && !matches!(a.method, "GET" | "HEAD"))
        || (matches!(resp.status(), 301 | 302) && a.method == "POST");
    let next_method = if to_get { "GET" } else { a.method };
    let is = |name: &str, wanted: &str| name.trim().eq_ignore_ascii_case(wanted);
    // A GET loses the body, and with it the headers that describe the body.
    let body_header = |name: &str| {
        to_get && ["content-type", "content-language", "content-encoding", "content-location"].iter().any(|b| is(name, b))
    };
    let dropped_authorization = leaves_origin
        && (a.req.headers.iter().any(|(n, _)| is(n, "authorization")) || a.req.unsafe_header_names.iter().any(|n| is(n, "authorization")));
    let kept = |name: &str| !(body_header(name) || (leaves_origin && is(name, "authorization")));
    Ok(Follow {
        location,
        method: next_method.to_string(),
        tainted_origin: tainted,
        kept_headers: (0..a.req.headers.len()).filter(|&i| kept(a.req.headers[i].0)).collect(),
        kept_unsafe: (0..a.req.unsafe_header_names.len()).filter(|&i| kept(a.req.unsafe_header_names[i])).collect(),
        dropped_authorization,
        to_get,
    })
}

fn unmodeled_redirect(scheme: &str) -> Verdict {
    let scheme = clip(scheme);
    Verdict::Unmodeled {
        reason: Text::new(
            format!("The response redirects to a {scheme}: URL; what Chromium does then is not measured, so this engine does not say."),
            format!("レスポンスは {scheme}: の URL へリダイレクトしています。その場合の Chromium の動作は未測定のため、このエンジンは判定しません。"),
        ),
    }
}

