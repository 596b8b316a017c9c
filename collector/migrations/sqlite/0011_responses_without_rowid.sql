-- Anonymous answers must say nothing about when they arrived. A plain SQLite table keeps a
-- hidden rowid in insertion order, which would rank anonymous answers against each other and
-- against the reminder rounds; a WITHOUT ROWID table is ordered by its random text key only.
-- The table is rebuilt: the follow-ups that reference it are checked again at commit.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE responses_clustered (
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
) WITHOUT ROWID;

INSERT INTO responses_clustered (id, project_id, survey_id, user_id, display_id, score, comment, extra_answers, attributes,
    account_id, account_role, language, device, trigger_name, sampling_rate_bp, created_at, completed_at)
SELECT id, project_id, survey_id, user_id, display_id, score, comment, extra_answers, attributes,
    account_id, account_role, language, device, trigger_name, sampling_rate_bp, created_at, completed_at
FROM responses ORDER BY id;

DROP TABLE responses;
ALTER TABLE responses_clustered RENAME TO responses;
CREATE INDEX responses_survey ON responses (survey_id, created_at);
CREATE INDEX responses_user ON responses (project_id, user_id, created_at);
