//! Redirects of the actual request (`r_*` rows).

use crate::{CorsError, Credentials, Mode, Request, Response, ResponseType, Stage, Verdict, verdict};
use super::{A, PREFIX, STD, T, VALID, assert_cors, blocked, console, js, resp, url};

#[test]
fn r_same_origin_redirect_followed_untainted() {
    let u = url("r_same");
    let req = Request::new("GET", &u, A);
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "/c/r_same/2")];
    match verdict(&req, None, Some(&Response::new(302, &hop1))) {
        Verdict::Redirect { location, tainted_origin: false, preflight_again: false, next_method, .. } => {
            assert_eq!(location, "http://localhost:18001/c/r_same/2");
            assert_eq!(next_method, "GET");
        }
        other => panic!("{other:#?}"),
    }
    let u2 = format!("{T}/c/r_same/2");
    let hop2 = resp(&[("Access-Control-Allow-Origin", A)]);
    assert_eq!(js(&verdict(&req_after(&u2, &u, false), None, Some(&Response::new(200, &hop2)))).status, 200);
}

fn req_after<'a>(url: &'a str, initial: &'a str, tainted: bool) -> Request<'a> {
    Request::new("GET", url, A).after_redirect(initial, tainted)
}

#[test]
fn r_no_acao_redirect_hop_needs_the_header() {
    let u = url("r_no_acao");
    let hop1 = [("Location", "/c/r_no_acao/2")];
    let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(302, &hop1)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        &console(&u, "No 'Access-Control-Allow-Origin' header is present on the requested resource."));
    assert!(blocked(&v).explanation.en.contains("redirect"));
}

#[test]
fn r_final_no_acao_console_names_both_urls() {
    let u = url("r_final_no_acao");
    let u2 = format!("{T}/c/r_final_no_acao/2");
    let v = verdict(&req_after(&u2, &u, false), None, Some(&Response::new(200, &STD)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        "http://localhost:18000/ - Access to fetch at 'http://localhost:18001/c/r_final_no_acao/2' (redirected from 'http://localhost:18001/c/r_final_no_acao/') from origin 'http://localhost:18000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn r_cross_taints_the_origin() {
    let u = url("r_cross");
    let hop1 = [("Access-Control-Allow-Origin", A), ("Location", "http://localhost:18003/c/r_cross/2")];
    let Verdict::Redirect { location, tainted_origin, note, .. } =
        verdict(&Request::new("GET", &u, A), None, Some(&Response::new(302, &hop1)))
    else {
        panic!()
    };
    assert!(tainted_origin);
    assert!(note.en.contains("`Origin: null`") && note.ja.contains("`Origin: null`"));
    // r_cross: the next server answers with the page origin -> mismatch against "null".
    let hop2 = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&req_after(&location, &u, true), None, Some(&Response::new(200, &hop2)));
    assert_cors(&v, CorsError::AllowOriginMismatch, "http://localhost:18000", Stage::Actual,
        &format!("{PREFIX}Access to fetch at 'http://localhost:18003/c/r_cross/2' (redirected from 'http://localhost:18001/c/r_cross/') from origin 'http://localhost:18000' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://localhost:18000' that is not equal to the supplied origin.{VALID}"));
    assert!(blocked(&v).fix.en.contains("`Access-Control-Allow-Origin: null`"));
    // r_cross_null: `null` matches.
    let hop2 = resp(&[("Access-Control-Allow-Origin", "null")]);
    assert_eq!(js(&verdict(&req_after(&location, &u, true), None, Some(&Response::new(200, &hop2)))).status, 200);
    // n_redirect_null_then_star_include: `null` + credentials true works with include.
    let hop2 = resp(&[("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")]);
    let req = req_after(&location, &u, true).credentials(Credentials::Include);
    assert_eq!(js(&verdict(&req, None, Some(&Response::new(200, &hop2)))).status, 200);
}

#[test]
fn r_userinfo_redirect_contains_credentials() {
    for (id, location) in [("r_userinfo", "http://user:pass@localhost:18001/c/r_userinfo/2"),
                           ("n_redirect_to_userinfo_same", "http://u:p@localhost:18001/c/n_redirect_to_userinfo_same/2")] {
        let u = url(id);
        let hop1 = [("Access-Control-Allow-Origin", A), ("Location", location)];
        let v = verdict(&Request::new("GET", &u, A), None, Some(&Response::new(302, &hop1)));
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
    match verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(307, &hop1))) {
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
    match verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(302, &hop1))) {
        Verdict::Redirect { next_method, preflight_again: false, .. } => assert_eq!(next_method, "GET"),
        other => panic!("{other:#?}"),
    }
}

#[test]
fn r_nocors_redirect_then_opaque() {
    let u = url("r_nocors");
    let req = Request::new("GET", &u, A).mode(Mode::NoCors);
    let hop1 = [("Location", "http://localhost:18003/c/r_nocors/2")];
    assert!(matches!(verdict(&req, None, Some(&Response::new(302, &hop1))), Verdict::Redirect { tainted_origin: false, .. }));
    let hop2 = req_after("http://localhost:18003/c/r_nocors/2", &u, false).mode(Mode::NoCors);
    assert_eq!(js(&verdict(&hop2, None, Some(&Response::new(200, &STD)))).response_type, ResponseType::Opaque);
}

#[test]
fn n_sameorigin_redirect_to_another_origin_is_refused() {
    let u = format!("{A}/c/n_sameorigin_redirect/");
    let req = Request::new("GET", &u, A).mode(Mode::SameOrigin);
    let hop1 = [("Location", "http://localhost:18001/c/n_sameorigin_redirect/2")];
    let v = verdict(&req, None, Some(&Response::new(302, &hop1)));
    let b = blocked(&v);
    assert_eq!((b.cors_error, b.stage, b.js_error.as_str()), (None, Stage::BeforeSend, "TypeError: Failed to fetch"));
    assert_eq!(b.console.as_deref(), Some("Unsafe attempt to load URL http://localhost:18001/c/n_sameorigin_redirect/2 from frame with URL http://localhost:18000/. Domains, protocols and ports must match."));
}
