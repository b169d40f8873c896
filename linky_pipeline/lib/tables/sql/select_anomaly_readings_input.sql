SELECT %(building)s::text, meter_pk, metric, ts, interval_s, kwh
FROM readings
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start_day)s AND day < %(end_day)s
ORDER BY meter_pk, ts
