-- day_start: the building's local midnight, the expression the bi views use (month and month_key are generated).
INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, curve_kwh,
                               interval_count, expected_count, completeness, min_interval_kwh, max_interval_kwh,
                               avg_interval_kwh, day_start)
VALUES (%(building_code)s, %(meter_pk)s, %(metric)s, %(day)s, %(total_kwh)s, %(source_used)s, %(official_kwh)s,
        %(curve_kwh)s, %(interval_count)s, %(expected_count)s, %(completeness)s, %(min_interval_kwh)s,
        %(max_interval_kwh)s, %(avg_interval_kwh)s,
        %(day)s::date::timestamp AT TIME ZONE (SELECT timezone FROM buildings WHERE code = %(building_code)s))
