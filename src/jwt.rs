//! JSON Web Tokens as djangorestframework-simplejwt issues them: HS256 only, access 5 min,
//! refresh 1 day, leeway 0.
//!
//! A JWT is `base64url(header) . base64url(claims) . base64url(signature)`. Anyone can decode
//! the first two parts (the page does); the signature only proves the server, holding the
//! secret, wrote exactly those bytes. So the claims are readable, never secret, and a token
//! is valid until it expires: logout cannot revoke it, unlike a server-side session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const ACCESS_LIFETIME_SECS: u64 = 5 * 60;
pub const REFRESH_LIFETIME_SECS: u64 = 24 * 60 * 60;
/// PyJWT sorts header keys, so its header is always exactly this.
const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
/// Shorter HS256 keys are brute-forceable; PyJWT warns below 32 bytes, the lab refuses.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

/// simplejwt's claims plus `username`, in simplejwt's insertion order (which PyJWT keeps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: TokenType,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    pub user_id: i64,
    pub username: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    /// Why, in a few words the learner can act on.
    Invalid(&'static str),
}

impl TokenError {
    /// Not three base64url parts of JSON (or not even text): PyJWT's `DecodeError`.
    pub const MALFORMED: TokenError = TokenError::Invalid("the token is malformed");
}

/// How an API mount checks Bearer tokens: simplejwt's strict verification, or one of the
/// verifier bugs that let forged tokens in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "secret", rename_all = "snake_case")]
pub enum JwtVerifier {
    /// HS256 only, signature, claims, type, expiry: PyJWT and simplejwt.
    Strict,
    /// A token whose header says `"alg": "none"` is taken without any signature (PyJWT
    /// before 1.5.1 did, with `verify` left to the header).
    AcceptsAlgNone,
    /// Strict, but signing with this guessable secret: anyone who cracks one token (a
    /// dictionary attack on its HMAC, offline) can sign their own.
    WeakSecret(String),
    /// The payload is decoded and trusted without checking the signature at all
    /// (`jwt.decode(token, options={"verify_signature": False})`).
    SignatureNotChecked,
    /// Signature and expiry are checked, the token type is not: a refresh token, valid for
    /// a day, works where a 5-minute access token should be required.
    RefreshAsAccess,
}

pub struct JwtKeys {
    verifier: JwtVerifier,
    encoding: EncodingKey,
    decoding: DecodingKey,
    header_b64: String,
    /// Tokens whose signature and claims already checked out: an SPA sends the same Bearer
    /// token on every call, and verifying it costs more than the rest of the request. Type
    /// and expiry are still checked on every use. Only valid tokens enter, and a hit needs
    /// the exact token text, so a forged one can never hit; bounded by [`VERIFIED_CAPACITY`].
    verified: Mutex<HashMap<Box<str>, Verified>>,
}

/// A remembered token, found by its signature part: that is enough to tell tokens apart
/// (an HMAC no one else can produce) and hashes in a fifth of the time the whole text takes.
/// The lookup is not a constant-time compare, and need not be: the map's SipHash keys are
/// random per process, so a guessed signature is compared with a stored one only after a
/// chance hash match, which leaks nothing about the stored signature's bytes.
struct Verified {
    token: Box<str>,
    claims: Arc<Claims>,
}

/// Most tokens remembered as verified; beyond it, the memory is simply cleared. Only tokens
/// this server signed can enter (a few hundred bytes each), so this bounds it to a few MB.
const VERIFIED_CAPACITY: usize = 10_000;

/// The only header field the check needs; others (`typ`, `kid`, …) are ignored, as PyJWT
/// ignores them.
#[derive(Deserialize)]
struct Header {
    alg: String,
}

impl JwtKeys {
    /// Strict verification with this key.
    pub fn new(secret: &[u8]) -> JwtKeys {
        JwtKeys::with_verifier(secret, JwtVerifier::Strict)
    }

    /// `verifier`'s checks; its own key for [`JwtVerifier::WeakSecret`], `secret` otherwise.
    pub fn with_verifier(secret: &[u8], verifier: JwtVerifier) -> JwtKeys {
        let secret = match &verifier {
            JwtVerifier::WeakSecret(word) => word.as_bytes(),
            _ => secret,
        };
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            header_b64: URL_SAFE_NO_PAD.encode(HEADER_JSON),
            verified: Mutex::new(HashMap::new()),
            verifier,
        }
    }

    pub fn verifier(&self) -> &JwtVerifier {
        &self.verifier
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Verified>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A signed token, byte-for-byte what PyJWT would produce for these claims.
    pub fn issue(&self, user_id: i64, username: &str, token_type: TokenType, now: u64) -> String {
        let lifetime = match token_type {
            TokenType::Access => ACCESS_LIFETIME_SECS,
            TokenType::Refresh => REFRESH_LIFETIME_SECS,
        };
        let claims = Claims {
            token_type,
            exp: now + lifetime,
            iat: now,
            jti: crate::random::hex::<16>(),
            user_id,
            username: username.to_owned(),
        };
        let payload = serde_json::to_vec(&claims).expect("claims serialize");
        let message = format!("{}.{}", self.header_b64, URL_SAFE_NO_PAD.encode(payload));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, Algorithm::HS256)
            .expect("HMAC signing cannot fail");
        format!("{message}.{signature}")
    }

    /// PyJWT's order: the header's algorithm must be HS256 (so `alg: none` and algorithm
    /// confusion are refused before anything else), then the signature (a forged token is
    /// invalid even when also expired), then the claims, the token type, and expiry
    /// (`exp <= now` is expired: no leeway).
    ///
    /// A token verified before is taken from memory (see `verified`). The parts are
    /// decoded here, once each, and only the HMAC check is left to
    /// `jsonwebtoken::crypto::verify`: `jsonwebtoken::decode` parses the claims twice and
    /// the header into a struct of a dozen fields, which made Bearer calls 30 % slower.
    pub fn verify(&self, token: &str, expected: TokenType, now: u64) -> Result<Arc<Claims>, TokenError> {
        let claims = match self.verifier {
            JwtVerifier::Strict | JwtVerifier::WeakSecret(_) | JwtVerifier::RefreshAsAccess => self.signed_claims(token)?,
            JwtVerifier::AcceptsAlgNone if unsigned(token) => Arc::new(unchecked_claims(token)?),
            JwtVerifier::AcceptsAlgNone => self.signed_claims(token)?,
            JwtVerifier::SignatureNotChecked => Arc::new(unchecked_claims(token)?),
        };
        let any_type = self.verifier == JwtVerifier::RefreshAsAccess && expected == TokenType::Access;
        if claims.token_type != expected && !any_type {
            return Err(TokenError::Invalid(match expected {
                TokenType::Access => "a refresh token cannot be used as an access token",
                TokenType::Refresh => "an access token cannot be used to refresh",
            }));
        }
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Claims of a token whose signature checks out, from memory if it did before.
    fn signed_claims(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        let signature = token.rsplit_once('.').map_or(token, |(_, signature)| signature);
        if let Some(claims) = self.verified().get(signature).filter(|v| *v.token == *token).map(|v| v.claims.clone()) {
            return Ok(claims);
        }
        let claims = Arc::new(self.check_signed(token)?);
        let mut verified = self.verified();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(signature.into(), Verified { token: token.into(), claims: claims.clone() });
        Ok(claims)
    }

    /// Header, signature and claims, as PyJWT checks them (type and expiry are left to
    /// [`JwtKeys::verify`]).
    fn check_signed(&self, token: &str) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::MALFORMED);
        };
        let header: Header = decode_part(header).ok_or(TokenError::MALFORMED)?;
        if header.alg != "HS256" {
            return Err(TokenError::Invalid("only HS256 is accepted"));
        }
        let message = &token[..token.len() - signature.len() - 1];
        match jsonwebtoken::crypto::verify(signature, message.as_bytes(), &self.decoding, Algorithm::HS256) {
            Ok(true) => {}
            Ok(false) => return Err(TokenError::Invalid("the signature does not match")),
            Err(_) => return Err(TokenError::MALFORMED),
        }
        decode_part(payload).ok_or(TokenError::Invalid("the claims are missing or malformed"))
    }
}

/// A key for one API mount, derived from the lab's: HMAC-SHA256(secret, label), so tokens
/// signed for one scenario are worthless at every other mount.
pub fn derived_secret(secret: &[u8], label: &str) -> Vec<u8> {
    let key = EncodingKey::from_secret(secret);
    jsonwebtoken::crypto::sign(format!("corslab scenario {label}").as_bytes(), &key, Algorithm::HS256)
        .expect("HMAC signing cannot fail")
        .into_bytes()
}

/// Whether the token's header says `"alg": "none"` (any case, as the old bug compared).
fn unsigned(token: &str) -> bool {
    let header = token.split('.').next().unwrap_or("");
    decode_part::<Header>(header).is_some_and(|h| h.alg.eq_ignore_ascii_case("none"))
}

/// The claims of a three-part token, its signature not looked at.
fn unchecked_claims(token: &str) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::MALFORMED);
    };
    decode_part::<Header>(header).ok_or(TokenError::MALFORMED)?;
    decode_part(payload).ok_or(TokenError::Invalid("the claims are missing or malformed"))
}

/// A base64url (unpadded) JSON part of a token.
fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizationError {
    /// No credentials at all.
    Missing,
    /// Something other than `Bearer <token>`.
    Malformed,
}

/// The token in `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
/// Bytes, not text: a token that is not UTF-8 still has the Bearer shape, so (as simplejwt)
/// it is an invalid *token*, not a malformed header.
pub fn bearer_token(header: Option<&[u8]>) -> Result<&[u8], AuthorizationError> {
    let value = header.unwrap_or_default().trim_ascii();
    if value.is_empty() {
        return Err(AuthorizationError::Missing);
    }
    let space = value.iter().position(u8::is_ascii_whitespace).ok_or(AuthorizationError::Malformed)?;
    let (scheme, token) = value.split_at(space);
    let token = token.trim_ascii_start();
    // `fold`, not `any`: without an early exit the scan of a long token vectorizes.
    let inner_space = token.iter().fold(false, |seen, b| seen | b.is_ascii_whitespace());
    if !scheme.eq_ignore_ascii_case(b"bearer") || inner_space {
        return Err(AuthorizationError::Malformed);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_478_400;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn parts(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    fn decode_json(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn issues_pyjwt_shaped_tokens() {
        let t = keys().issue(7, "demo", TokenType::Access, NOW);
        let p = parts(&t);
        assert_eq!(p.len(), 3);
        assert_eq!(URL_SAFE_NO_PAD.decode(&p[0]).unwrap(), HEADER_JSON.as_bytes());
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&p[1]).unwrap()).unwrap();
        assert!(payload.starts_with(r#"{"token_type":"access","exp":1795478700,"iat":1795478400,"jti":""#));
        assert!(payload.ends_with(r#"","user_id":7,"username":"demo"}"#));
        assert_eq!(decode_json(&p[1])["jti"].as_str().unwrap().len(), 32);
    }

    #[test]
    fn verifies_its_own_tokens() {
        let k = keys();
        let t = k.issue(7, "demo", TokenType::Access, NOW);
        let c = k.verify(&t, TokenType::Access, NOW + 299).unwrap();
        assert_eq!((c.user_id, c.username.as_str()), (7, "demo"));
        let r = k.issue(7, "demo", TokenType::Refresh, NOW);
        assert_eq!(k.verify(&r, TokenType::Refresh, NOW + 86_399).unwrap().token_type, TokenType::Refresh);
    }

    #[test]
    fn a_remembered_token_still_expires_and_keeps_its_type() {
        let k = keys();
        let t = k.issue(7, "demo", TokenType::Access, NOW);
        assert!(k.verify(&t, TokenType::Access, NOW).is_ok());
        assert!(k.verify(&t, TokenType::Access, NOW + 1).is_ok(), "now from memory");
        assert_eq!(k.verify(&t, TokenType::Refresh, NOW + 1).unwrap_err(), TokenError::Invalid("an access token cannot be used to refresh"));
        assert_eq!(k.verify(&t, TokenType::Access, NOW + 300), Err(TokenError::Expired));
        // The same claims under a forged signature are not the remembered token.
        let forged = format!("{}x", &t[..t.len() - 1]);
        assert!(matches!(k.verify(&forged, TokenType::Access, NOW + 1), Err(TokenError::Invalid(_))));
        // Nor is the remembered signature under other claims (memory is found by signature).
        let p = parts(&t);
        let admin = URL_SAFE_NO_PAD.encode(
            r#"{"token_type":"access","exp":1795478700,"iat":1795478400,"jti":"x","user_id":1,"username":"admin"}"#,
        );
        let forged = format!("{}.{admin}.{}", p[0], p[2]);
        assert_eq!(k.verify(&forged, TokenType::Access, NOW + 1), Err(TokenError::Invalid("the signature does not match")));
        assert_eq!(k.verify(&t, TokenType::Access, NOW + 1).unwrap().username, "demo", "still remembered as it was");
    }

    #[test]
    fn expiry_has_no_leeway() {
        let k = keys();
        let t = k.issue(7, "demo", TokenType::Access, NOW);
        assert_eq!(k.verify(&t, TokenType::Access, NOW + 300), Err(TokenError::Expired));
    }

    #[test]
    fn tampered_payload_is_invalid_even_if_expired() {
        let k = keys();
        let t = k.issue(7, "demo", TokenType::Access, NOW);
        let p = parts(&t);
        let forged = URL_SAFE_NO_PAD.encode(
            r#"{"token_type":"access","exp":1795478700,"iat":1795478400,"jti":"x","user_id":1,"username":"admin"}"#,
        );
        let t2 = format!("{}.{}.{}", p[0], forged, p[2]);
        assert_eq!(k.verify(&t2, TokenType::Access, NOW + 1000), Err(TokenError::Invalid("the signature does not match")));
    }

    #[test]
    fn other_secret_is_invalid() {
        let t = JwtKeys::new(&[b'x'; 32]).issue(7, "demo", TokenType::Access, NOW);
        assert!(matches!(keys().verify(&t, TokenType::Access, NOW), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let k = keys();
        let t = k.issue(7, "demo", TokenType::Access, NOW);
        let p = parts(&t);
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), p[1]);
        assert!(matches!(k.verify(&none, TokenType::Access, NOW), Err(TokenError::Invalid(_))));
        let hs512 = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#), p[1], p[2]);
        assert_eq!(k.verify(&hs512, TokenType::Access, NOW), Err(TokenError::Invalid("only HS256 is accepted")));
    }

    #[test]
    fn a_validly_signed_token_without_exp_or_with_lowercase_alg_is_invalid() {
        let k = keys();
        let sign = |header: &str, payload: &str| {
            let message = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
            let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &k.encoding, Algorithm::HS256).unwrap();
            format!("{message}.{sig}")
        };
        let no_exp = sign(HEADER_JSON, r#"{"token_type":"access","iat":1,"jti":"x","user_id":1,"username":"a"}"#);
        assert_eq!(k.verify(&no_exp, TokenType::Access, NOW), Err(TokenError::Invalid("the claims are missing or malformed")));
        let lower = sign(r#"{"alg":"hs256","typ":"JWT"}"#, r#"{"token_type":"access","exp":9999999999,"iat":1,"jti":"x","user_id":1,"username":"a"}"#);
        assert_eq!(k.verify(&lower, TokenType::Access, NOW), Err(TokenError::Invalid("only HS256 is accepted")));
        let good = k.issue(1, "a", TokenType::Access, NOW);
        assert_eq!(k.verify(&format!("{good}.extra"), TokenType::Access, NOW), Err(TokenError::Invalid("the token is malformed")));
    }

    #[test]
    fn token_types_are_not_interchangeable() {
        let k = keys();
        let r = k.issue(7, "demo", TokenType::Refresh, NOW);
        assert_eq!(
            k.verify(&r, TokenType::Access, NOW),
            Err(TokenError::Invalid("a refresh token cannot be used as an access token"))
        );
        let a = k.issue(7, "demo", TokenType::Access, NOW);
        assert!(matches!(k.verify(&a, TokenType::Refresh, NOW), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let k = keys();
        for t in ["", ".", "..", "a.b.c", "😀.😀.😀", &"a".repeat(10_000)] {
            assert!(matches!(k.verify(t, TokenType::Access, NOW), Err(TokenError::Invalid(_))), "{t}");
        }
    }

    #[test]
    fn each_broken_verifier_lets_in_exactly_its_forgery() {
        let strict = keys();
        let t = strict.issue(7, "demo", TokenType::Access, NOW);
        let p = parts(&t);
        let admin = URL_SAFE_NO_PAD.encode(
            r#"{"token_type":"access","exp":1795478700,"iat":1795478400,"jti":"x","user_id":1,"username":"admin"}"#,
        );
        let none = format!("{}.{admin}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
        let unsigned_hs256 = format!("{}.{admin}.forged", p[0]);
        let refresh = strict.issue(7, "demo", TokenType::Refresh, NOW);
        let secret = b"0123456789abcdef0123456789abcdef";
        let with = |v| JwtKeys::with_verifier(secret, v);
        let ok = |k: &JwtKeys, token: &str| k.verify(token, TokenType::Access, NOW).map(|c| c.username.clone());

        assert!(ok(&strict, &none).is_err() && ok(&strict, &unsigned_hs256).is_err() && ok(&strict, &refresh).is_err());
        let alg_none = with(JwtVerifier::AcceptsAlgNone);
        assert_eq!(ok(&alg_none, &none).as_deref(), Ok("admin"));
        assert!(ok(&alg_none, &unsigned_hs256).is_err(), "an HS256 header is still checked");
        let unchecked = with(JwtVerifier::SignatureNotChecked);
        assert_eq!(ok(&unchecked, &unsigned_hs256).as_deref(), Ok("admin"));
        let refresh_ok = with(JwtVerifier::RefreshAsAccess);
        assert_eq!(ok(&refresh_ok, &refresh).as_deref(), Ok("demo"));
        assert!(ok(&refresh_ok, &unsigned_hs256).is_err());
        let weak = with(JwtVerifier::WeakSecret("secret".into()));
        let cracked = JwtKeys::new(b"secret").issue(1, "admin", TokenType::Access, NOW);
        assert_eq!(ok(&weak, &cracked).as_deref(), Ok("admin"), "anyone with the word signs their own");
        assert!(ok(&weak, &t).is_err(), "the lab's own key is not the weak one");
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token(None), Err(AuthorizationError::Missing));
        assert_eq!(bearer_token(Some(b"  ")), Err(AuthorizationError::Missing));
        assert_eq!(bearer_token(Some(b"Bearer abc")), Ok(&b"abc"[..]));
        assert_eq!(bearer_token(Some(b"bEaReR abc")), Ok(&b"abc"[..]));
        assert_eq!(bearer_token(Some(b"Bearer \xff\xfe")), Ok(&b"\xff\xfe"[..]), "Bearer-shaped, an invalid token");
        assert_eq!(bearer_token(Some(b"Bearer")), Err(AuthorizationError::Malformed));
        assert_eq!(bearer_token(Some(b"Bearer a b")), Err(AuthorizationError::Malformed));
        assert_eq!(bearer_token(Some(b"Basic abc")), Err(AuthorizationError::Malformed));
        assert_eq!(bearer_token(Some(b"Token abc")), Err(AuthorizationError::Malformed));
        assert_eq!(bearer_token(Some(&[0xff, 0xfe])), Err(AuthorizationError::Malformed));
    }
}
