-- Account aggregates (issue #14): the account reports (accounts at risk, revenue-weighted NPS,
-- account timelines) read these instead of every answer of the project.
--
-- account_quarters: one row per in-app survey (tNPS/rNPS: employee and partner answers never
-- enter) and account, `cells` holding one cell per calendar quarter (UTC), separated by spaces:
-- `quarter,promoters,passives,detractors,first_at,last_at,eb,admin,end_user,other` where
-- quarter = year * 4 + quarter - 1 and the last four are the latest answer of each role class
-- (executive buyer, admin, end user, any other role or none) as `answered_at * 16 + score`,
-- empty when the class did not answer. Account '' is the survey's own row: every answer, with
-- or without an account (no latest answers). One row per account, not per quarter, because a
-- report reads every account at once and the cost of that is per row.
CREATE TABLE account_quarters (
    survey_id BIGINT NOT NULL,
    account_id TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (survey_id, account_id)
);

-- Each user's latest scored answer per in-app survey: who may be a silent detractor. Deleted
-- with the user's answers (erasure) and with them by retention.
CREATE TABLE account_latest_answers (
    survey_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    response_id TEXT NOT NULL,
    account_id TEXT,
    score BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (survey_id, user_id)
);

-- One account's answers (its timeline lists them; erasure recounts its quarter).
CREATE INDEX responses_account ON responses (project_id, account_id, created_at);

-- The answers stored before this migration, as the drainer would have counted them.
INSERT INTO account_quarters (survey_id, account_id, cells)
SELECT survey_id, account_id, group_concat(cell, ' ') FROM (
    SELECT survey_id, account_id,
        quarter || ',' || SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) || ',' || SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) || ',' ||
        SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) || ',' || MIN(created_at) || ',' || MAX(created_at) || ',' ||
        COALESCE(MAX(CASE WHEN role_class = 0 THEN created_at * 16 + score END), '') || ',' || COALESCE(MAX(CASE WHEN role_class = 1 THEN created_at * 16 + score END), '') || ',' ||
        COALESCE(MAX(CASE WHEN role_class = 2 THEN created_at * 16 + score END), '') || ',' || COALESCE(MAX(CASE WHEN role_class = 3 THEN created_at * 16 + score END), '') AS cell
    FROM (
        SELECT r.survey_id, r.account_id, r.score, r.created_at, CAST(strftime('%Y', r.created_at / 1000, 'unixepoch') AS INTEGER) * 4 + (CAST(strftime('%m', r.created_at / 1000, 'unixepoch') AS INTEGER) - 1) / 3 AS quarter,
            CASE r.account_role WHEN 'executive_buyer' THEN 0 WHEN 'admin' THEN 1 WHEN 'end_user' THEN 2 ELSE 3 END AS role_class
        FROM responses r JOIN surveys s ON s.id = r.survey_id
        WHERE s.kind IN ('tnps', 'rnps') AND r.score IS NOT NULL AND r.account_id IS NOT NULL
        UNION ALL
        SELECT r.survey_id, '', r.score, r.created_at, CAST(strftime('%Y', r.created_at / 1000, 'unixepoch') AS INTEGER) * 4 + (CAST(strftime('%m', r.created_at / 1000, 'unixepoch') AS INTEGER) - 1) / 3, NULL
        FROM responses r JOIN surveys s ON s.id = r.survey_id
        WHERE s.kind IN ('tnps', 'rnps') AND r.score IS NOT NULL
    ) answers
    GROUP BY survey_id, account_id, quarter
) quarters
GROUP BY survey_id, account_id;

INSERT INTO account_latest_answers (survey_id, user_id, response_id, account_id, score, answered_at)
SELECT r.survey_id, r.user_id, r.id, r.account_id, r.score, r.created_at
FROM responses r JOIN surveys s ON s.id = r.survey_id
WHERE s.kind IN ('tnps', 'rnps') AND r.score IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM responses o
    WHERE o.project_id = r.project_id AND o.user_id = r.user_id AND o.survey_id = r.survey_id AND o.score IS NOT NULL
        AND (o.created_at > r.created_at OR (o.created_at = r.created_at AND o.id > r.id))
);
