-- The highest mean interval power of each local day, in VA (assuming a power factor of 1).
SELECT meter_pk, (ts AT TIME ZONE %(tz)s)::date AS day, max(kwh * 3600 / interval_s) * 1000
FROM readings
WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
  AND day >= (%(start)s::timestamptz AT TIME ZONE 'UTC')::date - 1  -- reaches reading_days' key (see
  AND day <= (%(end)s::timestamptz AT TIME ZONE 'UTC')::date + 1    -- select_readings_window.sql)
GROUP BY 1, 2
