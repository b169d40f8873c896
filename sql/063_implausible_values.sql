-- Quarantine of implausible values (issue 17 §1): a point no residential or building meter can measure (above the
-- plausibility bounds of lib/sources/plausibility.py, not finite, negative) stays in raw_load_curves as received,
-- is flagged here in the landing transaction, reported by the landing's WARN check and notified once per meter and
-- local day (notifications kind 'implausible_value'); the tables never read it, so it blocks nothing else.
CREATE TABLE implausible_values (
    meter_pk        bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    endpoint        text NOT NULL,
    interval_start  timestamptz NOT NULL,           -- UTC interval start (a day's value: local midnight of the day)
    interval_s      integer NOT NULL CHECK (interval_s > 0 AND interval_s <= 90000),
    local_day       date NOT NULL,                  -- in the meter's provider zone
    value           double precision NOT NULL,      -- as parsed, in kWh (VA for max power); NaN and ±Infinity kept
    unit            text NOT NULL CHECK (unit IN ('kWh', 'VA')),
    limit_value     double precision NOT NULL CHECK (limit_value > 0),
    reason          text NOT NULL CHECK (reason IN ('not_finite', 'negative', 'above_limit')),
    answers         integer NOT NULL DEFAULT 1 CHECK (answers > 0),   -- answers that carried it so far
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    resolved_at     timestamptz,                    -- a later answer brought a plausible value for the interval
    PRIMARY KEY (meter_pk, endpoint, interval_start),
    CHECK (last_seen >= first_seen)
);
CREATE INDEX implausible_values_open_idx ON implausible_values (meter_pk, local_day) WHERE resolved_at IS NULL;

-- 052 owned this check; the full union of kinds, plus 'implausible_value'.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'anomaly', 'consent_expiry', 'consent_lost', 'run_failure', 'empty_answer', 'usage_alert', 'monthly_report',
    'implausible_value'));
