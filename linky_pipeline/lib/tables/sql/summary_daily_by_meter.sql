-- Per building-month and meter: days, days without any data (and which), incomplete days, completeness, energy.
SELECT d.building_code, date_trunc('month', d.day)::date AS month, m.meter_id, d.metric,
       count(*) AS days,
       count(*) FILTER (WHERE d.source_used = 'none') AS days_without_data,
       count(*) FILTER (WHERE d.completeness < 1) AS incomplete_days,
       coalesce(avg(d.completeness), 0) AS completeness,
       coalesce(sum(d.total_kwh), 0) AS total_kwh,
       coalesce(array_agg(d.day ORDER BY d.day) FILTER (WHERE d.source_used = 'none'), '{}') AS gap_days,
       coalesce(array_agg(d.day ORDER BY d.day) FILTER (WHERE d.completeness < 1), '{}') AS incomplete
FROM daily_consumption d
JOIN meters m ON m.id = d.meter_pk
WHERE d.building_code = ANY(%(buildings)s) AND d.day >= %(start)s AND d.day < %(end)s
GROUP BY d.building_code, date_trunc('month', d.day), m.meter_id, d.metric
ORDER BY 1, 2, 3, 4
