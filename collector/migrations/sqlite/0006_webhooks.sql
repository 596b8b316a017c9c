-- Alerts and integrations: webhook endpoints per project, the e-mail alert policy, and the
-- delivery log (one row per attempt, written by the outbox's delivery worker).
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    bands TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('standard', 'slack')),
    enabled BOOLEAN NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_project ON webhook_endpoints (project_id);

CREATE TABLE alert_policies (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    policy TEXT NOT NULL
);

-- No foreign keys: the log outlives deleted endpoints, and e-mails of any feature write here.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    project_id BIGINT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT,
    reference TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX deliveries_project ON deliveries (project_id, at);
CREATE INDEX deliveries_message ON deliveries (message_id, at);
