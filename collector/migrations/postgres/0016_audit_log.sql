-- The append-only audit log (issue #12): every admin write, export and read of protected
-- (employee / anonymous partner NPS) data, with who, what, when and from where.
--
-- `seq` is assigned by the collector as the chain head's seq + 1 while holding the chain's
-- advisory lock (several collectors may share this database), so the order of the chain is
-- the order of `seq`. Each row's `hash` is SHA-256(prev_hash, canonical content of the row):
-- editing or deleting a row breaks the chain at that row, which `GET /api/admin/audit/verify`
-- reports. No request body, password, token, free-text query or respondent identifier is ever
-- stored here.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    -- A snapshot of the actor: users can be deleted, their entries stay readable.
    actor_id BIGINT,
    actor_email TEXT,
    actor_role TEXT,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    -- Canonical JSON object of the route's path parameters (and survey/wave of protected reads).
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    client_addr TEXT,
    user_agent TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);

-- The database refuses to change or remove an entry: only INSERT is possible.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The chain head (one row): appends read and advance it in the transaction that inserts the
-- entry, so deleting the newest entries (which no later hash covers) is detected too.
CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE FUNCTION audit_chain_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain head cannot be removed';
END
$$;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_chain_keep();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_keep();
