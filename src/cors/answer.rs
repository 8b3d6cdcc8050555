//! The policy editor's answers (SPEC §7): what the API sends, header by header, as a visitor
//! wrote it, separately for the preflight and for the actual response. Not a policy that
//! judges origins but the answer itself, mistakes included, so a visitor reaches each
//! CorsError by writing the header that causes it. [`super::Cors`] sends it in place of its
//! policy to the visitor who set it ([`super::EditedAnswers`]).
//!
//! Strangers write these, so nothing is kept unchecked: every value holds at most
//! [`VALUE_BYTES`] of what a header value may hold here (visible ASCII and spaces: no control
//! character, nothing past `0x7e`), `Access-Control-Allow-Origin` at most [`ORIGIN_VALUES`]
//! lines, the status is one the server can send, and a redirect stays on the mount (a
//! `user:pass@` location names the API itself), so the lab never becomes an open redirect.
//! A refusal names the field ([`InvalidPolicy`]).

use std::fmt;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, Uri, header};
use serde::{Deserialize, Serialize};

use super::patch_vary;
use crate::origin::Origin;

/// The most bytes of one header value (and of the redirect's location).
pub const VALUE_BYTES: usize = 512;
/// The most `Access-Control-Allow-Origin` lines one answer sends.
pub const ORIGIN_VALUES: usize = 8;
/// The most bytes of a policy's JSON.
pub const POLICY_BYTES: usize = 8 * 1024;

/// A visitor's policy as written: the preflight's answer and the actual response's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySpec {
    pub preflight: AnswerSpec,
    pub actual: AnswerSpec,
}

/// One answer. An absent value is a header not sent; an absent status is the usual one (200
/// for a preflight, the endpoint's own for the actual response).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswerSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "AllowOrigin::is_none")]
    pub allow_origin: AllowOrigin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vary: Option<String>,
    /// A path of this mount (`/play/api/users/`) the answer redirects to; needs a redirect
    /// status. The request's query is appended, so the next hop stays the visitor's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `user:pass`: the location becomes an absolute URL on the API's origin with these
    /// credentials in it, which Chromium refuses to follow (RedirectContainsCredentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_userinfo: Option<String>,
}

/// What `Access-Control-Allow-Origin` says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AllowOrigin {
    /// No such header.
    #[default]
    None,
    /// `*`.
    Star,
    /// The request's own `Origin`, whatever it is (none when it sent none).
    Echo,
    /// This value, as written.
    Fixed(String),
    /// One header line per value (two middlewares each adding theirs).
    Several(Vec<String>),
}

impl AllowOrigin {
    fn is_none(&self) -> bool {
        *self == AllowOrigin::None
    }
}

/// Why a policy was refused, and which field: `actual.allow_methods`,
/// `preflight.allow_origin.value[2]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPolicy {
    pub field: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not JSON at all (serde_json's message).
    NotJson(String),
    /// JSON, but not a policy: an unknown field, a wrong type (serde's message).
    Shape(String),
    TooLong { max: usize },
    /// A control character (or DEL) at this byte.
    ControlCharacter { at: usize, byte: u8 },
    /// A character outside ASCII at this byte.
    NotAscii { at: usize },
    TooManyValues { max: usize },
    Status(u16),
    LocationNeedsRedirectStatus,
    /// Not a path of the mount, or with a query, fragment, space or backslash.
    LocationOffMount { prefix: String },
    UserinfoWithoutLocation,
    Userinfo,
}

impl fmt::Display for InvalidPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.problem {
            Problem::NotJson(e) => write!(f, "The policy is not JSON: {e}."),
            Problem::Shape(e) => write!(f, "{field}: {e}."),
            Problem::TooLong { max } => write!(f, "{field}: longer than {max} bytes."),
            Problem::ControlCharacter { at, byte } => write!(
                f,
                "{field}: control character 0x{byte:02x} at byte {at}; a header value holds no control characters (a line break would start another header)."
            ),
            Problem::NotAscii { at } => {
                write!(f, "{field}: a character outside ASCII at byte {at}; write header values in visible ASCII and spaces.")
            }
            Problem::TooManyValues { max } => write!(f, "{field}: more than {max} values."),
            Problem::Status(status) => write!(f, "{field}: {status} is not a status the API can answer with (200-599)."),
            Problem::LocationNeedsRedirectStatus => {
                write!(f, "{field}: a Location needs a redirect status (301, 302, 303, 307 or 308).")
            }
            Problem::LocationOffMount { prefix } => write!(
                f,
                "{field}: give a path of this mount, starting with {prefix}/, without query or fragment (the request's own query is appended)."
            ),
            Problem::UserinfoWithoutLocation => write!(f, "{field}: credentials for a redirect need its location too."),
            Problem::Userinfo => write!(f, "{field}: write it as user:password, in letters, digits and -._~!$&'()*+,;=%."),
        }
    }
}

impl std::error::Error for InvalidPolicy {}

impl PolicySpec {
    /// Reads a policy from its JSON, naming the field serde stopped at.
    pub fn from_json(json: &[u8]) -> Result<PolicySpec, InvalidPolicy> {
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        let spec: PolicySpec = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            let problem = if inner.is_syntax() || inner.is_eof() { Problem::NotJson(inner.to_string()) } else { Problem::Shape(inner.to_string()) };
            InvalidPolicy { field, problem }
        })?;
        deserializer.end().map_err(|e| InvalidPolicy { field: ".".into(), problem: Problem::NotJson(e.to_string()) })?;
        // serde would read a struct from an array too, field by field.
        if json.trim_ascii_start().first() != Some(&b'{') {
            let problem = Problem::Shape("a policy is an object, {\"preflight\": {…}, \"actual\": {…}}".into());
            return Err(InvalidPolicy { field: ".".into(), problem });
        }
        Ok(spec)
    }
}

/// Where answers may redirect to: the mount's prefix, and the API's origin for a location
/// with credentials.
#[derive(Clone, Debug)]
pub struct Mount {
    pub prefix: String,
    pub api_origin: Origin,
}

/// A policy checked and compiled into header values, for the [`super::Cors`] layer to send.
#[derive(Debug)]
pub struct Answers {
    preflight: Answer,
    actual: Answer,
    spec: PolicySpec,
    /// Heap bytes this policy holds (the spec and its compiled copy).
    weight: usize,
}

/// One side, ready to send.
#[derive(Debug)]
pub(super) struct Answer {
    status: Option<StatusCode>,
    allow_origin: Origins,
    /// `-Allow-Credentials`, `-Allow-Methods`, `-Allow-Headers`, `-Expose-Headers`, `-Max-Age`.
    lines: Vec<(HeaderName, HeaderValue)>,
    vary: Option<HeaderValue>,
    redirect: Option<Redirect>,
}

#[derive(Debug)]
enum Origins {
    None,
    Star,
    Echo,
    Values(Vec<HeaderValue>),
}

#[derive(Debug)]
struct Redirect {
    /// Without the query, which each response appends.
    location: String,
    /// The path as the mount's routes see it (prefix stripped): a request for it is the
    /// redirect's target, answered as usual rather than redirected again, in a loop.
    target: String,
}

impl Answers {
    /// Checks `spec` and compiles it for the mount it will be applied at.
    pub fn new(spec: PolicySpec, mount: &Mount) -> Result<Answers, InvalidPolicy> {
        let preflight = Answer::new("preflight", &spec.preflight, mount)?;
        let actual = Answer::new("actual", &spec.actual, mount)?;
        // The compiled copy holds about the bytes of the written one; both count.
        let written = serde_json::to_string(&spec).map_or(0, |s| s.len());
        let weight = std::mem::size_of::<Answers>() + 2 * written + 64 * (preflight.lines.len() + actual.lines.len());
        Ok(Answers { preflight, actual, spec, weight })
    }

    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    pub fn weight(&self) -> usize {
        self.weight
    }

    /// The answer to a preflight, or to any other request.
    pub(super) fn side(&self, preflight: bool) -> &Answer {
        if preflight { &self.preflight } else { &self.actual }
    }
}

impl Answer {
    fn new(side: &str, spec: &AnswerSpec, mount: &Mount) -> Result<Answer, InvalidPolicy> {
        let field = |name: &str| format!("{side}.{name}");
        let status = spec
            .status
            .map(|s| StatusCode::from_u16(s).ok().filter(|_| (200..=599).contains(&s)).ok_or(invalid(field("status"), Problem::Status(s))))
            .transpose()?;
        let allow_origin = match &spec.allow_origin {
            AllowOrigin::None => Origins::None,
            AllowOrigin::Star => Origins::Star,
            AllowOrigin::Echo => Origins::Echo,
            AllowOrigin::Fixed(v) => Origins::Values(vec![value(field("allow_origin.value"), v)?]),
            AllowOrigin::Several(values) => {
                if values.len() > ORIGIN_VALUES {
                    return Err(invalid(field("allow_origin.value"), Problem::TooManyValues { max: ORIGIN_VALUES }));
                }
                let each = values.iter().enumerate().map(|(i, v)| value(field(&format!("allow_origin.value[{i}]")), v));
                Origins::Values(each.collect::<Result<_, _>>()?)
            }
        };
        let mut lines = Vec::new();
        for (name, header, text) in [
            ("allow_credentials", header::ACCESS_CONTROL_ALLOW_CREDENTIALS, &spec.allow_credentials),
            ("allow_methods", header::ACCESS_CONTROL_ALLOW_METHODS, &spec.allow_methods),
            ("allow_headers", header::ACCESS_CONTROL_ALLOW_HEADERS, &spec.allow_headers),
            ("expose_headers", header::ACCESS_CONTROL_EXPOSE_HEADERS, &spec.expose_headers),
            ("max_age", header::ACCESS_CONTROL_MAX_AGE, &spec.max_age),
        ] {
            if let Some(text) = text {
                lines.push((header, value(field(name), text)?));
            }
        }
        let vary = spec.vary.as_deref().map(|v| value(field("vary"), v)).transpose()?;
        let redirect = redirect(&field, spec, status, mount)?;
        Ok(Answer { status, allow_origin, lines, vary, redirect })
    }

    /// Writes this answer's headers; `echo` is the request's `Origin`, if it sent one.
    pub(super) fn write(&self, echo: Option<&HeaderValue>, headers: &mut HeaderMap) {
        if let Some(vary) = &self.vary {
            patch_vary(headers, vary.clone());
        }
        match &self.allow_origin {
            Origins::None => {}
            Origins::Star => {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            }
            Origins::Echo => {
                if let Some(origin) = echo {
                    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                }
            }
            Origins::Values(values) => {
                for v in values {
                    headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, v.clone());
                }
            }
        }
        for (name, v) in &self.lines {
            headers.insert(name.clone(), v.clone());
        }
    }

    /// The response the CORS layer gives itself, if this answer replaces the endpoint's: a
    /// preflight's always (its status, 200 by default, empty body), the actual response's
    /// when the answer has a status of its own. The redirect's own target is answered as
    /// usual, so following it ends.
    pub(super) fn own_response(&self, uri: &Uri, preflight: bool) -> Option<Response<Body>> {
        let redirect = self.redirect.as_ref().filter(|r| r.target != uri.path());
        let is_target = self.redirect.is_some() && redirect.is_none();
        let status = match self.status {
            Some(status) if !is_target => status,
            _ if preflight => StatusCode::OK,
            _ => return None,
        };
        let empty = preflight || status.is_redirection() || matches!(status.as_u16(), 204 | 205);
        let mut res = if empty {
            let mut res = Response::new(Body::empty());
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            res
        } else {
            let detail = format!("Answered by your policy with status {}; the endpoint did not run.", status.as_u16());
            let body = serde_json::json!({"detail": detail, "code": "answered_by_policy"}).to_string();
            let mut res = Response::new(Body::from(body));
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res
        };
        *res.status_mut() = status;
        if let Some(r) = redirect {
            let location = match uri.query() {
                Some(query) => format!("{}?{query}", r.location),
                None => r.location.clone(),
            };
            // Checked visible ASCII, plus a query hyper already accepted.
            if let Ok(v) = HeaderValue::try_from(location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
        }
        Some(res)
    }
}

fn invalid(field: String, problem: Problem) -> InvalidPolicy {
    InvalidPolicy { field, problem }
}

/// A header value as written: at most [`VALUE_BYTES`], visible ASCII and spaces only.
fn value(field: String, text: &str) -> Result<HeaderValue, InvalidPolicy> {
    if text.len() > VALUE_BYTES {
        return Err(invalid(field, Problem::TooLong { max: VALUE_BYTES }));
    }
    if let Some((at, byte)) = text.bytes().enumerate().find(|&(_, b)| !(0x20..0x7f).contains(&b)) {
        let problem = if byte < 0x80 { Problem::ControlCharacter { at, byte } } else { Problem::NotAscii { at } };
        return Err(invalid(field, problem));
    }
    // Visible ASCII and spaces are what a header value may hold.
    Ok(HeaderValue::from_str(text).expect("checked above"))
}

/// The redirect an answer makes, checked: a path of the mount, and a 3xx status.
fn redirect(field: &impl Fn(&str) -> String, spec: &AnswerSpec, status: Option<StatusCode>, mount: &Mount) -> Result<Option<Redirect>, InvalidPolicy> {
    let Some(location) = &spec.location else {
        return match spec.location_userinfo {
            Some(_) => Err(invalid(field("location_userinfo"), Problem::UserinfoWithoutLocation)),
            None => Ok(None),
        };
    };
    if !matches!(status.map(|s| s.as_u16()), Some(301 | 302 | 303 | 307 | 308)) {
        return Err(invalid(field("location"), Problem::LocationNeedsRedirectStatus));
    }
    value(field("location"), location)?;
    let target = location
        .strip_prefix(mount.prefix.as_str())
        .filter(|rest| rest.starts_with('/') && !rest.starts_with("//"))
        .filter(|_| !location.contains(['?', '#', ' ', '\\']))
        .ok_or_else(|| invalid(field("location"), Problem::LocationOffMount { prefix: mount.prefix.clone() }))?;
    let location = match &spec.location_userinfo {
        None => location.clone(),
        Some(userinfo) => {
            let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%:".contains(&b);
            if userinfo.is_empty() || userinfo.len() > VALUE_BYTES || !userinfo.bytes().all(allowed) {
                return Err(invalid(field("location_userinfo"), Problem::Userinfo));
            }
            let api = mount.api_origin.to_string();
            let (scheme, authority) = api.split_once("://").expect("an origin has a scheme");
            format!("{scheme}://{userinfo}@{authority}{location}")
        }
    };
    Ok(Some(Redirect { location, target: target.to_owned() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount() -> Mount {
        Mount { prefix: "/play".into(), api_origin: "http://localhost:8001".parse().unwrap() }
    }

    fn compile(json: &str) -> Result<Answers, InvalidPolicy> {
        Answers::new(PolicySpec::from_json(json.as_bytes())?, &mount())
    }

    fn refusal(json: &str) -> (String, String) {
        let e = compile(json).unwrap_err();
        (e.field.clone(), e.to_string())
    }

    fn written(answers: &Answers, preflight: bool, origin: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        answers.side(preflight).write(origin.map(HeaderValue::from_static).as_ref(), &mut h);
        h
    }

    #[test]
    fn each_side_sends_what_it_says_and_nothing_else() {
        let a = compile(
            r#"{"preflight": {"allow_origin": {"kind": "echo"}, "allow_methods": "GET; POST", "max_age": "-1", "vary": "Origin"},
                "actual": {"allow_origin": {"kind": "several", "value": ["https://a.test", "https://b.test"]}, "allow_credentials": "True"}}"#,
        )
        .unwrap();
        let pf = written(&a, true, Some("http://localhost:8000"));
        assert_eq!(pf["access-control-allow-origin"], "http://localhost:8000");
        assert_eq!((&pf["access-control-allow-methods"], &pf["access-control-max-age"], &pf["vary"]), (&"GET; POST".parse::<HeaderValue>().unwrap(), &HeaderValue::from_static("-1"), &HeaderValue::from_static("Origin")));
        assert!(!pf.contains_key("access-control-allow-credentials"));
        let actual = written(&a, false, Some("http://localhost:8000"));
        let lines: Vec<_> = actual.get_all("access-control-allow-origin").iter().collect();
        assert_eq!(lines, ["https://a.test", "https://b.test"], "one line per value");
        assert_eq!(actual["access-control-allow-credentials"], "True");
        assert!(!actual.contains_key("vary") && !actual.contains_key("access-control-allow-methods"));
        assert!(written(&a, true, None).get("access-control-allow-origin").is_none(), "nothing to echo");
    }

    #[test]
    fn a_preflight_is_answered_here_and_the_actual_response_only_with_a_status_of_its_own() {
        let a = compile(r#"{"preflight": {"status": 401}, "actual": {}}"#).unwrap();
        let uri: Uri = "/api/users/?lab=visitor-1".parse().unwrap();
        assert_eq!(a.side(true).own_response(&uri, true).unwrap().status(), 401);
        assert!(a.side(false).own_response(&uri, false).is_none(), "the endpoint answers");
        let a = compile(r#"{"actual": {"status": 500}}"#).unwrap();
        assert_eq!(a.side(true).own_response(&uri, true).unwrap().status(), 200, "a preflight's usual status");
        let res = a.side(false).own_response(&uri, false).unwrap();
        assert_eq!((res.status(), &res.headers()["content-type"]), (StatusCode::INTERNAL_SERVER_ERROR, &HeaderValue::from_static("application/json")));
    }

    #[test]
    fn a_redirect_keeps_the_query_and_its_target_is_answered_as_usual() {
        let a = compile(r#"{"actual": {"status": 302, "location": "/play/api/hello/"}}"#).unwrap();
        let res = a.side(false).own_response(&"/api/users/?lab=visitor-1.include".parse().unwrap(), false).unwrap();
        assert_eq!(res.headers()["location"], "/play/api/hello/?lab=visitor-1.include");
        assert!(a.side(false).own_response(&"/api/hello/?lab=visitor-1".parse().unwrap(), false).is_none(), "no loop");
        let a = compile(r#"{"actual": {"status": 307, "location": "/play/api/hello/", "location_userinfo": "user:pass"}}"#).unwrap();
        let res = a.side(false).own_response(&"/api/users/".parse().unwrap(), false).unwrap();
        assert_eq!(res.headers()["location"], "http://user:pass@localhost:8001/play/api/hello/");
    }

    #[test]
    fn hostile_values_are_refused_naming_the_field() {
        let long = "a".repeat(VALUE_BYTES + 1);
        let many = ["\"https://a.test\""; ORIGIN_VALUES + 1].join(",");
        let cases = [
            (r#"{"actual": {"allow_methods": "GET\r\nSet-Cookie: x=1"}}"#.to_owned(), "actual.allow_methods", "control character 0x0d at byte 3"),
            (format!(r#"{{"preflight": {{"vary": "{long}"}}}}"#), "preflight.vary", "longer than 512 bytes"),
            (r#"{"actual": {"expose_headers": "x-é"}}"#.to_owned(), "actual.expose_headers", "outside ASCII at byte 2"),
            (format!(r#"{{"actual": {{"allow_origin": {{"kind": "several", "value": [{many}]}}}}}}"#), "actual.allow_origin.value", "more than 8 values"),
            (r#"{"actual": {"allow_origin": {"kind": "several", "value": ["ok", "b\u0000"]}}}"#.to_owned(), "actual.allow_origin.value[1]", "0x00"),
            (r#"{"preflight": {"status": 99}}"#.to_owned(), "preflight.status", "99 is not a status"),
            (r#"{"preflight": {"status": 1000}}"#.to_owned(), "preflight.status", "1000 is not a status"),
            (r#"{"actual": {"location": "/play/api/hello/"}}"#.to_owned(), "actual.location", "needs a redirect status"),
            (r#"{"actual": {"status": 302, "location": "https://evil.test/"}}"#.to_owned(), "actual.location", "starting with /play/"),
            (r#"{"actual": {"status": 302, "location": "/play//evil.test/"}}"#.to_owned(), "actual.location", "starting with /play/"),
            (r#"{"actual": {"status": 302, "location": "/play/api/?x=1"}}"#.to_owned(), "actual.location", "without query"),
            (r#"{"actual": {"status": 302, "location": "/play/api/", "location_userinfo": "a@evil.test"}}"#.to_owned(), "actual.location_userinfo", "user:password"),
            (r#"{"actual": {"location_userinfo": "a:b"}}"#.to_owned(), "actual.location_userinfo", "need its location"),
            (r#"{"actual": {"allow_orign": {"kind": "star"}}}"#.to_owned(), "actual.allow_orign", "unknown field"),
            (r#"{"actual": {"status": "200"}}"#.to_owned(), "actual.status", "invalid type"),
            (r#"{"actual": {"allow_origin": {"kind": "all"}}}"#.to_owned(), "actual.allow_origin.kind", "unknown variant"),
        ];
        for (json, field, says) in cases {
            let (f, detail) = refusal(&json);
            assert_eq!(f, field, "{json}");
            assert!(detail.contains(says), "{json}: {detail}");
        }
        let e = compile("{\"actual\": ").unwrap_err();
        assert!(matches!(e.problem, Problem::NotJson(_)), "{e:?}");
        assert!(matches!(compile("{} {}").unwrap_err().problem, Problem::NotJson(_)), "trailing data");
        assert_eq!(refusal("[]").0, ".", "an array is not a policy");
    }

    #[test]
    fn the_written_policy_is_kept_as_written_and_weighed() {
        let json = r#"{"preflight":{"status":204,"allow_origin":{"kind":"star"}},"actual":{"allow_origin":{"kind":"fixed","value":"foo"}}}"#;
        let a = compile(json).unwrap();
        assert_eq!(serde_json::to_string(a.spec()).unwrap(), json);
        assert!(a.weight() >= 2 * json.len());
    }
}
