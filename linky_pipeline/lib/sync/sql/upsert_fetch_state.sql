INSERT INTO fetch_state (meter_pk, endpoint, day, status, points, is_final, fetched_at)
VALUES (%(meter_pk)s, %(endpoint)s, %(day)s, %(status)s, %(points)s, %(is_final)s, %(fetched_at)s)
ON CONFLICT (meter_pk, endpoint, day) DO UPDATE
SET status = EXCLUDED.status, points = EXCLUDED.points, is_final = EXCLUDED.is_final,
    fetched_at = EXCLUDED.fetched_at
WHERE (fetch_state.status, fetch_state.points, fetch_state.is_final)
      IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.points, EXCLUDED.is_final)
