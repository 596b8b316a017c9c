-- Who created each link campaign (issue #11, tenant isolation): a partner campaign belongs to
-- the partner manager who created it, and no other partner manager may read its recipients,
-- links or status. Campaigns created before this migration have no creator: only owners and
-- admins reach them (a partner manager cannot be proven to be theirs).
ALTER TABLE campaigns ADD COLUMN created_by TEXT;
