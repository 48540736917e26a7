-- Jobs: builds, pulls, pushes, loads and imports run by the server, not by the browser that
-- started them. A job's output is stored in order as it arrives (job_events, written in
-- batches), so a watcher that reconnects gets exactly what it missed; old output is pruned by age
-- and total size (settings jobs_retention_days, jobs_retention_mb), the job rows stay.
-- host_id and user_id go NULL when the host or user is removed; the names are kept for history.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id       INTEGER REFERENCES hosts (id) ON DELETE SET NULL,
    host_name     TEXT    NOT NULL,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_name     TEXT,
    kind          TEXT    NOT NULL CHECK (kind IN ('build', 'pull', 'push', 'load', 'import')),
    -- What the job is about, as the user named it: "busybox:latest", "web:1.2".
    target        TEXT    NOT NULL,
    -- The options as JSON with sorted keys; secrets (passwords, build-arg values) never stored.
    parameters    TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    -- Why it failed, was cancelled or interrupted; what it made when it succeeded.
    message       TEXT,
    -- The image the job made or fetched (sha256:…), when known.
    image_id      TEXT,
    created_ms    INTEGER NOT NULL,
    started_ms    INTEGER,
    finished_ms   INTEGER,
    -- The id of the newest stored event (events are numbered from 1 per job).
    last_event    INTEGER NOT NULL DEFAULT 0,
    -- Bytes of stored output (the events' data), for pruning by total size.
    output_bytes  INTEGER NOT NULL DEFAULT 0,
    -- When the output was removed by the retention settings (the row stays).
    pruned_ms     INTEGER
);
CREATE INDEX jobs_status ON jobs (status, id);
CREATE INDEX jobs_host ON jobs (host_id, id);
CREATE INDEX jobs_user ON jobs (user_id, id);
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE INDEX jobs_finished ON jobs (finished_ms) WHERE pruned_ms IS NULL;

-- One output event of a job: a line of build output, a build step, a layer's folded progress,
-- the upload's progress, an error, the result, the end. seq is the SSE event id.
CREATE TABLE job_events (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    data   TEXT    NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

-- Registry credentials admins store for pulls and pushes (sent to engines in X-Registry-Auth).
-- The password or token is sealed with AES-256-GCM under secret.key (label registry:<id>:secret),
-- never stored in the clear.
CREATE TABLE registries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The registry's host[:port] as image references name it (docker.io for Docker Hub).
    address       TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(address) BETWEEN 1 AND 255),
    username      TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
);
