//! Cookies (`k_*` rows).

use crate::cookies::registrable_domain;
use crate::{CookieAttributes, Credentials, SameSite, cookie_outcome};
use super::{A, T, X};

pub(super) const LAX: CookieAttributes = CookieAttributes { same_site: SameSite::Lax, secure: false, http_only: true };

fn cookie(same_site: SameSite, secure: bool, http_only: bool) -> CookieAttributes {
    CookieAttributes { same_site, secure, http_only }
}

#[test]
fn k_default_and_omit_credentials_carry_no_cookie_cross_origin() {
    // k_default_creds, k_set_default, k_omit, k_set_omit
    for credentials in [Credentials::SameOrigin, Credentials::Omit] {
        let o = cookie_outcome(A, T, credentials, LAX);
        assert!(!o.sent && !o.stored);
    }
    assert!(cookie_outcome(A, T, Credentials::SameOrigin, LAX).reason.en.contains("credentials: 'include'"));
    // Same origin, default credentials: carried.
    assert!(cookie_outcome(A, A, Credentials::SameOrigin, LAX).sent);
}

#[test]
fn k_cross_site_third_party_cookies_blocked() {
    // k_cross_site: page 127.0.0.1 -> localhost, include.
    let o = cookie_outcome(X, T, Credentials::Include, LAX);
    assert!(!o.sent && !o.stored);
    assert_eq!(o.blocked_reasons, ["UserPreferences"]);
    let o = cookie_outcome(X, T, Credentials::Include, cookie(SameSite::None, true, false));
    assert_eq!(o.blocked_reasons, ["UserPreferences"]);
    assert!(!o.stored);
    // https vs http on the same host are different sites (schemeful).
    assert!(!cookie_outcome("https://localhost:8000", T, Credentials::Include, LAX).sent);
}

#[test]
fn k_secure_needs_a_secure_target() {
    assert!(cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, cookie(SameSite::Lax, true, false))
        .blocked_reasons.contains(&"SecureOnly"));
    assert!(cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, LAX).stored);
}

#[test]
fn document_cookie_visibility() {
    // csrftoken (not HttpOnly) set by localhost:8001 shows on localhost:8000; sessionid (HttpOnly) never.
    let csrftoken = cookie(SameSite::Lax, false, false);
    assert!(cookie_outcome("http://localhost:8000", "http://localhost:8001/api/csrf/", Credentials::Include, csrftoken).in_page_document_cookie);
    let o = cookie_outcome("http://localhost:8000", "http://localhost:8001/api/login/", Credentials::Include, LAX);
    assert!(!o.in_page_document_cookie);
    assert!(o.reason.en.contains("HttpOnly") && o.reason.ja.contains("HttpOnly"));
    // Another host of the same site: stored for that host, not in this page's document.cookie.
    assert!(!cookie_outcome("http://app.example.com", "http://api.example.com", Credentials::Include, csrftoken).in_page_document_cookie);
}

#[test]
fn registrable_domain_rule() {
    assert_eq!(registrable_domain("localhost"), "localhost");
    assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
    assert_eq!(registrable_domain("[::1]"), "[::1]");
    assert_eq!(registrable_domain("django6.kikuichige.com"), "kikuichige.com");
    assert_eq!(registrable_domain("kikuichige.com"), "kikuichige.com");
}
