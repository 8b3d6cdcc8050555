//! Property-based tests of the lab's input parsers: CSRF tokens and cookies, JWTs and the
//! `Authorization` header, origins, `Cookie`/`Set-Cookie` headers and the settings file.
//!
//! These are the places where bytes from a browser, an attacker or a config file meet the
//! rules the lab teaches, so each is tried on arbitrary input and checked against a small
//! *reference model* written here from Django's own code (`CsrfViewMiddleware`,
//! `http.cookies`, `parse_cookie`, simplejwt), not from corslab's. The run is bounded (a few
//! hundred cases per property, no failure files) so it belongs in the normal `cargo test`.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::sample::select;

use corslab::Settings;
use corslab::cookie::{self, CookieSettings, Lifetime, Precedence, SetCookie};
use corslab::verdict::SameSite;
use corslab::csrf::{self, FormatError, Rejection, TrustedOrigins, UnsafeRequest};
use corslab::jwt::{self, AuthorizationError, JwtKeys, TokenError, TokenType};
use corslab::origin::Origin;

/// A few hundred cases each: the whole file runs in seconds in a debug build. No failure
/// files are written; a failing case is printed, shrunk, in the test output.
fn bounded() -> ProptestConfig {
    ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// CSRF: a reference model of Django 5.2's `django/middleware/csrf.py`.
// ---------------------------------------------------------------------------------------

/// `CSRF_ALLOWED_CHARS = string.ascii_letters + string.digits`.
const PY_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn py_index(c: u8) -> usize {
    PY_CHARS.iter().position(|&a| a == c).expect("an allowed char")
}

/// `_mask_cipher_secret` with a given mask.
fn model_mask(secret: &[u8], mask: &[u8]) -> Vec<u8> {
    let cipher = secret.iter().zip(mask).map(|(&s, &m)| PY_CHARS[(py_index(s) + py_index(m)) % 62]);
    mask.iter().copied().chain(cipher).collect()
}

/// `_unmask_cipher_token`: `chars[x - y]`, a negative index counting from the end.
fn model_unmask(token: &[u8]) -> Vec<u8> {
    let (mask, cipher) = token.split_at(32);
    cipher.iter().zip(mask).map(|(&c, &m)| PY_CHARS[(py_index(c) + 62 - py_index(m)) % 62]).collect()
}

/// `_check_token_format` on text of `len` characters: length first, then characters.
fn model_format(len: usize, all_alnum: bool) -> Result<(), FormatError> {
    if len != 32 && len != 64 {
        Err(FormatError::IncorrectLength)
    } else if !all_alnum {
        Err(FormatError::InvalidCharacters)
    } else {
        Ok(())
    }
}

/// A header value (`X-CSRFToken`): Django sees it as Latin-1 text, one character per byte.
fn model_token_format(token: &[u8]) -> Result<(), FormatError> {
    model_format(token.len(), token.iter().all(u8::is_ascii_alphanumeric))
}

/// The `csrftoken` cookie: text after the `Cookie` header was decoded, so `len()` counts
/// characters. (Under WSGI, `get_str_from_wsgi` decodes it as UTF-8 with replacement.)
fn model_cookie_format(cookie: &str) -> Result<(), FormatError> {
    model_format(cookie.chars().count(), cookie.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A well-formed token or cookie as the secret it carries (`_get_secret`, `_does_token_match`).
fn model_secret(token: &[u8]) -> Vec<u8> {
    if token.len() == 64 { model_unmask(token) } else { token.to_vec() }
}

/// `request.META["HTTP_ORIGIN"]` as Django has it: the header's bytes as Latin-1.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

const OWN: &str = "http://localhost:8001";
const TRUSTED: [&str; 2] = ["http://localhost:8000", "http://127.0.0.1:8002"];

static HTTP_TRUST: LazyLock<TrustedOrigins> = LazyLock::new(|| {
    let trusted: Vec<String> = TRUSTED.iter().map(|o| o.to_string()).collect();
    TrustedOrigins::new(&OWN.parse().unwrap(), &trusted)
});

#[derive(Clone, Debug)]
struct Req {
    origin: Option<Vec<u8>>,
    referer: Option<Vec<u8>>,
    cookie: Option<String>,
    token: Option<Vec<u8>>,
}

impl Req {
    fn view(&self) -> UnsafeRequest<'_> {
        UnsafeRequest {
            origin: self.origin.as_deref(),
            referer: self.referer.as_deref(),
            cookie: self.cookie.as_deref(),
            token: self.token.as_deref(),
        }
    }
}

/// `process_view` then `_check_token` over plain http (no Referer check): Origin, cookie, token.
fn model_check(own: &str, trusted: &[&str], req: &Req) -> Result<(), Rejection> {
    if let Some(origin) = &req.origin
        && origin.as_slice() != own.as_bytes()
        && !trusted.iter().any(|t| t.as_bytes() == origin.as_slice())
    {
        return Err(Rejection::BadOrigin(latin1(origin)));
    }
    model_after_origin(req)
}

fn model_after_origin(req: &Req) -> Result<(), Rejection> {
    let cookie = req.cookie.as_deref().ok_or(Rejection::NoCookie)?;
    model_cookie_format(cookie).map_err(Rejection::Cookie)?;
    let token = req.token.as_deref().ok_or(Rejection::TokenMissing)?;
    model_token_format(token).map_err(Rejection::Token)?;
    if model_secret(cookie.as_bytes()) == model_secret(token) { Ok(()) } else { Err(Rejection::TokenIncorrect) }
}

fn alnum32() -> impl Strategy<Value = [u8; 32]> {
    prop::array::uniform32(select(PY_CHARS))
}

fn ascii_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![3 => select(PY_CHARS), 1 => 0u8..=0x7f], 0..=max)
        .prop_map(|b| String::from_utf8(b).unwrap())
}

/// Replaces the byte at `at` (modulo the length) with `with`.
fn replace_byte(mut bytes: Vec<u8>, at: prop::sample::Index, with: u8) -> Vec<u8> {
    if !bytes.is_empty() {
        let i = at.index(bytes.len());
        bytes[i] = with;
    }
    bytes
}

fn origin_header() -> impl Strategy<Value = Option<Vec<u8>>> {
    let trusted: Vec<&'static str> = vec![OWN, TRUSTED[0], TRUSTED[1]];
    let near: Vec<&'static str> = vec![
        "http://localhost:8000/", "HTTP://localhost:8000", "http://localhost", "null", "",
        "https://localhost:8000", "http://evil.test",
    ];
    prop_oneof![
        2 => Just(None),
        4 => select(trusted).prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => select(near).prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => prop::collection::vec(any::<u8>(), 0..30).prop_map(Some),
    ]
}

/// `csrftoken` cookie values an ASCII `Cookie` header can carry (non-ASCII ones have their
/// own property below).
fn ascii_cookie(secret: [u8; 32]) -> impl Strategy<Value = Option<String>> {
    let s = String::from_utf8(secret.to_vec()).unwrap();
    let (raw, masked, broken) = (s.clone(), s.clone(), s.clone());
    prop_oneof![
        1 => Just(None),
        4 => Just(Some(raw)),
        3 => alnum32().prop_map(move |m| Some(String::from_utf8(model_mask(masked.as_bytes(), &m)).unwrap())),
        1 => (any::<prop::sample::Index>(), 0u8..0x80)
            .prop_map(move |(i, b)| Some(String::from_utf8(replace_byte(broken.clone().into_bytes(), i, b)).unwrap())),
        1 => select(vec![31usize, 32, 33, 63, 64, 65])
            .prop_flat_map(|n| prop::collection::vec(select(PY_CHARS), n))
            .prop_map(|b| Some(String::from_utf8(b).unwrap())),
        1 => ascii_text(70).prop_map(Some),
    ]
}

/// `X-CSRFToken` values: right (raw or masked), another secret's, near misses, any bytes.
fn token_header(secret: [u8; 32], other: [u8; 32]) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        2 => Just(Some(secret.to_vec())),
        4 => alnum32().prop_map(move |m| Some(model_mask(&secret, &m))),
        1 => alnum32().prop_map(move |m| Some(model_mask(&other, &m))),
        1 => Just(Some(other.to_vec())),
        1 => (alnum32(), any::<prop::sample::Index>(), any::<u8>())
            .prop_map(move |(m, i, b)| Some(replace_byte(model_mask(&secret, &m), i, b))),
        1 => select(vec![0usize, 31, 32, 33, 63, 64, 65])
            .prop_flat_map(|n| prop::collection::vec(select(PY_CHARS), n).prop_map(Some)),
        1 => prop::collection::vec(any::<u8>(), 0..70).prop_map(Some),
    ]
}

fn unsafe_request(
    cookie: fn([u8; 32]) -> BoxedStrategy<Option<String>>,
) -> impl Strategy<Value = Req> {
    (alnum32(), alnum32()).prop_flat_map(move |(secret, other)| {
        (
            origin_header(),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..30)),
            cookie(secret),
            token_header(secret, other),
        )
            .prop_map(|(origin, referer, cookie, token)| Req { origin, referer, cookie, token })
    })
}

fn boxed_ascii_cookie(secret: [u8; 32]) -> BoxedStrategy<Option<String>> {
    ascii_cookie(secret).boxed()
}

/// Cookie values with non-ASCII characters, e.g. another app's `csrftoken` cookie set from
/// `document.cookie`, once the `Cookie` header is decoded the way Django decodes it.
fn unicode_cookie(secret: [u8; 32]) -> BoxedStrategy<Option<String>> {
    let s = String::from_utf8(secret.to_vec()).unwrap();
    prop::option::of(prop_oneof![
        (any::<prop::sample::Index>(), select(vec!['é', 'ß', '€', '😀', '\u{FFFD}'])).prop_map(move |(i, c)| {
            let mut chars: Vec<char> = s.chars().collect();
            chars[i.index(32)] = c;
            chars.into_iter().collect()
        }),
        any::<String>(),
    ])
    .boxed()
}

proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn check_format_is_length_first_then_characters(
        token in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            select(vec![32usize, 64]).prop_flat_map(|n| prop::collection::vec(
                prop_oneof![9 => select(PY_CHARS), 1 => any::<u8>()], n)),
        ],
    ) {
        prop_assert_eq!(csrf::check_format(&token), model_token_format(&token));
    }

    #[test]
    fn secret_from_cookie_reads_raw_and_legacy_masked_cookies(
        cookie in alnum32().prop_flat_map(ascii_cookie),
    ) {
        let got = csrf::secret_from_cookie(cookie.as_deref());
        match &cookie {
            None => prop_assert_eq!(got, Ok(None)),
            Some(c) => match model_cookie_format(c) {
                Err(e) => prop_assert_eq!(got, Err(e)),
                Ok(()) => {
                    let secret = got.unwrap().unwrap();
                    prop_assert_eq!(secret.as_str().as_bytes().to_vec(), model_secret(c.as_bytes()));
                }
            },
        }
    }

    #[test]
    fn masking_follows_djangos_formula_and_unmasks_to_the_secret(secret in alnum32(), mask in alnum32()) {
        let s = std::str::from_utf8(&secret).unwrap();
        let secret = csrf::secret_from_cookie(Some(s)).unwrap().unwrap();
        let token = secret.mask_with(&mask);
        prop_assert_eq!(token.as_bytes().to_vec(), model_mask(s.as_bytes(), &mask));
        // Unmasking (a masked cookie, or the check's token) gives the secret back.
        prop_assert_eq!(csrf::secret_from_cookie(Some(&token)), Ok(Some(secret.clone())));
        let req = UnsafeRequest { cookie: Some(s), token: Some(token.as_bytes()), ..UnsafeRequest::default() };
        prop_assert_eq!(csrf::check(&HTTP_TRUST, &req, None), Ok(()));
    }

    #[test]
    fn every_masked_token_is_64_alphanumerics_and_new_each_time(secret in alnum32()) {
        let secret = csrf::secret_from_cookie(Some(std::str::from_utf8(&secret).unwrap())).unwrap().unwrap();
        let (a, b) = (secret.mask(), secret.mask());
        for t in [&a, &b] {
            prop_assert_eq!(t.len(), 64);
            prop_assert!(t.bytes().all(|c| c.is_ascii_alphanumeric()), "{}", t);
            prop_assert_eq!(csrf::secret_from_cookie(Some(t)), Ok(Some(secret.clone())));
        }
        prop_assert_ne!(&a, &b);
        prop_assert_ne!(&a[..32], &b[..32], "a fresh mask each time");
    }

    #[test]
    fn check_agrees_with_djangos_order(req in unsafe_request(boxed_ascii_cookie)) {
        let got = csrf::check(&HTTP_TRUST, &req.view(), None);
        let want = model_check(OWN, &TRUSTED, &req);
        match (&got, &want) {
            // Which text a non-ASCII Origin is echoed as is checked below, on its own.
            (Err(Rejection::BadOrigin(_)), Err(Rejection::BadOrigin(_))) if !req.origin.as_ref().unwrap().is_ascii() => {}
            _ => prop_assert_eq!(got, want),
        }
    }

    #[test]
    fn over_https_without_origin_the_referer_decides_first(req in unsafe_request(boxed_ascii_cookie), good in any::<bool>()) {
        let trust = TrustedOrigins::new(
            &"https://api.example.com".parse().unwrap(),
            &["https://www.example.com".parse().unwrap()],
        );
        let mut req = Req { origin: None, ..req };
        if good {
            req.referer = Some(b"https://www.example.com/page".to_vec());
        }
        let got = csrf::check(&trust, &req.view(), None);
        let referer_refused = matches!(
            got,
            Err(Rejection::NoReferer | Rejection::MalformedReferer | Rejection::InsecureReferer | Rejection::BadReferer(_))
        );
        if good {
            prop_assert_eq!(got, model_after_origin(&req));
        } else if !referer_refused {
            prop_assert_eq!(got, model_after_origin(&req));
        }
    }

    #[test]
    fn a_non_ascii_cookie_is_judged_by_its_characters_as_django_does(req in unsafe_request(unicode_cookie)) {
        let got = csrf::check(&HTTP_TRUST, &Req { origin: None, ..req.clone() }.view(), None);
        prop_assert_eq!(got, model_after_origin(&req));
    }

    #[test]
    fn a_bad_origin_is_echoed_as_django_reads_the_header(
        origin in prop::collection::vec(any::<u8>(), 1..30).prop_filter("non-ASCII", |o| !o.is_ascii()),
    ) {
        let req = UnsafeRequest { origin: Some(&origin), ..UnsafeRequest::default() };
        prop_assert_eq!(csrf::check(&HTTP_TRUST, &req, None), Err(Rejection::BadOrigin(latin1(&origin))));
    }
}

// ---------------------------------------------------------------------------------------
// JWT: verification on forged and mangled tokens, expiry, the Authorization header.
// ---------------------------------------------------------------------------------------

const JWT_KEY: &[u8] = b"property-test-secret-0123456789abcdef";
const NOW: u64 = 1_795_478_400;

/// One set of keys for every property, so the remembered-token memory is exercised across
/// cases and tokens, as in the server.
static KEYS: LazyLock<JwtKeys> = LazyLock::new(|| JwtKeys::new(JWT_KEY));

fn lifetime(t: TokenType) -> u64 {
    match t {
        TokenType::Access => jwt::ACCESS_LIFETIME_SECS,
        TokenType::Refresh => jwt::REFRESH_LIFETIME_SECS,
    }
}

fn token_type() -> impl Strategy<Value = TokenType> {
    prop_oneof![Just(TokenType::Access), Just(TokenType::Refresh)]
}

fn sign_hs256(message: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(JWT_KEY);
    jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap()
}

/// Ways an attacker (or a bit error) changes a token.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace one byte with another ASCII byte.
    Byte(prop::sample::Index, u8),
    /// Put the three parts in another order (index into the five non-identity orders).
    Swap(usize),
    /// A header with this `alg`, keeping the signature or signing it with the real key.
    Alg(String, bool),
    /// The payload decoded, changed (or not), encoded again; the signature kept.
    Payload(PayloadEdit),
    /// Another token's signature on this token's header and payload.
    OtherSignature,
    Truncate(prop::sample::Index),
    Append(String),
}

#[derive(Clone, Debug)]
enum PayloadEdit {
    /// The same claims, keys sorted (serde_json's map order).
    Reencode,
    UserId(i64),
    Username(String),
    ExtendExp(u64),
    OtherType,
    Pretty,
    /// Standard base64 with padding instead of base64url.
    Padded,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let algs = vec!["none", "None", "HS512", "HS384", "RS256", "ES256", "hs256", "HS256 ", "", "HS2560"];
    prop_oneof![
        4 => (any::<prop::sample::Index>(), 0u8..0x80).prop_map(|(i, b)| Mutation::Byte(i, b)),
        1 => (0usize..5).prop_map(Mutation::Swap),
        2 => (prop_oneof![select(algs).prop_map(str::to_owned), "[ -~]{0,8}"], any::<bool>())
            .prop_map(|(a, resign)| Mutation::Alg(a, resign)),
        2 => prop_oneof![
            Just(PayloadEdit::Reencode),
            any::<i64>().prop_map(PayloadEdit::UserId),
            "[ -~]{0,12}".prop_map(PayloadEdit::Username),
            (1u64..1_000_000).prop_map(PayloadEdit::ExtendExp),
            Just(PayloadEdit::OtherType),
            Just(PayloadEdit::Pretty),
            Just(PayloadEdit::Padded),
        ].prop_map(Mutation::Payload),
        1 => Just(Mutation::OtherSignature),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        1 => "[ -~]{1,8}".prop_map(Mutation::Append),
    ]
}

fn mutate(token: &str, other: &str, m: &Mutation) -> String {
    let p: Vec<&str> = token.split('.').collect();
    match m {
        Mutation::Byte(i, b) => {
            let mut bytes = token.as_bytes().to_vec();
            let at = i.index(bytes.len());
            bytes[at] = *b;
            String::from_utf8(bytes).unwrap()
        }
        Mutation::Swap(k) => {
            let orders = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
            orders[*k].iter().map(|&i| p[i]).collect::<Vec<_>>().join(".")
        }
        Mutation::Alg(alg, resign) => {
            let header = URL_SAFE_NO_PAD.encode(serde_json::json!({"alg": alg, "typ": "JWT"}).to_string());
            let message = format!("{header}.{}", p[1]);
            let signature = if *resign { sign_hs256(&message) } else { p[2].to_owned() };
            format!("{message}.{signature}")
        }
        Mutation::Payload(edit) => {
            let mut claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p[1]).unwrap()).unwrap();
            match edit {
                PayloadEdit::Reencode | PayloadEdit::Pretty | PayloadEdit::Padded => {}
                PayloadEdit::UserId(id) => claims["user_id"] = (*id).into(),
                PayloadEdit::Username(name) => claims["username"] = name.as_str().into(),
                PayloadEdit::ExtendExp(secs) => claims["exp"] = (claims["exp"].as_u64().unwrap() + secs).into(),
                PayloadEdit::OtherType => {
                    let flipped = if claims["token_type"] == "access" { "refresh" } else { "access" };
                    claims["token_type"] = flipped.into();
                }
            }
            let json = match edit {
                PayloadEdit::Pretty => serde_json::to_vec_pretty(&claims).unwrap(),
                _ => serde_json::to_vec(&claims).unwrap(),
            };
            let payload = match edit {
                PayloadEdit::Padded => base64::engine::general_purpose::STANDARD.encode(json),
                _ => URL_SAFE_NO_PAD.encode(json),
            };
            format!("{}.{payload}.{}", p[0], p[2])
        }
        Mutation::OtherSignature => {
            let other_signature = other.rsplit_once('.').unwrap().1;
            format!("{}.{}.{other_signature}", p[0], p[1])
        }
        Mutation::Truncate(i) => token[..i.index(token.len())].to_owned(),
        Mutation::Append(s) => format!("{token}{s}"),
    }
}

/// `Authorization` values as `bearer_token` should split them.
#[derive(Debug, PartialEq, Eq)]
enum BearerModel<'a> {
    Missing,
    Malformed,
    Token(&'a [u8]),
}

/// RFC 9110 credentials `auth-scheme 1*SP token68`, scheme case-insensitive, outer
/// whitespace ignored; whitespace as `bearer_token` defines it (only SP and HTAB can occur
/// in a header value anyway).
fn model_bearer(header: Option<&[u8]>) -> BearerModel<'_> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r');
    let v = header.unwrap_or_default();
    let Some(start) = v.iter().position(|b| !ws(b)) else { return BearerModel::Missing };
    let end = v.iter().rposition(|b| !ws(b)).unwrap() + 1;
    let v = &v[start..end];
    let Some(gap) = v.iter().position(ws) else { return BearerModel::Malformed };
    let (scheme, rest) = v.split_at(gap);
    let token = &rest[rest.iter().position(|b| !ws(b)).unwrap()..];
    if scheme.eq_ignore_ascii_case(b"bearer") && !token.iter().any(ws) {
        BearerModel::Token(token)
    } else {
        BearerModel::Malformed
    }
}

proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn verify_refuses_arbitrary_strings(
        token in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_.=+/-]{0,120}",
            "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,50}",
            // A real header, then anything.
            "[ -~]{0,120}".prop_map(|rest| format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{rest}")),
        ],
        expected in token_type(),
        now in 0u64..=u64::MAX,
    ) {
        let got = KEYS.verify(&token, expected, now);
        prop_assert!(matches!(got, Err(TokenError::Invalid(_))), "{:?} for {:?}", got, token);
    }

    #[test]
    fn verify_refuses_every_changed_token(
        user_id in any::<i64>(),
        username in "\\PC{0,16}",
        kind in token_type(),
        m in mutation(),
        expected in token_type(),
        later in 0u64..200_000,
    ) {
        let token = KEYS.issue(user_id, &username, kind, NOW);
        let other = KEYS.issue(user_id, &username, kind, NOW);
        // Both remembered as verified first: a forgery must not be taken from that memory.
        prop_assert!(KEYS.verify(&token, kind, NOW).is_ok());
        prop_assert!(KEYS.verify(&other, kind, NOW).is_ok());
        let forged = mutate(&token, &other, &m);
        let got = KEYS.verify(&forged, expected, NOW + later);
        if forged == token {
            prop_assert_eq!(got.is_ok(), expected == kind && later < lifetime(kind));
        } else {
            // Not even `Expired`: that would mean its signature checked out.
            prop_assert!(matches!(got, Err(TokenError::Invalid(_))), "{:?} for {:?}", got, forged);
            if let Mutation::Alg(alg, true) = &m
                && alg != "HS256"
            {
                prop_assert_eq!(got, Err(TokenError::Invalid("only HS256 is accepted")));
            }
        }
        let again = KEYS.verify(&token, kind, NOW).unwrap();
        prop_assert_eq!((again.user_id, again.username.as_str()), (user_id, username.as_str()));
    }

    #[test]
    fn a_signed_token_verifies_until_exp_then_is_expired(
        user_id in any::<i64>(),
        username in "\\PC{0,16}",
        kind in token_type(),
        issued in 0u64..=4_102_444_800,
        uses in prop::collection::vec((prop_oneof![0u64..200_000, 299u64..302, 86_398u64..86_402], token_type()), 1..6),
    ) {
        let token = KEYS.issue(user_id, &username, kind, issued);
        for (after, expected) in uses {
            let got = KEYS.verify(&token, expected, issued + after);
            if expected != kind {
                prop_assert!(matches!(got, Err(TokenError::Invalid(_))), "{:?}", got);
            } else if after >= lifetime(kind) {
                prop_assert_eq!(got, Err(TokenError::Expired));
            } else {
                let claims = got.unwrap();
                prop_assert_eq!(
                    (claims.user_id, claims.username.as_str(), claims.token_type, claims.iat, claims.exp),
                    (user_id, username.as_str(), kind, issued, issued + lifetime(kind))
                );
            }
        }
    }

    #[test]
    fn bearer_token_agrees_with_the_credentials_grammar(
        header in prop::option::of(prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            (
                select(vec!["Bearer", "bearer", "BEARER", "Basic", "Bearer,", "", " Bearer"]),
                select(vec![" ", "\t", "  ", "", " \t "]),
                prop::collection::vec(prop_oneof![3 => 0x21u8..0x7f, 1 => any::<u8>()], 0..40),
            ).prop_map(|(s, sp, t)| [s.as_bytes(), sp.as_bytes(), &t].concat()),
        ]),
    ) {
        let got = jwt::bearer_token(header.as_deref());
        match model_bearer(header.as_deref()) {
            BearerModel::Missing => prop_assert_eq!(got, Err(AuthorizationError::Missing)),
            BearerModel::Malformed => prop_assert_eq!(got, Err(AuthorizationError::Malformed)),
            // A non-UTF-8 token is still Bearer-shaped (then an invalid token, as in simplejwt).
            BearerModel::Token(t) => prop_assert_eq!(got, Ok(t)),
        }
    }

    #[test]
    fn bearer_round_trips_any_token_without_whitespace(
        scheme in "[bB][eE][aA][rR][eE][rR]",
        outer in ("[ \t]{0,3}", "[ \t]{1,3}", "[ \t]{0,3}"),
        token in "[^ \t\n\r\u{c}]{1,40}",
    ) {
        let (before, gap, after) = outer;
        let header = format!("{before}{scheme}{gap}{token}{after}");
        prop_assert_eq!(jwt::bearer_token(Some(header.as_bytes())), Ok(token.as_bytes()));
    }

    #[test]
    fn bearer_round_trips_issued_tokens(user_id in any::<i64>(), username in "\\PC{0,16}", kind in token_type()) {
        let token = KEYS.issue(user_id, &username, kind, NOW);
        let header = format!("Bearer {token}");
        let got = jwt::bearer_token(Some(header.as_bytes())).unwrap();
        prop_assert_eq!(got, token.as_bytes());
        prop_assert!(KEYS.verify(std::str::from_utf8(got).unwrap(), kind, NOW).is_ok());
    }
}

// ---------------------------------------------------------------------------------------
// Origins from configuration.
// ---------------------------------------------------------------------------------------

fn dns_host() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", 1..5)
        .prop_map(|labels| labels.join("."))
        .prop_filter("a host name has at most 253 bytes", |h| h.len() <= 253)
}

fn ipv4_host() -> impl Strategy<Value = String> {
    any::<[u8; 4]>().prop_map(|[a, b, c, d]| format!("{a}.{b}.{c}.{d}"))
}

proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn an_accepted_origin_serializes_lowercase_without_path_and_parses_back(
        input in prop_oneof![
            any::<String>(),
            "(?i:https?)://[a-zA-Z0-9.:/@?#*_%\\[\\]-]{0,30}",
            "[a-zA-Z+]{0,6}://[ -~]{0,30}",
            (dns_host(), "(:[0-9+]{0,6})?/?").prop_map(|(h, rest)| format!("HTTP://{h}{rest}")),
        ],
    ) {
        if let Ok(origin) = input.parse::<Origin>() {
            let s = origin.to_string();
            prop_assert_eq!(&s, &s.to_ascii_lowercase());
            let rest = s.strip_prefix("http://").or_else(|| s.strip_prefix("https://"));
            prop_assert!(rest.is_some(), "{}", s);
            prop_assert!(!rest.unwrap().contains(['/', '?', '#', '@', '*']), "{}", s);
            prop_assert_eq!(s.parse::<Origin>(), Ok(origin.clone()));
            prop_assert_eq!(s.parse::<Origin>().unwrap().to_string(), s.clone());
            prop_assert!(s.ends_with(&origin.netloc()));
        }
    }

    #[test]
    fn a_well_formed_origin_is_accepted(
        scheme in "[hH][tT][tT][pP][sS]?",
        host in prop_oneof![dns_host(), ipv4_host()],
        port in prop::option::of(1u16..=u16::MAX),
    ) {
        let input = match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        };
        let scheme = scheme.to_ascii_lowercase();
        let default = if scheme == "https" { 443 } else { 80 };
        let netloc = match port {
            Some(p) if p != default => format!("{}:{p}", host.to_ascii_lowercase()),
            _ => host.to_ascii_lowercase(),
        };
        let origin = input.parse::<Origin>();
        prop_assert!(origin.is_ok(), "{:?} refused: {:?}", input, origin);
        prop_assert_eq!(origin.unwrap().to_string(), format!("{scheme}://{netloc}"));
    }
}

// ---------------------------------------------------------------------------------------
// Cookie headers: Django's `parse_cookie` and `http.cookies` as reference models.
// ---------------------------------------------------------------------------------------

/// Python's `str.isspace`, which `str.strip()` uses.
fn py_isspace(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..='\x20' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// `http.cookies._unquote`: a value in double quotes loses them, and inside, `\ooo` (octal)
/// and `\x` escapes are decoded.
fn py_unquote(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() < 2 || chars[0] != '"' || chars[chars.len() - 1] != '"' {
        return v.to_owned();
    }
    let inner = &chars[1..chars.len() - 1];
    let (mut out, mut i) = (String::new(), 0);
    while i < inner.len() {
        let octal = |c: Option<&char>, max: char| c.is_some_and(|c| ('0'..=max).contains(c));
        if inner[i] == '\\' && octal(inner.get(i + 1), '3') && octal(inner.get(i + 2), '7') && octal(inner.get(i + 3), '7') {
            let n = inner[i + 1..i + 4].iter().fold(0, |n, c| n * 8 + c.to_digit(8).unwrap());
            out.push(char::from_u32(n).unwrap());
            i += 4;
        } else if inner[i] == '\\' && i + 1 < inner.len() {
            out.push(inner[i + 1]);
            i += 2;
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    out
}

/// `django.http.cookie.parse_cookie`, as a list of pairs in order (the dict keeps the last).
/// The raw header is decoded as WSGIRequest does: UTF-8, errors replaced.
fn model_parse_cookie(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let mut pairs = Vec::new();
    for chunk in text.split(';') {
        let (k, v) = chunk.split_once('=').unwrap_or(("", chunk));
        let (k, v) = (k.trim_matches(py_isspace), v.trim_matches(py_isspace));
        if !k.is_empty() || !v.is_empty() {
            pairs.push((k.to_owned(), py_unquote(v)));
        }
    }
    pairs
}

fn model_find<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Which bytes a generated `Cookie` header may hold besides visible ASCII.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bytes {
    /// Visible ASCII and tab, no backslash: what the lab's own cookies and most sites' are.
    Plain,
    /// Plus backslash escapes inside quoted values (`"a\"b"`, `"\101"`).
    Escapes,
    /// Plus obs-text: non-ASCII bytes, as browsers send UTF-8 cookie values.
    NonAscii,
}

/// `Cookie` header values built from cookie-ish pieces.
fn cookie_header(kind: Bytes) -> impl Strategy<Value = Vec<u8>> {
    let names = vec!["csrftoken", "sessionid", "a", "", " a", "a ", "\"q\"", "csrftoken "];
    let mut values = vec!["1", "", "\"x\"", "\"\"", "\"", " v ", "a=b", "\"a b\"", "\"=\""];
    let mut punctuation = vec![";", "; ", " ", "=", "\"", "\t", ";;"];
    let byte = match kind {
        Bytes::Plain => prop_oneof![0x20u8..b'\\', (b'\\' + 1)..0x7f, Just(b'\t')].boxed(),
        Bytes::Escapes => prop_oneof![0x20u8..0x7f, Just(b'\t')].boxed(),
        Bytes::NonAscii => prop_oneof![0x20u8..b'\\', (b'\\' + 1)..0x7f, Just(b'\t'), 0x80u8..=0xff].boxed(),
    };
    match kind {
        Bytes::Plain => {}
        Bytes::Escapes => {
            values.extend(["\"a\\\"b\"", "\"\\101\\\\\"", "\"\\\"", "\\\""]);
            punctuation.extend(["\\", "\\\""]);
        }
        Bytes::NonAscii => values.extend(["é", "日本語", "\u{a0}x\u{a0}", "\u{85}", "\"é\""]),
    }
    let pieces = vec![
        (4, (select(names), select(values)).prop_map(|(n, v)| format!("{n}={v}").into_bytes()).boxed()),
        (3, select(punctuation).prop_map(|s| s.as_bytes().to_vec()).boxed()),
        (1, prop::collection::vec(byte, 0..8).boxed()),
    ];
    prop::collection::vec(prop::strategy::Union::new_weighted(pieces), 0..8).prop_map(|p| p.concat())
}

fn headers_with(values: &[Vec<u8>]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for v in values {
        headers.append(header::COOKIE, HeaderValue::from_bytes(v).expect("a valid header value"));
    }
    headers
}

/// `find` gives the last value `parse_cookie` has for a name, and `names` every name in order.
fn agrees_with_parse_cookie(raw: &[u8], pick: prop::sample::Index, other: &str) -> Result<(), TestCaseError> {
    let headers = headers_with(&[raw.to_vec()]);
    let pairs = model_parse_cookie(raw);
    let name = lookup_name(&pairs, pick, other);
    let found = cookie::find(&headers, &name, Precedence::Last);
    prop_assert_eq!(found.as_deref(), model_find(&pairs, &name), "name {:?}", name);
    prop_assert_eq!(cookie::names(&headers).collect::<Vec<_>>(), pairs.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>());
    Ok(())
}

/// A name to look up: one the header has, or one it may not.
fn lookup_name(pairs: &[(String, String)], pick: prop::sample::Index, other: &str) -> String {
    if pairs.is_empty() || pick.index(3) == 0 { other.to_owned() } else { pairs[pick.index(pairs.len())].0.clone() }
}


proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn find_and_names_agree_with_djangos_parse_cookie(
        raw in cookie_header(Bytes::Plain),
        pick in any::<prop::sample::Index>(),
        other in select(vec!["csrftoken", "sessionid", "", "a"]),
    ) {
        agrees_with_parse_cookie(&raw, pick, other)?;
    }

    #[test]
    fn quoted_values_are_unescaped_as_django_does(
        raw in cookie_header(Bytes::Escapes),
        pick in any::<prop::sample::Index>(),
        other in select(vec!["csrftoken", "sessionid", "", "a"]),
    ) {
        agrees_with_parse_cookie(&raw, pick, other)?;
    }

    #[test]
    fn a_non_ascii_cookie_hides_no_other_cookie(
        raw in cookie_header(Bytes::NonAscii),
        pick in any::<prop::sample::Index>(),
        other in select(vec!["csrftoken", "sessionid", "", "a"]),
    ) {
        agrees_with_parse_cookie(&raw, pick, other)?;
    }

    #[test]
    fn several_cookie_headers_read_as_one_joined_by_semicolons(
        raws in prop::collection::vec(cookie_header(Bytes::Plain), 0..4),
        pick in any::<prop::sample::Index>(),
    ) {
        let headers = headers_with(&raws);
        let pairs = model_parse_cookie(&raws.join(&b"; "[..]));
        let name = lookup_name(&pairs, pick, "csrftoken");
        let found = cookie::find(&headers, &name, Precedence::Last);
        prop_assert_eq!(found.as_deref(), model_find(&pairs, &name));
    }

    #[test]
    fn cookie_parsing_never_panics_on_any_header_bytes(
        raws in prop::collection::vec(prop_oneof![cookie_header(Bytes::Escapes), cookie_header(Bytes::NonAscii)], 0..3),
        name in "\\PC{0,10}",
    ) {
        let headers = headers_with(&raws);
        let _ = cookie::find(&headers, &name, Precedence::Last);
        let _ = cookie::names(&headers).count();
    }

    #[test]
    fn set_cookie_renders_a_valid_header_with_djangos_attribute_order(
        // RFC 9110 `tchar`: what a cookie name may be, and what Python leaves unquoted in a value.
        name in "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}",
        value in "[!#$%&'*+.^_`|~0-9A-Za-z-]{0,20}",
        max_age in prop::option::of(0u64..=100 * 366 * 86_400),
        http_only in any::<bool>(),
        secure in any::<bool>(),
        same_site in prop_oneof![Just(SameSite::Lax), Just(SameSite::Strict), Just(SameSite::None), Just(SameSite::Unspecified)],
        path in prop_oneof![Just("/".to_owned()), "/s/[a-z-]{1,12}/"],
        now_secs in 0u64..=4_102_444_800,
        now_nanos in 0u32..1_000_000_000,
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::new(now_secs, now_nanos);
        let c = SetCookie {
            name: &name,
            value: &value,
            lifetime: max_age.map_or(Lifetime::Delete, |s| Lifetime::MaxAge(Duration::from_secs(s))),
            http_only,
            settings: &CookieSettings { secure, same_site, http_only: true, path: path.clone() },
        };
        let rendered = c.render(now);
        prop_assert!(HeaderValue::try_from(rendered.as_str()).is_ok(), "{}", rendered);
        let value_header = c.header_value(now);
        prop_assert_eq!(value_header.to_str().unwrap(), rendered.as_str());

        // `Morsel.OutputString`: `key=value`, then the attributes sorted by their key.
        let expires = match max_age {
            Some(s) => httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs + s)),
            None => "Thu, 01 Jan 1970 00:00:00 GMT".to_owned(),
        };
        let mut attrs = vec![
            ("expires", format!("expires={expires}")),
            ("max-age", format!("Max-Age={}", max_age.unwrap_or(0))),
            ("path", format!("Path={path}")),
        ];
        let attribute = match same_site {
            SameSite::Lax => Some("Lax"),
            SameSite::Strict => Some("Strict"),
            SameSite::None => Some("None"),
            SameSite::Unspecified => None,
        };
        if let Some(a) = attribute {
            attrs.push(("samesite", format!("SameSite={a}")));
        }
        if http_only {
            attrs.push(("httponly", "HttpOnly".to_owned()));
        }
        if secure {
            attrs.push(("secure", "Secure".to_owned()));
        }
        attrs.sort();
        let coded = if value.is_empty() { "\"\"" } else { value.as_str() };
        let want: Vec<String> = std::iter::once(format!("{name}={coded}")).chain(attrs.into_iter().map(|(_, a)| a)).collect();
        prop_assert_eq!(&rendered, &want.join("; "));

        // What the lab sets, a browser sends back as `name=value`, and the lab reads it as set.
        let sent = rendered.split("; ").next().unwrap();
        let headers = headers_with(&[sent.as_bytes().to_vec()]);
        let found = cookie::find(&headers, &name, Precedence::Last);
        prop_assert_eq!(found.as_deref(), Some(value.as_str()));
    }
}

// ---------------------------------------------------------------------------------------
// Settings: the TOML file and validation.
// ---------------------------------------------------------------------------------------

const SETTING_KEYS: [&str; 29] = [
    "max_event_streams",
    "bind", "page_port", "api_port", "cross_site_attacker_port", "same_site_attacker_port", "jwt_secret", "page_origin", "api_origin", "max_connections", "cors_allowed_origins",
    "csrf_trusted_origins", "cookie_secure", "cookie_samesite", "data_dir", "database", "jwt_secret_file", "demo",
    "demo_username", "demo_password", "login_rate_per_minute", "login_failures_per_username",
    "users_rate_per_minute", "hash_concurrency", "hash_queue", "log_rate_per_visitor", "page_dir", "log", "config",
];

fn origin_ish() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec!["http://localhost:8000", "https://a.test/", "example.com", "http://*.a.test", "http://a.test/x", " http://b.test "])
            .prop_map(str::to_owned),
        "(?i:https?)://[a-z0-9.:/*-]{0,20}",
        "[ -~]{0,20}",
    ]
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..70_000).prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        origin_ish().prop_map(|s| format!("{s:?}")),
        "[^'\n]{0,20}".prop_map(|s| format!("'{s}'")),
        prop::collection::vec(origin_ish(), 0..4).prop_map(|v| format!("{v:?}")),
        select(vec!["\"127.0.0.1\"", "\"::1\"", "\"Lax\"", "\"none\"", "{ a = 1 }", "[1, \"a\"]", "\"\"\"x\"\"\"", "1979-05-27"])
            .prop_map(str::to_owned),
        "[ -~]{0,20}",
    ]
}

fn toml_text() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![4 => select(SETTING_KEYS.to_vec()).prop_map(str::to_owned), 1 => "[a-z_]{1,12}", 1 => "\"[ -~]{0,8}\""];
    let line = prop_oneof![
        6 => (key, "[ \t]{0,2}=[ \t]{0,2}", toml_value()).prop_map(|(k, eq, v)| format!("{k}{eq}{v}")),
        1 => "\\[\\[?[a-z._]{0,10}\\]\\]?",
        1 => "#[ -~]{0,10}",
        1 => any::<String>(),
    ];
    prop_oneof![
        6 => prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..100),
    ]
}

/// Where the JWT secret file points.
#[derive(Clone, Debug)]
enum SecretFile {
    None,
    Missing,
    Holding(Vec<u8>),
}

/// A setting given in 30 % of cases, else left to its default.
fn some<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::weighted(0.3, s)
}

/// Settings one or two of which are usually wrong, so that validation gets past the first
/// check often enough to try the later ones.
fn settings() -> impl Strategy<Value = (Settings, Option<String>, SecretFile)> {
    let port = || some(prop_oneof![3 => 9000u16..9100, 1 => Just(0u16), 1 => any::<u16>()]);
    let count = || some(prop_oneof![4 => 1u32..1000, 1 => Just(0u32), 1 => any::<u32>()]);
    let size = || some(prop_oneof![4 => 1usize..1000, 1 => Just(0usize), 1 => any::<usize>()]);
    let path = || some("\\PC{0,12}".prop_map(PathBuf::from));
    let origins = || some(prop::collection::vec(origin_ish(), 0..3));
    let network = (some(any::<std::net::IpAddr>()), port(), port(), some(origin_ish()), some(origin_ish()), size());
    let policy = (
        origins(),
        origins(),
        some(any::<bool>()),
        some(prop_oneof![
            4 => select(vec!["Lax", "strict", "LAX"]).prop_map(str::to_owned),
            1 => select(vec!["None", "none", "sideways", ""]).prop_map(str::to_owned),
            1 => "\\PC{0,8}",
        ]),
    );
    let demo = (
        some(any::<bool>()),
        some(prop_oneof![4 => "[a-zA-Z0-9@.+_-]{1,20}", 1 => "[a-zA-Z0-9@.+_-]{140,160}", 1 => "\\PC{0,12}"]),
        some(prop_oneof![
            4 => "\\PC{0,12}",
            1 => select(vec![4096usize, 4097]).prop_map(|n| "x".repeat(n)),
            1 => Just("é".repeat(2049)),
        ]),
    );
    let limits = (count(), count(), count(), size(), some(any::<usize>()), count());
    let rest = (path(), path(), path(), some("\\PC{0,12}"));
    let secret_env = prop::option::weighted(0.2, prop_oneof!["\\PC{0,40}", "[a-z]{32}\r?\n?"]);
    let secret_file = prop_oneof![
        4 => Just(SecretFile::None),
        1 => Just(SecretFile::Missing),
        1 => prop::collection::vec(any::<u8>(), 0..48).prop_map(SecretFile::Holding),
    ];
    (network, policy, demo, limits, rest, secret_env, secret_file).prop_map(
        |((bind, page_port, api_port, page_origin, api_origin, max_connections),
          (cors_allowed_origins, csrf_trusted_origins, cookie_secure, cookie_samesite),
          (demo, demo_username, demo_password),
          (login_rate_per_minute, login_failures_per_username, users_rate_per_minute, hash_concurrency, hash_queue, log_rate_per_visitor),
          (data_dir, database, page_dir, log),
          secret_env,
          secret_file)| {
            let settings = Settings {
                config: None,
                bind,
                page_port,
                api_port,
                cross_site_attacker_port: None,
                same_site_attacker_port: None,
                page_origin,
                api_origin,
                max_connections,
                cors_allowed_origins,
                csrf_trusted_origins,
                cookie_secure,
                cookie_samesite,
                data_dir,
                database,
                jwt_secret_file: None,
                demo,
                demo_username,
                demo_password,
                login_rate_per_minute,
                login_failures_per_username,
                users_rate_per_minute,
                hash_concurrency,
                hash_queue,
                log_rate_per_visitor,
                max_event_streams: None,
                page_dir,
                log,
                sources: Default::default(),
            };
            (settings, secret_env, secret_file)
        },
    )
}

proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn a_settings_file_yields_settings_or_an_error_naming_the_file(text in toml_text()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corslab.toml");
        std::fs::write(&path, &text).unwrap();
        match (Settings { config: Some(path.clone()), ..Settings::default() }).with_file() {
            Ok(settings) => {
                // Whatever the file said, validating it must not panic either.
                let _ = Settings { jwt_secret_file: None, ..settings }.resolve(None);
            }
            Err(e) => {
                prop_assert_eq!(e.setting.as_str(), "config");
                let message = e.to_string();
                prop_assert!(message.contains(&path.display().to_string()), "{}", message);
            }
        }
    }

    #[test]
    fn resolve_validates_any_settings_without_panicking((settings, secret_env, secret_file) in settings()) {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            jwt_secret_file: match &secret_file {
                SecretFile::None => None,
                SecretFile::Missing => Some(dir.path().join("missing")),
                SecretFile::Holding(bytes) => {
                    let path = dir.path().join("jwt-secret");
                    std::fs::write(&path, bytes).unwrap();
                    Some(path)
                }
            },
            ..settings
        };
        let same_site_none = settings.cookie_samesite.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("none"));
        let secure = settings.cookie_secure == Some(true);
        match settings.resolve(secret_env) {
            Ok(config) => {
                prop_assert!(config.page_port == 0 || config.page_port != config.api_port);
                prop_assert!(!same_site_none || secure, "SameSite=None without Secure accepted");
                prop_assert!(config.jwt_secret.as_ref().is_none_or(|s| s.len() >= jwt::MIN_SECRET_BYTES));
            }
            Err(e) => {
                prop_assert!(SETTING_KEYS.contains(&e.setting.as_str()), "{:?}", e);
                let message = e.to_string();
                // Named where it came from: the variable for CORSLAB_JWT_SECRET, else the flag.
                let place = match &e.source {
                    Some(corslab::config::Source::Env(var)) => var.clone(),
                    _ => format!("--{}", e.setting.replace('_', "-")),
                };
                prop_assert!(message.contains(&place), "{}", message);
            }
        }
    }
}
