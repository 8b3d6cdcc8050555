//! Server-side sessions, as Django's database session backend keeps them.
//!
//! The browser holds only `sessionid`, a random key (32 chars of `a-z0-9`) in an `HttpOnly`
//! cookie that page scripts cannot read. Who is logged in lives in the `sessions` table, so
//! the server can end a session at once: logout deletes the row, and a replayed key finds
//! nothing. Login always issues a *new* key (Django's `cycle_key`), so a key an attacker
//! planted before login is worthless after it (session fixation).
//!
//! Sessions are scoped to one API mount ([`crate::scenario`]): the default mount's scope is
//! `""`, a scenario's its id, so a key from one is unknown to every other.
//!
//! Live sessions are also kept in a bounded in-memory cache, so reading a session does not
//! cost a database query every time. That is correct because this process is the only one
//! writing the table: login and logout change the cache together with the table, and an
//! entry is used only until its own expiry. (Several instances sharing one database would
//! need to bound staleness instead, e.g. with a short time-to-live.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cookie::{CookieSettings, Lifetime, SetCookie};
use crate::store::{Db, StoreError};

pub const COOKIE_NAME: &str = "sessionid";
/// `SESSION_COOKIE_AGE`: two weeks.
pub const COOKIE_AGE_SECS: u64 = 1_209_600;
const KEY_CHARS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const KEY_LENGTH: usize = 32;

/// The logged-in user a session key stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: i64,
    pub username: Arc<str>,
}

/// Most sessions the cache holds; beyond it, expired entries go, then all of them.
const CACHE_CAPACITY: usize = 100_000;

struct Cached {
    user: SessionUser,
    scope: Box<str>,
    expires: u64,
}

/// How a scenario handles sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// Login issues a new key (Django's `cycle_key`). Without it, a key an attacker planted
    /// in the victim's browser before login is, after it, the victim's session (fixation).
    pub cycle_key_on_login: bool,
    /// Logout also answers GET, as Django's `LogoutView` did before 5.0 (deprecated in 4.1).
    /// A state change on a safe method: the CSRF check never looks at it, and any page can
    /// send the browser there with its cookies (a link, a redirect, a top-level navigation).
    pub logout_on_get: bool,
}

impl SessionSettings {
    pub const DJANGO: SessionSettings = SessionSettings { cycle_key_on_login: true, logout_on_get: false };
}

pub fn new_key() -> String {
    String::from_utf8(crate::random::chars::<KEY_LENGTH>(KEY_CHARS).to_vec()).expect("ASCII")
}

/// Keys the lab never issues cannot exist; refusing them early spares a database query.
fn plausible_key(key: &str) -> bool {
    key.len() == KEY_LENGTH && key.bytes().all(|b| KEY_CHARS.contains(&b))
}

pub fn cookie<'a>(key: &'a str, settings: &'a CookieSettings) -> SetCookie<'a> {
    SetCookie {
        name: COOKIE_NAME,
        value: key,
        lifetime: Lifetime::MaxAge(Duration::from_secs(COOKIE_AGE_SECS)),
        http_only: settings.http_only,
        settings,
    }
}

/// Django's `delete_cookie`: note it carries no `HttpOnly`, exactly as Django sends it.
pub fn deletion_cookie(settings: &CookieSettings) -> SetCookie<'_> {
    SetCookie { name: COOKIE_NAME, value: "", lifetime: Lifetime::Delete, http_only: false, settings }
}

pub struct Sessions {
    db: Db,
    cache: Mutex<HashMap<String, Cached>>,
}

impl Sessions {
    pub fn new(db: Db) -> Sessions {
        Sessions { db, cache: Mutex::new(HashMap::new()) }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The user behind a key in this scope, unless the key is unknown there or its session
    /// has expired.
    pub async fn load(&self, key: &str, scope: &str, now: u64) -> Result<Option<SessionUser>, StoreError> {
        if !plausible_key(key) {
            return Ok(None);
        }
        if let Some(hit) = self.cache().get(key).filter(|c| c.expires > now && *c.scope == *scope) {
            return Ok(Some(hit.user.clone()));
        }
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT s.user_id, u.username, s.expire_date FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.session_key = ? AND s.scope = ? AND s.expire_date > ?",
        )
        .bind(key)
        .bind(scope)
        .bind(now as i64)
        .fetch_optional(&self.db)
        .await?;
        let Some((user_id, username, expires)) = row else {
            self.cache().remove(key);
            return Ok(None);
        };
        let user = SessionUser { user_id, username: username.into() };
        let mut cache = self.cache();
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, c| c.expires > now);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key.to_owned(), Cached { user: user.clone(), scope: scope.into(), expires: expires as u64 });
        Ok(Some(user))
    }

    /// Starts a session for `user_id` in `scope`. With `settings.cycle_key_on_login` (Django)
    /// it gets a fresh key and the session the browser came with (if any) is deleted in the
    /// same transaction; without, a live session the browser came with is handed to the
    /// user under its old key, which is session fixation.
    pub async fn login(
        &self,
        previous_key: Option<&str>,
        user_id: i64,
        scope: &str,
        settings: SessionSettings,
        now: u64,
    ) -> Result<String, StoreError> {
        let previous_key = previous_key.filter(|k| plausible_key(k));
        if let Some(old) = previous_key {
            self.cache().remove(old);
        }
        let expires = (now + COOKIE_AGE_SECS) as i64;
        if !settings.cycle_key_on_login
            && let Some(old) = previous_key
        {
            let kept = sqlx::query("UPDATE sessions SET user_id = ?, expire_date = ? WHERE session_key = ? AND scope = ? AND expire_date > ?")
                .bind(user_id)
                .bind(expires)
                .bind(old)
                .bind(scope)
                .bind(now as i64)
                .execute(&self.db)
                .await?;
            if kept.rows_affected() == 1 {
                return Ok(old.to_owned());
            }
        }
        let key = new_key();
        let mut tx = self.db.begin().await?;
        if let Some(old) = previous_key {
            sqlx::query("DELETE FROM sessions WHERE session_key = ? AND scope = ?").bind(old).bind(scope).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO sessions (session_key, user_id, expire_date, scope) VALUES (?, ?, ?, ?)")
            .bind(&key)
            .bind(user_id)
            .bind(expires)
            .bind(scope)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(key)
    }

    /// Deletes the session; `true` if it was a live one (the user was logged in).
    pub async fn logout(&self, key: &str, scope: &str, now: u64) -> Result<bool, StoreError> {
        if !plausible_key(key) {
            return Ok(false);
        }
        self.cache().remove(key);
        let deleted: Option<i64> =
            sqlx::query_scalar("DELETE FROM sessions WHERE session_key = ? AND scope = ? RETURNING expire_date")
                .bind(key)
                .bind(scope)
                .fetch_optional(&self.db)
                .await?;
        Ok(deleted.is_some_and(|expires| expires > now as i64))
    }

    /// Removes expired rows (Django's `clearsessions`); returns how many.
    pub async fn purge_expired(&self, now: u64) -> Result<u64, StoreError> {
        self.cache().retain(|_, c| c.expires > now);
        let done = sqlx::query("DELETE FROM sessions WHERE expire_date <= ?").bind(now as i64).execute(&self.db).await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DJANGO: SessionSettings = SessionSettings::DJANGO;

    async fn fixture() -> (tempfile::TempDir, Sessions, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::open(&dir.path().join("s.sqlite3")).await.unwrap();
        let id: i64 = sqlx::query_scalar("INSERT INTO users (username, date_joined) VALUES ('u', 0) RETURNING id")
            .fetch_one(&db)
            .await
            .unwrap();
        (dir, Sessions::new(db), id)
    }

    #[test]
    fn keys_are_djangos_shape() {
        let k = new_key();
        assert!(plausible_key(&k), "{k}");
        assert_ne!(k, new_key());
    }

    #[tokio::test]
    async fn login_cycles_the_key_and_logout_deletes_it() {
        let (_d, s, uid) = fixture().await;
        let first = s.login(None, uid, "", DJANGO, 1000).await.unwrap();
        let user = SessionUser { user_id: uid, username: "u".into() };
        assert_eq!(s.load(&first, "", 1001).await.unwrap(), Some(user.clone()), "served from the cache this time");
        assert_eq!(s.load(&first, "", 1001).await.unwrap(), Some(user.clone()));
        let second = s.login(Some(&first), uid, "", DJANGO, 1002).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(s.load(&first, "", 1003).await.unwrap(), None, "the pre-login key is dead, cached or not");
        assert!(s.load(&second, "", 1003).await.unwrap().is_some(), "now cached");
        assert!(s.logout(&second, "", 1004).await.unwrap());
        assert!(!s.logout(&second, "", 1005).await.unwrap(), "second logout finds nothing");
        assert_eq!(s.load(&second, "", 1006).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_key_is_valid_only_in_its_own_scope() {
        let (_d, s, uid) = fixture().await;
        let k = s.login(None, uid, "reflect-origin", DJANGO, 0).await.unwrap();
        assert!(s.load(&k, "reflect-origin", 1).await.unwrap().is_some());
        assert_eq!(s.load(&k, "", 1).await.unwrap(), None, "not in the default mount, cached or not");
        assert!(!s.logout(&k, "", 2).await.unwrap());
        assert!(s.load(&k, "reflect-origin", 3).await.unwrap().is_some(), "logging out elsewhere did not end it");
    }

    #[tokio::test]
    async fn without_key_cycling_a_planted_key_becomes_the_victims_session() {
        let (_d, s, uid) = fixture().await;
        let victim: i64 = sqlx::query_scalar("INSERT INTO users (username, date_joined) VALUES ('victim', 0) RETURNING id")
            .fetch_one(&s.db)
            .await
            .unwrap();
        let fixation = SessionSettings { cycle_key_on_login: false, ..SessionSettings::DJANGO };
        let planted = s.login(None, uid, "fixation", fixation, 0).await.unwrap();
        let after = s.login(Some(&planted), victim, "fixation", fixation, 1).await.unwrap();
        assert_eq!(after, planted, "the attacker's key now stands for the victim");
        assert_eq!(s.load(&planted, "fixation", 2).await.unwrap().unwrap().user_id, victim);
        let cycled = s.login(Some(&planted), victim, "fixation", DJANGO, 3).await.unwrap();
        assert_ne!(cycled, planted);
        assert_eq!(s.load(&planted, "fixation", 4).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_cached_session_still_expires_on_time() {
        let (_d, s, uid) = fixture().await;
        let k = s.login(None, uid, "", DJANGO, 0).await.unwrap();
        assert!(s.load(&k, "", 10).await.unwrap().is_some());
        assert_eq!(s.load(&k, "", COOKIE_AGE_SECS).await.unwrap(), None, "the cached entry knows its expiry");
    }

    #[tokio::test]
    async fn sessions_expire_and_are_purged() {
        let (_d, s, uid) = fixture().await;
        let k = s.login(None, uid, "", DJANGO, 0).await.unwrap();
        assert!(s.load(&k, "", COOKIE_AGE_SECS - 1).await.unwrap().is_some());
        assert_eq!(s.load(&k, "", COOKIE_AGE_SECS).await.unwrap(), None);
        assert_eq!(s.purge_expired(COOKIE_AGE_SECS).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn implausible_keys_are_unknown() {
        let (_d, s, _) = fixture().await;
        for k in ["", "short", &"A".repeat(32), &"a".repeat(33), "'; DROP TABLE sessions; --"] {
            assert_eq!(s.load(k, "", 0).await.unwrap(), None);
        }
    }

    #[test]
    fn cookies_match_spec() {
        let now = std::time::SystemTime::UNIX_EPOCH;
        let set = cookie("k", &CookieSettings::default()).render(now);
        assert_eq!(set, "sessionid=k; expires=Thu, 15 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
        assert_eq!(
            deletion_cookie(&CookieSettings::default()).render(now),
            "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
        );
    }
}
