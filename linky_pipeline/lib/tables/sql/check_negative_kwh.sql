-- reading_days rejects negative energy itself; kept as a check of the relation every reader uses.
SELECT count(*) FROM readings
WHERE meter_pk = ANY(%(meters)s) AND day >= %(month_start)s AND day < %(month_end)s AND kwh < 0
