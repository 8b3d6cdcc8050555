//! Every API failure as JSON `{"detail": <human text>, "code": <machine code>}`; CSRF
//! failures add `"reason"`, refused policies the `"field"`. One constructor per code, so
//! codes cannot be misspelled.

use std::borrow::Cow;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::json_response;
use crate::cors::{InvalidPolicy, Problem, TooManyPolicies};
use crate::csrf::Rejection;
use crate::jwt::{AuthorizationError, TokenError};
use crate::ratelimit::RetryAfter;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Cow<'static, str>,
    reason: Option<String>,
    field: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Serialize)]
struct Body<'a> {
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// simplejwt's `JWTAuthentication.authenticate_header`: tells the client how to authenticate.
const BEARER_CHALLENGE: HeaderValue = HeaderValue::from_static("Bearer realm=\"api\"");

impl ApiError {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError { status, code, detail: detail.into(), reason: None, field: None, headers: Vec::new() }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }

    pub fn invalid_json(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", detail)
    }

    /// A query string that is missing a parameter or holds a value that cannot be used.
    pub fn invalid_query(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", detail)
    }

    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json.",
        )
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The JSON body is larger than {} KiB.", limit / 1024),
        )
    }

    pub fn request_timeout() -> ApiError {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", "The request body arrived too slowly.")
    }

    pub fn username_required() -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "username_required", "\"username\" must be a non-empty string.")
    }

    pub fn invalid_username() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_username",
            "A username has at most 150 characters: letters, digits and @ . + - _ only.",
        )
    }

    pub fn username_taken() -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "username_taken", "A user with that username already exists.")
    }

    pub fn invalid_email() -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_email", "\"email\" must be a valid email address (or empty).")
    }

    pub fn credentials_required(detail: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "credentials_required", detail)
    }

    pub fn invalid_credentials() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "No active account found with the given credentials.",
        )
    }

    /// No (valid) session cookie.
    pub fn not_authenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "not_authenticated", "Authentication credentials were not provided.")
    }

    pub fn authorization(e: AuthorizationError) -> ApiError {
        let err = match e {
            AuthorizationError::Missing => ApiError::not_authenticated(),
            AuthorizationError::Malformed => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_authorization_header",
                "The Authorization header must be \"Bearer <token>\".",
            ),
        };
        err.with_header(header::WWW_AUTHENTICATE, BEARER_CHALLENGE)
    }

    pub fn token(e: TokenError) -> ApiError {
        let err = match e {
            TokenError::Expired => ApiError::new(StatusCode::UNAUTHORIZED, "token_expired", "Token is expired."),
            TokenError::Invalid(why) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "token_invalid", format!("Token is invalid: {why}."))
            }
        };
        err.with_header(header::WWW_AUTHENTICATE, BEARER_CHALLENGE)
    }

    pub fn csrf(rejection: &Rejection) -> ApiError {
        let reason = rejection.to_string();
        ApiError {
            detail: format!("CSRF Failed: {reason}").into(),
            reason: Some(reason),
            ..ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "")
        }
    }

    pub fn not_found(hint: Option<String>) -> ApiError {
        let detail = match hint {
            Some(path) => format!("Not found. Did you mean {path}? Every API path ends in '/'."),
            None => "Not found.".to_owned(),
        };
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn api_root(page_origin: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Not found. This is corslab's API: the lab page is at {page_origin}/, and API paths start with /api/ (e.g. /api/hello/)."),
        )
    }

    pub fn method_not_allowed(method: &str, allow: &'static str) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("Method \"{method}\" not allowed."))
            .with_header(header::ALLOW, HeaderValue::from_static(allow))
    }

    pub fn rate_limited(retry: RetryAfter) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many attempts. Try again in {} seconds.", retry.0),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry.0))
    }

    /// A `?lab=` tag that names no visitor.
    pub fn invalid_visitor() -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_visitor", "Give your visitor id as ?lab=<8-64 characters of A-Z a-z 0-9 _ ->.")
    }

    /// A policy editor's policy that cannot be kept, naming the field (not JSON at all is
    /// `invalid_json`).
    pub fn invalid_policy(e: &InvalidPolicy) -> ApiError {
        match e.problem {
            Problem::NotJson(_) => ApiError::invalid_json(e.to_string()),
            _ => ApiError { field: Some(e.field.clone()), ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_policy", e.to_string()) },
        }
    }

    pub fn too_many_policies(e: TooManyPolicies) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_policies",
            format!("Your address already holds {} visitors' policies; clear one (DELETE /policy?lab=…) or wait until one expires.", e.per_address),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(e.retry_after.as_secs().max(1)))
    }

    /// The database cannot be reached: a server fault, never caused by input.
    pub fn storage(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "database error");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "The database is unavailable; try again shortly.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("5"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { detail: &self.detail, code: self.code, reason: self.reason.as_deref(), field: self.field.as_deref() };
        let mut res = json_response(self.status, &body);
        for (name, value) in self.headers {
            res.headers_mut().append(name, value);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(e: ApiError) -> (StatusCode, serde_json::Value, axum::http::HeaderMap) {
        let res = e.into_response();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), headers)
    }

    #[tokio::test]
    async fn csrf_errors_carry_reason_and_prefixed_detail() {
        let (status, json, _) = body(ApiError::csrf(&Rejection::NoCookie)).await;
        assert_eq!(status, 403);
        assert_eq!(
            json,
            serde_json::json!({"detail": "CSRF Failed: CSRF cookie not set.", "code": "csrf_failed", "reason": "CSRF cookie not set."})
        );
    }

    #[tokio::test]
    async fn bearer_failures_carry_the_challenge() {
        let (status, json, headers) = body(ApiError::token(TokenError::Expired)).await;
        assert_eq!((status.as_u16(), json["code"].as_str()), (401, Some("token_expired")));
        assert_eq!(headers["www-authenticate"], "Bearer realm=\"api\"");
        assert_eq!(headers["content-type"], "application/json");
    }

    #[tokio::test]
    async fn rate_limits_say_when_to_retry() {
        let (status, json, headers) = body(ApiError::rate_limited(RetryAfter(7))).await;
        assert_eq!((status.as_u16(), json["code"].as_str()), (429, Some("rate_limited")));
        assert_eq!(headers["retry-after"], "7");
        assert!(json.get("reason").is_none());
    }
}
