-- Docker hosts registered in Wharf. `url` is unix:///path, tcp://host:port or https://host:port.
-- For mutual TLS the CA bundle and client certificate are stored as PEM text; the client key only
-- sealed with AES-256-GCM under the data directory's secret.key (label `host:<id>:tls-key`).
CREATE TABLE hosts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
    url           TEXT    NOT NULL,
    tls_ca        TEXT,
    tls_cert      TEXT,
    tls_key_box   BLOB,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    CHECK ((tls_cert IS NULL) = (tls_key_box IS NULL))
);
