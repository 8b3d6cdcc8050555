//! Preflight need, `Access-Control-Request-Headers`, the preflight checks (`p_*` rows).

use crate::header_order::wtf_hash_map_order;
use crate::{CorsError, Credentials, DropReason, HeaderRule, PreflightBecause, PreflightNeed, PreflightUse, Request, Response, Stage, UnsafeHeader, Verdict, preflight_need, verdict};
use super::{A, PF, STD, VALID, assert_cors, blocked, console, resp, url};

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
    match verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(200, &r))) {
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
    let v = verdict(&req, Some(&Response::new(200, &pf)), Some(&Response::new(200, &STD)));
    assert_cors(&v, CorsError::MissingAllowOriginHeader, "", Stage::Actual,
        &console(&u, "No 'Access-Control-Allow-Origin' header is present on the requested resource."));
}

#[test]
fn preflight_not_given_is_assumed_cached() {
    let u = url("c_600");
    let r = resp(&[("Access-Control-Allow-Origin", A)]);
    let v = verdict(&Request::new("PUT", &u, A), None, Some(&Response::new(200, &r)));
    assert!(matches!(v, Verdict::Pass { preflight: PreflightUse::NotSeen, .. }));
}
