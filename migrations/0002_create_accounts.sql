-- Accounts: users and their second factor, browser sessions, API tokens, per-host grants,
-- instance settings and the one-time setup token. Secrets are stored only as hashes: passwords
-- as scrypt strings ($scrypt$ln=…,r=…,p=…$salt$hash), session ids, API tokens, setup tokens and
-- recovery codes as SHA-256 hex (they are 256-bit random values, so a fast hash is enough).
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash       TEXT    NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- RFC 6238 secret (raw bytes) once enrolled; the pending one while enrolment is in progress.
    totp_secret         BLOB,
    totp_pending_secret BLOB,
    -- The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step      INTEGER,
    created_ms          INTEGER NOT NULL,
    updated_ms          INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_ms   INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A browser session. The cookie holds 256 random bits; only their SHA-256 is stored.
-- last_seen_ms is refreshed at most once a minute (idle timeout), created_ms bounds the lifetime.
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash     TEXT    NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_ms     INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL,
    client_address TEXT,
    user_agent     TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- An API token: `wharf_<prefix>_<secret>`; prefix is shown in lists, the whole token is hashed.
-- Revoked and expired tokens are kept so that their later use is recognised and audited.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL UNIQUE,
    token_hash   TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER,
    last_used_ms INTEGER,
    revoked_ms   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Per-host roles for operators and viewers (admins need none). host_id names hosts(id), but the
-- hosts table does not exist yet: the hosts migration creates it and adds the foreign key
-- (rebuilding this table as SQLite's ALTER TABLE procedure describes).
CREATE TABLE host_grants (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL,
    role    TEXT    NOT NULL CHECK (role IN ('operator', 'viewer')),
    PRIMARY KEY (user_id, host_id)
);
CREATE INDEX host_grants_host ON host_grants (host_id);

-- Instance settings changed by admins (`require_totp`), and the server's own signing key.
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
);

-- The first-run setup token: valid one hour, used once.
CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER
);
