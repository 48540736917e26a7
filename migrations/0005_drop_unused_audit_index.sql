-- No query filters on actor_id: the audit page and the CLI filter by actor name, which migration
-- 0004 indexes. The unused index cost every audit append one more B-tree page written (about 10%
-- of the single-row append rate measured by `deploy/bench/run.sh storage`).
DROP INDEX audit_log_actor;
