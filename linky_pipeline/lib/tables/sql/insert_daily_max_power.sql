-- day_start and peak_at_local in the building's time zone, the expressions the bi view uses (month and month_key
-- are generated).
INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at, day_start, peak_at_local)
SELECT v.building_code, v.meter_pk, v.day, v.max_power_va, v.peak_at, v.day::timestamp AT TIME ZONE b.timezone,
       v.peak_at AT TIME ZONE b.timezone
FROM (VALUES (%(building_code)s::text, %(meter_pk)s::bigint, %(day)s::date, %(max_power_va)s::double precision,
              %(peak_at)s::timestamptz)) AS v (building_code, meter_pk, day, max_power_va, peak_at)
LEFT JOIN buildings b ON b.code = v.building_code
