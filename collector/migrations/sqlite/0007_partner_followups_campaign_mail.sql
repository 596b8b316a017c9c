-- Partner follow-ups remember their partner (routing to, and scoping for, the owning partner
-- manager); e-mail delivery of campaign links with reminders and recurring waves.
ALTER TABLE followups ADD COLUMN partner_id TEXT;
UPDATE followups SET partner_id = (
    SELECT CAST(json_extract(r.attributes, '$.partner') AS TEXT) FROM responses r JOIN surveys s ON s.id = r.survey_id
    WHERE r.id = followups.response_id AND s.kind = 'partner'
);

CREATE INDEX followups_partner ON followups (project_id, partner_id);

-- E-mail delivery of campaign links. Set by "send now" and the delivery settings: reminders to
-- those who have not answered (every reminder_after_days, at most max_reminders), and a
-- recurring cadence that starts the next wave cadence_days after the last one started.
-- lease_owner / lease_until: the collector process working the campaign right now, so several
-- collectors on one database never send the same mail from their separate outboxes.
CREATE TABLE campaign_schedules (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    active BOOLEAN NOT NULL,
    reminder_after_days BIGINT,
    max_reminders BIGINT NOT NULL,
    cadence_days BIGINT,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per wave: a wave gives every recipient a new single-use link. reminder_rounds counts
-- the reminder rounds done (round k is due k x reminder_after_days after started_at).
CREATE TABLE campaign_waves (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    wave BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    reminder_rounds BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, wave)
);

-- Every invitation and reminder handed to the outbox, by its deterministic outbox id. No time
-- per recipient: reminders go out in rounds at fixed offsets from the wave's start.
CREATE TABLE campaign_messages (
    outbox_id TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    wave BIGINT NOT NULL,
    recipient_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder'))
);
CREATE INDEX campaign_messages_wave ON campaign_messages (campaign_id, wave, kind);
