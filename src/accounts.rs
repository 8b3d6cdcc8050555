//! User accounts and their passwords.
//!
//! Passwords are stored only as Argon2id PHC strings. Hashing is deliberately slow (≈ 20 ms
//! and 19 MiB each), so it runs on a few dedicated threads behind a bounded queue
//! ([`hasher`]): a burst of logins waits its turn or is told to retry later, never stalls the
//! async workers serving everyone else, and leaves no memory behind.

use serde::Serialize;

use crate::store::{Db, StoreError};

mod hasher;

pub use hasher::{HasherBusy, PasswordHasher};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
}

/// Django's `UnicodeUsernameValidator` limits, ASCII only: 150 chars of letters, digits and
/// `@.+-_`. ASCII keeps look-alike names ("dеmo" with a Cyrillic е) out of a shared lab.
pub const USERNAME_MAX: usize = 150;
/// RFC 5321's limit on an address, as Django's `EmailField`.
pub const EMAIL_MAX: usize = 254;
/// Longer passwords are refused before hashing: Argon2 time grows with input length.
pub const PASSWORD_MAX: usize = 4096;
/// `GET /api/users/` returns at most this many (the newest), so the list stays cheap.
pub const LIST_LIMIT: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsernameError {
    Empty,
    Invalid,
}

pub fn validate_username(name: &str) -> Result<(), UsernameError> {
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b"@.+-_".contains(&b);
    if name.len() > USERNAME_MAX || !name.bytes().all(ok_char) {
        return Err(UsernameError::Invalid);
    }
    Ok(())
}

/// A pragmatic subset of Django's `EmailValidator`: `local@domain`, a dotted domain of
/// letters, digits and hyphens (or `localhost`), no spaces or control characters.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_graphic() && !b"@\"(),:;<>[\\]".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels_ok = domain.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    email.len() <= EMAIL_MAX && local_ok && labels_ok && (domain.contains('.') || domain == "localhost")
}

#[derive(Debug)]
pub enum CreateError {
    UsernameTaken,
    Store(StoreError),
}

impl From<sqlx::Error> for CreateError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => CreateError::UsernameTaken,
            other => CreateError::Store(other.into()),
        }
    }
}

pub struct Accounts {
    db: Db,
    pub hasher: PasswordHasher,
}

impl Accounts {
    pub fn new(db: Db, hasher: PasswordHasher) -> Accounts {
        Accounts { db, hasher }
    }

    /// Creates an account; `password_phc` is an already-hashed password, or `None` for an
    /// account that cannot log in.
    pub async fn create(&self, username: &str, email: &str, password_phc: Option<&str>) -> Result<User, CreateError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, email, password, date_joined) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(username)
        .bind(email)
        .bind(password_phc)
        .bind(crate::unix_now() as i64)
        .fetch_one(&self.db)
        .await?;
        Ok(User { id, username: username.to_owned(), email: email.to_owned() })
    }

    pub async fn list(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, username, email FROM users ORDER BY id DESC LIMIT ?")
                .bind(LIST_LIMIT)
                .fetch_all(&self.db)
                .await?;
        Ok(rows.into_iter().map(|(id, username, email)| User { id, username, email }).collect())
    }

    /// The user if the password is right. Unknown users cost a hash too (no timing oracle).
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>, AuthError> {
        let row: Option<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, email, password FROM users WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.db)
                .await
                .map_err(|e| AuthError::Store(e.into()))?;
        let phc = row.as_ref().and_then(|(_, _, p)| p.as_deref());
        let matches = self.hasher.verify(password, phc).await.map_err(|_| AuthError::Busy)?;
        Ok(match row {
            Some((id, email, Some(_))) if matches => Some(User { id, username: username.to_owned(), email }),
            _ => None,
        })
    }

    /// Creates the demo account on first start, or resets its password if it changed.
    pub async fn ensure_account(&self, username: &str, password: &str) -> Result<(), StoreError> {
        let existing: Option<Option<String>> = sqlx::query_scalar("SELECT password FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.db)
            .await?;
        if let Some(Some(phc)) = &existing
            && self.hasher.verify(password, Some(phc)).await == Ok(true)
        {
            return Ok(());
        }
        let phc = self.hasher.hash(password).await.map_err(|_| StoreError("password hasher busy".into()))?;
        sqlx::query(
            "INSERT INTO users (username, email, password, date_joined) VALUES (?, '', ?, ?)
             ON CONFLICT (username) DO UPDATE SET password = excluded.password",
        )
        .bind(username)
        .bind(&phc)
        .bind(crate::unix_now() as i64)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}

#[derive(Debug)]
pub enum AuthError {
    Busy,
    Store(StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_djangos_rules() {
        assert_eq!(validate_username("demo"), Ok(()));
        assert_eq!(validate_username("a.b+c-d_e@f"), Ok(()));
        assert_eq!(validate_username(""), Err(UsernameError::Empty));
        assert_eq!(validate_username("a b"), Err(UsernameError::Invalid));
        assert_eq!(validate_username("<script>"), Err(UsernameError::Invalid));
        assert_eq!(validate_username("dеmo"), Err(UsernameError::Invalid), "Cyrillic е");
        assert_eq!(validate_username(&"a".repeat(151)), Err(UsernameError::Invalid));
        assert_eq!(validate_username(&"a".repeat(150)), Ok(()));
    }

    #[test]
    fn emails() {
        for ok in ["a@example.com", "first.last+tag@sub.example.co.jp", "root@localhost"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in ["", "a", "@example.com", "a@", "a@b", "a b@c.com", "a@-x.com", "a@x..com", ".a@x.com", "a@x.com\n"] {
            assert!(!valid_email(bad), "{bad:?}");
        }
        assert!(!valid_email(&format!("{}@example.com", "a".repeat(65))));
    }
}
