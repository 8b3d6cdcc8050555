//! The CORS check on the actual response (`s_*` rows).

use crate::{CorsError, Credentials, PreflightBecause, Request, Response, Stage, preflight_need, verdict};
use super::{A, STD, assert_cors, blocked, console, js, resp, url};

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

/// Which `Access-Control-Allow-Origin` failures are Chromium's own diagnostics: the Fetch
/// Standard knows only "not equal to the origin", so a value with a space or comma
/// (MultipleAllowOriginValues) and one that is not a URL (InvalidAllowOriginValue) come with
/// a `standard_differs`; a plain mismatch does not. (What Chromium reports for each value is
/// replayed from the measurements by `tests/probe_cases.rs`.)
#[test]
fn s_allow_origin_diagnostics_say_where_chromium_departs_from_the_standard() {
    let rows: [(&[&str], CorsError, bool); 5] = [
        (&["http://localhost:9999"], CorsError::AllowOriginMismatch, false),
        (&["null"], CorsError::AllowOriginMismatch, false),
        (&[A, A], CorsError::MultipleAllowOriginValues, true),
        (&["http://localhost:18000 http://localhost:9999"], CorsError::MultipleAllowOriginValues, true),
        (&["foo"], CorsError::InvalidAllowOriginValue, true),
    ];
    for (acao, error, differs) in rows {
        let u = url("s_acao");
        let mut lines: Vec<(&str, &str)> = acao.iter().map(|v| ("Access-Control-Allow-Origin", *v)).collect();
        lines.extend_from_slice(&STD);
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(200, &lines)));
        assert_eq!((blocked(&v).cors_error, blocked(&v).standard_differs.is_some()), (Some(error), differs), "{acao:?}");
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
