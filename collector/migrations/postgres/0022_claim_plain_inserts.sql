-- A decision batch's claim writes less (issue #14). With two collectors the claim's commit is
-- where the time goes: sampled during `bench-decide`, the active backends waited on the WAL
-- flush (WALSync, and WALWrite for the other collector's flush) more than half the time, and
-- with `synchronous_commit = off` tried for the measurement only, two collectors went from
-- 7,381 to 10,159 decisions/s. What a commit flushes is what the claim wrote; pg_waldump over
-- that phase: index leaf inserts 46% of the bytes, heap inserts 33%, and one HEAP_CONFIRM
-- record per row (8%), which only `INSERT ... ON CONFLICT` writes.
--
-- 1. The decision log's primary key is its key. The identity column stays (it orders
--    decisions taken in the same millisecond) without an index of its own: one index insert
--    fewer per decision, and the log keeps one key of its own (the drainer's upserts name
--    `decision_key`, which any unique index on it serves).
ALTER TABLE decisions DROP CONSTRAINT decisions_pkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_decision_key_key;
ALTER TABLE decisions ADD PRIMARY KEY (decision_key);

-- 2. The claim inserts without `ON CONFLICT` (a speculative insert: the key probed first, then
--    the row confirmed by a second WAL record). Display ids and decision keys are ids the client
--    proposed, new unless a request is sent again; a key already taken aborts the claim with a
--    unique violation, and the collector takes that batch through the locked path, whose
--    inserts do keep `ON CONFLICT DO NOTHING` (store/postgres/claims.rs). Everything else is
--    as in 0020.
CREATE OR REPLACE FUNCTION nps_claim_decisions(
    lock_keys BIGINT[],
    check_projects BIGINT[], check_users TEXT[], check_since BIGINT[], check_seen BIGINT[],
    d_ids TEXT[], d_projects BIGINT[], d_surveys BIGINT[], d_users TEXT[], d_triggers TEXT[],
    d_urls TEXT[], d_languages TEXT[], d_devices TEXT[], d_rates BIGINT[], d_ats BIGINT[],
    l_keys TEXT[], l_projects BIGINT[], l_surveys BIGINT[], l_users TEXT[], l_eligible BOOLEAN[],
    l_rules TEXT[], l_details TEXT[], l_retry BIGINT[], l_rates BIGINT[], l_displays TEXT[],
    l_triggers TEXT[], l_ats BIGINT[]
) RETURNS TABLE (conflict_project BIGINT, conflict_user TEXT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    late_projects BIGINT[];
    late_users TEXT[];
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM unnest(lock_keys) AS k;

    SELECT COALESCE(array_agg(c.p), '{}'), COALESCE(array_agg(c.u), '{}')
    INTO late_projects, late_users
    FROM unnest(check_projects, check_users, check_since, check_seen) AS c (p, u, since, seen)
    WHERE (SELECT COUNT(*) FROM displays s
           WHERE s.project_id = c.p AND s.user_id = c.u AND s.created_at >= c.since) <> c.seen;

    INSERT INTO displays (id, project_id, survey_id, user_id, trigger_name, url, language, device,
                          sampling_rate_bp, created_at)
    SELECT r.* FROM unnest(d_ids, d_projects, d_surveys, d_users, d_triggers, d_urls, d_languages,
                           d_devices, d_rates, d_ats) AS r (id, p, s, u, t, url, lang, dev, rate, at)
    WHERE NOT EXISTS (SELECT 1 FROM unnest(late_projects, late_users) AS x (p, u) WHERE x.p = r.p AND x.u = r.u);

    INSERT INTO decisions (decision_key, project_id, survey_id, user_id, eligible, rule, detail,
                           retry_after, sampling_rate_bp, display_id, trigger_name, created_at)
    SELECT r.* FROM unnest(l_keys, l_projects, l_surveys, l_users, l_eligible, l_rules, l_details,
                           l_retry, l_rates, l_displays, l_triggers, l_ats)
        AS r (k, p, s, u, e, rule, detail, retry, rate, display, t, at)
    WHERE NOT EXISTS (SELECT 1 FROM unnest(late_projects, late_users) AS x (p, u) WHERE x.p = r.p AND x.u = r.u);

    RETURN QUERY SELECT * FROM unnest(late_projects, late_users);
END
$$;
