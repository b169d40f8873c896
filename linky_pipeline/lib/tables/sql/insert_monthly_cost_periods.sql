INSERT INTO monthly_cost_periods (building_code, meter_pk, month, period, kwh, energy_eur)
SELECT p.building_code, p.meter_pk, %(month)s::date, p.period, sum(p.kwh),
       CASE WHEN bool_and(p.energy_eur IS NOT NULL) THEN sum(p.energy_eur) END
FROM daily_cost_periods p
WHERE p.building_code = %(building)s AND p.day >= %(month)s::date AND p.day < (%(month)s::date + interval '1 month')
GROUP BY p.building_code, p.meter_pk, p.period
