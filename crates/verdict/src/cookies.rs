//! Cookies: whether a fetch sends and stores a cookie, and whether the page sees it.

use serde::{Deserialize, Serialize};

use crate::explain::Text;
use crate::request::Credentials;
use crate::url::{PageOrigin, Url, is_ipv4, parse_url};

/// The `SameSite` attribute of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SameSite {
    Strict,
    Lax,
    None,
    /// No attribute: Chromium treats it as `Lax`.
    Unspecified,
}

/// The attributes of a cookie that decide whether a fetch carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CookieAttributes {
    pub same_site: SameSite,
    pub secure: bool,
    pub http_only: bool,
}

/// The answer of [`cookie_outcome`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CookieOutcome {
    /// A cookie like this, already stored for the target, is attached.
    pub sent: bool,
    /// A `Set-Cookie` like this on the response is stored (also when CORS then
    /// blocks the response — measured `k_set_blocked_cors`).
    pub stored: bool,
    /// The stored cookie shows in the page's `document.cookie` (same host, not
    /// HttpOnly; ports do not matter for cookies).
    pub in_page_document_cookie: bool,
    /// Chromium's DevTools reasons when blocked (`UserPreferences`,
    /// `SchemefulSameSiteLax`, `SameSiteNoneInsecure`, …).
    pub blocked_reasons: Vec<&'static str>,
    pub reason: Text,
}

/// The "site" of a host for SameSite purposes: IP literals and single-label
/// hosts (`localhost`) are their own site; otherwise the last two labels.
/// No Public Suffix List here, so `a.github.io` and `b.github.io` count as
/// one site although browsers treat them as two.
pub(crate) fn registrable_domain(host: &str) -> &str {
    if host.starts_with('[') || is_ipv4(host) {
        return host;
    }
    let mut dots = host.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &host[i + 1..],
        _ => host,
    }
}

/// Schemeful same-site: same scheme and same registrable domain; ports ignored.
pub(crate) fn same_site(a: &Url<'_>, b: &Url<'_>) -> bool {
    a.scheme == b.scheme && registrable_domain(&a.host) == registrable_domain(&b.host)
}

/// Whether a `fetch()` from `page_origin` to `target` (a URL or origin) sends
/// and stores a cookie with these attributes, in Chromium 156 with default
/// settings. Rules, in order: `omit` never; `same-origin` only same-origin;
/// `SameSite=None` without `Secure` is rejected; `Secure` needs https or a
/// loopback host; a cross-site target is third-party and blocked by default
/// (`UserPreferences`, measured `k_cross_site`); same-site (ports ignored)
/// carries Strict, Lax, unspecified and None alike (measured `k_*`).
/// Navigations (top-level Lax GETs) are not modeled here.
pub fn cookie_outcome(page_origin: &str, target: &str, credentials: Credentials, cookie: CookieAttributes) -> CookieOutcome {
    let no = |reasons: Vec<&'static str>, en: String, ja: String| CookieOutcome {
        sent: false,
        stored: false,
        in_page_document_cookie: false,
        blocked_reasons: reasons,
        reason: Text { en, ja },
    };
    let (Some(PageOrigin::Tuple(page)), Ok(target)) = (PageOrigin::parse(page_origin), parse_url(target)) else {
        return no(
            Vec::new(),
            "An opaque page origin or an unparsable URL: a cookie is neither sent nor stored here.".into(),
            "オリジンが不透明 (null) か URL を解釈できないため、Cookie は送信も保存もされません。".into(),
        );
    };
    match credentials {
        Credentials::Omit => {
            return no(
                Vec::new(),
                "credentials: 'omit' never sends cookies and ignores Set-Cookie.".into(),
                "credentials: 'omit' では Cookie は送られず、Set-Cookie も無視されます。".into(),
            );
        }
        Credentials::SameOrigin if !page.same_origin(&target) => {
            return no(
                Vec::new(),
                format!("fetch()'s default credentials: 'same-origin' sends and stores cookies only for the page's own origin; {} is another origin (even if same-site). Use credentials: 'include'.", target.origin()),
                format!("fetch() の既定の credentials: 'same-origin' は、ページと同じオリジンにだけ Cookie を送り保存します。{} は（同一サイトであっても）別オリジンです。credentials: 'include' を使ってください。", target.origin()),
            );
        }
        _ => {}
    }
    if cookie.same_site == SameSite::None && !cookie.secure {
        return no(
            vec!["SameSiteNoneInsecure"],
            "SameSite=None requires Secure; Chromium rejects this cookie when it is set.".into(),
            "SameSite=None には Secure が必要です。Chromium はこの Cookie を設定時に拒否します。".into(),
        );
    }
    if cookie.secure && !target.is_trustworthy() {
        return no(
            vec!["SecureOnly"],
            format!("A Secure cookie needs https (or localhost); {} is plain http.", target.origin()),
            format!("Secure 属性の Cookie には https（または localhost）が必要ですが、{} は http です。", target.origin()),
        );
    }
    if !same_site(&page, &target) {
        // Measured (`k_cross_site`): whatever the SameSite, DevTools gives only this reason.
        let reasons = vec!["UserPreferences"];
        return no(
            reasons,
            format!("{} and {} are different sites, so this is a third-party cookie: Chromium 156 blocks third-party cookies by default (and SameSite=Lax/Strict cookies are cross-site only by top-level navigation anyway).", page.origin(), target.origin()),
            format!("{} と {} は別サイトなので、これはサードパーティ Cookie です。Chromium 156 は既定でサードパーティ Cookie をブロックします（SameSite=Lax/Strict の Cookie はもともとトップレベルのナビゲーションでしかサイトをまたいで送られません）。", page.origin(), target.origin()),
        );
    }
    let visible = !cookie.http_only && page.host == target.host && (!cookie.secure || page.is_trustworthy());
    let (en, ja) = if page.same_origin(&target) {
        ("Same origin: the cookie is sent and stored.".to_string(), "同一オリジンなので Cookie は送信・保存されます。".to_string())
    } else {
        (
            format!("{} and {} are different origins but the same site (ports do not count), so with credentials: 'include' the cookie is sent and stored, whatever its SameSite.", page.origin(), target.origin()),
            format!("{} と {} は別オリジンですが同一サイトです（ポートは関係ありません）。credentials: 'include' なら SameSite の値にかかわらず Cookie は送信・保存されます。", page.origin(), target.origin()),
        )
    };
    let (en, ja) = if cookie.http_only {
        (format!("{en} It is HttpOnly, so document.cookie never shows it."), format!("{ja}HttpOnly なので document.cookie には表示されません。"))
    } else {
        (en, ja)
    };
    CookieOutcome { sent: true, stored: true, in_page_document_cookie: visible, blocked_reasons: Vec::new(), reason: Text { en, ja } }
}
