-- Every collector sharing this database must hold the same server secret (sessions, widget
-- tokens, campaign links and the erasure ledger are keyed with it). The first start records a
-- fingerprint of it, an HMAC of a fixed label that reveals nothing about the secret; later
-- starts with another secret are refused (see collector/src/secret_check.rs).
CREATE TABLE server_secret_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
