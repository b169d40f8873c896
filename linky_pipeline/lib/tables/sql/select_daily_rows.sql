-- The month's stored rows in the order of write_daily_rows' columns, and whether day_start holds what it
-- writes (the building's local midnight).
SELECT d.building_code, d.meter_pk, d.metric, d.day, d.total_kwh, d.source_used, d.official_kwh, d.curve_kwh,
       d.interval_count, d.expected_count, d.completeness, d.min_interval_kwh, d.max_interval_kwh, d.avg_interval_kwh,
       d.day_start IS NOT DISTINCT FROM (d.day::timestamp AT TIME ZONE b.timezone)
FROM daily_consumption d
LEFT JOIN buildings b ON b.code = d.building_code
WHERE d.meter_pk = ANY(%(meters)s) AND d.day >= %(start)s AND d.day < %(end)s
