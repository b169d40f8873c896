SELECT p.building_code, date_trunc('month', p.day)::date AS month, m.meter_id, count(*) AS days,
       max(p.max_power_va) AS peak_va
FROM daily_max_power p
JOIN meters m ON m.id = p.meter_pk
WHERE p.building_code = ANY(%(buildings)s) AND p.day >= %(start)s AND p.day < %(end)s
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
