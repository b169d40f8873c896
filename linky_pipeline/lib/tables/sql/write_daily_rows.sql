-- The month's rows that differ from a whole-month rebuild, in one statement: the ones it would not write deleted,
-- the new or different ones upserted (the two sets are disjoint). day_start: the building's local midnight, the
-- expression of the bi views (month and month_key are generated).
WITH gone AS (
    DELETE FROM daily_consumption d
    USING unnest(%(gone_meters)s::bigint[], %(gone_days)s::date[]) AS g (meter_pk, day)
    WHERE d.meter_pk = g.meter_pk AND d.day = g.day
)
INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, curve_kwh,
                               interval_count, expected_count, completeness, min_interval_kwh, max_interval_kwh,
                               avg_interval_kwh, day_start)
SELECT v.building_code, v.meter_pk, v.metric, v.day, v.total_kwh, v.source_used, v.official_kwh, v.curve_kwh,
       v.interval_count, v.expected_count, v.completeness, v.min_interval_kwh, v.max_interval_kwh, v.avg_interval_kwh,
       v.day::timestamp AT TIME ZONE (SELECT timezone FROM buildings WHERE code = v.building_code)
FROM unnest(%(building_code)s::text[], %(meter_pk)s::bigint[], %(metric)s::text[], %(day)s::date[],
            %(total_kwh)s::double precision[], %(source_used)s::text[], %(official_kwh)s::double precision[],
            %(curve_kwh)s::double precision[], %(interval_count)s::integer[], %(expected_count)s::integer[],
            %(completeness)s::double precision[], %(min_interval_kwh)s::double precision[],
            %(max_interval_kwh)s::double precision[], %(avg_interval_kwh)s::double precision[])
     AS v (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, curve_kwh, interval_count,
           expected_count, completeness, min_interval_kwh, max_interval_kwh, avg_interval_kwh)
ON CONFLICT (meter_pk, day) DO UPDATE
SET building_code = EXCLUDED.building_code, metric = EXCLUDED.metric, total_kwh = EXCLUDED.total_kwh,
    source_used = EXCLUDED.source_used, official_kwh = EXCLUDED.official_kwh, curve_kwh = EXCLUDED.curve_kwh,
    interval_count = EXCLUDED.interval_count, expected_count = EXCLUDED.expected_count,
    completeness = EXCLUDED.completeness, min_interval_kwh = EXCLUDED.min_interval_kwh,
    max_interval_kwh = EXCLUDED.max_interval_kwh, avg_interval_kwh = EXCLUDED.avg_interval_kwh,
    day_start = EXCLUDED.day_start
