-- Data subject rights (issue #12): retention per project, and the ledger of erasures.
--
-- NULL: keep raw answers for ever. Otherwise raw answers (and their displays, decisions and
-- follow-ups) older than this many months are deleted by the retention task; rollups stay.
ALTER TABLE projects ADD COLUMN retention_months BIGINT;

-- One row per erased respondent: never the identifier itself, only an HMAC of it keyed with a
-- key derived from the server secret, so the ledger cannot be read back into a list of people.
-- The drainer drops spooled records of a subject acknowledged at or before `erased_at` (they
-- were acknowledged before the erasure); anything later is new data.
CREATE TABLE erasures (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    subject TEXT NOT NULL,
    erased_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, subject)
);
CREATE INDEX erasures_at ON erasures (erased_at);
