-- Instants as integer microseconds since 1970 (exact: extract returns numeric): no datetime object per row.
SELECT meter_pk, metric, (extract(epoch FROM ts) * 1000000)::bigint, interval_s, kwh
FROM readings
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start_day)s AND day < %(end_day)s
ORDER BY meter_pk, ts
