-- The month's rows that differ from a whole-month rebuild, in one statement: the ones it would not write deleted,
-- the new or different ones upserted (disjoint sets). day_start and peak_at_local in the building's time zone, the
-- expressions of the bi view (month and month_key are generated).
WITH gone AS (
    DELETE FROM daily_max_power p
    USING unnest(%(gone_meters)s::bigint[], %(gone_days)s::date[]) AS g (meter_pk, day)
    WHERE p.meter_pk = g.meter_pk AND p.day = g.day
)
INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at, day_start, peak_at_local)
SELECT v.building_code, v.meter_pk, v.day, v.max_power_va, v.peak_at, v.day::timestamp AT TIME ZONE b.timezone,
       v.peak_at AT TIME ZONE b.timezone
FROM unnest(%(building_code)s::text[], %(meter_pk)s::bigint[], %(day)s::date[], %(max_power_va)s::double precision[],
            %(peak_at)s::timestamptz[]) AS v (building_code, meter_pk, day, max_power_va, peak_at)
LEFT JOIN buildings b ON b.code = v.building_code
ON CONFLICT (meter_pk, day) DO UPDATE
SET building_code = EXCLUDED.building_code, max_power_va = EXCLUDED.max_power_va, peak_at = EXCLUDED.peak_at,
    day_start = EXCLUDED.day_start, peak_at_local = EXCLUDED.peak_at_local
