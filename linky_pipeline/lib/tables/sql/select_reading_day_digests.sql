-- A digest of each stored day, computed where the arrays are (they never travel): md5 over their binary send
-- format, which packing.DayRow.digest builds client-side for the computed day.
SELECT meter_pk, metric, day,
       md5(array_send(offset_s) || array_send(interval_s) || array_send(energy_mj) || array_send(quality)
           || array_send(source))
FROM reading_days
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
