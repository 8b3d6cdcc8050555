//! The CORS check on the actual response (`s_*` rows).

use crate::{CorsError, Credentials, PreflightBecause, Request, Response, ResponseType, Stage, preflight_need, verdict};
use super::{A, STD, VALID, assert_cors, blocked, console, js, names, resp, url};

#[test]
fn s_no_acao_and_s_404_no_acao_missing_allow_origin() {
    for (id, status) in [("s_no_acao", 200), ("s_404_no_acao", 404)] {
        let u = url(id);
        let r = resp(&[]);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(status, &r)));
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
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &r)));
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
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &lines)));
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
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &r)));
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
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &r)));
        assert_eq!(names(&js(&v).readable_headers), ["content-length"], "{id}");
    }
}

#[test]
fn s_star_include_wildcard_not_allowed() {
    let u = url("s_star_include");
    let r = resp(&[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]);
    let req = Request::new("GET", &u, A).credentials(Credentials::Include);
    let v = verdict(&req, None, Some(&Response::new(200, &r)));
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
        let v = verdict(&req, None, Some(&Response::new(200, &r)));
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
    let v = verdict(&req, None, Some(&Response::new(200, &r)));
    assert_eq!(js(&v).status, 200);
}

#[test]
fn s_500_acao_is_readable() {
    let u = url("s_500_acao");
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(500, &r)));
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
    let v = verdict(&Request::new("GET", &u, A).credentials(credentials), None, Some(&Response::new(200, &r)));
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
    let v = verdict(&Request::new("GET", &u, A).credentials(Credentials::Include), None, Some(&Response::new(200, &r)));
    assert_eq!(names(&js(&v).readable_headers),
        ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma", "x-other"]);
}

#[test]
fn s_expose_setcookie_never_readable() {
    let u = url("s_expose_setcookie");
    let r = resp(&[("Access-Control-Allow-Origin", A), ("Set-Cookie", "e=1"), ("X-Custom", "1"),
        ("Access-Control-Expose-Headers", "Set-Cookie, X-Custom")]);
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &r)));
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
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &r)));
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
    assert_eq!(js(&verdict(&req, None, Some(&Response::new(200, &r)))).status, 200);
    let u = url("s_head");
    assert!(!preflight_need(&Request::new("HEAD", &u, A)).needed);
}
