-- Report rollups: answers counted per survey, UTC day, dimension and value, one column per
-- score 0..=10, so bands, NPS, its interval and the distribution all come from here.
-- Dimension '' is the overall total (value ''); the others are the segment dimensions a project
-- declared (`attr:<key>`, `role`, `language`, `device`, `trigger`). `present` is false when
-- the answer lacks the value (then value is '').
CREATE TABLE report_dimensions (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    dimension TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, dimension)
);

CREATE TABLE report_rollups (
    survey_id BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    day BIGINT NOT NULL,
    present BOOLEAN NOT NULL,
    value TEXT NOT NULL,
    s0 BIGINT NOT NULL DEFAULT 0,
    s1 BIGINT NOT NULL DEFAULT 0,
    s2 BIGINT NOT NULL DEFAULT 0,
    s3 BIGINT NOT NULL DEFAULT 0,
    s4 BIGINT NOT NULL DEFAULT 0,
    s5 BIGINT NOT NULL DEFAULT 0,
    s6 BIGINT NOT NULL DEFAULT 0,
    s7 BIGINT NOT NULL DEFAULT 0,
    s8 BIGINT NOT NULL DEFAULT 0,
    s9 BIGINT NOT NULL DEFAULT 0,
    s10 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, dimension, day, present, value)
);

-- The overall total of the answers stored before this migration.
INSERT INTO report_rollups (survey_id, dimension, day, present, value, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10)
SELECT survey_id, '', created_at / 86400000, TRUE, '',
    SUM(CASE WHEN score = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN score = 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN score = 3 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN score = 5 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score = 6 THEN 1 ELSE 0 END), SUM(CASE WHEN score = 7 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score = 8 THEN 1 ELSE 0 END), SUM(CASE WHEN score = 9 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score = 10 THEN 1 ELSE 0 END)
FROM responses WHERE score IS NOT NULL GROUP BY survey_id, created_at / 86400000;
