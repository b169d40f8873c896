-- One row per meter and local month whose first day is in the range (a month is exported whole).
SELECT b.code AS building, m.meter_id AS meter, m.direction, to_char(mc.month, 'YYYY-MM') AS month,
       mc.total_kwh AS kwh, mc.completeness, mc.days_with_data, mc.days_in_month,
       c.energy_eur, c.subscription_eur, c.total_eur, c.partial, c.days_priced,
       (SELECT jsonb_object_agg(p.period, jsonb_build_object('kwh', p.kwh, 'eur', p.energy_eur))
        FROM monthly_cost_periods p WHERE p.meter_pk = mc.meter_pk AND p.month = mc.month) AS periods
FROM monthly_consumption mc
JOIN meters m ON m.id = mc.meter_pk
JOIN buildings b ON b.code = m.building_code
LEFT JOIN monthly_cost c ON c.meter_pk = mc.meter_pk AND c.month = mc.month
WHERE b.code = %(building)s AND mc.month >= %(first)s AND mc.month < %(end)s
ORDER BY m.meter_id, m.direction, mc.month
