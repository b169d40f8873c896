-- attempts counts tries; after max_attempts the row is parked as 'dead' (kept for inspection).
UPDATE notifications
SET attempts = attempts + 1,
    last_error = %(error)s,
    status = CASE WHEN attempts + 1 >= %(max_attempts)s THEN 'dead' ELSE 'pending' END,
    next_attempt_at = %(next_attempt_at)s
WHERE id = %(id)s
RETURNING status, attempts
