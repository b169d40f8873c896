DELETE FROM reading_day_inputs WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
