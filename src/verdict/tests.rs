//! Rule-by-rule tests. Each test is named after the row of
//! `tools/cors-probe/RESULTS.md` it reproduces (`s_*` actual response, `m_*` modes, `p_*` preflight, `c_*`
//! cache, `r_*` redirects, `k_*` cookies, `n_*` rows added later) and
//! asserts what a user notices: the CorsError, the console line (quoted
//! verbatim from the measurement, chromedriver's "<page URL> - " prefix
//! removed), the readable headers, the preflight reasons.

// Tables of measured rows are tuples on purpose: one line per row.
#![allow(clippy::type_complexity)]

use super::*;

const A: &str = "http://localhost:18000";
const T: &str = "http://localhost:18001";
const X: &str = "http://127.0.0.1:18002";
/// chromedriver prefixes each console line with the page URL and " - ".
const PREFIX: &str = "http://localhost:18000/ - ";

fn url(id: &str) -> String {
    format!("{T}/c/{id}/")
}

/// The probe server adds these to every response.
const STD: [(&str, &str); 2] = [("Content-Length", "42"), ("Connection", "close")];

fn resp<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = extra.to_vec();
    v.extend_from_slice(&STD);
    v
}

fn blocked(v: &Verdict) -> &Blocked {
    match v {
        Verdict::Blocked(b) => b,
        other => panic!("expected Blocked, got {other:#?}"),
    }
}

fn js(v: &Verdict) -> &JsView {
    match v {
        Verdict::Pass { js: Some(j), .. } => j,
        other => panic!("expected Pass, got {other:#?}"),
    }
}

fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A CORS failure as DevTools (`corsErrorStatus`) and the console showed it.
#[track_caller]
fn assert_cors(v: &Verdict, error: CorsError, param: &str, stage: Stage, measured_console: &str) {
    let b = blocked(v);
    assert_eq!(b.cors_error, Some(error), "CorsError");
    assert_eq!(b.failed_parameter, param, "failedParameter");
    assert_eq!(b.stage, stage, "stage");
    assert_eq!(b.js_error, "TypeError: Failed to fetch");
    let expected = measured_console.strip_prefix(PREFIX).unwrap_or(measured_console);
    assert_eq!(b.console.as_deref(), Some(expected), "console");
    for t in [&b.explanation, &b.fix] {
        assert!(!t.en.is_empty() && !t.ja.is_empty(), "texts present");
    }
}

/// Console line for an actual-response failure at `url`.
fn console(url: &str, body: &str) -> String {
    format!("{PREFIX}Access to fetch at '{url}' from origin '{A}' has been blocked by CORS policy: {body}")
}

const PF: &str = "Response to preflight request doesn't pass access control check: ";
const VALID: &str = " Have the server send the header with a valid value.";

// ===========================================================================
// s_*: the CORS check on the actual response
// ===========================================================================

#[test]
fn s_no_acao_and_s_404_no_acao_missing_allow_origin() {
    for (id, status) in [("s_no_acao", 200), ("s_404_no_acao", 404)] {
        let u = url(id);
        let r = resp(&[]);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(status, &r)));
        assert_cors(
            &v,
            CorsError::MissingAllowOriginHeader,
            "",
            Stage::Actual,
            &console(&u, "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        );
        let b = blocked(&v);
        assert!(b.explanation.en.contains("reached the server and ran"));
        assert!(b.fix.en.contains("`Access-Control-Allow-Origin: http://localhost:18000`"));
        assert!(b.fix.ja.contains("`Access-Control-Allow-Origin: http://localhost:18000`"));
        assert!(b.standard_differs.is_none());
    }
}

#[test]
fn s_no_acao_measured_console_verbatim() {
    // One row quoted whole, exactly as recorded in RESULTS.md.
    let u = url("s_no_acao");
    let r = resp(&[]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &r)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        "http://localhost:18000/ - Access to fetch at 'http://localhost:18001/c/s_no_acao/' from origin 'http://localhost:18000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

/// Rows that differ only in `Access-Control-Allow-Origin` lines.
#[test]
fn s_allow_origin_values() {
    let rows: [(&str, &[&str], CorsError, &str, String); 11] = [
        ("s_mismatch", &["http://localhost:9999"], CorsError::AllowOriginMismatch, "http://localhost:9999",
         format!("The 'Access-Control-Allow-Origin' header has a value 'http://localhost:9999' that is not equal to the supplied origin.{VALID}")),
        ("s_dup_same", &[A, A], CorsError::MultipleAllowOriginValues, "http://localhost:18000, http://localhost:18000",
         format!("The 'Access-Control-Allow-Origin' header contains multiple values 'http://localhost:18000, http://localhost:18000', but only one is allowed.{VALID}")),
        ("s_dup_star", &["*", A], CorsError::MultipleAllowOriginValues, "*, http://localhost:18000",
         format!("The 'Access-Control-Allow-Origin' header contains multiple values '*, http://localhost:18000', but only one is allowed.{VALID}")),
        ("s_comma", &["http://localhost:18000,http://localhost:9999"], CorsError::MultipleAllowOriginValues,
         "http://localhost:18000,http://localhost:9999",
         format!("The 'Access-Control-Allow-Origin' header contains multiple values 'http://localhost:18000,http://localhost:9999', but only one is allowed.{VALID}")),
        ("s_space", &["http://localhost:18000 http://localhost:9999"], CorsError::MultipleAllowOriginValues,
         "http://localhost:18000 http://localhost:9999",
         format!("The 'Access-Control-Allow-Origin' header contains multiple values 'http://localhost:18000 http://localhost:9999', but only one is allowed.{VALID}")),
        ("s_null", &["null"], CorsError::AllowOriginMismatch, "null",
         format!("The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin.{VALID}")),
        ("s_invalid", &["foo"], CorsError::InvalidAllowOriginValue, "foo",
         format!("The 'Access-Control-Allow-Origin' header contains the invalid value 'foo'.{VALID}")),
        ("s_slash", &["http://localhost:18000/"], CorsError::AllowOriginMismatch, "http://localhost:18000/",
         format!("The 'Access-Control-Allow-Origin' header has a value 'http://localhost:18000/' that is not equal to the supplied origin.{VALID}")),
        ("s_upper", &["HTTP://LOCALHOST:18000"], CorsError::AllowOriginMismatch, "HTTP://LOCALHOST:18000",
         format!("The 'Access-Control-Allow-Origin' header has a value 'HTTP://LOCALHOST:18000' that is not equal to the supplied origin.{VALID}")),
        ("s_nonascii", &["http://localhost:18000\u{e9}"], CorsError::InvalidAllowOriginValue, "http://localhost:18000\u{e9}",
         format!("The 'Access-Control-Allow-Origin' header contains the invalid value 'http://localhost:18000\\u00C3\\u00A9'.{VALID}")),
        ("s_empty", &[""], CorsError::InvalidAllowOriginValue, "",
         format!("The 'Access-Control-Allow-Origin' header contains the invalid value ''.{VALID}")),
    ];
    for (id, acao, error, param, body) in rows {
        let u = url(id);
        let mut lines: Vec<(&str, &str)> = acao.iter().map(|v| ("Access-Control-Allow-Origin", *v)).collect();
        lines.extend_from_slice(&STD);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &lines)));
        assert_cors(&v, error, param, Stage::Actual, &console(&u, &body));
        let b = blocked(&v);
        // Space/comma and unparsable values are Chromium diagnostics: say so.
        assert_eq!(
            b.standard_differs.is_some(),
            matches!(error, CorsError::MultipleAllowOriginValues | CorsError::InvalidAllowOriginValue),
            "{id}"
        );
    }
}

#[test]
fn s_ok_readable_safelisted_headers() {
    let u = url("s_ok");
    let r = resp(&[
        ("Access-Control-Allow-Origin", A), ("Cache-Control", "no-store"), ("Content-Language", "ja"),
        ("Content-Type", "text/plain"), ("Expires", "0"), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ("Pragma", "no-cache"), ("X-Custom", "1"), ("X-Other", "2"), ("X-Hidden", "3"), ("Set-Cookie", "probe_sc=1; Path=/"),
    ]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &r)));
    let j = js(&v);
    assert_eq!(j.response_type, ResponseType::Cors);
    assert_eq!(j.status, 200);
    assert_eq!(names(&j.readable_headers),
        ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"]);
}

#[test]
fn s_star_and_s_acao_ws_pass() {
    for (id, acao) in [("s_star", "*"), ("s_acao_ws", "   http://localhost:18000   ")] {
        let u = url(id);
        let r = resp(&[("Access-Control-Allow-Origin", acao)]);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &r)));
        assert_eq!(names(&js(&v).readable_headers), ["content-length"], "{id}");
    }
}

#[test]
fn s_star_include_wildcard_not_allowed() {
    let u = url("s_star_include");
    let r = resp(&[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]);
    let req = Request::new("GET", &u, A).credentials(Credentials::Include);
    let v = verdict(&req, None, Some(&Exchange::new(200, &r)));
    assert_cors(&v, CorsError::WildcardOriginNotAllowed, "", Stage::Actual, &console(&u,
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."));
    assert!(blocked(&v).fix.en.contains("`Access-Control-Allow-Origin: http://localhost:18000`"));
}

#[test]
fn s_include_credentials_rows() {
    let rows: [(&str, &[(&str, &str)], Option<(CorsError, &str, String)>); 5] = [
        ("s_include_no_acac", &[("Access-Control-Allow-Origin", A)],
         Some((CorsError::InvalidAllowCredentials, "", "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.".into()))),
        ("s_include_acac_True", &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "True")],
         Some((CorsError::InvalidAllowCredentials, "True", "The value of the 'Access-Control-Allow-Credentials' header in the response is 'True' which must be 'true' when the request's credentials mode is 'include'.".into()))),
        ("s_include_dup_acac", &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Credentials", "true")],
         Some((CorsError::InvalidAllowCredentials, "true, true", "The value of the 'Access-Control-Allow-Credentials' header in the response is 'true, true' which must be 'true' when the request's credentials mode is 'include'.".into()))),
        // Origin is checked before credentials: the mismatch is what is reported.
        ("s_include_order", &[("Access-Control-Allow-Origin", "http://localhost:9999")],
         Some((CorsError::AllowOriginMismatch, "http://localhost:9999", format!("The 'Access-Control-Allow-Origin' header has a value 'http://localhost:9999' that is not equal to the supplied origin.{VALID}")))),
        ("s_include_ok", &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "true")], None),
    ];
    for (id, headers, expected) in rows {
        let u = url(id);
        let r = resp(headers);
        let req = Request::new("GET", &u, A).credentials(Credentials::Include);
        let v = verdict(&req, None, Some(&Exchange::new(200, &r)));
        match expected {
            Some((e, p, body)) => assert_cors(&v, e, p, Stage::Actual, &console(&u, &body)),
            None => assert_eq!(names(&js(&v).readable_headers), ["content-length"]),
        }
    }
}

#[test]
fn s_omit_bad_acac_is_ignored_without_credentials() {
    let u = url("s_omit_bad_acac");
    let r = resp(&[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "nope")]);
    let req = Request::new("GET", &u, A).credentials(Credentials::Omit);
    let v = verdict(&req, None, Some(&Exchange::new(200, &r)));
    assert_eq!(js(&v).status, 200);
}

#[test]
fn s_500_acao_is_readable() {
    let u = url("s_500_acao");
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(500, &r)));
    assert_eq!(js(&v).status, 500);
    assert_eq!(names(&js(&v).readable_headers), ["content-length"]);
}

const SAFE_RESP: [(&str, &str); 10] = [
    ("Cache-Control", "no-store"), ("Content-Language", "ja"), ("Content-Type", "text/plain"), ("Expires", "0"),
    ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"), ("Pragma", "no-cache"), ("X-Custom", "1"), ("X-Other", "2"),
    ("X-Hidden", "3"), ("Set-Cookie", "probe_sc=1; Path=/"),
];

fn expose_case(aceh: &str, extra: &[(&'static str, &'static str)], credentials: Credentials) -> Vec<String> {
    let mut r: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
    r.extend_from_slice(&SAFE_RESP);
    r.extend_from_slice(extra);
    r.push(("Access-Control-Expose-Headers", aceh));
    r.extend_from_slice(&STD);
    let u = url("s_expose");
    let v = verdict(&Request::new("GET", &u, A).credentials(credentials), None, Some(&Exchange::new(200, &r)));
    js(&v).readable_headers.clone()
}

#[test]
fn s_expose_lists_named_headers() {
    assert_eq!(names(&expose_case("X-Custom, x-other", &[], Credentials::SameOrigin)),
        ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma", "x-custom", "x-other"]);
}

#[test]
fn s_expose_star_exposes_all_but_set_cookie() {
    assert_eq!(names(&expose_case("*", &[], Credentials::SameOrigin)),
        ["access-control-allow-origin", "access-control-expose-headers", "cache-control", "connection", "content-language",
         "content-length", "content-type", "expires", "last-modified", "pragma", "x-custom", "x-hidden", "x-other"]);
}

#[test]
fn s_expose_star_include_is_literal() {
    let mut r: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
    r.extend_from_slice(&SAFE_RESP);
    r.push(("Access-Control-Allow-Credentials", "true"));
    r.push(("Access-Control-Expose-Headers", "*, X-Other"));
    r.extend_from_slice(&STD);
    let u = url("s_expose_star_include");
    let v = verdict(&Request::new("GET", &u, A).credentials(Credentials::Include), None, Some(&Exchange::new(200, &r)));
    assert_eq!(names(&js(&v).readable_headers),
        ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma", "x-other"]);
}

#[test]
fn s_expose_setcookie_never_readable() {
    let u = url("s_expose_setcookie");
    let r = resp(&[("Access-Control-Allow-Origin", A), ("Set-Cookie", "e=1"), ("X-Custom", "1"),
        ("Access-Control-Expose-Headers", "Set-Cookie, X-Custom")]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &r)));
    assert_eq!(names(&js(&v).readable_headers), ["content-length", "x-custom"]);
}

#[test]
fn s_aceh_parsing_rows() {
    let rows: [(&str, &[(&str, &str)], &[&str]); 4] = [
        // One invalid token invalidates the whole list: nothing extra exposed.
        ("s_aceh_invalid", &[("Access-Control-Expose-Headers", "X-Custom, bad header, X-Other")], &["content-length"]),
        ("s_aceh_empty_elems", &[("Access-Control-Expose-Headers", " ,X-Custom,, x-other , ")], &["content-length", "x-custom", "x-other"]),
        ("s_aceh_two_lines", &[("Access-Control-Expose-Headers", "X-Custom"), ("Access-Control-Expose-Headers", "X-Other")], &["content-length", "x-custom", "x-other"]),
        ("s_dup_resp_header", &[("Access-Control-Expose-Headers", "X-Custom")], &["content-length", "x-custom"]),
    ];
    for (id, aceh, expected) in rows {
        let mut r: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A), ("X-Custom", "1")];
        if id == "s_dup_resp_header" {
            r.push(("X-Custom", "2"));
        } else {
            r.push(("X-Other", "2"));
        }
        r.extend_from_slice(aceh);
        r.extend_from_slice(&STD);
        let u = url(id);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(200, &r)));
        assert_eq!(names(&js(&v).readable_headers), expected, "{id}");
    }
}

#[test]
fn s_post_text_and_s_head_need_no_preflight() {
    let u = url("s_post_text");
    let h = [("Content-Type", "text/plain")];
    let req = Request::new("POST", &u, A).headers(&h);
    let need = preflight_need(&req);
    assert!(!need.needed);
    assert_eq!(need.because, PreflightBecause::SimpleRequest);
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    assert_eq!(js(&verdict(&req, None, Some(&Exchange::new(200, &r)))).status, 200);
    let u = url("s_head");
    assert!(!preflight_need(&Request::new("HEAD", &u, A)).needed);
}

// ===========================================================================
// m_*: modes and fetch()'s own refusals
// ===========================================================================

#[test]
fn m_nocors_get_and_include_are_opaque_never_cors_errors() {
    for credentials in [Credentials::SameOrigin, Credentials::Include] {
        let u = url("m_nocors_get");
        let req = Request::new("GET", &u, A).mode(Mode::NoCors).credentials(credentials);
        let v = verdict(&req, None, Some(&Exchange::new(200, &STD)));
        let j = js(&v);
        assert_eq!((j.response_type, j.status), (ResponseType::Opaque, 0));
        assert!(j.readable_headers.is_empty());
        assert_eq!(preflight_need(&req).because, PreflightBecause::NoCorsMode);
    }
}

#[track_caller]
fn assert_thrown(v: &Verdict, js_error: &str) {
    let b = blocked(v);
    assert_eq!((b.cors_error, b.stage), (None, Stage::BeforeSend));
    assert_eq!(b.js_error, js_error);
    assert_eq!(b.console, None);
}

#[test]
fn m_nocors_methods_throw_before_sending() {
    for (method, message) in [
        ("PUT", "'PUT' is unsupported in no-cors mode."),     // m_nocors_put
        ("put", "'PUT' is unsupported in no-cors mode."),     // n_nocors_put_lower: normalized first
        ("patch", "'patch' is unsupported in no-cors mode."), // m_nocors_patch: not normalized
    ] {
        let u = url("m_nocors_put");
        let req = Request::new(method, &u, A).mode(Mode::NoCors);
        let v = verdict(&req, None, None);
        assert_thrown(&v, &format!("TypeError: Failed to execute 'fetch' on 'Window': {message}"));
        assert_eq!(preflight_need(&req).because, PreflightBecause::NotSent);
    }
}

#[test]
fn m_trace_and_m_bad_method_throw() {
    for (method, message) in [
        ("TRACE", "'TRACE' HTTP method is unsupported."),        // m_trace
        ("trace", "'trace' HTTP method is unsupported."),        // n_trace_lower: as written
        ("BAD METHOD", "'BAD METHOD' is not a valid HTTP method."), // m_bad_method
    ] {
        let u = url("m_trace");
        let v = verdict(&Request::new(method, &u, A), None, None);
        assert_thrown(&v, &format!("TypeError: Failed to execute 'fetch' on 'Window': {message}"));
    }
}

#[test]
fn m_nocors_headers_drops_unsafe_headers_silently() {
    let u = url("m_nocors_headers");
    let h = [("X-Foo", "1"), ("Content-Type", "application/json"), ("Accept", "x/y")];
    let req = Request::new("POST", &u, A).mode(Mode::NoCors).headers(&h);
    let need = preflight_need(&req);
    assert!(!need.needed);
    assert_eq!(need.dropped_headers, vec![
        DroppedHeader { name: "x-foo".into(), reason: DropReason::NotNoCorsSafelisted },
        DroppedHeader { name: "content-type".into(), reason: DropReason::NotNoCorsSafelisted },
    ]);
    assert_eq!(js(&verdict(&req, None, Some(&Exchange::new(200, &STD)))).response_type, ResponseType::Opaque);
}

#[test]
fn m_sameorigin_cross_refused_before_sending() {
    let u = url("m_sameorigin_cross");
    let req = Request::new("GET", &u, A).mode(Mode::SameOrigin);
    let b = blocked(&verdict(&req, None, None)).clone();
    assert_eq!((b.cors_error, b.stage), (None, Stage::BeforeSend));
    assert_eq!(b.js_error, "TypeError: Failed to fetch");
    // Measured: "javascript 4 Fetch API cannot load …" (chromedriver's source and line prefix).
    assert_eq!(b.console.as_deref(), Some("Fetch API cannot load http://localhost:18001/c/m_sameorigin_cross/. Request mode is \"same-origin\" but the URL's origin is not same as the request origin http://localhost:18000."));
}

#[test]
fn m_ftp_scheme_not_supported() {
    let v = verdict(&Request::new("GET", "ftp://localhost:18001/c/m_ftp/", A), None, None);
    let b = blocked(&v);
    assert_eq!(b.js_error, "TypeError: Failed to fetch");
    assert_eq!(b.console.as_deref(), Some("Fetch API cannot load ftp://localhost:18001/c/m_ftp/. URL scheme \"ftp\" is not supported."));
}

#[test]
fn m_same_origin_put_is_basic_without_cors() {
    let u = format!("{A}/c/m_same_origin_put/");
    let h = [("X-Foo", "1")];
    let req = Request::new("PUT", &u, A).headers(&h);
    let need = preflight_need(&req);
    assert_eq!((need.needed, need.because), (false, PreflightBecause::SameOrigin));
    let r = resp(&[("Set-Cookie", "a=1")]);
    let j = js(&verdict(&req, None, Some(&Exchange::new(200, &r)))).clone();
    assert_eq!((j.response_type, j.status), (ResponseType::Basic, 200));
    assert_eq!(names(&j.readable_headers), ["connection", "content-length"]);
}

#[test]
fn relative_url_resolves_against_page_origin() {
    let req = Request::new("PUT", "/api/users/", A);
    assert_eq!(preflight_need(&req).because, PreflightBecause::SameOrigin);
}

#[test]
fn data_and_blob_urls_are_unmodeled() {
    for u in ["data:,hi", "blob:http://localhost:18000/x"] {
        assert!(matches!(verdict(&Request::new("GET", u, A), None, None), Verdict::Unmodeled { .. }));
    }
}

// ===========================================================================
// p_*: preflight need, Access-Control-Request-Headers, preflight checks
// ===========================================================================

fn need_for(method: &str, headers: &[(&str, &str)]) -> PreflightNeed {
    let u = url("p");
    preflight_need(&Request::new(method, &u, A).headers(headers))
}

#[track_caller]
fn assert_acrh(need: &PreflightNeed, acrh: Option<&str>) {
    assert_eq!(need.access_control_request_headers.as_deref(), acrh);
    assert_eq!(need.needed, acrh.is_some() || need.unsafe_method.is_some());
}

#[test]
fn p_method_reasons() {
    let need = need_for("PUT", &[]);
    assert_eq!((need.needed, need.because), (true, PreflightBecause::UnsafeRequest));
    assert_eq!(need.unsafe_method.as_deref(), Some("PUT"));
    assert_eq!(need.access_control_request_method.as_deref(), Some("PUT"));
    assert_eq!(need.access_control_request_headers, None);
    // fetch() upper-cases put/delete but not patch (p_put_lower_js, p_patch_lower).
    assert_eq!(need_for("put", &[]).access_control_request_method.as_deref(), Some("PUT"));
    assert_eq!(need_for("patch", &[]).access_control_request_method.as_deref(), Some("patch"));
    assert!(!need_for("get", &[]).needed);
    assert!(!need_for("post", &[]).needed);
}

#[test]
fn p_acrh_sorted_lowercase_unique() {
    // p_acrh_sorted: X-Zeta, X-Alpha, JSON content type, simple Accept.
    let need = need_for("POST", &[("X-Zeta", "1"), ("X-Alpha", "2"), ("Content-Type", "application/json"), ("Accept", "application/json")]);
    assert_acrh(&need, Some("content-type,x-alpha,x-zeta"));
    assert_eq!(need.unsafe_headers, vec![
        UnsafeHeader { name: "content-type".into(), rule: HeaderRule::ContentTypeNotSimple },
        UnsafeHeader { name: "x-alpha".into(), rule: HeaderRule::NameNotSafelisted },
        UnsafeHeader { name: "x-zeta".into(), rule: HeaderRule::NameNotSafelisted },
    ]);
    // p_acrh_dup_name: X-Foo appended twice -> one name.
    assert_acrh(&need_for("GET", &[("X-Foo", "1"), ("x-foo", "2")]), Some("x-foo"));
}

#[test]
fn p_header_value_rules() {
    let l128 = "a".repeat(128);
    let l129 = "a".repeat(129);
    let ct129 = format!("text/plain;a={}", "b".repeat(116));
    let rows: Vec<(&str, Vec<(&str, &str)>, Option<HeaderRule>)> = vec![
        ("p_accept_129", vec![("Accept", &l129)], Some(HeaderRule::ValueOver128Bytes)),
        ("p_accept_128", vec![("Accept", &l128)], None),
        ("n_ct_129", vec![("Content-Type", &ct129)], Some(HeaderRule::ValueOver128Bytes)),
        ("p_intervention", vec![("Intervention", "x")], None),
        ("p_dpr", vec![("DPR", "2")], None),
        ("p_range_simple", vec![("Range", "bytes=0-10")], None),
        ("p_range_open", vec![("Range", "bytes=5-")], None),
        ("p_range_multi", vec![("Range", "bytes=0-1,3-4")], Some(HeaderRule::RangeNotSimple)),
        ("p_range_suffix", vec![("Range", "bytes=-5")], Some(HeaderRule::RangeNotSimple)),
        ("p_range_backwards", vec![("Range", "bytes=10-5")], Some(HeaderRule::RangeNotSimple)),
        ("p_ct_charset", vec![("Content-Type", "text/plain;charset=utf-8")], None),
        ("p_ct_quoted", vec![("Content-Type", "text/plain;charset=\"utf-8\"")], Some(HeaderRule::ContentTypeUnsafeBytes)),
        ("p_ct_upper", vec![("Content-Type", "TEXT/PLAIN")], None),
        ("p_ct_comma", vec![("Content-Type", "text/plain, application/json")], Some(HeaderRule::ContentTypeNotSimple)),
        ("p_ct_space", vec![("Content-Type", "text/plain ; charset=utf-8")], None),
        ("p_ct_multipart", vec![("Content-Type", "multipart/form-data")], None),
        ("p_ct_empty", vec![("Content-Type", "")], Some(HeaderRule::ContentTypeNotSimple)),
        ("p_ct_json", vec![("Content-Type", "application/json")], Some(HeaderRule::ContentTypeNotSimple)),
        ("p_ct_space_type", vec![("Content-Type", "text /plain")], Some(HeaderRule::ContentTypeNotSimple)),
        ("p_ct_semicolon", vec![("Content-Type", "text/plain;")], None),
        ("p_al_underscore", vec![("Accept-Language", "en_US")], Some(HeaderRule::UnsafeValueBytes)),
        ("p_al_ok", vec![("Accept-Language", "ja,en-US;q=0.9")], None),
        ("p_cl_ok", vec![("Content-Language", "de-DE")], None),
        ("p_accept_quote", vec![("Accept", "text/\"x\"")], Some(HeaderRule::UnsafeValueBytes)),
        ("p_empty_value", vec![("X-Foo", "")], Some(HeaderRule::NameNotSafelisted)),
        ("n_xmo_get", vec![("X-HTTP-Method-Override", "GET")], Some(HeaderRule::NameNotSafelisted)),
    ];
    for (id, headers, rule) in rows {
        let need = need_for("GET", &headers);
        match rule {
            None => assert!(!need.needed, "{id}: {need:?}"),
            Some(rule) => {
                assert!(need.needed, "{id}");
                assert_eq!(need.unsafe_headers.len(), 1, "{id}");
                assert_eq!(need.unsafe_headers[0].rule, rule, "{id}");
                assert_eq!(need.unsafe_headers[0].name, headers[0].0.to_ascii_lowercase(), "{id}");
            }
        }
    }
}

#[test]
fn p_chromium_only_safelist_is_reported_as_standard_difference() {
    let need = need_for("GET", &[("DPR", "2")]);
    assert!(!need.needed);
    assert!(need.standard_differs.as_ref().is_some_and(|t| t.en.contains("dpr") && t.ja.contains("dpr")));
    assert!(need_for("GET", &[("Accept", "x/y")]).standard_differs.is_none());
}

#[test]
fn p_sum_1024_rule_counts_all_safelisted_values() {
    let a = "a".repeat(128);
    let one = "1".repeat(128);
    let ct = format!("text/plain;a={}", "b".repeat(115));
    let base = vec![("Accept", a.as_str()), ("Accept-Language", &a), ("Content-Language", &a), ("Content-Type", &ct),
        ("Intervention", &a), ("Width", &one), ("Viewport-Width", &one), ("RTT", &one)];
    // p_sum_1024: exactly 1024 bytes -> no preflight.
    let need = need_for("GET", &base);
    assert!(!need.needed);
    assert_eq!(need.safelisted_value_bytes, 1024);
    // p_sum_1025: two more bytes -> every safelisted header becomes unsafe.
    let mut more = base.clone();
    more.push(("DPR", "11"));
    let need = need_for("GET", &more);
    assert_acrh(&need, Some("accept,accept-language,content-language,content-type,dpr,intervention,rtt,viewport-width,width"));
    assert!(need.unsafe_headers.iter().all(|h| h.rule == HeaderRule::SafelistedTotalOver1024));
    // n_sum_default_accept: no Accept set; fetch's implicit `Accept: */*` counts and is listed.
    let dpr = "1".repeat(126);
    let mut no_accept: Vec<(&str, &str)> = base[1..].to_vec();
    no_accept.push(("DPR", &dpr));
    let need = need_for("GET", &no_accept);
    assert_eq!(need.safelisted_value_bytes, 1025);
    assert_acrh(&need, Some("accept,accept-language,content-language,content-type,dpr,intervention,rtt,viewport-width,width"));
}

#[test]
fn p_forbidden_headers_are_dropped_not_preflighted() {
    // p_ua, p_forbidden, p_xmo, n_req_setcookie, n_xmo_list
    let need = need_for("GET", &[("User-Agent", "probe"), ("Cookie", "a=b"), ("Origin", "http://evil"), ("Sec-Foo", "1"),
        ("Proxy-X", "1"), ("DNT", "1"), ("Accept-Charset", "x"), ("Set-Cookie", "a=b"),
        ("X-HTTP-Method-Override", "TRACE"), ("X-Method-Override", "get, trace")]);
    assert!(!need.needed);
    let dropped: Vec<(&str, DropReason)> = need.dropped_headers.iter().map(|d| (d.name.as_str(), d.reason)).collect();
    assert_eq!(dropped, [
        ("user-agent", DropReason::ForbiddenName), ("cookie", DropReason::ForbiddenName), ("origin", DropReason::ForbiddenName),
        ("sec-foo", DropReason::ForbiddenName), ("proxy-x", DropReason::ForbiddenName), ("dnt", DropReason::ForbiddenName),
        ("accept-charset", DropReason::ForbiddenName), ("set-cookie", DropReason::ForbiddenName),
        ("x-http-method-override", DropReason::ForbiddenMethodOverride), ("x-method-override", DropReason::ForbiddenMethodOverride),
    ]);
    // Chromium drops User-Agent, the standard would not: said so.
    assert!(need.standard_differs.is_some_and(|t| t.en.contains("User-Agent")));
}

/// A preflighted request to `id` and the verdict for its preflight answer.
fn pf_verdict(id: &str, method: &str, headers: &[(&str, &str)], credentials: Credentials,
              status: u16, pf_headers: &[(&str, &str)]) -> (String, Verdict) {
    let u = url(id);
    let req = Request::new(method, &u, A).headers(headers).credentials(credentials);
    let pf = resp(pf_headers);
    let v = verdict(&req, Some(&Exchange::new(status, &pf)), None);
    (u, v)
}

#[test]
fn p_preflight_allow_origin_rows() {
    let no_acao = format!("{PF}No 'Access-Control-Allow-Origin' header is present on the requested resource.");
    let rows: Vec<(&str, Credentials, u16, Vec<(&str, &str)>, CorsError, &str, String)> = vec![
        ("p_no_cors_200", Credentials::SameOrigin, 200, vec![], CorsError::PreflightMissingAllowOriginHeader, "", no_acao.clone()),
        ("p_404", Credentials::SameOrigin, 404, vec![], CorsError::PreflightMissingAllowOriginHeader, "", no_acao.clone()),
        ("p_500", Credentials::SameOrigin, 500, vec![], CorsError::PreflightMissingAllowOriginHeader, "", no_acao),
        ("p_star_include", Credentials::Include, 200,
         vec![("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightWildcardOriginNotAllowed, "",
         format!("{PF}The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.")),
        ("p_dup", Credentials::SameOrigin, 200,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightMultipleAllowOriginValues, "http://localhost:18000, http://localhost:18000",
         format!("{PF}The 'Access-Control-Allow-Origin' header contains multiple values 'http://localhost:18000, http://localhost:18000', but only one is allowed.{VALID}")),
        ("p_mismatch", Credentials::SameOrigin, 200,
         vec![("Access-Control-Allow-Origin", "http://localhost:9999"), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightAllowOriginMismatch, "http://localhost:9999",
         format!("{PF}The 'Access-Control-Allow-Origin' header has a value 'http://localhost:9999' that is not equal to the supplied origin.{VALID}")),
        ("p_404_mismatch", Credentials::SameOrigin, 404, vec![("Access-Control-Allow-Origin", "http://localhost:9999")],
         CorsError::PreflightAllowOriginMismatch, "http://localhost:9999",
         format!("{PF}The 'Access-Control-Allow-Origin' header has a value 'http://localhost:9999' that is not equal to the supplied origin.{VALID}")),
        ("p_invalid", Credentials::SameOrigin, 200,
         vec![("Access-Control-Allow-Origin", "foo"), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidAllowOriginValue, "foo",
         format!("{PF}The 'Access-Control-Allow-Origin' header contains the invalid value 'foo'.{VALID}")),
        ("p_include_no_acac", Credentials::Include, 200,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidAllowCredentials, "",
         format!("{PF}The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.")),
        ("p_preflight_acac_True", Credentials::Include, 200,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "True"), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidAllowCredentials, "True",
         format!("{PF}The value of the 'Access-Control-Allow-Credentials' header in the response is 'True' which must be 'true' when the request's credentials mode is 'include'.")),
        // Credentials and wildcard are checked before the status (n_pf_404_*).
        ("n_pf_404_include_no_acac", Credentials::Include, 404,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidAllowCredentials, "",
         format!("{PF}The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.")),
        ("n_pf_404_star_include", Credentials::Include, 404,
         vec![("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightWildcardOriginNotAllowed, "",
         format!("{PF}The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.")),
        ("p_404_acao", Credentials::SameOrigin, 404,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidStatus, "", format!("{PF}It does not have HTTP ok status.")),
        ("p_300_acao", Credentials::SameOrigin, 300,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")],
         CorsError::PreflightInvalidStatus, "", format!("{PF}It does not have HTTP ok status.")),
        ("p_redirect", Credentials::SameOrigin, 302, vec![("Location", "/c/p_redirect/2")],
         CorsError::PreflightDisallowedRedirect, "", format!("{PF}Redirect is not allowed for a preflight request.")),
        ("p_redirect_acao", Credentials::SameOrigin, 307,
         vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT"), ("Location", "/c/p_redirect_acao/2")],
         CorsError::PreflightDisallowedRedirect, "", format!("{PF}Redirect is not allowed for a preflight request.")),
        ("p_redirect_no_acao_404", Credentials::SameOrigin, 301, vec![("Location", "/x")],
         CorsError::PreflightDisallowedRedirect, "", format!("{PF}Redirect is not allowed for a preflight request.")),
    ];
    for (id, credentials, status, pf, error, param, body) in rows {
        let (u, v) = pf_verdict(id, "PUT", &[], credentials, status, &pf);
        assert_cors(&v, error, param, Stage::Preflight, &console(&u, &body));
        let b = blocked(&v);
        // A 404/500 without CORS headers: Chromium's report differs from what the standard implies.
        let expect_differs = matches!(id, "p_404" | "p_500")
            || matches!(error, CorsError::PreflightMultipleAllowOriginValues | CorsError::PreflightInvalidAllowOriginValue);
        assert_eq!(b.standard_differs.is_some(), expect_differs, "{id}");
    }
}

#[test]
fn p_404_fix_names_every_header_the_preflight_needs() {
    let (_, v) = pf_verdict("p_404", "PUT", &[("Content-Type", "application/json")], Credentials::Include, 404, &[]);
    let fix = &blocked(&v).fix;
    for needle in ["`Access-Control-Allow-Origin: http://localhost:18000`", "`Access-Control-Allow-Credentials: true`",
                   "`Access-Control-Allow-Methods: PUT`", "`Access-Control-Allow-Headers: content-type`"] {
        assert!(fix.en.contains(needle) && fix.ja.contains(needle), "{needle}: {fix:?}");
    }
}

#[test]
fn p_ok_statuses_pass() {
    for (id, status) in [("p_204_ok", 204), ("p_299_ok", 299)] {
        let (_, v) = pf_verdict(id, "PUT", &[], Credentials::SameOrigin, status,
            &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")]);
        assert_eq!(v, Verdict::AwaitingResponse { preflight: PreflightUse::Passed }, "{id}");
    }
}

fn method_row(id: &str, method: &str, credentials: Credentials, acam: &[&'static str]) -> (String, Verdict) {
    let mut pf: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
    if credentials == Credentials::Include {
        pf.push(("Access-Control-Allow-Credentials", "true"));
    }
    pf.extend(acam.iter().map(|m| ("Access-Control-Allow-Methods", *m)));
    pf_verdict(id, method, &[], credentials, 200, &pf)
}

#[test]
fn p_method_checks() {
    let passes: [(&str, &str, Credentials, &[&str]); 7] = [
        ("p_put_lower_js", "put", Credentials::SameOrigin, &["PUT"]),
        ("p_patch_ok", "PATCH", Credentials::SameOrigin, &["GET, PATCH"]),
        ("p_delete_lower", "delete", Credentials::SameOrigin, &["DELETE"]),
        ("p_acam_star", "PUT", Credentials::SameOrigin, &["*"]),
        ("p_acam_ws", "PUT", Credentials::SameOrigin, &[" GET ,, PUT , "]),
        ("p_acam_dup_headers", "PUT", Credentials::SameOrigin, &["GET", "PUT"]),
        ("p_custom_method", "FOO", Credentials::SameOrigin, &["FOO"]),
    ];
    for (id, method, credentials, acam) in passes {
        let (_, v) = method_row(id, method, credentials, acam);
        assert_eq!(v, Verdict::AwaitingResponse { preflight: PreflightUse::Passed }, "{id}");
    }
    let fails: [(&str, &str, Credentials, &[&str], &str); 5] = [
        ("p_no_acam", "PUT", Credentials::SameOrigin, &[], "PUT"),
        ("p_acam_lower_put", "PUT", Credentials::SameOrigin, &["put"], "PUT"),
        ("p_patch_lower", "patch", Credentials::SameOrigin, &["PATCH"], "patch"),
        ("p_patch_upper_acam_lower", "PATCH", Credentials::SameOrigin, &["patch"], "PATCH"),
        ("p_acam_star_include", "PUT", Credentials::Include, &["*"], "PUT"),
    ];
    for (id, method, credentials, acam, shown) in fails {
        let (u, v) = method_row(id, method, credentials, acam);
        assert_cors(&v, CorsError::MethodDisallowedByPreflightResponse, shown, Stage::Preflight,
            &console(&u, &format!("Method {shown} is not allowed by Access-Control-Allow-Methods in preflight response.")));
        assert!(blocked(&v).fix.en.contains(&format!("`Access-Control-Allow-Methods: {shown}`")), "{id}");
    }
    // The lower-case hint is given for `patch`.
    let (_, v) = method_row("p_patch_lower", "patch", Credentials::SameOrigin, &["PATCH"]);
    assert!(blocked(&v).explanation.en.contains("upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT"));
}

#[test]
fn p_list_parse_errors_come_before_method_and_header_checks() {
    let (u, v) = method_row("p_acam_invalid", "PUT", Credentials::SameOrigin, &["GET, PU(T"]);
    assert_cors(&v, CorsError::InvalidAllowMethodsPreflightResponse, "", Stage::Preflight,
        &console(&u, "Cannot parse Access-Control-Allow-Methods response header field in preflight response."));
    // n_pf_acam_invalid_safelisted: even a POST (safelisted method) fails on an unparsable ACAM.
    let (u, v) = pf_verdict("n_pf_acam_invalid_safelisted", "POST", &[("Content-Type", "application/json")], Credentials::SameOrigin, 200,
        &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PU(T"), ("Access-Control-Allow-Headers", "content-type")]);
    assert_cors(&v, CorsError::InvalidAllowMethodsPreflightResponse, "", Stage::Preflight,
        &console(&u, "Cannot parse Access-Control-Allow-Methods response header field in preflight response."));
    // n_pf_method_and_acah_invalid: the unparsable ACAH wins over the disallowed method.
    let (u, v) = pf_verdict("n_pf_method_and_acah_invalid", "PUT", &[("X-Foo", "1")], Credentials::SameOrigin, 200,
        &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "GET"), ("Access-Control-Allow-Headers", "bad header")]);
    assert_cors(&v, CorsError::InvalidAllowHeadersPreflightResponse, "", Stage::Preflight,
        &console(&u, "Cannot parse Access-Control-Allow-Headers response header field in preflight response."));
    // p_acah_invalid
    let (u, v) = pf_verdict("p_acah_invalid", "GET", &[("X-Foo", "1")], Credentials::SameOrigin, 200,
        &[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "x-foo, bad header")]);
    assert_cors(&v, CorsError::InvalidAllowHeadersPreflightResponse, "", Stage::Preflight,
        &console(&u, "Cannot parse Access-Control-Allow-Headers response header field in preflight response."));
}

#[test]
fn p_method_then_header_reports_the_method() {
    let (u, v) = pf_verdict("p_method_then_header", "PUT", &[("X-Foo", "1")], Credentials::SameOrigin, 200,
        &[("Access-Control-Allow-Origin", A)]);
    assert_cors(&v, CorsError::MethodDisallowedByPreflightResponse, "PUT", Stage::Preflight,
        &console(&u, "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."));
}

fn header_fail(id: &str, headers: &[(&str, &str)], credentials: Credentials, acah: &[&'static str], named: &str) {
    let mut pf: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
    if credentials == Credentials::Include {
        pf.push(("Access-Control-Allow-Credentials", "true"));
    }
    pf.extend(acah.iter().map(|h| ("Access-Control-Allow-Headers", *h)));
    let method = if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) { "POST" } else { "GET" };
    let (u, v) = pf_verdict(id, method, headers, credentials, 200, &pf);
    assert_cors(&v, CorsError::HeaderDisallowedByPreflightResponse, named, Stage::Preflight,
        &console(&u, &format!("Request header field {named} is not allowed by Access-Control-Allow-Headers in preflight response.")));
}

#[test]
fn p_header_disallowed_rows() {
    let json = ("Content-Type", "application/json");
    let l129 = "a".repeat(129);
    header_fail("p_json_no_acah", &[json], Credentials::SameOrigin, &[], "content-type");
    header_fail("p_ct_json", &[("Content-Type", "application/json")], Credentials::SameOrigin, &[], "content-type");
    header_fail("p_accept_129", &[("Accept", &l129)], Credentials::SameOrigin, &[], "accept");
    header_fail("p_range_multi", &[("Range", "bytes=0-1,3-4")], Credentials::SameOrigin, &[], "range");
    header_fail("p_al_underscore", &[("Accept-Language", "en_US")], Credentials::SameOrigin, &[], "accept-language");
    header_fail("p_empty_value", &[("X-Foo", "")], Credentials::SameOrigin, &[], "x-foo");
    header_fail("n_xmo_get", &[("X-HTTP-Method-Override", "GET")], Credentials::SameOrigin, &[], "x-http-method-override");
    // `*` is literal with credentials.
    header_fail("p_acah_star_include", &[("X-Foo", "1")], Credentials::Include, &["*"], "x-foo");
    header_fail("p_content_type_acah_star_include", &[json], Credentials::Include, &["*"], "content-type");
    header_fail("p_auth_star_include", &[("Authorization", "Bearer x")], Credentials::Include, &["*"], "authorization");
    header_fail("n_csrf_json_missing", &[json, ("X-CSRFToken", "t")], Credentials::SameOrigin, &["content-type"], "x-csrftoken");
}

#[test]
fn p_which_refused_header_chromium_names() {
    // Several refused headers: Chromium names the first in Blink's header-map
    // order, neither request order nor sorted order (measured).
    header_fail("p_two_missing", &[("X-Zeta", "1"), ("X-Alpha", "2")], Credentials::SameOrigin, &["x-other"], "x-zeta");
    header_fail("n_two_missing_rev", &[("X-Alpha", "2"), ("X-Zeta", "1")], Credentials::SameOrigin, &["x-other"], "x-zeta");
    header_fail("n_three_missing", &[("X-B", "1"), ("X-C", "1"), ("X-A", "1")], Credentials::SameOrigin, &[], "x-c");
    header_fail("n_pair_auth_ct", &[("Content-Type", "application/json"), ("Authorization", "Bearer x")], Credentials::SameOrigin, &[], "authorization");
    header_fail("n_pair_ct_csrf", &[("Content-Type", "application/json"), ("X-CSRFToken", "t")], Credentials::SameOrigin, &[], "x-csrftoken");
    header_fail("n_pair_auth_xrw", &[("X-Requested-With", "XMLHttpRequest"), ("Authorization", "Bearer x")], Credentials::SameOrigin, &[], "authorization");
    header_fail("n_pair_foo_bar", &[("X-Foo", "1"), ("X-Bar", "1")], Credentials::SameOrigin, &[], "x-bar");
    let a = "a".repeat(128);
    let one = "1".repeat(128);
    let ct = format!("text/plain;a={}", "b".repeat(115));
    let mut h = vec![("Accept-Language", a.as_str()), ("Content-Language", &a), ("Content-Type", &ct),
        ("Intervention", &a), ("Width", &one), ("Viewport-Width", &one), ("RTT", &one)];
    let dpr = "1".repeat(126);
    h.push(("DPR", &dpr));
    header_fail("n_sum_default_accept", &h, Credentials::SameOrigin, &[], "viewport-width");
    h.insert(0, ("Accept", &a));
    h.pop();
    h.push(("DPR", "11"));
    header_fail("p_sum_1025", &h, Credentials::SameOrigin, &[], "viewport-width");
}

#[test]
fn header_map_order_reproduces_measured_wire_order() {
    // The author headers + client hints + User-Agent, as they went on the wire.
    let rows: [(&[&str], &[&str]); 3] = [
        (&["accept", "accept-language", "content-language", "content-type", "intervention", "rtt", "viewport-width", "width"],
         &["viewport-width", "sec-ch-ua-platform", "width", "accept-language", "sec-ch-ua", "intervention", "sec-ch-ua-mobile",
           "user-agent", "accept", "content-language", "content-type", "rtt"]), // p_sum_1024
        (&["accept", "content-type", "x-alpha", "x-zeta"],
         &["x-zeta", "x-alpha", "sec-ch-ua-platform", "sec-ch-ua", "sec-ch-ua-mobile", "user-agent", "accept", "content-type"]), // p_acrh_sorted
        (&["x-a", "x-b"], &["sec-ch-ua-platform", "user-agent", "sec-ch-ua", "x-a", "sec-ch-ua-mobile", "x-b"]), // c_new_header
    ];
    for (author, wire) in rows {
        let mut keys = author.to_vec();
        keys.extend(["sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "user-agent"]);
        assert_eq!(wtf_hash_map_order(&keys), wire);
    }
}

#[test]
fn p_header_allowed_rows() {
    let rows: [(&str, &[(&str, &str)], &[&str]); 7] = [
        ("p_json_acah_case", &[("Content-Type", "application/json")], &["Content-Type"]),
        ("p_acah_star_xfoo", &[("X-Foo", "1")], &["*"]),
        ("p_acah_auth_listed", &[("Authorization", "Bearer x")], &["authorization"]),
        ("p_acah_ws", &[("X-Foo", "1"), ("Content-Type", "application/json")], &[" , x-foo ,, content-type ,"]),
        ("p_acrh_sorted", &[("X-Zeta", "1"), ("X-Alpha", "2"), ("Content-Type", "application/json"), ("Accept", "application/json")],
         &["x-zeta, X-ALPHA, content-type"]),
        ("p_acrh_dup_name", &[("X-Foo", "1"), ("x-foo", "2")], &["X-FOO"]),
        ("p_acah_dup_lines", &[("X-A", "1"), ("X-B", "1")], &["x-a", "x-b"]),
    ];
    for (id, headers, acah) in rows {
        let mut pf: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
        pf.extend(acah.iter().map(|h| ("Access-Control-Allow-Headers", *h)));
        let (_, v) = pf_verdict(id, "POST", headers, Credentials::SameOrigin, 200, &pf);
        assert_eq!(v, Verdict::AwaitingResponse { preflight: PreflightUse::Passed }, "{id}");
    }
}

#[test]
fn p_acah_star_auth_passes_in_chromium_unlike_the_standard() {
    let u = url("p_acah_star_auth");
    let h = [("Authorization", "Bearer x")];
    let req = Request::new("GET", &u, A).headers(&h);
    let pf = resp(&[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "*")]);
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    match verdict(&req, Some(&Exchange::new(200, &pf)), Some(&Exchange::new(200, &r))) {
        Verdict::Pass { js: Some(j), preflight: PreflightUse::Passed, standard_differs: Some(d) } => {
            assert_eq!(j.status, 200);
            assert!(d.en.contains("never covers Authorization") && d.ja.contains("Authorization"));
        }
        other => panic!("{other:#?}"),
    }
}

#[test]
fn p_actual_fails_after_a_good_preflight() {
    let u = url("p_actual_fails");
    let req = Request::new("PUT", &u, A);
    let pf = resp(&[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")]);
    let v = verdict(&req, Some(&Exchange::new(200, &pf)), Some(&Exchange::new(200, &STD)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        &console(&u, "No 'Access-Control-Allow-Origin' header is present on the requested resource."));
}

#[test]
fn preflight_not_given_is_assumed_cached() {
    let u = url("c_600");
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&Request::new("PUT", &u, A), None, Some(&Exchange::new(200, &r)));
    assert!(matches!(v, Verdict::Pass { preflight: PreflightUse::NotSeen, .. }));
}

// ===========================================================================
// c_*: the preflight cache
// ===========================================================================

fn cache_pf(max_age: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    let mut pf = vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")];
    pf.extend(max_age.iter().map(|m| ("Access-Control-Max-Age", *m)));
    pf
}

/// Whether the second identical PUT, `later_ms` after the first, skips the preflight.
fn second_put_cached(max_age: &[&'static str], later_ms: u64) -> bool {
    let u = url("c");
    let req = Request::new("PUT", &u, A);
    let pf = cache_pf(max_age);
    match preflight_cache_entry(&req, &Exchange::new(200, &pf), 1_000) {
        Some(entry) => answered_from_cache(&entry, &req, 1_000 + later_ms),
        None => false,
    }
}

#[test]
fn c_lifetimes_match_measurements() {
    assert!(second_put_cached(&["600"], 100)); // c_600
    assert!(!second_put_cached(&["-1"], 0)); // c_neg1
    assert!(!second_put_cached(&["-5"], 0)); // n_cache_neg5
    assert!(!second_put_cached(&["0"], 0)); // c_zero
    assert!(second_put_cached(&[], 100)); // c_absent_fast
    assert!(second_put_cached(&[], 4_000)); // n_cache_absent_4s
    assert!(!second_put_cached(&[], 6_000)); // c_absent_slow
    assert!(!second_put_cached(&["2"], 3_000)); // c_2_wait
    assert!(second_put_cached(&["abc"], 100)); // c_garbage
    assert!(second_put_cached(&["1.5"], 100)); // n_cache_frac
    assert!(second_put_cached(&["99999999999999999999"], 100)); // n_cache_huge_fast
    assert!(!second_put_cached(&["99999999999999999999"], 6_000)); // c_huge
    assert!(second_put_cached(&["+600"], 6_000)); // c_plus
    assert!(!second_put_cached(&["600", "600"], 6_000)); // n_cache_dup_lines
    // Cap (faketime): Max-Age 100000 still cached after 7190 s, not after 7215 s.
    assert!(second_put_cached(&["100000"], 7_190_000));
    assert!(!second_put_cached(&["100000"], 7_215_000));
}

#[test]
fn c_lifetime_rules_and_standard_differences() {
    let life = |v: &[&'static str]| preflight_lifetime(&Exchange::new(200, &cache_pf(v)));
    assert_eq!(life(&[]).rule, LifetimeRule::Default);
    assert_eq!(life(&["600"]), Lifetime { seconds: 600, rule: LifetimeRule::Given, standard_differs: None });
    assert_eq!(life(&["86400"]).seconds, 7200);
    assert_eq!(life(&["86400"]).rule, LifetimeRule::Capped);
    let neg = life(&["-1"]);
    assert_eq!((neg.seconds, neg.rule), (0, LifetimeRule::NotCached));
    assert!(neg.standard_differs.is_some_and(|t| t.en.contains("negative")));
    assert!(life(&["+600"]).standard_differs.is_some());
    assert!(life(&["99999999999999999999"]).standard_differs.is_some());
    assert!(life(&["abc"]).standard_differs.is_none());
}

#[test]
fn c_entry_contents() {
    let u = url("c_600");
    let req = Request::new("PUT", &u, A);
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT, delete"),
        ("Access-Control-Allow-Headers", "X-A"), ("Access-Control-Max-Age", "600")];
    let e = preflight_cache_entry(&req, &Exchange::new(200, &pf), 5).unwrap();
    assert_eq!(e, CacheEntry { origin: A.into(), url: u.clone(), methods: vec!["PUT".into(), "delete".into()],
        headers: vec!["x-a".into()], credentials: false, expires_at_ms: 600_005 });
}

#[test]
fn c_key_credentials_methods_headers() {
    let u = url("c");
    let put = Request::new("PUT", &u, A);
    let pf = |extra: &[(&'static str, &'static str)]| {
        let mut v = vec![("Access-Control-Allow-Origin", A), ("Access-Control-Max-Age", "600")];
        v.extend_from_slice(extra);
        v
    };
    // c_other_url: the query is part of the key.
    let p = pf(&[("Access-Control-Allow-Methods", "PUT")]);
    let e = preflight_cache_entry(&put, &Exchange::new(200, &p), 0).unwrap();
    let uq = format!("{u}?q=1");
    assert!(!answered_from_cache(&e, &Request::new("PUT", &uq, A), 1));
    // c_other_method: another method listed in the cached ACAM is covered.
    let p = pf(&[("Access-Control-Allow-Methods", "PUT, DELETE")]);
    let e = preflight_cache_entry(&put, &Exchange::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("DELETE", &u, A), 1));
    // n_cache_acam_star: `*` covers DELETE without credentials.
    let p = pf(&[("Access-Control-Allow-Methods", "*")]);
    let e = preflight_cache_entry(&put, &Exchange::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("DELETE", &u, A), 1));
    // c_cred_up / c_cred_down
    let p = pf(&[("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Credentials", "true")]);
    let omit = put.credentials(Credentials::Omit);
    let include = put.credentials(Credentials::Include);
    let e = preflight_cache_entry(&omit, &Exchange::new(200, &p), 0).unwrap();
    assert!(!answered_from_cache(&e, &include, 1));
    let e = preflight_cache_entry(&include, &Exchange::new(200, &p), 0).unwrap();
    assert!(e.credentials);
    assert!(answered_from_cache(&e, &omit, 1));
    // c_new_header: a header listed in the cached ACAH is covered ...
    let xa = [("X-A", "1")];
    let xab = [("X-A", "1"), ("X-B", "1")];
    let p = pf(&[("Access-Control-Allow-Headers", "x-a, x-b")]);
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xa), &Exchange::new(200, &p), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xab), 1));
    // ... n_cache_new_header_unlisted: one that is not needs a new preflight.
    let p = pf(&[("Access-Control-Allow-Headers", "x-a")]);
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xa), &Exchange::new(200, &p), 0).unwrap();
    assert!(!answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xab), 1));
}

#[test]
fn c_authorization_and_the_wildcard() {
    let u = url("c_auth_star_cached");
    let auth = [("Authorization", "Bearer x")];
    let xfoo = [("X-Foo", "1")];
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600")];
    // c_auth_star_cached: a preflight that let Authorization through `*` is not cached.
    assert_eq!(preflight_cache_entry(&Request::new("GET", &u, A).headers(&auth), &Exchange::new(200, &pf), 0), None);
    // n_cache_star_then_auth: a cached `*` covers X-Foo but never Authorization.
    let e = preflight_cache_entry(&Request::new("GET", &u, A).headers(&xfoo), &Exchange::new(200, &pf), 0).unwrap();
    assert!(answered_from_cache(&e, &Request::new("GET", &u, A).headers(&xfoo), 1));
    assert!(!answered_from_cache(&e, &Request::new("GET", &u, A).headers(&auth), 1));
}

#[test]
fn p_maxage_in_fail_failed_preflight_is_not_cached() {
    let u = url("p_maxage_in_fail");
    let h = [("X-A", "1")];
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Max-Age", "600")];
    assert_eq!(preflight_cache_entry(&Request::new("GET", &u, A).headers(&h), &Exchange::new(200, &pf), 0), None);
}

// ===========================================================================
// r_*: redirects of the actual request
// ===========================================================================

#[test]
fn r_same_origin_redirect_followed_untainted() {
    let u = url("r_same");
    let req = Request::new("GET", &u, A);
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "/c/r_same/2")];
    match verdict(&req, None, Some(&Exchange::new(302, &hop1))) {
        Verdict::Redirect { location, tainted_origin: false, preflight_again: false, next_method, .. } => {
            assert_eq!(location, "http://localhost:18001/c/r_same/2");
            assert_eq!(next_method, "GET");
        }
        other => panic!("{other:#?}"),
    }
    let u2 = format!("{T}/c/r_same/2");
    let hop2 = resp(&[("Access-Control-Allow-Origin", A)]);
    assert_eq!(js(&verdict(&req_after(&u2, &u, false), None, Some(&Exchange::new(200, &hop2)))).status, 200);
}

fn req_after<'a>(url: &'a str, initial: &'a str, tainted: bool) -> Request<'a> {
    Request::new("GET", url, A).after_redirect(initial, tainted)
}

#[test]
fn r_no_acao_redirect_hop_needs_the_header() {
    let u = url("r_no_acao");
    let hop1 = [("Location", "/c/r_no_acao/2")];
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(302, &hop1)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        &console(&u, "No 'Access-Control-Allow-Origin' header is present on the requested resource."));
    assert!(blocked(&v).explanation.en.contains("redirect"));
}

#[test]
fn r_final_no_acao_console_names_both_urls() {
    let u = url("r_final_no_acao");
    let u2 = format!("{T}/c/r_final_no_acao/2");
    let v = verdict(&req_after(&u2, &u, false), None, Some(&Exchange::new(200, &STD)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        "http://localhost:18000/ - Access to fetch at 'http://localhost:18001/c/r_final_no_acao/2' (redirected from 'http://localhost:18001/c/r_final_no_acao/') from origin 'http://localhost:18000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn r_cross_taints_the_origin() {
    let u = url("r_cross");
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "http://localhost:18003/c/r_cross/2")];
    let Verdict::Redirect { location, tainted_origin, note, .. } =
        verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(302, &hop1)))
    else {
        panic!()
    };
    assert!(tainted_origin);
    assert!(note.en.contains("`Origin: null`") && note.ja.contains("`Origin: null`"));
    // r_cross: the next server answers with the page origin -> mismatch against "null".
    let hop2 = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&req_after(&location, &u, true), None, Some(&Exchange::new(200, &hop2)));
    assert_cors(&v, CorsError::AllowOriginMismatch, "http://localhost:18000", Stage::Actual,
        &format!("{PREFIX}Access to fetch at 'http://localhost:18003/c/r_cross/2' (redirected from 'http://localhost:18001/c/r_cross/') from origin 'http://localhost:18000' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://localhost:18000' that is not equal to the supplied origin.{VALID}"));
    assert!(blocked(&v).fix.en.contains("`Access-Control-Allow-Origin: null`"));
    // r_cross_null: `null` matches.
    let hop2 = resp(&[("Access-Control-Allow-Origin", "null")]);
    assert_eq!(js(&verdict(&req_after(&location, &u, true), None, Some(&Exchange::new(200, &hop2)))).status, 200);
    // n_redirect_null_then_star_include: `null` + credentials true works with include.
    let hop2 = resp(&[("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")]);
    let req = req_after(&location, &u, true).credentials(Credentials::Include);
    assert_eq!(js(&verdict(&req, None, Some(&Exchange::new(200, &hop2)))).status, 200);
}

#[test]
fn r_userinfo_redirect_contains_credentials() {
    for (id, location) in [("r_userinfo", "http://user:pass@localhost:18001/c/r_userinfo/2"),
                           ("n_redirect_to_userinfo_same", "http://u:p@localhost:18001/c/n_redirect_to_userinfo_same/2")] {
        let u = url(id);
        let hop1 = [("Access-Control-Allow-Origin", A), ("Location", location)];
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Exchange::new(302, &hop1)));
        assert_cors(&v, CorsError::RedirectContainsCredentials, "", Stage::Actual,
            &console(&u, "Redirect location '' contains a username and password, which is disallowed for cross-origin requests."));
    }
}

#[test]
fn r_preflighted_redirect_is_preflighted_again() {
    let u = url("r_preflighted");
    let req = Request::new("PUT", &u, A);
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")];
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "/c/r_preflighted/2")];
    match verdict(&req, Some(&Exchange::new(200, &pf)), Some(&Exchange::new(307, &hop1))) {
        Verdict::Redirect { preflight_again: true, next_method, tainted_origin: false, .. } => assert_eq!(next_method, "PUT"),
        other => panic!("{other:#?}"),
    }
}

#[test]
fn redirect_303_and_post_302_become_get_without_body_headers() {
    let u = url("r_post");
    let h = [("Content-Type", "application/json")];
    let req = Request::new("POST", &u, A).headers(&h);
    let pf = [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "content-type")];
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "/c/r_post/2")];
    match verdict(&req, Some(&Exchange::new(200, &pf)), Some(&Exchange::new(302, &hop1))) {
        Verdict::Redirect { next_method, preflight_again: false, .. } => assert_eq!(next_method, "GET"),
        other => panic!("{other:#?}"),
    }
}

#[test]
fn r_nocors_redirect_then_opaque() {
    let u = url("r_nocors");
    let req = Request::new("GET", &u, A).mode(Mode::NoCors);
    let hop1 = [("Location", "http://localhost:18003/c/r_nocors/2")];
    assert!(matches!(verdict(&req, None, Some(&Exchange::new(302, &hop1))), Verdict::Redirect { tainted_origin: false, .. }));
    let hop2 = req_after("http://localhost:18003/c/r_nocors/2", &u, false).mode(Mode::NoCors);
    assert_eq!(js(&verdict(&hop2, None, Some(&Exchange::new(200, &STD)))).response_type, ResponseType::Opaque);
}

#[test]
fn n_sameorigin_redirect_to_another_origin_is_refused() {
    let u = format!("{A}/c/n_sameorigin_redirect/");
    let req = Request::new("GET", &u, A).mode(Mode::SameOrigin);
    let hop1 = [("Location", "http://localhost:18001/c/n_sameorigin_redirect/2")];
    let v = verdict(&req, None, Some(&Exchange::new(302, &hop1)));
    let b = blocked(&v);
    assert_eq!((b.cors_error, b.stage, b.js_error.as_str()), (None, Stage::BeforeSend, "TypeError: Failed to fetch"));
    assert_eq!(b.console.as_deref(), Some("Unsafe attempt to load URL http://localhost:18001/c/n_sameorigin_redirect/2 from frame with URL http://localhost:18000/. Domains, protocols and ports must match."));
}

// ===========================================================================
// k_*: cookies
// ===========================================================================

const LAX: CookieAttributes = CookieAttributes { same_site: SameSite::Lax, secure: false, http_only: true };

fn cookie(same_site: SameSite, secure: bool, http_only: bool) -> CookieAttributes {
    CookieAttributes { same_site, secure, http_only }
}

#[test]
fn k_same_site_include_sends_and_stores_every_samesite() {
    // k_lax_include, k_strict, k_none_secure, k_no_samesite
    for c in [LAX, cookie(SameSite::Strict, false, false), cookie(SameSite::None, true, false), cookie(SameSite::Unspecified, false, false)] {
        let o = cookie_outcome(A, T, Credentials::Include, c);
        assert!(o.sent && o.stored, "{c:?}: {o:?}");
        assert!(o.blocked_reasons.is_empty());
    }
}

#[test]
fn k_default_and_omit_credentials_carry_no_cookie_cross_origin() {
    // k_default_creds, k_set_default, k_omit, k_set_omit
    for credentials in [Credentials::SameOrigin, Credentials::Omit] {
        let o = cookie_outcome(A, T, credentials, LAX);
        assert!(!o.sent && !o.stored);
    }
    assert!(cookie_outcome(A, T, Credentials::SameOrigin, LAX).reason.en.contains("credentials: 'include'"));
    // Same origin, default credentials: carried.
    assert!(cookie_outcome(A, A, Credentials::SameOrigin, LAX).sent);
}

#[test]
fn k_none_insecure_is_rejected() {
    let o = cookie_outcome(A, T, Credentials::Include, cookie(SameSite::None, false, false));
    assert!(!o.stored && !o.sent);
    assert_eq!(o.blocked_reasons, ["SameSiteNoneInsecure"]);
}

#[test]
fn k_cross_site_third_party_cookies_blocked() {
    // k_cross_site: page 127.0.0.1 -> localhost, include.
    let o = cookie_outcome(X, T, Credentials::Include, LAX);
    assert!(!o.sent && !o.stored);
    assert_eq!(o.blocked_reasons, ["SchemefulSameSiteLax", "UserPreferences"]);
    let o = cookie_outcome(X, T, Credentials::Include, cookie(SameSite::None, true, false));
    assert_eq!(o.blocked_reasons, ["UserPreferences"]);
    assert!(!o.stored);
    // https vs http on the same host are different sites (schemeful).
    assert!(!cookie_outcome("https://localhost:8000", T, Credentials::Include, LAX).sent);
}

#[test]
fn k_secure_needs_a_secure_target() {
    assert!(cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, cookie(SameSite::Lax, true, false))
        .blocked_reasons.contains(&"SecureOnly"));
    assert!(cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, LAX).stored);
}

#[test]
fn k_set_blocked_cors_cookie_stored_although_cors_blocks() {
    let o = cookie_outcome(A, T, Credentials::Include, LAX);
    assert!(o.stored);
    let u = url("k_set_blocked_cors");
    let r = resp(&[("Set-Cookie", "k_blk=1; SameSite=Lax; Path=/")]);
    let v = verdict(&Request::new("GET", &u, A).credentials(Credentials::Include), None, Some(&Exchange::new(200, &r)));
    assert_eq!(blocked(&v).cors_error, Some(CorsError::MissingAllowOriginHeader));
}

#[test]
fn document_cookie_visibility() {
    // csrftoken (not HttpOnly) set by localhost:8001 shows on localhost:8000; sessionid (HttpOnly) never.
    let csrftoken = cookie(SameSite::Lax, false, false);
    assert!(cookie_outcome("http://localhost:8000", "http://localhost:8001/api/csrf/", Credentials::Include, csrftoken).in_page_document_cookie);
    let o = cookie_outcome("http://localhost:8000", "http://localhost:8001/api/login/", Credentials::Include, LAX);
    assert!(!o.in_page_document_cookie);
    assert!(o.reason.en.contains("HttpOnly") && o.reason.ja.contains("HttpOnly"));
    // Another host of the same site: stored for that host, not in this page's document.cookie.
    assert!(!cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, csrftoken).in_page_document_cookie);
}

#[test]
fn registrable_domain_rule() {
    assert_eq!(registrable_domain("localhost"), "localhost");
    assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
    assert_eq!(registrable_domain("[::1]"), "[::1]");
    assert_eq!(registrable_domain("django6.kikuichige.com"), "kikuichige.com");
    assert_eq!(registrable_domain("kikuichige.com"), "kikuichige.com");
}

// ===========================================================================
// The lab's own policy (SPEC §2) and robustness
// ===========================================================================

#[test]
fn lab_json_post_with_article_policy_passes() {
    let page = "http://localhost:8000";
    let u = "http://localhost:8001/api/users/";
    let h = [("Content-Type", "application/json")];
    let req = Request::new("POST", u, page).headers(&h).credentials(Credentials::Include);
    let need = preflight_need(&req);
    assert_eq!(need.access_control_request_headers.as_deref(), Some("content-type"));
    let pf = [("access-control-allow-origin", page), ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"),
        ("access-control-allow-headers", "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"),
        ("access-control-max-age", "86400"), ("vary", "origin")];
    let r = [("access-control-allow-origin", page), ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "Access-Control-Allow-Origin, Access-Control-Allow-Methods, Access-Control-Allow-Headers, Access-Control-Allow-Credentials, Access-Control-Max-Age"),
        ("content-type", "application/json"), ("content-length", "50"), ("vary", "origin")];
    let j = js(&verdict(&req, Some(&Exchange::new(200, &pf)), Some(&Exchange::new(201, &r)))).clone();
    assert_eq!(j.status, 201);
    assert_eq!(names(&j.readable_headers), ["access-control-allow-credentials", "access-control-allow-origin", "content-length", "content-type"]);
    let e = preflight_cache_entry(&req, &Exchange::new(200, &pf), 0).unwrap();
    assert_eq!(e.expires_at_ms, 7_200_000);
}

/// Deterministic pseudo-random strings from hostile fragments.
fn hostile_strings() -> Vec<String> {
    let frags = ["", " ", "\t", ",", ";", "*", "null", "http://", "https://", "ftp://", "//", "/", "?", "#", "@", ":",
        "[", "]", "[::1]", "localhost", "127.0.0.1", ":99999", ":0", ":-1", "%", "\u{e9}", "\u{fffd}", "\u{1F600}",
        "\r\n", "\0", "bytes=", "-", "9999999999999999999999", "text/plain", "\"", "(", "user:pass@", "."];
    let mut out: Vec<String> = frags.iter().map(|s| s.to_string()).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..600 {
        let mut s = String::new();
        for _ in 0..(x % 7) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(frags[(x % frags.len() as u64) as usize]);
        }
        out.push(s);
    }
    out.push("a".repeat(100_000));
    out.push(format!("http://localhost:{}", "1".repeat(5000)));
    out
}

#[test]
fn never_panics_on_hostile_input() {
    let strings = hostile_strings();
    let pick = |i: usize| strings[i % strings.len()].as_str();
    for i in 0..strings.len() {
        let headers = [(pick(i), pick(i + 1)), (pick(i + 2), pick(i + 3)), ("content-type", pick(i + 4)), ("range", pick(i + 5))];
        let resp_headers = [("access-control-allow-origin", pick(i + 6)), ("access-control-allow-headers", pick(i + 7)),
            ("access-control-allow-methods", pick(i + 8)), ("access-control-max-age", pick(i + 9)),
            ("access-control-expose-headers", pick(i + 10)), ("location", pick(i + 11)), (pick(i + 12), pick(i + 13))];
        for mode in [Mode::Cors, Mode::NoCors, Mode::SameOrigin, Mode::Navigate] {
            for credentials in [Credentials::Omit, Credentials::Include] {
                let mut req = Request::new(pick(i + 14), pick(i + 15), pick(i + 16)).headers(&headers).mode(mode).credentials(credentials);
                if i % 3 == 0 {
                    req = req.after_redirect(pick(i + 17), i % 2 == 0);
                }
                let ex = Exchange::new((i * 37 % 700) as u16, &resp_headers);
                let _ = preflight_need(&req);
                let _ = verdict(&req, Some(&ex), Some(&ex));
                let _ = verdict(&req, None, None);
                if let Some(e) = preflight_cache_entry(&req, &ex, u64::MAX - 1) {
                    let _ = answered_from_cache(&e, &req, u64::MAX);
                }
                let _ = readable_headers(credentials, &ex);
                let _ = preflight_lifetime(&ex);
            }
        }
        let _ = cookie_outcome(pick(i), pick(i + 1), Credentials::Include, LAX);
        let _ = case_folding_hash(pick(i));
    }
    // Same calls with realistic URLs so the deep paths run too.
    for i in 0..strings.len() {
        let headers = [(pick(i), pick(i + 1)), ("x-a", pick(i + 2))];
        let resp_headers = [("access-control-allow-origin", if i % 2 == 0 { A } else { pick(i) }), ("access-control-allow-headers", pick(i + 3)),
            ("access-control-allow-methods", pick(i + 4)), ("location", pick(i + 5)), ("access-control-allow-credentials", pick(i + 6))];
        let req = Request::new("PUT", "http://localhost:18001/x", A).headers(&headers).credentials(Credentials::Include);
        for status in [200, 302, 404] {
            let ex = Exchange::new(status, &resp_headers);
            let _ = verdict(&req, Some(&ex), Some(&ex));
        }
    }
}

#[test]
fn empty_inputs() {
    let v = verdict(&Request::new("", "", ""), None, None);
    assert!(matches!(v, Verdict::Blocked(_) | Verdict::Unmodeled { .. }));
    assert!(!preflight_need(&Request::new("GET", "", A)).needed);
    assert!(readable_headers(Credentials::Omit, &Exchange::new(200, &[])).is_empty());
    assert_eq!(preflight_lifetime(&Exchange::new(200, &[])).seconds, 5);
}

#[test]
fn many_headers_stay_cheap() {
    let names: Vec<String> = (0..5000).map(|i| format!("x-h{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let u = url("many");
    let req = Request::new("GET", &u, A).headers(&headers);
    let need = preflight_need(&req);
    assert_eq!(need.unsafe_headers.len(), MAX_AUTHOR_HEADERS);
    let pf = [("Access-Control-Allow-Origin", A)];
    assert_eq!(blocked(&verdict(&req, Some(&Exchange::new(200, &pf)), None)).cors_error,
        Some(CorsError::HeaderDisallowedByPreflightResponse));
}
