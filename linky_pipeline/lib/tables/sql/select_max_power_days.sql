SELECT meter_pk, day, max_power_va FROM daily_max_power
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
