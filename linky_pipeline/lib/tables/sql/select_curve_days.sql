SELECT day, offset_s, interval_s, energy_mj FROM reading_days
WHERE meter_pk = %(meter_pk)s AND day >= %(start)s AND day < %(end)s
ORDER BY metric, day
