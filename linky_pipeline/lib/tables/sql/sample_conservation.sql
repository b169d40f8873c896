-- The complete curve days of one building-month whose sum drifts from the official figure (largest first).
SELECT m.meter_id, d.day, d.official_kwh, d.curve_kwh
FROM daily_consumption d
JOIN meters m ON m.id = d.meter_pk
WHERE d.meter_pk = ANY(%(meters)s) AND d.day >= %(month_start)s AND d.day < %(month_end)s
  AND d.completeness >= 1 AND d.official_kwh > 0 AND d.curve_kwh IS NOT NULL
  AND abs(d.curve_kwh - d.official_kwh) / d.official_kwh > %(tolerance)s
ORDER BY abs(d.curve_kwh - d.official_kwh) / d.official_kwh DESC
LIMIT %(limit)s
