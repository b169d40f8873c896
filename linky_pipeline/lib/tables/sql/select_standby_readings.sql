SELECT meter_pk, ts, interval_s, kwh FROM readings
WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
ORDER BY meter_pk, ts
