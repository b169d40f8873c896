DELETE FROM daily_cost_periods WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
