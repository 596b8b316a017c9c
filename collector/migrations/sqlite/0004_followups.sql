-- Closing the loop: a follow-up per answer in the project's follow-up bands, with its owner,
-- SLA and history of notes.
CREATE TABLE followup_policies (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    policy TEXT NOT NULL
);

CREATE TABLE followups (
    response_id TEXT PRIMARY KEY REFERENCES responses (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    band TEXT NOT NULL CHECK (band IN ('detractor', 'passive', 'promoter')),
    owner TEXT,
    status TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'resolved', 'wont_fix')),
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    first_contact_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX followups_project ON followups (project_id, status, due_at);

CREATE TABLE followup_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id TEXT NOT NULL REFERENCES followups (response_id),
    author TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    outcome TEXT,
    created_at BIGINT NOT NULL
);
