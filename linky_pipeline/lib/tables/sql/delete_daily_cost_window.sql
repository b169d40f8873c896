DELETE FROM daily_cost WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
