INSERT INTO reading_day_inputs (meter_pk, day, inputs_digest, metrics)
SELECT * FROM unnest(%(meters)s::bigint[], %(days)s::date[], %(digests)s::bytea[], %(metrics)s::text[])
ON CONFLICT (meter_pk, day) DO UPDATE SET inputs_digest = EXCLUDED.inputs_digest, metrics = EXCLUDED.metrics
