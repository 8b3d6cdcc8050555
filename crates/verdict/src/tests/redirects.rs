//! Redirects of the actual request (`r_*` rows).

use crate::{CorsError, Credentials, Request, Response, Stage, Verdict, verdict};
use super::{A, PREFIX, VALID, assert_cors, blocked, console, js, resp, url};

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
