-- Admin user lifecycle (issue #12): owners disable and re-enable users, and anyone with a
-- signed password-reset link sets a new password once.
--
-- NULL: active. Otherwise when the user was disabled (Unix ms); a disabled user cannot sign
-- in and the session extractor refuses their tokens.
ALTER TABLE admin_users ADD COLUMN disabled_at BIGINT;

-- Reset links are signed tokens, nothing is stored when one is issued; using one records its
-- `jti` here, in the same transaction that sets the password, so a link works once.
CREATE TABLE admin_password_resets (
    jti TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    used_at BIGINT NOT NULL
);
