SELECT ts, interval_s, kwh FROM readings
WHERE meter_pk = %(meter_pk)s AND ts >= %(start)s AND ts < %(end)s
  AND day >= (%(start)s::timestamptz AT TIME ZONE 'UTC')::date - 1  -- reaches reading_days' key: a local day is
  AND day <= (%(end)s::timestamptz AT TIME ZONE 'UTC')::date + 1    -- never more than a day off the UTC date
ORDER BY ts
