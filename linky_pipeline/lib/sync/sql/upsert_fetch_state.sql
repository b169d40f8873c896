-- An answer identical to the last one for the day changes nothing but its counters and schedule; a re-run that asks
-- nothing (a resumed backfill) writes nothing.
INSERT INTO fetch_state (meter_pk, endpoint, day, status, points, is_final, fetched_at, attempts, next_attempt,
                         first_fetched_at, gave_up)
VALUES (%(meter_pk)s, %(endpoint)s, %(day)s, %(status)s, %(points)s, %(is_final)s, %(fetched_at)s, %(attempts)s,
        %(next_attempt)s, %(fetched_at)s, %(gave_up)s)
ON CONFLICT (meter_pk, endpoint, day) DO UPDATE
SET status = EXCLUDED.status, points = EXCLUDED.points, is_final = EXCLUDED.is_final,
    fetched_at = EXCLUDED.fetched_at, attempts = EXCLUDED.attempts, next_attempt = EXCLUDED.next_attempt,
    gave_up = EXCLUDED.gave_up
WHERE (fetch_state.status, fetch_state.points, fetch_state.is_final, fetch_state.attempts,
       fetch_state.next_attempt, fetch_state.gave_up)
      IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.points, EXCLUDED.is_final, EXCLUDED.attempts,
                        EXCLUDED.next_attempt, EXCLUDED.gave_up)
