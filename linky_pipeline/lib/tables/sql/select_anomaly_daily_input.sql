-- A day's total is comparable when it is the official figure or a complete curve; gaps stay out (never zero).
SELECT building_code, meter_pk, metric, day, total_kwh,
       total_kwh IS NOT NULL AND (source_used = 'official' OR completeness >= 0.999) AS complete
FROM daily_consumption
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
ORDER BY meter_pk, day
