INSERT INTO day_answer_values (meter_pk, endpoint, day, inputs_digest, value, at)
SELECT v.meter_pk, %(endpoint)s, v.day, v.inputs_digest, v.value, v.at
FROM unnest(%(meters)s::bigint[], %(days)s::date[], %(digests)s::bytea[], %(values)s::double precision[],
            %(ats)s::timestamptz[]) AS v (meter_pk, day, inputs_digest, value, at)
ON CONFLICT (meter_pk, endpoint, day) DO UPDATE
SET inputs_digest = EXCLUDED.inputs_digest, value = EXCLUDED.value, at = EXCLUDED.at
