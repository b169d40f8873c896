SELECT ts, interval_s, kwh, quality FROM readings
WHERE meter_pk = %(meter_pk)s AND ts >= %(start)s AND ts < %(end)s
ORDER BY ts
