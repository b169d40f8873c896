-- An HTTP 200 that yields no point for a day the API should have data for (active meter, consent valid, inside
-- the horizon, a past day) is never a quiet gap: one row per meter and local day, written in the landing
-- transaction, notified once (notifications kind 'empty_answer'), marked resolved when a later answer brings data.
CREATE TABLE empty_answers (
    meter_pk     bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    day          date NOT NULL,                     -- local day in the meter's provider zone
    endpoints    text[] NOT NULL CHECK (cardinality(endpoints) > 0),
    answers      integer NOT NULL DEFAULT 1 CHECK (answers > 0),   -- empty 200s seen for that day so far
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    resolved_at  timestamptz,                       -- a later answer brought points for that day
    PRIMARY KEY (meter_pk, day),
    CHECK (last_seen >= first_seen)
);
CREATE INDEX empty_answers_open_idx ON empty_answers (meter_pk) WHERE resolved_at IS NULL;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('anomaly', 'consent_expiry', 'consent_lost', 'run_failure', 'empty_answer'));
