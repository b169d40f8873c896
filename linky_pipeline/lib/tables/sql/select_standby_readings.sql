SELECT meter_pk, ts, interval_s, kwh FROM readings
WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
  AND day >= (%(start)s::timestamptz AT TIME ZONE 'UTC')::date - 1  -- reaches reading_days' key (see
  AND day <= (%(end)s::timestamptz AT TIME ZONE 'UTC')::date + 1    -- select_readings_window.sql)
ORDER BY meter_pk, ts
