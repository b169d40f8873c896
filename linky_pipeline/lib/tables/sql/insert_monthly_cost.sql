-- One local month of one building's priced meters, from daily_cost. A month is partial when one of its days is,
-- or when fewer days were priced than the month has (days without data or without a tariff).
INSERT INTO monthly_cost (building_code, meter_pk, month, kwh, priced_kwh, unpriced_kwh, energy_eur, subscription_eur,
                          total_eur, days_priced, days_in_month, partial_days, completeness, partial)
SELECT d.building_code, d.meter_pk, %(month)s::date,
       sum(d.kwh), sum(d.priced_kwh), sum(d.unpriced_kwh), sum(d.energy_eur), sum(d.subscription_eur), sum(d.total_eur),
       count(*)::int,
       extract(day FROM (%(month)s::date + interval '1 month' - interval '1 day'))::int,
       (count(*) FILTER (WHERE d.partial))::int,
       round(avg(d.completeness)::numeric, 6)::float8,
       bool_or(d.partial)
           OR count(*) < extract(day FROM (%(month)s::date + interval '1 month' - interval '1 day'))
FROM daily_cost d
WHERE d.building_code = %(building)s AND d.day >= %(month)s::date AND d.day < (%(month)s::date + interval '1 month')
GROUP BY d.building_code, d.meter_pk
