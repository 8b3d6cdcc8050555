-- Users, as django.contrib.auth keeps them (only the columns the lab uses).
CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT    NOT NULL UNIQUE,
    email       TEXT    NOT NULL DEFAULT '',
    -- Argon2id PHC string; NULL: the account cannot log in (created via POST /api/users/).
    password    TEXT,
    date_joined INTEGER NOT NULL
);

-- Server-side sessions, as django.contrib.sessions' database backend keeps them. The browser
-- holds only the random key; who is logged in lives here, so logout deletes the row.
CREATE TABLE sessions (
    session_key TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expire_date INTEGER NOT NULL
);
CREATE INDEX sessions_expire_date ON sessions (expire_date);

-- Secrets generated on first start (the JWT signing key), so no secret is baked into the binary
-- and every instance sharing this database signs with the same key.
CREATE TABLE lab_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
