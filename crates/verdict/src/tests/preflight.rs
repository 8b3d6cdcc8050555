//! Preflight need, `Access-Control-Request-Headers`, the preflight checks (`p_*` rows).

use crate::header_order::wtf_hash_map_order;
use crate::{CorsError, Credentials, DropReason, HeaderRule, PreflightBecause, PreflightNeed, PreflightUse, Request, Response, UnsafeHeader, Verdict, preflight_need, verdict};
use super::{A, blocked, resp, url};

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
    let v = verdict(&req, Some(&Response::new(status, &pf)), None);
    (u, v)
}

/// A preflight refused on its status without CORS headers is reported as a missing
/// Access-Control-Allow-Origin, and the value diagnostics are Chromium's own: both come with a
/// `standard_differs`; an ordinary failure does not. (The CorsError and console line of each
/// measured preflight are replayed by `tests/probe_cases.rs`.)
#[test]
fn p_preflight_failures_say_where_chromium_departs_from_the_standard() {
    let rows: Vec<(u16, Vec<(&str, &str)>, CorsError, bool)> = vec![
        (404, vec![], CorsError::PreflightMissingAllowOriginHeader, true),
        (500, vec![], CorsError::PreflightMissingAllowOriginHeader, true),
        (200, vec![], CorsError::PreflightMissingAllowOriginHeader, false),
        (200, vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Origin", A)], CorsError::PreflightMultipleAllowOriginValues, true),
        (200, vec![("Access-Control-Allow-Origin", "foo")], CorsError::PreflightInvalidAllowOriginValue, true),
        (200, vec![("Access-Control-Allow-Origin", "http://localhost:9999")], CorsError::PreflightAllowOriginMismatch, false),
        (404, vec![("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Methods", "PUT")], CorsError::PreflightInvalidStatus, false),
    ];
    for (status, pf, error, differs) in rows {
        let (_, v) = pf_verdict("p_pf", "PUT", &[], Credentials::SameOrigin, status, &pf);
        assert_eq!((blocked(&v).cors_error, blocked(&v).standard_differs.is_some()), (Some(error), differs), "{status} {pf:?}");
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

fn method_row(id: &str, method: &str, credentials: Credentials, acam: &[&'static str]) -> (String, Verdict) {
    let mut pf: Vec<(&str, &str)> = vec![("Access-Control-Allow-Origin", A)];
    if credentials == Credentials::Include {
        pf.push(("Access-Control-Allow-Credentials", "true"));
    }
    pf.extend(acam.iter().map(|m| ("Access-Control-Allow-Methods", *m)));
    pf_verdict(id, method, &[], credentials, 200, &pf)
}

/// A refused method's fix names it as sent; `patch` is not upper-cased by fetch(), which the
/// explanation says.
#[test]
fn p_method_fixes_name_the_method_as_sent() {
    for (method, credentials, acam, shown) in [
        ("PUT", Credentials::SameOrigin, &[][..], "PUT"),
        ("patch", Credentials::SameOrigin, &["PATCH"][..], "patch"),
        ("PUT", Credentials::Include, &["*"][..], "PUT"),
    ] {
        let (_, v) = method_row("p_method", method, credentials, acam);
        assert_eq!(blocked(&v).cors_error, Some(CorsError::MethodDisallowedByPreflightResponse));
        assert!(blocked(&v).fix.en.contains(&format!("`Access-Control-Allow-Methods: {shown}`")), "{method}");
    }
    let (_, v) = method_row("p_patch_lower", "patch", Credentials::SameOrigin, &["PATCH"]);
    assert!(blocked(&v).explanation.en.contains("upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT"));
    let (_, v) = method_row("p_acam_star_include", "PUT", Credentials::Include, &["*"]);
    assert!(blocked(&v).explanation.en.contains("`*` is a wildcard only without credentials"));
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
fn p_acah_star_auth_passes_in_chromium_unlike_the_standard() {
    let u = url("p_acah_star_auth");
    let h = [("Authorization", "Bearer x")];
    let req = Request::new("GET", &u, A).headers(&h);
    let pf = resp(&[("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Headers", "*")]);
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    match verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(200, &r))) {
        Verdict::Pass { js: Some(j), preflight: PreflightUse::Passed, standard_differs: Some(d) } => {
            assert_eq!(j.status, 200);
            assert!(d.en.contains("never covers Authorization") && d.ja.contains("Authorization"));
        }
        other => panic!("{other:#?}"),
    }
}

#[test]
fn preflight_not_given_is_assumed_cached() {
    let u = url("c_600");
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&Request::new("PUT", &u, A), None, Some(&Response::new(200, &r)));
    assert!(matches!(v, Verdict::Pass { preflight: PreflightUse::NotSeen, .. }));
}
