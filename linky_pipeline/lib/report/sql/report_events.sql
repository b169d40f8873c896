-- The month's anomalies (7-day rule, whole days; intervals counted per day) and usage alerts, by day.
SELECT local_day, 'Surconsommation journalière', severity, message FROM consumption_anomalies
WHERE building_code = %(building)s AND local_day >= %(start)s AND local_day < %(end)s AND granularity = 'day'
UNION ALL
SELECT local_day, 'Pics sur un créneau',
       (array_agg(severity ORDER BY CASE severity WHEN 'Critical' THEN 3 WHEN 'Major' THEN 2 ELSE 1 END DESC))[1],
       count(*) || ' créneau(x) au-dessus de leur moyenne 7 jours'
FROM consumption_anomalies
WHERE building_code = %(building)s AND local_day >= %(start)s AND local_day < %(end)s AND granularity = 'interval'
GROUP BY local_day
UNION ALL
SELECT local_day,
       CASE rule WHEN 'subscribed_power' THEN 'Puissance souscrite dépassée'
                 WHEN 'standby_baseline_28d' THEN 'Hausse de la veille'
                 WHEN 'week_over_week_energy' THEN 'Hausse hebdomadaire (kWh)'
                 ELSE 'Hausse hebdomadaire (€)' END,
       severity, message
FROM usage_alerts
WHERE building_code = %(building)s AND local_day >= %(start)s AND local_day < %(end)s
ORDER BY 1, 2
