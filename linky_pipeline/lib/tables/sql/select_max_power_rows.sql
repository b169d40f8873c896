-- The month's stored rows in the order of write_max_power_rows' columns, and whether day_start and peak_at_local
-- hold what the insert writes (the building's zone).
SELECT p.building_code, p.meter_pk, p.day, p.max_power_va, p.peak_at,
       p.day_start IS NOT DISTINCT FROM (p.day::timestamp AT TIME ZONE b.timezone)
       AND p.peak_at_local IS NOT DISTINCT FROM (p.peak_at AT TIME ZONE b.timezone)
FROM daily_max_power p
LEFT JOIN buildings b ON b.code = p.building_code
WHERE p.meter_pk = ANY(%(meters)s) AND p.day >= %(start)s AND p.day < %(end)s
