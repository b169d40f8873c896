-- One row per implausible point (meter, endpoint, interval start); a repeat answer refreshes it and reopens it.
INSERT INTO implausible_values (
    meter_pk, endpoint, interval_start, interval_s, local_day, value, unit, limit_value, reason, first_seen, last_seen
)
VALUES (
    %(meter_pk)s, %(endpoint)s, %(interval_start)s, %(interval_s)s, %(local_day)s, %(value)s, %(unit)s,
    %(limit_value)s, %(reason)s, %(now)s, %(now)s
)
ON CONFLICT (meter_pk, endpoint, interval_start) DO UPDATE
SET value = EXCLUDED.value,
    limit_value = EXCLUDED.limit_value,
    reason = EXCLUDED.reason,
    answers = implausible_values.answers + 1,
    last_seen = EXCLUDED.last_seen,
    resolved_at = NULL
RETURNING (xmax = 0) AS inserted
