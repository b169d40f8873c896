SELECT count(*) FROM readings
WHERE meter_pk = ANY(%(meters)s) AND day >= %(month_start)s AND day < %(month_end)s
  AND ts + make_interval(secs => interval_s) > now()
