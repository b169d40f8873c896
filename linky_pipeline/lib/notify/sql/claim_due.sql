-- One due row, locked for the duration of its delivery; rows another deliverer holds are skipped.
SELECT id, dedupe_key, kind, channel, recipient, payload, attempts, building_code, anomaly_id
FROM notifications
WHERE status = 'pending'
  AND next_attempt_at <= %(now)s
  AND channel = ANY(%(channels)s)
  AND NOT (id = ANY(%(seen)s))
ORDER BY next_attempt_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED
