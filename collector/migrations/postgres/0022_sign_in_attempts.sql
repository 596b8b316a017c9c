-- Sign-in attempts counted per account and per client address in a fixed window (the lockout,
-- collector/src/ratelimit/sign_in.rs). Kept in the database so that collectors sharing it
-- share the count: a guesser spread over N collectors gets the attempts one collector allows,
-- not N times as many. `key` is a keyed hash (HMAC with the server secret) of the e-mail
-- address or the client address, so the table holds neither.
CREATE TABLE sign_in_attempts (
    key TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
