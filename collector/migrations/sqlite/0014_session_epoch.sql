-- Sign-out revokes sessions at once: every admin session token carries the epoch it was
-- issued in, and the session extractor refuses a token whose epoch is older than the user's.
ALTER TABLE admin_users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
