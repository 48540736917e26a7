-- The audit page's equality filters (actor, action, host) each combine with an outcome in one
-- index walk: "failed actions of ada" or "denied requests on host 3" read one page of index
-- entries even when no such row exists. These replace the (column, id) indexes, so an append
-- writes no more B-trees than before; a filter without an outcome walks the three outcomes'
-- ranges and merges them (see AuditRepository).
DROP INDEX audit_log_actor_name;
DROP INDEX audit_log_action;
DROP INDEX audit_log_host;
CREATE INDEX audit_log_actor_outcome ON audit_log (actor_name COLLATE NOCASE, outcome, id);
CREATE INDEX audit_log_action_outcome ON audit_log (action, outcome, id);
CREATE INDEX audit_log_host_outcome ON audit_log (host_id, outcome, id);

-- Rows whose time is earlier than the time of the row before them: the clock stepped back.
-- While there is none (above the oldest kept row), times never decrease with the id, so a time
-- range is an id range, found with two seeks on audit_log_time (see AuditRepository). Appends
-- add a row here when their time goes back.
CREATE TABLE audit_clock_steps (id INTEGER PRIMARY KEY);
INSERT INTO audit_clock_steps (id)
    SELECT id FROM (SELECT id, time_ms < lag(time_ms) OVER (ORDER BY id) AS stepped_back FROM audit_log)
    WHERE stepped_back;

-- Target searches no longer scan the newest rows before asking audit_target_search (0004's
-- comment): the trigram index is walked newest first, each candidate checked against the filter.
