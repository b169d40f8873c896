-- Complete curve days whose sum drifts from the official daily energy by more than the tolerance.
SELECT count(*) FROM daily_consumption
WHERE meter_pk = ANY(%(meters)s) AND day >= %(month_start)s AND day < %(month_end)s
  AND completeness >= 1 AND official_kwh > 0 AND curve_kwh IS NOT NULL
  AND abs(curve_kwh - official_kwh) / official_kwh > %(tolerance)s
