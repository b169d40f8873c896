-- Which metrics reading_days holds per meter and day: key columns only (segment values and the ordered day), so
-- compressed batches are not unpacked for their arrays.
SELECT meter_pk, day, string_agg(metric, ',' ORDER BY metric) FROM reading_days
WHERE meter_pk = ANY(%(meters)s) AND day >= %(start)s AND day < %(end)s
GROUP BY meter_pk, day
