-- A project's edited comment taxonomy (themes and their keywords) as one JSON document; a
-- project without a row uses the default taxonomy.
CREATE TABLE project_taxonomies (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    policy TEXT NOT NULL
);
