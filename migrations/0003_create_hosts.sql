-- Docker hosts registered in Wharf. `url` is unix:///path, tcp://host:port or https://host:port.
-- For mutual TLS the CA bundle and client certificate are stored as PEM text (they are public);
-- the client key is sealed with AES-256-GCM under the data directory's secret.key (see
-- Sources/WharfApp/Secrets/SecretKey.swift) and never stored in the clear.
CREATE TABLE hosts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE COLLATE NOCASE
                            CHECK (length(name) BETWEEN 1 AND 64),
    url             TEXT    NOT NULL,
    tls_ca_pem      TEXT,
    tls_cert_pem    TEXT,
    tls_key_sealed  BLOB,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    CHECK ((tls_cert_pem IS NULL) = (tls_key_sealed IS NULL))
);

-- host_grants gains its foreign key to hosts, rebuilt as SQLite's ALTER TABLE procedure
-- describes; grants naming hosts that never existed are dropped.
CREATE TABLE host_grants_new (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    role    TEXT    NOT NULL CHECK (role IN ('operator', 'viewer')),
    PRIMARY KEY (user_id, host_id)
);
INSERT INTO host_grants_new (user_id, host_id, role)
    SELECT user_id, host_id, role FROM host_grants WHERE host_id IN (SELECT id FROM hosts);
DROP TABLE host_grants;
ALTER TABLE host_grants_new RENAME TO host_grants;
CREATE INDEX host_grants_host ON host_grants (host_id);
