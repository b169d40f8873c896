-- An interval that starts before the previous one of the same meter and metric has ended (duplicates included).
-- The day before the month is read too: its last interval may run into the month's first.
SELECT count(*) FROM (
    SELECT ts, day, lag(ts + make_interval(secs => interval_s)) OVER (PARTITION BY meter_pk, metric ORDER BY ts) AS prev_end
    FROM readings
    WHERE meter_pk = ANY(%(meters)s) AND day >= %(month_start)s::date - 1 AND day < %(month_end)s
) r WHERE ts < prev_end AND day >= %(month_start)s
