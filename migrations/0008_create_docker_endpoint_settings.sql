-- The Docker endpoint's per-host setting: which calls beyond the operators' allowlist admins may
-- make through /api/v1/hosts/:host/docker on this host. `capabilities` is a comma-separated list of
-- names from EndpointCapability (Sources/WharfApp/DockerEndpoint): plugins, cluster, buildkit,
-- remote-build, host-access. A host without a row has none: everything in that list is refused,
-- to admins too.
CREATE TABLE docker_endpoint_settings (
    host_id      INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    capabilities TEXT    NOT NULL DEFAULT '',
    updated_ms   INTEGER NOT NULL
);
