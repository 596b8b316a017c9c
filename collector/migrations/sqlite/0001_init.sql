-- Times are unix milliseconds; JSON is TEXT. Kept identical to the PostgreSQL schema except
-- for identity columns, so one set of queries serves both.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL UNIQUE,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    identity_secret TEXT NOT NULL,
    identity_enforced BOOLEAN NOT NULL DEFAULT FALSE,
    fatigue TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('tnps', 'rnps', 'enps', 'partner')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'live', 'paused', 'closed')),
    definition TEXT NOT NULL,
    rules TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX surveys_project ON surveys (project_id);

CREATE TABLE app_users (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    external_id TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    language TEXT,
    account_id TEXT,
    account_role TEXT,
    PRIMARY KEY (project_id, external_id)
);

CREATE TABLE accounts (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    external_id TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    first_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, external_id)
);

CREATE TABLE account_members (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, account_id, user_id)
);

CREATE TABLE displays (
    id TEXT PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    user_id TEXT NOT NULL,
    trigger_name TEXT,
    url TEXT,
    language TEXT,
    device TEXT,
    sampling_rate_bp BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX displays_user ON displays (project_id, user_id, created_at);
CREATE INDEX displays_survey ON displays (survey_id, created_at);

CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    user_id TEXT NOT NULL,
    display_id TEXT,
    score BIGINT CHECK (score BETWEEN 0 AND 10),
    comment TEXT,
    extra_answers TEXT NOT NULL DEFAULT '{}',
    attributes TEXT,
    account_id TEXT,
    account_role TEXT,
    language TEXT,
    device TEXT,
    trigger_name TEXT,
    sampling_rate_bp BIGINT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX responses_survey ON responses (survey_id, created_at);
CREATE INDEX responses_user ON responses (project_id, user_id, created_at);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT REFERENCES surveys (id),
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('decline', 'snooze', 'opt_out')),
    created_at BIGINT NOT NULL
);
CREATE INDEX feedback_user ON feedback (project_id, user_id, created_at);

CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst', 'hr', 'partner_manager')),
    created_at BIGINT NOT NULL
);
