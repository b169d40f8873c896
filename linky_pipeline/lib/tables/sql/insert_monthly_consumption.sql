-- One local month of one building, from daily_consumption. Month-over-month and year-over-year compare with the
-- monthly rows already stored (range runs process months in ascending order, so earlier months exist).
-- Full precision (no rounding: that is for display); sums run in day order so a re-run gives the same bits.
INSERT INTO monthly_consumption (building_code, meter_pk, metric, month, total_kwh, official_kwh, curve_kwh,
                                 days_with_data, days_in_month, interval_count, expected_count, completeness,
                                 min_daily_kwh, max_daily_kwh, avg_daily_kwh, mom_change_pct, yoy_change_pct)
SELECT d.building_code, d.meter_pk, d.metric, %(month)s::date,
       sum(d.total_kwh ORDER BY d.day),
       sum(d.official_kwh ORDER BY d.day),
       sum(d.curve_kwh ORDER BY d.day),
       count(d.total_kwh)::int,
       extract(day FROM (%(month)s::date + interval '1 month' - interval '1 day'))::int,
       sum(d.interval_count)::int, sum(d.expected_count)::int,
       avg(d.completeness ORDER BY d.day),
       min(d.total_kwh), max(d.total_kwh), avg(d.total_kwh ORDER BY d.day),
       100 * (sum(d.total_kwh ORDER BY d.day) / NULLIF(prev.total_kwh, 0) - 1),
       100 * (sum(d.total_kwh ORDER BY d.day) / NULLIF(last_year.total_kwh, 0) - 1)
FROM daily_consumption d
LEFT JOIN monthly_consumption prev
       ON prev.meter_pk = d.meter_pk AND prev.month = (%(month)s::date - interval '1 month')::date
LEFT JOIN monthly_consumption last_year
       ON last_year.meter_pk = d.meter_pk AND last_year.month = (%(month)s::date - interval '1 year')::date
WHERE d.building_code = %(building)s AND d.day >= %(month)s::date AND d.day < (%(month)s::date + interval '1 month')
GROUP BY d.building_code, d.meter_pk, d.metric, prev.total_kwh, last_year.total_kwh
