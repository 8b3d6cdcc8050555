//! The database: a SQLite file in WAL mode, with the schema migrations embedded in the binary.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Ordered and append-only: a released migration is never edited.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_session_scope.sql")),
];

pub type Db = SqlitePool;

#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Opens (creating if needed) the database file and brings its schema up to date.
pub async fn open(path: &Path) -> Result<Db, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)
            .map_err(|e| StoreError(format!("cannot create data directory {}: {e}", dir.display())))?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL: readers (session lookups) never wait for the writer (logins).
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let db = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| StoreError(format!("cannot open database {}: {e}", path.display())))?;
    migrate(&db).await?;
    Ok(db)
}

async fn migrate(db: &Db) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS corslab_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .execute(db)
    .await?;
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM corslab_migrations")
        .fetch_one(db)
        .await?;
    for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| Some(*v) > applied) {
        let mut tx = db.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO corslab_migrations (version, applied_at) VALUES (?, ?)")
            .bind(version)
            .bind(crate::unix_now() as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

/// A secret generated once and kept in the database (so it survives restarts and is shared
/// by every instance on that database). Racing first starts agree on whichever row won.
pub async fn secret(db: &Db, name: &str, generate: impl FnOnce() -> String) -> Result<String, StoreError> {
    sqlx::query("INSERT OR IGNORE INTO lab_secrets (name, value) VALUES (?, ?)")
        .bind(name)
        .bind(generate())
        .execute(db)
        .await?;
    Ok(sqlx::query_scalar("SELECT value FROM lab_secrets WHERE name = ?").bind(name).fetch_one(db).await?)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_schema_once_and_keeps_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/lab.sqlite3");
        let db = open(&path).await.unwrap();
        let a = secret(&db, "jwt", || "first".into()).await.unwrap();
        let b = secret(&db, "jwt", || "second".into()).await.unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("first", "first"));
        db.close().await;
        // Reopening applies nothing twice and keeps the data.
        let db = open(&path).await.unwrap();
        assert_eq!(secret(&db, "jwt", || "third".into()).await.unwrap(), "first");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&db).await.unwrap();
        assert_eq!(mode, "wal");
    }
}
