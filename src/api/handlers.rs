//! Thin handlers: read the request through extractors, call the rule modules, shape JSON.
//! "Row N" is the row of the API table in SPEC §2 (and README).

use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::extract::{AccessClaims, CsrfChecked, JsonObject, RequestCookies, string_field};
use super::{ApiError, App, AppState, json_response};
use crate::accounts::{self, AuthError, CreateError, User, UsernameError};
use crate::cookie::SetCookie;
use crate::jwt::{ACCESS_LIFETIME_SECS, TokenType};
use crate::ratelimit::RetryAfter;
use crate::{csrf, session, unix_now};

const VARY_COOKIE: HeaderValue = HeaderValue::from_static("Cookie");

/// Row 1: the simple GET: no preflight, no credentials needed.
pub async fn hello() -> Response {
    const HELLO: &str = r#"{"message":"Hello from the corslab API!"}"#;
    let mut res = Response::new(axum::body::Body::from(HELLO));
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// Row 2: lists the newest accounts (at most [`accounts::LIST_LIMIT`]).
pub async fn list_users(State(app): State<AppState>) -> Result<Response, ApiError> {
    let users = app.lab.accounts.list().await.map_err(ApiError::storage)?;
    Ok(json_response(StatusCode::OK, &users))
}

/// Row 2, the JSON POST: `application/json` makes the browser preflight it.
/// CSRF-exempt, as the article's DRF view is: it creates an account that cannot log in.
pub async fn create_user(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    app.lab.users_per_address.acquire(&peer.ip().to_string(), Instant::now()).map_err(ApiError::rate_limited)?;
    // DRF's CharField and EmailField strip surrounding whitespace before validating, so
    // "   " is a blank (required) username and " demo " is "demo".
    let username = string_field(&body, "username").map_err(|()| ApiError::username_required())?.unwrap_or("").trim();
    accounts::validate_username(username).map_err(|e| match e {
        UsernameError::Empty => ApiError::username_required(),
        UsernameError::Invalid => ApiError::invalid_username(),
    })?;
    let email = string_field(&body, "email").map_err(|()| ApiError::invalid_email())?.unwrap_or("").trim();
    if !email.is_empty() && !accounts::valid_email(email) {
        return Err(ApiError::invalid_email());
    }
    let user = app.lab.accounts.create(username, email, None).await.map_err(|e| match e {
        CreateError::UsernameTaken => ApiError::username_taken(),
        CreateError::Store(e) => ApiError::storage(e),
    })?;
    Ok(json_response(StatusCode::CREATED, &user))
}

/// Row 3: username + password → an access and a refresh token. CSRF-exempt: nothing
/// here rides on cookies, so a forged request gains the attacker nothing it could read.
pub async fn token(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let (username, password) = credentials(&body)?;
    let user = authenticate(&app, peer, username, password).await?;
    let now = unix_now();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "access": app.jwt.issue(user.id, &user.username, TokenType::Access, now),
            "refresh": app.jwt.issue(user.id, &user.username, TokenType::Refresh, now),
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME_SECS,
        }),
    ))
}

/// Row 3b: a refresh token → a new access token.
pub async fn refresh(State(app): State<AppState>, JsonObject(body): JsonObject) -> Result<Response, ApiError> {
    let refresh = string_field(&body, "refresh")
        .ok()
        .flatten()
        .filter(|r| !r.is_empty())
        .ok_or(ApiError::credentials_required("\"refresh\" must be a non-empty string: the refresh token from /api/token/."))?;
    let now = unix_now();
    let claims = app.jwt.verify(refresh, TokenType::Refresh, now).map_err(ApiError::token)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "access": app.jwt.issue(claims.user_id, &claims.username, TokenType::Access, now),
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME_SECS,
        }),
    ))
}

/// Row 4, the Bearer call: no cookie involved, so no CSRF risk, but a preflight (the
/// `Authorization` header is not CORS-safelisted).
pub async fn protected(AccessClaims(claims): AccessClaims) -> Response {
    #[derive(serde::Serialize)]
    struct UserRef<'a> {
        id: i64,
        username: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Protected<'a> {
        user: UserRef<'a>,
        claims: &'a crate::jwt::Claims,
    }
    let user = UserRef { id: claims.user_id, username: &claims.username };
    json_response(StatusCode::OK, &Protected { user, claims: &claims })
}

/// Row 5: a fresh masked token, and the `csrftoken` cookie (re)set: Django's `get_token`.
pub async fn csrf_token(State(app): State<AppState>, cookies: RequestCookies) -> Response {
    let secret = current_csrf_secret(&app, &cookies);
    let mut res = json_response(StatusCode::OK, &json!({"csrfToken": secret.mask()}));
    set_cookie(&mut res, &csrf::cookie(&secret, &app.cookies));
    res
}

/// The browser's secret, or a new one if it has none or a malformed one (as Django's
/// middleware replaces it); the shared one where the scenario has one for everybody.
fn current_csrf_secret(app: &App, cookies: &RequestCookies) -> csrf::Secret {
    if let Some(shared) = &app.shared_csrf_secret {
        return shared.clone();
    }
    csrf::secret_from_cookie(cookies.csrf.as_deref()).ok().flatten().unwrap_or_else(csrf::Secret::generate)
}

/// Row 6: cookie login: CSRF-checked, a new session key, and a rotated CSRF secret.
pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    _: CsrfChecked,
    cookies: RequestCookies,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let (username, password) = credentials(&body)?;
    let user = authenticate(&app, peer, username, password).await?;
    let key = app
        .lab
        .sessions
        .login(cookies.session.as_deref(), user.id, &app.session_scope, app.session_settings, unix_now())
        .await
        .map_err(ApiError::storage)?;
    // Django's `rotate_token`: tokens handed out before login stop working, so a token an
    // attacker obtained while logged out is useless against the logged-in session.
    let secret = if app.csrf.rotate_on_login && app.shared_csrf_secret.is_none() {
        csrf::Secret::generate()
    } else {
        current_csrf_secret(&app, &cookies)
    };
    let mut res = json_response(StatusCode::OK, &json!({"username": user.username, "csrfToken": secret.mask()}));
    set_cookie(&mut res, &csrf::cookie(&secret, &app.cookies));
    set_cookie(&mut res, &session::cookie(&key, &app.cookies));
    Ok(res)
}

/// Row 7: who the session cookie says you are. POST is CSRF-checked, GET is not.
pub async fn session_data(
    State(app): State<AppState>,
    _: CsrfChecked,
    cookies: RequestCookies,
) -> Result<Response, ApiError> {
    let Some(key) = cookies.session else {
        return Err(ApiError::not_authenticated().with_header(header::VARY, VARY_COOKIE));
    };
    match app.lab.sessions.load(&key, &app.session_scope, unix_now()).await.map_err(ApiError::storage)? {
        Some(user) => {
            let mut res =
                json_response(StatusCode::OK, &json!({"username": user.username, "user_id": user.user_id}));
            res.headers_mut().insert(header::VARY, VARY_COOKIE);
            Ok(res)
        }
        // Unknown or expired: tell the browser to forget the cookie, as Django does.
        None => Err(ApiError::not_authenticated()
            .with_header(header::SET_COOKIE, deletion_cookie(&app))
            .with_header(header::VARY, VARY_COOKIE)),
    }
}

/// Row 8: ends the session: the row is deleted, so a replayed `sessionid` is worthless.
pub async fn logout(State(app): State<AppState>, _: CsrfChecked, cookies: RequestCookies) -> Result<Response, ApiError> {
    let was_authenticated = match &cookies.session {
        Some(key) => app.lab.sessions.logout(key, &app.session_scope, unix_now()).await.map_err(ApiError::storage)?,
        None => false,
    };
    let mut res = json_response(StatusCode::OK, &json!({"was_authenticated": was_authenticated}));
    if cookies.session.is_some() {
        res.headers_mut().append(header::SET_COOKIE, deletion_cookie(&app));
    }
    res.headers_mut().insert(header::VARY, VARY_COOKIE);
    Ok(res)
}

fn credentials(body: &Map<String, Value>) -> Result<(&str, &str), ApiError> {
    let field = |name| string_field(body, name).ok().flatten().filter(|s| !s.is_empty());
    match (field("username"), field("password")) {
        (Some(u), Some(p)) => Ok((u, p)),
        _ => Err(ApiError::credentials_required("\"username\" and \"password\" must be non-empty strings.")),
    }
}

/// Rate limits, then the password check. A username no account can have fails at once
/// (it still counts against the address), so attackers cannot fill the limiter's memory.
async fn authenticate(app: &App, peer: SocketAddr, username: &str, password: &str) -> Result<User, ApiError> {
    let now = Instant::now();
    app.lab.login_per_address.acquire(&peer.ip().to_string(), now).map_err(ApiError::rate_limited)?;
    if accounts::validate_username(username).is_err() || password.len() > accounts::PASSWORD_MAX {
        return Err(ApiError::invalid_credentials());
    }
    app.lab.login_failures_per_username.check(username, now).map_err(ApiError::rate_limited)?;
    match app.lab.accounts.authenticate(username, password).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => {
            app.lab.login_failures_per_username.record(username, Instant::now());
            Err(ApiError::invalid_credentials())
        }
        // Hashing queue full: come back in a second rather than wait in an unbounded line.
        Err(AuthError::Busy) => Err(ApiError::rate_limited(RetryAfter(1))),
        Err(AuthError::Store(e)) => Err(ApiError::storage(e)),
    }
}

fn deletion_cookie(app: &App) -> HeaderValue {
    session::deletion_cookie(&app.cookies).header_value(SystemTime::now())
}

/// Adds a `Set-Cookie` and, as Django does whenever a response depends on cookies,
/// `Vary: Cookie`.
fn set_cookie(res: &mut Response, cookie: &SetCookie<'_>) {
    res.headers_mut().append(header::SET_COOKIE, cookie.header_value(SystemTime::now()));
    res.headers_mut().insert(header::VARY, VARY_COOKIE);
}
