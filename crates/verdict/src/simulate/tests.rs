//! The simulator's rules, one test each, as SPEC §8 states them (the measured behaviour
//! itself is replayed case by case by `tests/probe_cases.rs`).

use serde_json::{Value, json};

use crate::{CorsError, Experiment, FetchVerdict, HopKind, HopResult, Outcome, ResponseType, WireRequest, next_request, simulate};

const PAGE: &str = "http://localhost:8000";
const API: &str = "http://localhost:8001/api/users/";

fn run(doc: Value) -> Vec<FetchVerdict> {
    simulate(&Experiment::from_json(&doc.to_string()).expect("a valid experiment"))
}

fn one(fetch: Value, server: Value) -> FetchVerdict {
    run(json!({"page": PAGE, "steps": [{"fetch": fetch, "server": server}]})).remove(0)
}

/// An answer allowing the page, echoing what the preflight asks for.
fn allowing(url: &str, preflight: bool, status: u16) -> Value {
    json!({"url": url, "preflight": preflight, "status": status, "headers": [
        ["Access-Control-Allow-Origin", "{origin}"],
        ["Access-Control-Allow-Credentials", "true"],
        ["Access-Control-Allow-Methods", "{access-control-request-method}"],
        ["Access-Control-Allow-Headers", "{access-control-request-headers}"],
        ["Access-Control-Max-Age", "600"]]})
}

fn both(url: &str) -> Value {
    json!([allowing(url, true, 204), allowing(url, false, 200)])
}

#[test]
fn fetch_defaults_are_fetchs_own() {
    let v = one(json!({"url": API}), both(API));
    assert_eq!((v.outcome, v.response_type, v.status), (Outcome::Response, Some(ResponseType::Cors), Some(200)));
    assert_eq!(v.hops.len(), 1);
    assert_eq!((v.hops[0].method.as_str(), v.hops[0].kind), ("GET", HopKind::Request));
    assert!(v.preflights.is_empty() && !v.preflight_from_cache);
    // Default credentials are same-origin: no cookie goes cross-origin, none is stored.
    assert!(v.cookies.sent.is_empty() && v.cookies.stored.is_empty());
}

#[test]
fn the_body_decides_content_type_as_fetch_does() {
    let asked = |body: Value, headers: Value| {
        let v = one(json!({"url": API, "method": "POST", "body": body, "headers": headers}), both(API));
        v.preflights.first().and_then(|p| p.access_control_request_headers.clone())
    };
    // text/plain, form-urlencoded and multipart are simple: no preflight.
    assert_eq!(asked(json!("hi"), json!([])), None);
    assert_eq!(asked(json!({"kind": "urlsearchparams"}), json!([])), None);
    assert_eq!(asked(json!({"kind": "formdata"}), json!([])), None);
    assert_eq!(asked(json!({"kind": "blob"}), json!([])), None);
    assert_eq!(asked(json!({"kind": "blob", "type": "application/json"}), json!([])).as_deref(), Some("content-type"));
    // The script's own Content-Type wins over the derived one.
    assert_eq!(asked(json!("{}"), json!([["content-type", "application/json"]])).as_deref(), Some("content-type"));
    // GET with a body: fetch() throws before anything is sent.
    let v = one(json!({"url": API, "body": "x"}), both(API));
    assert_eq!(v.js_error.as_deref(), Some("TypeError: Failed to execute 'fetch' on 'Window': Request with GET/HEAD method cannot have body."));
    assert_eq!(v.hops[0].result, HopResult::NotSent);
}

#[test]
fn placeholders_take_the_request_headers_as_sent() {
    let fetch = json!({"url": API, "method": "PUT", "headers": [["X-Trace", " abc "]]});
    let server = json!([
        {"url": API, "preflight": true, "status": 200, "headers": [
            ["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Allow-Methods", "{access-control-request-method}"],
            ["Access-Control-Allow-Headers", "{access-control-request-headers}"]]},
        {"url": API, "status": 200, "headers": [
            ["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Expose-Headers", "X-Echo, X-Gone, X-Literal"],
            ["X-Echo", "{x-trace}"], ["X-Gone", "{cookie}"], ["X-Literal", "{not a name}"]]}]);
    let v = one(fetch, server);
    assert_eq!(v.outcome, Outcome::Response, "{v:#?}");
    // X-Gone's placeholder had no value (no cookie was sent): the line is left out.
    assert_eq!(v.readable_headers.unwrap(), ["x-echo", "x-literal"]);
}

#[test]
fn a_request_without_an_answer_is_unmodeled_naming_its_url() {
    let v = one(json!({"url": API, "method": "PUT"}), json!([allowing(API, false, 200)]));
    assert_eq!(v.outcome, Outcome::Unmodeled);
    assert!(v.explanation.en.contains("preflight (OPTIONS) to http://localhost:8001/api/users/"), "{}", v.explanation.en);
    let v = one(json!({"url": API}), json!([]));
    assert!(v.explanation.en.contains("request to http://localhost:8001/api/users/"), "{}", v.explanation.en);
    // An answer matches the URL as the browser writes it.
    let v = one(json!({"url": "HTTP://LOCALHOST:8001/api/users/#frag"}), both(API));
    assert_eq!(v.outcome, Outcome::Response);
}

/// Asks for the next request of `doc`'s first step and answers it with `answer`, as a live
/// prober does; returns every request asked for, in order.
fn walk(mut doc: Value, answer: impl Fn(&WireRequest) -> Value) -> Vec<WireRequest> {
    let mut asked = Vec::new();
    while let Some(next) = next_request(&Experiment::from_json(&doc.to_string()).unwrap()) {
        assert!(asked.len() < 5, "{asked:#?}");
        doc["steps"][0]["server"].as_array_mut().unwrap().push(answer(&next));
        asked.push(next);
    }
    asked
}

#[test]
fn the_next_request_is_what_chromium_puts_on_the_wire_hop_by_hop() {
    let other = "http://localhost:8002/final/";
    let doc = json!({"page": PAGE, "steps": [{"fetch": {"url": API, "method": "POST", "body": "{}", "credentials": "include",
        "headers": [["Content-Type", "application/json"], ["Authorization", "Bearer t"]]}, "server": []}]});
    let asked = walk(doc, |next| {
        let mut headers = vec![json!(["Access-Control-Allow-Origin", "{origin}"]), json!(["Access-Control-Allow-Credentials", "true"])];
        if next.preflight {
            headers.push(json!(["Access-Control-Allow-Headers", "{access-control-request-headers}"]));
        } else if next.url == API {
            headers.push(json!(["Location", other]));
            return json!({"url": next.url, "status": 303, "headers": headers});
        }
        json!({"url": next.url, "preflight": next.preflight, "status": 200, "headers": headers})
    });
    let names = |w: &WireRequest| w.headers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let value = |w: &WireRequest, name: &str| w.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    assert_eq!(asked.iter().map(|w| (w.method.as_str(), w.preflight, w.redirected)).collect::<Vec<_>>(),
        [("OPTIONS", true, false), ("POST", false, false), ("GET", false, true)]);
    // The preflight: no author header, no cookie; the unsafe names lower-case and sorted.
    assert_eq!(names(&asked[0]), ["host", "accept", "access-control-request-method", "access-control-request-headers", "origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"]);
    assert_eq!(value(&asked[0], "access-control-request-headers").as_deref(), Some("authorization,content-type"));
    assert!(asked[1].has_body && value(&asked[1], "authorization").is_some());
    // After the 303 to another origin: a GET without the body or Authorization, Origin: null.
    assert!(!asked[2].has_body && value(&asked[2], "authorization").is_none());
    assert_eq!(value(&asked[2], "origin").as_deref(), Some("null"));
}

#[test]
fn steps_share_one_preflight_cache_and_one_clock() {
    let step = |at: u64, cache: &str| json!({"at_ms": at, "fetch": {"url": API, "method": "PUT", "cache": cache}, "server": both(API)});
    let v = run(json!({"page": PAGE, "steps": [
        step(0, "default"), step(0, "default"), step(599_999, "default"), step(600_000, "default"), step(600_001, "no-store")]}));
    let preflighted: Vec<bool> = v.iter().map(|v| !v.preflights.is_empty()).collect();
    // Max-Age 600: reused until 600 s later; `no-store` never reads the cache.
    assert_eq!(preflighted, [true, false, false, true, true]);
    assert!(v[1].preflight_from_cache && v[1].explanation.en.contains("preflight cache"));
    // A step without at_ms happens at the previous step's time.
    let v = run(json!({"page": PAGE, "steps": [step(0, "default"), {"fetch": {"url": API, "method": "PUT"}, "server": both(API)}]}));
    assert!(v[1].preflight_from_cache);
    // The clock never goes back.
    let err = Experiment::from_json(&json!({"page": PAGE, "steps": [step(5, "default"), step(4, "default")]}).to_string()).unwrap_err();
    assert!(err.reason.contains("steps[1].at_ms is 4"), "{err}");
}

#[test]
fn steps_share_one_cookie_jar() {
    let set = |line: &str| json!([{"url": API, "status": 200, "headers": [
        ["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Allow-Credentials", "true"], ["Set-Cookie", line]]}]);
    let include = json!({"url": API, "credentials": "include"});
    let v = run(json!({"page": PAGE, "steps": [
        {"fetch": include, "server": set("sessionid=abc; HttpOnly; Path=/; SameSite=Lax")},
        {"fetch": {"url": API}, "server": both(API)},
        {"fetch": include, "server": set("sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")},
        {"fetch": include, "server": both(API)}]}));
    assert_eq!(v[0].cookies.stored, ["sessionid"]);
    assert!(v[1].cookies.sent.is_empty(), "same-origin credentials carry no cookie cross-origin");
    assert_eq!(v[2].cookies.sent, ["sessionid"]);
    assert!(v[3].cookies.sent.is_empty(), "Max-Age=0 deleted it");
    // A cookie for another site is refused with DevTools' reason; so is SameSite=None without Secure.
    let v = run(json!({"page": "http://127.0.0.1:8000", "steps": [{"fetch": include, "server": set("a=1; SameSite=Lax")}]}));
    assert_eq!((v[0].cookies.blocked[0].name.as_str(), v[0].cookies.blocked[0].reason.as_str()), ("a", "UserPreferences"));
    let v = run(json!({"page": PAGE, "steps": [{"fetch": include, "server": set("b=1; SameSite=None")}]}));
    assert_eq!(v[0].cookies.blocked[0].reason, "SameSiteNoneInsecure");
}

#[test]
fn redirects_are_followed_hop_by_hop_with_their_own_headers() {
    let other = "http://localhost:8002/final/";
    let server = json!([
        {"url": API, "preflight": true, "status": 204, "headers": [
            ["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Allow-Headers", "{access-control-request-headers}"],
            ["Access-Control-Allow-Methods", "POST"]]},
        {"url": API, "status": 303, "headers": [["Access-Control-Allow-Origin", "{origin}"], ["Location", other]]},
        {"url": other, "preflight": true, "status": 204, "headers": [["Access-Control-Allow-Origin", "*"]]},
        {"url": other, "status": 200, "headers": [["Access-Control-Allow-Origin", "{origin}"], ["Access-Control-Expose-Headers", "X-Seen"], ["X-Seen", "{authorization}{content-type}"]]}]);
    let fetch = json!({"url": API, "method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"], ["Authorization", "Bearer t"]]});
    let v = one(fetch, server);
    let hops: Vec<(&str, &str, HopResult)> = v.hops.iter().map(|h| (h.method.as_str(), h.url.as_str(), h.result)).collect();
    // 303 makes a GET without the body; leaving the origin drops Authorization; the second
    // origin sees Origin: null (tainted) and, with nothing unsafe left, no preflight.
    assert_eq!(hops, [("OPTIONS", API, HopResult::Pass), ("POST", API, HopResult::Redirect), ("GET", other, HopResult::Pass)]);
    assert_eq!(v.preflights.len(), 1);
    assert_eq!(v.outcome, Outcome::Response, "{v:#?}");
    assert_eq!(v.readable_headers.as_deref(), Some(&[][..]), "X-Seen had no value to take: left out");
    assert!(v.explanation.en.contains("as a GET without the body") && v.explanation.en.contains("drops the Authorization header"));
}

#[test]
fn redirect_modes_and_the_redirect_limit() {
    let hop = |from: &str, to: &str| json!({"url": from, "status": 302, "headers": [["Access-Control-Allow-Origin", "*"], ["Location", to]]});
    let end = json!({"url": "http://localhost:8001/21", "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]});
    let url = |i: u32| format!("http://localhost:8001/{i}");
    let chain = |n: u32| {
        let mut server: Vec<Value> = (0..n).map(|i| hop(&url(i), &url(i + 1))).collect();
        server.push(json!({"url": url(n), "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}));
        Value::Array(server)
    };
    assert_eq!(one(json!({"url": url(0)}), chain(20)).outcome, Outcome::Response);
    let v = one(json!({"url": url(0)}), chain(21));
    assert_eq!((v.outcome, v.console.as_slice()), (Outcome::Error, &["Failed to load resource: net::ERR_TOO_MANY_REDIRECTS".to_string()][..]));
    assert_eq!(v.hops.len(), 21);
    let manual = one(json!({"url": url(0), "redirect": "manual"}), json!([hop(&url(0), &url(1)), end]));
    assert_eq!((manual.response_type, manual.status, manual.http_status), (Some(ResponseType::OpaqueRedirect), Some(0), Some(302)));
    let error = one(json!({"url": url(0), "redirect": "error"}), json!([hop(&url(0), &url(1))]));
    assert_eq!((error.outcome, error.cors_error, error.js_error.as_deref()), (Outcome::Error, None, Some("TypeError: Failed to fetch")));
}

#[test]
fn local_network_access_follows_the_pages_address_space() {
    let doc = |page: &str, space: Option<&str>, granted: Value| {
        let mut doc = json!({"page": page, "granted_permissions": granted,
                             "steps": [{"fetch": {"url": API}, "server": [{"url": API, "status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}]}]});
        if let Some(space) = space {
            doc["page_address_space"] = json!(space);
        }
        run(doc).remove(0)
    };
    // Derived from the host: a loopback page may reach loopback.
    assert_eq!(doc(PAGE, None, json!([])).outcome, Outcome::Response);
    // A public page (https: a secure context) needs the user's permission.
    let v = doc("https://app.example.com", None, json!([]));
    assert_eq!(v.cors_error, Some(CorsError::LocalNetworkAccessPermissionDenied));
    assert!(v.console[0].ends_with("Permission was denied for this request to access the `loopback` address space."));
    assert_eq!(v.hops[0].result, HopResult::NotSent);
    assert_eq!(doc("https://app.example.com", None, json!(["loopback-network"])).outcome, Outcome::Response);
    // Declared public, and not a secure context: never.
    assert_eq!(doc("http://app.example.com", Some("public"), json!(["loopback-network"])).cors_error, Some(CorsError::InsecureLocalNetwork));
    assert_eq!(doc("http://192.168.1.5", None, json!([])).outcome, Outcome::Response, "a local page reaches loopback");
}

#[test]
fn the_browser_is_a_parameter_with_chromium_156_the_default() {
    let doc = |browser: Value| json!({"page": PAGE, "browser": browser, "steps": []}).to_string();
    assert!(Experiment::from_json(&doc(json!("chromium-156"))).is_ok());
    let err = Experiment::from_json(&doc(json!("firefox-esr"))).unwrap_err();
    assert!(err.reason.contains("unknown variant `firefox-esr`") && err.line == Some(1), "{err}");
}

#[test]
fn the_verdict_has_exactly_specs_fields() {
    let v = serde_json::to_value(one(json!({"url": API}), both(API))).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = ["outcome", "response_type", "status", "http_status", "readable_headers", "preflights", "preflight_from_cache",
        "cors_error", "failed_parameter", "js_error", "console", "hops", "cookies", "standard_differs", "explanation", "fix"];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(v["hops"][0], json!({"url": API, "method": "GET", "kind": "request", "http_status": 200, "result": "pass"}));
    assert_eq!(v["cookies"], json!({"sent": [], "stored": [], "blocked": []}));
    assert_eq!((v["response_type"].as_str(), v["cors_error"].is_null(), v["failed_parameter"].is_null()), (Some("cors"), true, true));
    // A CORS failure names Chromium's error and its (here empty) failed parameter.
    let blocked = serde_json::to_value(one(json!({"url": API}), json!([{"url": API, "status": 500}]))).unwrap();
    assert_eq!((blocked["cors_error"].as_str(), blocked["failed_parameter"].as_str()), (Some("MissingAllowOriginHeader"), Some("")));
    assert_eq!((blocked["status"].is_null(), blocked["readable_headers"].is_null(), blocked["http_status"].as_u64()), (true, true, Some(500)));
}

#[test]
fn a_readable_error_status_is_logged_with_its_reason_phrase() {
    let answer = |status: u16, text: Option<&str>| {
        let mut a = json!({"url": API, "status": status, "headers": [["Access-Control-Allow-Origin", "*"]]});
        if let Some(text) = text {
            a["status_text"] = json!(text);
        }
        one(json!({"url": API}), json!([a])).console
    };
    assert_eq!(answer(500, None), ["Failed to load resource: the server responded with a status of 500 (Internal Server Error)"]);
    assert_eq!(answer(500, Some("Oops")), ["Failed to load resource: the server responded with a status of 500 (Oops)"]);
    assert!(answer(399, None).is_empty());
}

#[test]
fn unreadable_input_says_where() {
    let err = Experiment::from_json("{\"page\": \"http://a\",\n \"steps\": [{\"fetch\": {\"url\": 1}}]}").unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.reason.contains("invalid type: integer `1`, expected a string"), "{err}");
    let err = Experiment::from_json("{\"page\": \"http://a\", \"steps\": [], \"stpes\": []}").unwrap_err();
    assert!(err.reason.contains("unknown field `stpes`"), "{err}");
}
