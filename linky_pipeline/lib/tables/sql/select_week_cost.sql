SELECT meter_pk, day, total_eur::float8, NOT partial
FROM daily_cost
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
