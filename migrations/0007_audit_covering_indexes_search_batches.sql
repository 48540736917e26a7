-- The outcome-composite indexes of 0006 also carry the other equality columns after the id, so a
-- second equality filter ("ada's actions on host 3") is checked in the index, without reading
-- each row. Same three B-trees, so an append writes no more than before.
DROP INDEX audit_log_actor_outcome;
DROP INDEX audit_log_action_outcome;
DROP INDEX audit_log_host_outcome;
CREATE INDEX audit_log_actor_outcome ON audit_log (actor_name COLLATE NOCASE, outcome, id, host_id, action);
CREATE INDEX audit_log_action_outcome ON audit_log (action, outcome, id, actor_name, host_id);
CREATE INDEX audit_log_host_outcome ON audit_log (host_id, outcome, id, actor_name, action);

-- The trigram index is filled in batches instead of by a trigger on every append: an FTS5
-- insert writes a new segment per transaction, which cost single-row appends about three
-- quarters of their time. Rows up to `through` are in audit_target_search; AuditLog.append adds
-- the newer ones once there are enough of them (AuditLog.searchBatch), and searches read those
-- few by scanning. The delete trigger (purges) only removes rows that were indexed.
CREATE TABLE audit_search_progress (through INTEGER NOT NULL);
INSERT INTO audit_search_progress (through) SELECT COALESCE(max(id), 0) FROM audit_log;
DROP TRIGGER audit_log_search_insert;
DROP TRIGGER audit_log_search_delete;
CREATE TRIGGER audit_log_search_delete AFTER DELETE ON audit_log
WHEN old.id <= (SELECT through FROM audit_search_progress)
BEGIN
    INSERT INTO audit_target_search (audit_target_search, rowid, target) VALUES ('delete', old.id, old.target);
END;
