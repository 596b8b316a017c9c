-- The decision path's two tables keep no foreign keys (issue #14). Every decision batch inserts
-- its granted displays and its log rows, and each row's two keys (project, survey) were checked
-- by a trigger that locks the project and survey rows (FOR KEY SHARE): four lookups and four
-- row locks per decision, on the same two rows for every collector at once, a fifth of a
-- batch's claim measured in `bench-decide`. What they guarded cannot happen: a decision is
-- taken for a survey the collector read from `surveys`, and no project or survey is ever
-- deleted (retention and erasure delete answers, never the survey). The answers' tables keep
-- theirs. SQLite keeps the same keys declared: its decisions are taken in memory.
ALTER TABLE decisions DROP CONSTRAINT decisions_project_id_fkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_survey_id_fkey;
ALTER TABLE displays DROP CONSTRAINT displays_project_id_fkey;
ALTER TABLE displays DROP CONSTRAINT displays_survey_id_fkey;
