-- Link campaigns (employee NPS, partner NPS): recipients, and the ledger of used invitation
-- tokens. The ledger holds only a hash of each used token: no id, no timestamp, nothing an
-- answer also holds, so an anonymous answer cannot be joined to the person who gave it.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    name TEXT NOT NULL,
    anonymity TEXT NOT NULL CHECK (anonymity IN ('anonymous', 'confidential', 'identified')),
    min_group BIGINT NOT NULL,
    verbatim_min_group BIGINT NOT NULL,
    group_attributes TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE recipients (
    id TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    email TEXT NOT NULL,
    name TEXT,
    language TEXT,
    attributes TEXT NOT NULL,
    -- The invitation's unique id: re-sending a link re-issues the same token.
    token_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    UNIQUE (campaign_id, email)
);

CREATE TABLE token_ledger (
    token_hash TEXT PRIMARY KEY
) WITHOUT ROWID;
