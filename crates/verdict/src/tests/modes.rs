//! Modes and fetch()'s own refusals (`m_*` rows).

use crate::{Credentials, DropReason, DroppedHeader, Mode, PreflightBecause, Request, Response, ResponseType, Stage, Verdict, preflight_need, verdict};
use super::{A, STD, blocked, js, names, resp, url};

#[test]
fn m_nocors_get_and_include_are_opaque_never_cors_errors() {
    for credentials in [Credentials::SameOrigin, Credentials::Include] {
        let u = url("m_nocors_get");
        let req = Request::new("GET", &u, A).mode(Mode::NoCors).credentials(credentials);
        let v = verdict(&req, None, Some(&Response::new(200, &STD)));
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
    assert_eq!(js(&verdict(&req, None, Some(&Response::new(200, &STD)))).response_type, ResponseType::Opaque);
}

#[test]
fn m_same_origin_put_is_basic_without_cors() {
    let u = format!("{A}/c/m_same_origin_put/");
    let h = [("X-Foo", "1")];
    let req = Request::new("PUT", &u, A).headers(&h);
    let need = preflight_need(&req);
    assert_eq!((need.needed, need.because), (false, PreflightBecause::SameOrigin));
    let r = resp(&[("Set-Cookie", "a=1")]);
    let j = js(&verdict(&req, None, Some(&Response::new(200, &r)))).clone();
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
