INSERT INTO notifications (dedupe_key, kind, building_code, anomaly_id, channel, recipient, payload,
                           next_attempt_at, created_at)
VALUES (%(dedupe_key)s, %(kind)s, %(building_code)s, %(anomaly_id)s, %(channel)s, %(recipient)s,
        %(payload)s, COALESCE(%(now)s, now()), COALESCE(%(now)s, now()))
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
