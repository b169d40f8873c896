-- The local days daily_consumption expects data for: the days a cost row is computed for.
SELECT day FROM daily_consumption WHERE meter_pk = %(meter_pk)s AND day >= %(start)s AND day < %(end)s ORDER BY day
