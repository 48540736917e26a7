-- Checkpoints left by `wharf audit purge`: the last removed row's id and hash. The first kept row's
-- prev_hash is that hash, so `wharf audit verify` starts from the newest checkpoint instead of the
-- genesis hash. Append-only, like audit_log.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms   INTEGER NOT NULL,
    before_ms INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    last_hash TEXT    NOT NULL,
    removed   INTEGER NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

-- The audit page's filters, each usable with keyset pagination (newest first by id): an equality
-- on the column, then the id range, walks the index in page order and stops after one page.
CREATE INDEX audit_log_actor_name ON audit_log (actor_name COLLATE NOCASE, id);
CREATE INDEX audit_log_outcome ON audit_log (outcome, id);

-- "Text in target": a trigram index (FTS5, external content: the text stays in audit_log), kept
-- in step by triggers, so a rare text is found without reading every row. A search first scans
-- the newest rows below the page's cursor, where common texts fill the page at once, and only
-- then asks this index (see AuditRepository).
CREATE VIRTUAL TABLE audit_target_search USING fts5(
    target, content = 'audit_log', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO audit_target_search (audit_target_search) VALUES ('rebuild');

CREATE TRIGGER audit_log_search_insert AFTER INSERT ON audit_log
BEGIN
    INSERT INTO audit_target_search (rowid, target) VALUES (new.id, new.target);
END;

CREATE TRIGGER audit_log_search_delete AFTER DELETE ON audit_log
BEGIN
    INSERT INTO audit_target_search (audit_target_search, rowid, target) VALUES ('delete', old.id, old.target);
END;
