-- One row per meter and local day: energy from daily_consumption, cost (when priced) from daily_cost, the split per
-- tariff period as {period: {kwh, eur}} (pivoted to columns by the caller).
SELECT b.code AS building, m.meter_id AS meter, m.direction, d.day AS local_date,
       d.total_kwh AS kwh, d.source_used AS kwh_source, d.completeness,
       c.tariff_name AS tariff, c.tempo_colour, c.energy_eur, c.subscription_eur, c.total_eur, c.partial,
       c.partial_reason,
       (SELECT jsonb_object_agg(p.period, jsonb_build_object('kwh', p.kwh, 'eur', p.energy_eur))
        FROM daily_cost_periods p WHERE p.meter_pk = d.meter_pk AND p.day = d.day) AS periods
FROM daily_consumption d
JOIN meters m ON m.id = d.meter_pk
JOIN buildings b ON b.code = m.building_code
LEFT JOIN daily_cost c ON c.meter_pk = d.meter_pk AND c.day = d.day
WHERE b.code = %(building)s AND d.day >= %(first)s AND d.day < %(end)s
ORDER BY m.meter_id, m.direction, d.day
