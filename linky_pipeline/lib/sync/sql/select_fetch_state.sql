SELECT meter_pk, endpoint, day, status, is_final
FROM fetch_state
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
