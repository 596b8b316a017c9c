-- SQLite rebuilds `responses` as a WITHOUT ROWID table here so that no hidden row number
-- records the order anonymous answers arrived in. PostgreSQL tables have no row number a
-- reader can select (answers are keyed by random ids); nothing changes, the versions stay in
-- step.
SELECT 1;
