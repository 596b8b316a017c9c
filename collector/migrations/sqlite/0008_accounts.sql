-- Accounts and churn: business data per account (imported by CSV or JSON) and the action log.
-- Money in minor units (cents), dates as unix ms of midnight UTC. A NULL field is unknown.
CREATE TABLE account_business (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    account_id TEXT NOT NULL,
    mrr_cents BIGINT CHECK (mrr_cents >= 0),
    arr_cents BIGINT CHECK (arr_cents >= 0),
    renewal_at BIGINT,
    churned BOOLEAN,
    churn_at BIGINT,
    plan TEXT,
    owner TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, account_id)
);

-- What changed because of NPS. Themes and response ids are JSON arrays (TEXT).
CREATE TABLE nps_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT REFERENCES surveys (id),
    title TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    owner TEXT,
    themes TEXT NOT NULL DEFAULT '[]',
    response_ids TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX nps_actions_project ON nps_actions (project_id, decided_at);
