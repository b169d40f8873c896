-- A day counts when its total is the official figure or a complete curve (as for the 7-day rule).
SELECT meter_pk, day, total_kwh, total_kwh IS NOT NULL AND (source_used = 'official' OR completeness >= 0.999)
FROM daily_consumption
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
