SELECT count(*) FROM daily_consumption
WHERE meter_pk = ANY(%(meters)s) AND day >= %(month_start)s AND day < %(month_end)s AND completeness < 1
