-- From here on, audit rows are chained with HMAC-SHA-256 under a key derived from secret.key (which
-- is not in this file), so someone who can write wharf.db can no longer re-hash history. Rows
-- written before this migration keep their plain SHA-256 hashes and keep verifying: first_id is
-- the first row id that is keyed (the next id the history would issue when this ran).
CREATE TABLE audit_chain_keyed (first_id INTEGER NOT NULL);

INSERT INTO audit_chain_keyed (first_id)
SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0) + 1;

CREATE TRIGGER audit_chain_keyed_no_update BEFORE UPDATE ON audit_chain_keyed
BEGIN
    SELECT RAISE(ABORT, 'audit_chain_keyed is written once, by its migration');
END;

CREATE TRIGGER audit_chain_keyed_no_delete BEFORE DELETE ON audit_chain_keyed
BEGIN
    SELECT RAISE(ABORT, 'audit_chain_keyed is written once, by its migration');
END;

CREATE TRIGGER audit_chain_keyed_no_insert BEFORE INSERT ON audit_chain_keyed
WHEN EXISTS (SELECT 1 FROM audit_chain_keyed)
BEGIN
    SELECT RAISE(ABORT, 'audit_chain_keyed is written once, by its migration');
END;
