-- Claims a batch of eligibility decisions in one statement (issue #14): the collector read the
-- batch's facts without a lock and decided it; this writes the granted displays and the
-- decision log, after checking under the users' locks that no display was granted to them
-- since that read (store/postgres/claims.rs).
--
-- Why a function: the check must see every display committed by whoever held a user's lock
-- before this call did. One SQL statement reads from the snapshot taken when it started, before
-- its lock was granted; each statement of a VOLATILE PL/pgSQL function takes a snapshot of its
-- own (READ COMMITTED), after the PERFORM that waited for the locks.
--
-- lock_keys: the advisory keys (store/postgres.rs, user_lock_key) of the users checked,
-- ascending: the order the locked path takes its keys in too, so the two cannot deadlock.
-- check_*: one entry per user granted a display by the batch, with how many displays since
-- `check_since` the batch's read found. A user whose count differs is in conflict: none of
-- its rows are written, and it is returned, so that its decisions are taken again.
-- d_*: the displays granted; l_*: the decision log, one row per decision.
CREATE FUNCTION nps_claim_decisions(
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
    WHERE NOT EXISTS (SELECT 1 FROM unnest(late_projects, late_users) AS x (p, u) WHERE x.p = r.p AND x.u = r.u)
    ON CONFLICT (id) DO NOTHING;

    INSERT INTO decisions (decision_key, project_id, survey_id, user_id, eligible, rule, detail,
                           retry_after, sampling_rate_bp, display_id, trigger_name, created_at)
    SELECT r.* FROM unnest(l_keys, l_projects, l_surveys, l_users, l_eligible, l_rules, l_details,
                           l_retry, l_rates, l_displays, l_triggers, l_ats)
        AS r (k, p, s, u, e, rule, detail, retry, rate, display, t, at)
    WHERE NOT EXISTS (SELECT 1 FROM unnest(late_projects, late_users) AS x (p, u) WHERE x.p = r.p AND x.u = r.u)
    ON CONFLICT (decision_key) DO NOTHING;

    RETURN QUERY SELECT * FROM unnest(late_projects, late_users);
END
$$;
