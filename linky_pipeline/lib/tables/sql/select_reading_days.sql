SELECT meter_pk, metric, day, offset_s, interval_s, energy_mj, quality, source
FROM reading_days
WHERE meter_pk = ANY(%(meters)s) AND day >= %(first)s AND day <= %(last)s
  AND (meter_pk, metric, day) IN (
      SELECT * FROM unnest(%(key_meters)s::bigint[], %(key_metrics)s::text[], %(key_days)s::date[]))
