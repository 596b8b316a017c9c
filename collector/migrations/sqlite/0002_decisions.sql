-- Every authoritative eligibility decision, with the rule that decided it: the record behind
-- "why was (or wasn't) this user asked?" and the per-rule exclusion counts in reports.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The display id the client proposed: makes a replayed log record idempotent.
    decision_key TEXT NOT NULL UNIQUE,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    user_id TEXT NOT NULL,
    eligible BOOLEAN NOT NULL,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    retry_after BIGINT,
    sampling_rate_bp BIGINT NOT NULL,
    display_id TEXT,
    trigger_name TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX decisions_survey ON decisions (survey_id, created_at);
CREATE INDEX decisions_user ON decisions (project_id, user_id, created_at);
