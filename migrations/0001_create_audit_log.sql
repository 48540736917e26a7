-- The audit history: one row per state change and per authentication or authorization decision.
-- Rows are hash-chained (hash = SHA-256 over prev_hash and the row's canonical encoding, see
-- Sources/WharfApp/Audit/AuditRecord+Canonical.swift) and append-only: triggers refuse UPDATE,
-- and DELETE is refused unless `wharf audit purge` has opened the guard in its own transaction.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms        INTEGER NOT NULL,
    actor_id       INTEGER,
    actor_name     TEXT,
    source         TEXT    NOT NULL CHECK (source IN ('web', 'api', 'cli', 'system', 'docker')),
    client_address TEXT,
    user_agent     TEXT,
    action         TEXT    NOT NULL,
    host_id        INTEGER,
    target         TEXT,
    parameters     TEXT,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'denied')),
    http_status    INTEGER,
    error          TEXT,
    duration_ms    INTEGER,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);

CREATE INDEX audit_log_time ON audit_log (time_ms, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_host ON audit_log (host_id, id);

-- Opened (one row) only inside the purge transaction.
CREATE TABLE audit_purge_guard (open INTEGER NOT NULL);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only; use wharf audit purge');
END;
