//! Chromium's preflight cache.

use serde::Serialize;

use crate::analysis::{Analysis, Scope};
use crate::explain::Text;
use crate::preflight::{check_preflight, method_allowed, need_of};
use crate::request::Request;
use crate::response::Response;
use crate::verdict::parse_token_list;

/// A preflight result as Chromium caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// Serialized page origin (cache key, with `url`).
    pub origin: String,
    /// The request URL, query included.
    pub url: String,
    /// `Access-Control-Allow-Methods` tokens, case kept (compared exactly).
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers` tokens, lower-cased.
    pub headers: Vec<String>,
    /// Cached from a `credentials: 'include'` request (`*` is then literal).
    pub credentials: bool,
    /// Expired when `now >= expires_at_ms`.
    pub expires_at_ms: u64,
}

/// How `Access-Control-Max-Age` was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifetimeRule {
    /// No header: Chromium's default, 5 s.
    Default,
    /// Not an integer (`abc`, `1.5`, two lines, out of range): the default 5 s.
    UnparsableUsesDefault,
    /// A number in range.
    Given,
    /// Over 7200 s: capped at 7200 s (2 h).
    Capped,
    /// 0 or negative: the result is not reused at all.
    NotCached,
}

/// The answer of [`preflight_lifetime`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifetime {
    pub seconds: u64,
    pub rule: LifetimeRule,
    pub standard_differs: Option<Text>,
}

const DEFAULT_LIFETIME_S: u64 = 5;
const MAX_LIFETIME_S: u64 = 7200;
/// The longest a cached preflight answer lasts, in milliseconds.
pub(crate) const MAX_LIFETIME_MS: u64 = MAX_LIFETIME_S * 1000;

/// How long Chromium keeps a preflight result, from `Access-Control-Max-Age`
/// (measured: absent ⇒ 5 s (cached after 4 s, not after 6 s); `abc`, `1.5`,
/// two header lines, or a number beyond 64 bits ⇒ the same 5 s; `0`, `-1`,
/// `-5` ⇒ not reused; `+600` ⇒ 600 s; longer than 7200 s ⇒ 7200 s, measured
/// with a shifted clock: cached after 7190 s, not after 7215 s).
pub fn preflight_lifetime(preflight: &Response<'_>) -> Lifetime {
    let Some(v) = preflight.combined("access-control-max-age") else {
        return Lifetime { seconds: DEFAULT_LIFETIME_S, rule: LifetimeRule::Default, standard_differs: None };
    };
    let (sign, digits) = match v.as_bytes().first() {
        Some(b'+') => (1i8, &v[1..]),
        Some(b'-') => (-1i8, &v[1..]),
        _ => (0i8, &v[..]),
    };
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let parsed: Option<i64> = all_digits.then(|| digits.parse::<i64>().ok()).flatten();
    let differs = |en: &str, ja: &str| Some(Text::new(en, ja));
    match parsed {
        None if all_digits => Lifetime {
            seconds: DEFAULT_LIFETIME_S,
            rule: LifetimeRule::UnparsableUsesDefault,
            standard_differs: differs(
                "Fetch Standard: any number of seconds is valid and the browser caps it (Chromium's cap is 7200 s); Chromium cannot parse a number beyond 64 bits and falls back to the default 5 s.",
                "Fetch Standard ではどんな秒数も有効で、ブラウザーが上限で切り詰めます（Chromium の上限は 7200 秒）。Chromium は 64 ビットを超える数を解析できず、既定の 5 秒になります。",
            ),
        },
        None => Lifetime { seconds: DEFAULT_LIFETIME_S, rule: LifetimeRule::UnparsableUsesDefault, standard_differs: None },
        Some(n) if sign < 0 && n > 0 => Lifetime {
            seconds: 0,
            rule: LifetimeRule::NotCached,
            standard_differs: differs(
                "Fetch Standard: a negative value is not valid delta-seconds, so the default (5 s) would apply; Chromium instead does not cache the preflight at all.",
                "Fetch Standard では負の値は正しい delta-seconds ではないため既定値（5 秒）が使われるはずですが、Chromium はプリフライト結果をまったくキャッシュしません。",
            ),
        },
        Some(0) => Lifetime { seconds: 0, rule: LifetimeRule::NotCached, standard_differs: None },
        Some(n) => {
            let plus = (sign > 0).then(|| Text::new(
                "Chromium accepts a leading '+'; the Fetch Standard's delta-seconds is digits only, so it would use the default 5 s.",
                "Chromium は先頭の '+' を受け付けます。Fetch Standard の delta-seconds は数字だけなので、既定の 5 秒になるはずです。",
            ));
            let n = n.unsigned_abs();
            if n > MAX_LIFETIME_S {
                Lifetime { seconds: MAX_LIFETIME_S, rule: LifetimeRule::Capped, standard_differs: plus }
            } else {
                Lifetime { seconds: n, rule: LifetimeRule::Given, standard_differs: plus }
            }
        }
    }
}

/// The entry Chromium stores after this preflight, or `None` when it stores
/// nothing reusable: no preflight was needed, it failed (measured
/// `p_maxage_in_fail`), `Authorization` passed only through `*` (measured
/// `c_auth_star_cached`), or the lifetime is 0.
pub fn preflight_cache_entry(req: &Request<'_>, preflight: &Response<'_>, now_ms: u64) -> Option<CacheEntry> {
    let a = Analysis::new(req).ok()?;
    let need = need_of(&a);
    if a.scope != Scope::Cors || !need.needed {
        return None;
    }
    let ok = check_preflight(&a, &need, preflight).ok()?;
    let lifetime = preflight_lifetime(preflight).seconds;
    if ok.authorization_by_wildcard || lifetime == 0 {
        return None;
    }
    let list = |name: &str, lower_case: bool| -> Vec<String> {
        let value = preflight.combined(name);
        parse_token_list(value.as_deref())
            .unwrap_or_default()
            .into_iter()
            .map(|t| if lower_case { t.to_ascii_lowercase() } else { t.to_string() })
            .collect()
    };
    Some(CacheEntry {
        origin: a.origin_sent(),
        url: a.url.href(),
        methods: list("access-control-allow-methods", false),
        headers: list("access-control-allow-headers", true),
        credentials: a.include(),
        expires_at_ms: now_ms.saturating_add(lifetime.saturating_mul(1000)),
    })
}

/// Whether Chromium skips the preflight for `req` because of `entry`. `false`
/// also when `req` needs no preflight at all. Measured: the key is origin +
/// full URL (`?q=1` is another entry); a non-credentialed entry does not serve
/// an `include` request, the reverse works; another method or header is
/// covered when the cached lists allow it (`*` without credentials too, except
/// that a cached `*` never covers `Authorization`).
pub fn answered_from_cache(entry: &CacheEntry, req: &Request<'_>, now_ms: u64) -> bool {
    let Ok(a) = Analysis::new(req) else {
        return false;
    };
    let need = need_of(&a);
    if a.scope != Scope::Cors || !need.needed || now_ms >= entry.expires_at_ms {
        return false;
    }
    if entry.origin != a.origin_sent() || entry.url != a.url.href() || (a.include() && !entry.credentials) {
        return false;
    }
    let methods: Vec<&str> = entry.methods.iter().map(String::as_str).collect();
    if !method_allowed(a.method, &methods, entry.credentials) {
        return false;
    }
    let wildcard = !entry.credentials && entry.headers.iter().any(|h| h == "*");
    need.unsafe_headers.iter().all(|h| {
        entry.headers.contains(&h.name) || (wildcard && h.name != "authorization")
    })
}
