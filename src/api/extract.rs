//! Typed extractors: what a handler may assume about its request once they succeed.

use std::time::Duration;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};

use super::{ApiError, AppState};
use crate::{cookie, csrf, jwt, session, wsgi};

/// The request body as a JSON object, after Django REST framework's checks: the media type
/// must be JSON, the size at most `json_body_bytes` (refused before reading when
/// `Content-Length` says so, or as soon as a chunked body passes it), and it must arrive
/// within `body_read_timeout`.
pub struct JsonObject(pub Map<String, Value>);

/// Bodies refused as too large are read and discarded up to this size, so the client gets
/// the 413 instead of a reset connection; beyond it the connection is simply closed.
const DRAIN_LIMIT: u64 = 1024 * 1024;

impl FromRequest<AppState> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        if !read_as_json(&app.csrf, req.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        let (parts, body) = req.into_parts();
        let bytes = read_body(body, &parts.headers, app.lab.limits.json_body_bytes, app.lab.limits.body_read_timeout).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid_json("The body is empty; send a JSON object."));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::invalid_json(
                "The JSON body must be an object, like {\"username\": \"demo\"}.",
            )),
            Err(e) => Err(ApiError::invalid_json(format!("Invalid JSON: {e}."))),
        }
    }
}

/// A request body of at most `limit` bytes, arrived within `timeout`: refused before reading
/// when `Content-Length` says it is larger (then drained, so the client gets the 413 instead
/// of a reset connection), or as soon as a chunked body passes the limit.
pub(crate) async fn read_body(body: axum::body::Body, headers: &HeaderMap, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        if declared.is_some_and(|n| n <= DRAIN_LIMIT) {
            drain(body, timeout).await;
        }
        return Err(ApiError::payload_too_large(limit));
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(ApiError::request_timeout()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::payload_too_large(limit)),
        Ok(Err(_)) => Err(ApiError::invalid_json("The request body could not be read.")),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Reads and discards up to [`DRAIN_LIMIT`] bytes of a refused body, a frame at a time:
/// collecting it would allocate the whole megabyte only to throw it away.
async fn drain(body: axum::body::Body, timeout: Duration) {
    let mut body = Limited::new(body, DRAIN_LIMIT as usize);
    let _ = tokio::time::timeout(timeout, async {
        while let Some(Ok(_frame)) = body.frame().await {}
    })
    .await;
}

/// `application/json`, with any parameters (`; charset=utf-8`), case-insensitively.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|essence| essence.eq_ignore_ascii_case("application/json"))
}

/// Whether this mount's JSON parser takes the body: `application/json`, and `text/plain`
/// too where the scenario says so.
fn read_as_json(settings: &csrf::CsrfSettings, headers: &HeaderMap) -> bool {
    is_json(headers) || (settings.json_as_text_plain && media_type(headers).is_some_and(|m| m.eq_ignore_ascii_case("text/plain")))
}

/// The `Content-Type` without its parameters.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| v.split(';').next().unwrap_or("").trim())
}

/// A string field of a JSON object: `Ok(None)` when absent or null, `Err` when another type.
pub fn string_field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ()> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

/// Passed Django's CSRF check. Safe methods (GET, HEAD, OPTIONS, TRACE) pass without one,
/// as in Django: they must not change anything, so forging them gains nothing. A scenario
/// may switch the check off, or leave methods or media types unchecked.
pub struct CsrfChecked;

impl FromRequestParts<AppState> for CsrfChecked {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let settings = &app.csrf;
        if settings.skips(parts.method.as_str(), media_type(&parts.headers), read_as_json(settings, &parts.headers)) {
            return Ok(CsrfChecked);
        }
        let h = &parts.headers;
        let (origin, referer) = (wsgi::header(h, header::ORIGIN), wsgi::header(h, header::REFERER));
        let token = wsgi::header(h, csrf::HEADER_NAME);
        let cookie = cookie::find(h, csrf::COOKIE_NAME, app.cookies.precedence());
        let request = csrf::UnsafeRequest {
            origin: origin.as_deref(),
            referer: referer.as_deref(),
            cookie: cookie.as_deref(),
            token: token.as_deref(),
        };
        csrf::check(&app.trusted, &request, app.shared_csrf_secret.as_ref()).map(|()| CsrfChecked).map_err(|r| ApiError::csrf(&r))
    }
}

/// The two cookies the API reads, parsed once.
pub struct RequestCookies {
    pub session: Option<String>,
    pub csrf: Option<String>,
}

impl FromRequestParts<AppState> for RequestCookies {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let (h, precedence) = (&parts.headers, app.cookies.precedence());
        Ok(RequestCookies {
            session: cookie::find(h, session::COOKIE_NAME, precedence),
            csrf: cookie::find(h, csrf::COOKIE_NAME, precedence),
        })
    }
}

/// The claims of a valid access token from `Authorization: Bearer <token>`.
pub struct AccessClaims(pub std::sync::Arc<jwt::Claims>);

impl FromRequestParts<AppState> for AccessClaims {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
        let token = jwt::bearer_token(header).map_err(ApiError::authorization)?;
        let token = std::str::from_utf8(token).map_err(|_| ApiError::token(jwt::TokenError::MALFORMED))?;
        let claims = app.jwt.verify(token, jwt::TokenType::Access, crate::unix_now()).map_err(ApiError::token)?;
        Ok(AccessClaims(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_media_type_essence() {
        let mut h = HeaderMap::new();
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/json;charset=UTF-8", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("application/jsonp", false),
            ("multipart/form-data; boundary=x", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(is_json(&h), ok, "{ct}");
        }
        h.remove(header::CONTENT_TYPE);
        assert!(!is_json(&h));
    }

    #[test]
    fn string_fields() {
        let m: Map<String, Value> = serde_json::from_str(r#"{"a":"x","b":1,"c":null}"#).unwrap();
        assert_eq!(string_field(&m, "a"), Ok(Some("x")));
        assert_eq!(string_field(&m, "b"), Err(()));
        assert_eq!(string_field(&m, "c"), Ok(None));
        assert_eq!(string_field(&m, "d"), Ok(None));
    }
}
