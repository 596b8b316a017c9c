-- Employee-NPS reports read a snapshot of each wave, replaced only after k more answers, so
-- two reads at different times never differ by fewer than k people (see store/disclosure.rs).
CREATE TABLE disclosure_snapshots (
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    wave BIGINT NOT NULL,
    answers BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (survey_id, wave)
);
