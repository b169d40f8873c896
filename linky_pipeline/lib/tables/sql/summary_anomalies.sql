-- Anomalies of the building-months, the largest deviations first (the preview shows the top of each month).
SELECT a.building_code, date_trunc('month', a.local_day)::date AS month, m.meter_id, a.granularity, a.severity,
       a.local_day, a.ts, a.value_kwh, a.avg_7d, a.variance_percent
FROM consumption_anomalies a
JOIN meters m ON m.id = a.meter_pk
WHERE a.building_code = ANY(%(buildings)s) AND a.local_day >= %(start)s AND a.local_day < %(end)s
ORDER BY 1, 2, a.variance_percent DESC, a.ts
