-- The meter and day bounds select whole compressed batches by their segment and min/max metadata (TimescaleDB
-- decompresses only those); the key list then picks the rows.
DELETE FROM reading_days
WHERE meter_pk = ANY(%(meters)s) AND day >= %(first)s AND day <= %(last)s
  AND (meter_pk, metric, day) IN (
      SELECT * FROM unnest(%(key_meters)s::bigint[], %(key_metrics)s::text[], %(key_days)s::date[]))
