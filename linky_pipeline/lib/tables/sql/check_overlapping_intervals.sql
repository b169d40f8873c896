-- An interval that starts before the previous one of the same meter and metric has ended (duplicates included).
SELECT count(*) FROM (
    SELECT ts, lag(ts + make_interval(secs => interval_s)) OVER (PARTITION BY meter_pk, metric ORDER BY ts) AS prev_end
    FROM readings WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
) r WHERE ts < prev_end
