SELECT meter_pk, endpoint, day, status, is_final, attempts, next_attempt, first_fetched_at, points
FROM fetch_state
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
