-- Night readings only (local 23:00–07:00, a margin around the detector's own [00:00, 06:00) test), instants as
-- integer microseconds since 1970 (exact: extract returns numeric), so Python builds no datetime per row.
SELECT meter_pk, (extract(epoch FROM ts) * 1000000)::bigint, interval_s, kwh FROM readings
WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
  AND day >= (%(start)s::timestamptz AT TIME ZONE 'UTC')::date - 1  -- reaches reading_days' key (see
  AND day <= (%(end)s::timestamptz AT TIME ZONE 'UTC')::date + 1    -- select_readings_window.sql)
  AND extract(hour FROM ts AT TIME ZONE %(tz)s) NOT BETWEEN 7 AND 22
ORDER BY meter_pk, ts
