//! Cross-site request forgery protection, as Django 5.2's `CsrfViewMiddleware` does it.
//!
//! The idea: a forged request from another site carries the victim's cookies automatically,
//! but it cannot *read* them. So every state-changing request must repeat, in a header, a
//! secret that only pages allowed to read the `csrftoken` cookie (or the `/api/csrf/`
//! response) can know. Django never sends the secret itself in a page or JSON body: it sends
//! a *masked* token (random mask + secret shifted by the mask), a new one every time, so the
//! token never repeats and compression side channels (BREACH) learn nothing.
//!
//! Order of checks for unsafe methods, each with Django's exact reason string:
//! 1. `Origin`, when present, must be the API's own origin or a trusted origin.
//! 2. Over HTTPS with no `Origin`, the strict `Referer` check.
//! 3. The cookie must be present and well-formed.
//! 4. The `X-CSRFToken` header must be present, well-formed, and match the cookie's secret.
//!
//! A scenario can break this on purpose through [`CsrfSettings`]: no check, trusted origins
//! missing, no rotation on login, one secret shared by every browser, methods or content
//! types left unchecked, or JSON accepted as `text/plain` (which a plain form can send).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::cookie::{CookieSettings, Lifetime, SetCookie};
use crate::origin::Origin;

pub const SECRET_LENGTH: usize = 32;
pub const TOKEN_LENGTH: usize = 2 * SECRET_LENGTH;
/// `string.ascii_letters + string.digits`: lower case first, as in Python.
pub const ALLOWED_CHARS: &[u8; 62] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const COOKIE_NAME: &str = "csrftoken";
/// `CSRF_COOKIE_AGE`: one year minus one day, in seconds.
pub const COOKIE_AGE_SECS: u64 = 31_449_600;
pub const HEADER_NAME: &str = "x-csrftoken";

/// The per-browser secret kept in the `csrftoken` cookie: 32 chars of `a-zA-Z0-9`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret([u8; SECRET_LENGTH]);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn generate() -> Secret {
        Secret(crate::random::chars(ALLOWED_CHARS))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("secret is ASCII")
    }

    /// A fresh masked token for this secret (Django's `get_token`).
    pub fn mask(&self) -> String {
        self.mask_with(&crate::random::chars(ALLOWED_CHARS))
    }

    /// `mask + cipher`, where `cipher[i] = CHARS[(idx(secret[i]) + idx(mask[i])) % 62]`.
    pub fn mask_with(&self, mask: &[u8; SECRET_LENGTH]) -> String {
        let mut token = Vec::with_capacity(TOKEN_LENGTH);
        token.extend_from_slice(mask);
        token.extend(
            self.0
                .iter()
                .zip(mask)
                .map(|(&s, &m)| ALLOWED_CHARS[(index(s) + index(m)) % ALLOWED_CHARS.len()]),
        );
        String::from_utf8(token).expect("token is ASCII")
    }

    /// Reads a token that already passed [`check_format`]: a raw secret, or a masked token
    /// to unmask (Django accepts both in the header, and a masked one in pre-4.0 cookies).
    fn from_checked_token(token: &[u8]) -> Secret {
        let mut secret = [0u8; SECRET_LENGTH];
        if token.len() == SECRET_LENGTH {
            secret.copy_from_slice(token);
        } else {
            let (mask, cipher) = token.split_at(SECRET_LENGTH);
            let n = ALLOWED_CHARS.len();
            for (out, (&c, &m)) in secret.iter_mut().zip(cipher.iter().zip(mask)) {
                *out = ALLOWED_CHARS[(index(c) + n - index(m)) % n];
            }
        }
        Secret(secret)
    }

    fn ct_eq(&self, other: &Secret) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

/// A token taken apart as Django reads it, for the lab page to show (`POST /csrf/explain`):
/// a masked token's mask and cipher halves and the secret they give; a raw 32-character
/// secret has neither half and is its own secret.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenParts<'a> {
    pub mask: Option<&'a str>,
    pub cipher: Option<&'a str>,
    pub secret: Secret,
}

/// `token` checked and unmasked exactly as [`check`] reads the `X-CSRFToken` header.
pub fn take_apart(token: &str) -> Result<TokenParts<'_>, FormatError> {
    check_format(token.as_bytes())?;
    let (mask, cipher) = match token.len() {
        TOKEN_LENGTH => {
            let (mask, cipher) = token.split_at(SECRET_LENGTH);
            (Some(mask), Some(cipher))
        }
        _ => (None, None),
    };
    Ok(TokenParts { mask, cipher, secret: Secret::from_checked_token(token.as_bytes()) })
}

fn index(c: u8) -> usize {
    // Only called on bytes that passed `check_format` or came from ALLOWED_CHARS.
    ALLOWED_CHARS.iter().position(|&a| a == c).unwrap_or(0)
}

/// Why a token or cookie value is malformed; Django words it "… has incorrect length.".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    IncorrectLength,
    InvalidCharacters,
}

impl FormatError {
    fn as_str(self) -> &'static str {
        match self {
            FormatError::IncorrectLength => "has incorrect length",
            FormatError::InvalidCharacters => "has invalid characters",
        }
    }
}

/// Length first, then characters, as Django's `_check_token_format`. The header's token is
/// Latin-1 text to Django (one character per byte), so its length is its byte count.
pub fn check_format(token: &[u8]) -> Result<(), FormatError> {
    check_length_then_chars(token.len(), token)
}

fn check_length_then_chars(chars: usize, token: &[u8]) -> Result<(), FormatError> {
    if chars != SECRET_LENGTH && chars != TOKEN_LENGTH {
        return Err(FormatError::IncorrectLength);
    }
    if !token.iter().all(u8::is_ascii_alphanumeric) {
        return Err(FormatError::InvalidCharacters);
    }
    Ok(())
}

/// The secret in the request's `csrftoken` cookie (Django's `_get_secret`). The cookie is
/// UTF-8 text to Django, so its length counts characters: 31 × `a` + `é` has the right
/// length and invalid characters.
pub fn secret_from_cookie(cookie: Option<&str>) -> Result<Option<Secret>, FormatError> {
    let Some(value) = cookie else { return Ok(None) };
    check_length_then_chars(value.chars().count(), value.as_bytes())?;
    Ok(Some(Secret::from_checked_token(value.as_bytes())))
}

/// The `csrftoken` cookie: readable by page scripts on purpose (not `HttpOnly`), since a
/// page may copy the secret into the header; other sites still cannot read it.
pub fn cookie<'a>(secret: &'a Secret, settings: &'a CookieSettings) -> SetCookie<'a> {
    SetCookie {
        name: COOKIE_NAME,
        value: secret.as_str(),
        lifetime: Lifetime::MaxAge(Duration::from_secs(COOKIE_AGE_SECS)),
        http_only: false,
        settings,
    }
}

/// Django's CSRF settings for one API mount, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsrfSettings {
    /// `CsrfViewMiddleware` is installed (and the views are not `csrf_exempt`).
    pub enabled: bool,
    /// `CSRF_TRUSTED_ORIGINS`; the API's own origin is always trusted.
    pub trusted_origins: Vec<String>,
    /// Login rotates the secret (Django's `rotate_token`), so a token obtained before
    /// login is useless after it.
    pub rotate_on_login: bool,
    /// Whose secret a token must match.
    pub secret: SecretScope,
    /// Unsafe methods the check lets through unchecked.
    pub unchecked_methods: Vec<String>,
    /// Request media types the check lets through. `application/json` is the common one:
    /// "a cross-site JSON request needs a preflight, which CORS refuses, so JSON views need
    /// no token" (a `csrf_exempt` API, DRF's `SessionAuthentication` with `enforce_csrf`
    /// overridden) — true only while nothing else is parsed as JSON.
    pub unchecked_content_types: Vec<String>,
    /// The JSON parser also reads `text/plain` bodies (a DRF parser registered for
    /// `text/plain`, Express's `express.json({ type: "*/*" })`), which a plain HTML form can
    /// send cross-site without a preflight.
    pub json_as_text_plain: bool,
}

/// Whose secret a token is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretScope {
    /// Django: the secret in this browser's `csrftoken` cookie.
    Browser,
    /// One secret for every browser, not tied to any session: a token the attacker fetched
    /// for themselves passes for the victim too.
    Shared,
}

/// What a plain HTML `<form>` can send from any page with no preflight (its `enctype`s).
pub const FORM_MEDIA_TYPES: [&str; 3] = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/// Methods Django's check never looks at (RFC 9110's safe methods): they must change
/// nothing, so forging them gains nothing. An endpoint that changes state on one of them is
/// unprotected whatever the check does.
pub const SAFE_METHODS: [&str; 4] = ["GET", "HEAD", "OPTIONS", "TRACE"];

impl CsrfSettings {
    /// Whether the check lets a request through without looking at it: the check is off, the
    /// method is safe, or the scenario leaves this method or media type (`Content-Type`
    /// without parameters) unchecked. `read_as_json` says whether the mount's parser takes
    /// the body as JSON: a check that skips JSON skips whatever is parsed as JSON, a
    /// `text/plain` body included where [`CsrfSettings::json_as_text_plain`] is set.
    pub fn skips(&self, method: &str, media_type: Option<&str>, read_as_json: bool) -> bool {
        let listed = |list: &[String], item: &str| list.iter().any(|l| l.eq_ignore_ascii_case(item));
        !self.enabled
            || SAFE_METHODS.contains(&method)
            || listed(&self.unchecked_methods, method)
            || media_type.is_some_and(|t| listed(&self.unchecked_content_types, t))
            || (read_as_json && listed(&self.unchecked_content_types, "application/json"))
    }

    /// Django's defaults with these `CSRF_TRUSTED_ORIGINS`.
    pub fn django(trusted_origins: &[Origin]) -> CsrfSettings {
        CsrfSettings {
            enabled: true,
            trusted_origins: trusted_origins.iter().map(Origin::to_string).collect(),
            rotate_on_login: true,
            secret: SecretScope::Browser,
            unchecked_methods: Vec::new(),
            unchecked_content_types: Vec::new(),
            json_as_text_plain: false,
        }
    }
}

/// Every way Django can refuse an unsafe request; `Display` is Django's exact reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    BadOrigin(String),
    NoReferer,
    MalformedReferer,
    InsecureReferer,
    BadReferer(String),
    NoCookie,
    Cookie(FormatError),
    TokenMissing,
    Token(FormatError),
    TokenIncorrect,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FROM_HEADER: &str = "CSRF token from the 'X-Csrftoken' HTTP header";
        match self {
            Rejection::BadOrigin(o) => {
                write!(f, "Origin checking failed - {o} does not match any trusted origins.")
            }
            Rejection::NoReferer => f.write_str("Referer checking failed - no Referer."),
            Rejection::MalformedReferer => {
                f.write_str("Referer checking failed - Referer is malformed.")
            }
            Rejection::InsecureReferer => f.write_str(
                "Referer checking failed - Referer is insecure while host is secure.",
            ),
            Rejection::BadReferer(r) => {
                write!(f, "Referer checking failed - {r} does not match any trusted origins.")
            }
            Rejection::NoCookie => f.write_str("CSRF cookie not set."),
            Rejection::Cookie(e) => write!(f, "CSRF cookie {}.", e.as_str()),
            Rejection::TokenMissing => f.write_str("CSRF token missing."),
            Rejection::Token(e) => write!(f, "{FROM_HEADER} {}.", e.as_str()),
            Rejection::TokenIncorrect => write!(f, "{FROM_HEADER} incorrect."),
        }
    }
}

/// Which origins may send unsafe requests: the API itself and `CSRF_TRUSTED_ORIGINS`.
#[derive(Clone, Debug)]
pub struct TrustedOrigins {
    own: String,
    own_netloc: String,
    https: bool,
    trusted: Vec<String>,
    trusted_netlocs: Vec<String>,
}

impl TrustedOrigins {
    /// `trusted` as given (a scenario may list something that is not an origin: it simply
    /// never matches, as in Django).
    pub fn new(own: &Origin, trusted: &[String]) -> TrustedOrigins {
        TrustedOrigins {
            own: own.to_string(),
            own_netloc: own.netloc(),
            https: own.is_https(),
            trusted: trusted.to_vec(),
            trusted_netlocs: trusted.iter().filter_map(|t| t.parse::<Origin>().ok()).map(|o| o.netloc()).collect(),
        }
    }

    /// Whether an `Origin` header with this value passes the first check: the API's own
    /// origin or a trusted one, compared as exact strings (a browser always serializes an
    /// origin the same way).
    pub fn trusts(&self, origin: &str) -> bool {
        origin == self.own || self.trusted.iter().any(|t| t == origin)
    }
}

/// What the check reads from an unsafe request. Header values are raw bytes: Django sees
/// them as Latin-1 text, so a non-ASCII byte is simply an invalid character.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnsafeRequest<'a> {
    pub origin: Option<&'a [u8]>,
    pub referer: Option<&'a [u8]>,
    pub cookie: Option<&'a str>,
    pub token: Option<&'a [u8]>,
}

/// Header bytes as the Latin-1 text Django reads them as (every byte one character).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The whole check for an unsafe method, in Django's order. With `shared`, the token is
/// compared with that one secret instead of the browser's cookie ([`SecretScope::Shared`]).
pub fn check(trust: &TrustedOrigins, req: &UnsafeRequest<'_>, shared: Option<&Secret>) -> Result<(), Rejection> {
    if let Some(origin) = req.origin {
        let origin = latin1(origin);
        if !trust.trusts(&origin) {
            return Err(Rejection::BadOrigin(origin));
        }
    } else if trust.https {
        // Without Origin over HTTPS, a man-in-the-middle on plain http could plant a cookie
        // and a matching token; a same-site HTTPS Referer proves the request came from us.
        check_referer(trust, req.referer)?;
    }

    let secret = match (shared, secret_from_cookie(req.cookie)) {
        (Some(shared), _) => shared.clone(),
        (None, Err(e)) => return Err(Rejection::Cookie(e)),
        (None, Ok(None)) => return Err(Rejection::NoCookie),
        (None, Ok(Some(secret))) => secret,
    };
    let token = req.token.ok_or(Rejection::TokenMissing)?;
    check_format(token).map_err(Rejection::Token)?;
    if !Secret::from_checked_token(token).ct_eq(&secret) {
        return Err(Rejection::TokenIncorrect);
    }
    Ok(())
}

fn check_referer(trust: &TrustedOrigins, referer: Option<&[u8]>) -> Result<(), Rejection> {
    let referer = latin1(referer.ok_or(Rejection::NoReferer)?);
    let Some((scheme, rest)) = referer.split_once("://") else {
        return Err(Rejection::MalformedReferer);
    };
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    if scheme.is_empty() || netloc.is_empty() {
        return Err(Rejection::MalformedReferer);
    }
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(Rejection::InsecureReferer);
    }
    let netloc = netloc.to_ascii_lowercase();
    if netloc == trust.own_netloc || trust.trusted_netlocs.contains(&netloc) {
        Ok(())
    } else {
        Err(Rejection::BadReferer(referer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "abcdefghijklmnopqrstuvwxyzABCDEF";

    fn secret() -> Secret {
        secret_from_cookie(Some(SECRET)).unwrap().unwrap()
    }

    fn trust(own: &str) -> TrustedOrigins {
        TrustedOrigins::new(&own.parse().unwrap(), &["http://localhost:8000".to_owned()])
    }

    fn valid<'a>(token: &'a [u8]) -> UnsafeRequest<'a> {
        UnsafeRequest {
            origin: Some(b"http://localhost:8000"),
            referer: None,
            cookie: Some(SECRET),
            token: Some(token),
        }
    }

    fn check_browser(t: &TrustedOrigins, req: &UnsafeRequest<'_>) -> Result<(), Rejection> {
        check(t, req, None)
    }

    #[test]
    fn a_shared_secret_takes_any_browsers_token_and_needs_no_cookie() {
        let t = trust("http://localhost:8001");
        let shared = Secret::generate();
        let attackers_token = shared.mask();
        let forged = UnsafeRequest { cookie: None, ..valid(attackers_token.as_bytes()) };
        assert_eq!(check(&t, &forged, Some(&shared)), Ok(()), "the attacker's own token works for the victim");
        assert_eq!(check_browser(&t, &forged), Err(Rejection::NoCookie), "Django ties it to the browser's cookie");
    }

    #[test]
    fn a_check_that_skips_json_skips_text_plain_where_it_is_parsed_as_json() {
        let mut s = CsrfSettings::django(&[]);
        assert!(s.skips("GET", None, false) && !s.skips("POST", None, false), "Django: safe methods only");
        assert!(!s.skips("POST", Some("application/json"), true));
        s.unchecked_content_types = vec!["application/json".into()];
        assert!(s.skips("POST", Some("Application/JSON"), true));
        assert!(!s.skips("POST", Some("text/plain"), false), "text/plain read as text: checked");
        assert!(s.skips("POST", Some("text/plain"), true), "text/plain read as JSON: skipped as JSON");
        s.unchecked_methods = vec!["put".into()];
        assert!(s.skips("PUT", None, false) && !s.skips("DELETE", None, false));
    }

    #[test]
    fn a_non_ascii_cookie_is_measured_in_characters_and_a_bad_origin_shown_as_latin1() {
        let cookie = format!("{}é", "a".repeat(31));
        assert_eq!(secret_from_cookie(Some(&cookie)), Err(FormatError::InvalidCharacters));
        let t = trust("http://localhost:8001");
        let masked = secret().mask();
        let req = UnsafeRequest { origin: Some(&[0x68, 0xe9]), ..valid(masked.as_bytes()) };
        assert_eq!(check_browser(&t, &req), Err(Rejection::BadOrigin("h\u{e9}".into())));
    }

    #[test]
    fn mask_matches_djangos_formula() {
        // Mask of all 'b' (index 1) shifts every char one place; '9' wraps to 'a'.
        let masked = secret().mask_with(&[b'b'; 32]);
        assert_eq!(&masked[..32], "b".repeat(32));
        assert_eq!(&masked[32..], "bcdefghijklmnopqrstuvwxyzABCDEFG");
        let wrap = Secret(*b"9999999999999999999999999999999Z").mask_with(&[b'b'; 32]);
        assert_eq!(&wrap[32..], "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0");
    }

    #[test]
    fn masking_round_trips_and_never_repeats() {
        let s = Secret::generate();
        let a = s.mask();
        let b = s.mask();
        assert_eq!(a.len(), TOKEN_LENGTH);
        assert_ne!(a, b, "each token gets a fresh mask");
        assert!(!a.contains(s.as_str()), "the secret is not visible in the token");
        for t in [a, b] {
            assert_eq!(Secret::from_checked_token(t.as_bytes()), s);
        }
    }

    #[test]
    fn a_token_taken_apart_shows_the_halves_and_the_secret_the_check_compares() {
        let masked = secret().mask_with(&[b'b'; 32]);
        let parts = take_apart(&masked).unwrap();
        assert_eq!((parts.mask, parts.cipher), (Some(&masked[..32]), Some(&masked[32..])));
        assert_eq!(parts.secret, secret());
        let raw = take_apart(SECRET).unwrap();
        assert_eq!((raw.mask, raw.cipher, raw.secret), (None, None, secret()));
        assert_eq!(take_apart("short"), Err(FormatError::IncorrectLength));
        assert_eq!(take_apart(&"-".repeat(64)), Err(FormatError::InvalidCharacters));
    }

    #[test]
    fn generated_secrets_use_only_allowed_chars() {
        let s = Secret::generate();
        assert_eq!(check_format(s.as_str().as_bytes()), Ok(()));
        assert_ne!(Secret::generate(), s);
    }

    #[test]
    fn accepts_masked_token_and_raw_secret() {
        let t = trust("http://localhost:8001");
        let masked = secret().mask();
        assert_eq!(check_browser(&t, &valid(masked.as_bytes())), Ok(()));
        assert_eq!(check_browser(&t, &valid(SECRET.as_bytes())), Ok(()));
    }

    #[test]
    fn every_reason_in_djangos_order() {
        let t = trust("http://localhost:8001");
        let masked = secret().mask();
        let ok = valid(masked.as_bytes());
        let bad_chars = "!".repeat(32);
        let cases: Vec<(UnsafeRequest<'_>, &str)> = vec![
            (
                UnsafeRequest { origin: Some(b"http://evil.test"), cookie: None, token: None, ..ok },
                "Origin checking failed - http://evil.test does not match any trusted origins.",
            ),
            (UnsafeRequest { cookie: None, token: None, ..ok }, "CSRF cookie not set."),
            (
                UnsafeRequest { cookie: Some("short"), token: None, ..ok },
                "CSRF cookie has incorrect length.",
            ),
            (
                UnsafeRequest { cookie: Some(&bad_chars), token: None, ..ok },
                "CSRF cookie has invalid characters.",
            ),
            (UnsafeRequest { token: None, ..ok }, "CSRF token missing."),
            (
                UnsafeRequest { token: Some(b""), ..ok },
                "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.",
            ),
            (
                UnsafeRequest { token: Some(&[0xe9; 64]), ..ok },
                "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.",
            ),
            (
                UnsafeRequest { token: Some(&[b'a'; 32]), ..ok },
                "CSRF token from the 'X-Csrftoken' HTTP header incorrect.",
            ),
        ];
        for (req, reason) in cases {
            assert_eq!(check_browser(&t, &req).unwrap_err().to_string(), reason);
        }
    }

    #[test]
    fn own_origin_is_trusted_and_a_missing_origin_is_fine_over_http() {
        let t = trust("http://localhost:8001");
        let masked = secret().mask();
        let own = UnsafeRequest { origin: Some(b"http://localhost:8001"), ..valid(masked.as_bytes()) };
        assert_eq!(check_browser(&t, &own), Ok(()));
        let none = UnsafeRequest { origin: None, ..valid(masked.as_bytes()) };
        assert_eq!(check_browser(&t, &none), Ok(()));
    }

    #[test]
    fn origin_comparison_is_exact() {
        let t = trust("http://localhost:8001");
        let masked = secret().mask();
        for origin in ["http://localhost:8000/", "HTTP://localhost:8000", "null", "http://localhost"] {
            let req = UnsafeRequest { origin: Some(origin.as_bytes()), ..valid(masked.as_bytes()) };
            assert_eq!(check_browser(&t, &req), Err(Rejection::BadOrigin(origin.to_owned())));
        }
    }

    #[test]
    fn strict_referer_check_over_https() {
        let t = TrustedOrigins::new(&"https://api.example.com".parse().unwrap(), &["https://www.example.com".to_owned()]);
        let masked = secret().mask();
        let req = |referer: Option<&'static [u8]>| UnsafeRequest {
            origin: None,
            referer,
            ..valid(masked.as_bytes())
        };
        let reason = |r| check_browser(&t, &req(r)).map_err(|e| e.to_string());
        assert_eq!(reason(None), Err("Referer checking failed - no Referer.".into()));
        assert_eq!(
            reason(Some(b"not a url")),
            Err("Referer checking failed - Referer is malformed.".into())
        );
        assert_eq!(
            reason(Some(b"http://www.example.com/")),
            Err("Referer checking failed - Referer is insecure while host is secure.".into())
        );
        assert_eq!(
            reason(Some(b"https://evil.test/x")),
            Err("Referer checking failed - https://evil.test/x does not match any trusted origins.".into())
        );
        assert_eq!(reason(Some(b"https://www.example.com/page")), Ok(()));
        assert_eq!(reason(Some(b"https://api.example.com/")), Ok(()));
    }

    #[test]
    fn legacy_masked_cookie_is_unmasked() {
        let masked = secret().mask();
        assert_eq!(secret_from_cookie(Some(&masked)), Ok(Some(secret())));
    }
}
