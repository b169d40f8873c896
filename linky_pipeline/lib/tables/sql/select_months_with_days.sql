SELECT DISTINCT date_trunc('month', day)::date FROM reading_days
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
