INSERT INTO empty_answers (meter_pk, day, endpoints, first_seen, last_seen)
VALUES (%(meter_pk)s, %(day)s, ARRAY[%(endpoint)s], %(now)s, %(now)s)
ON CONFLICT (meter_pk, day) DO UPDATE
SET endpoints = (SELECT array_agg(DISTINCT e ORDER BY e)
                 FROM unnest(empty_answers.endpoints || EXCLUDED.endpoints) AS e),
    answers = empty_answers.answers + 1,
    first_seen = least(empty_answers.first_seen, EXCLUDED.first_seen),
    last_seen = greatest(empty_answers.last_seen, EXCLUDED.last_seen),
    resolved_at = NULL
RETURNING (xmax = 0) AS inserted
