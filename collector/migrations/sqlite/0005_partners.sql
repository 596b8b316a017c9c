-- Partner organisations (partner NPS): tier, region and the partner manager who owns them.
-- Answers name their partner in the `partner` attribute (a recipient attribute of the campaign).
CREATE TABLE partners (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    tier TEXT,
    region TEXT,
    owner_email TEXT,
    PRIMARY KEY (project_id, external_id)
);
CREATE INDEX partners_owner ON partners (owner_email);
