-- Usage alerts of one building and local-day window × the rules of the same type that apply (the building's own
-- of that type, else the global ones) and whose threshold the alert reaches → one outbox row per alert × channel ×
-- recipient; reruns insert nothing (dedupe_key).
WITH applicable AS (
    SELECT r.*
    FROM alert_rules r
    WHERE r.threshold_type <> 'moving_average_7d'
      AND (r.building_code = %(building_code)s
           OR (r.building_code IS NULL
               AND NOT EXISTS (SELECT 1 FROM alert_rules own WHERE own.building_code = %(building_code)s
                                                              AND own.threshold_type = r.threshold_type)))
),
matches AS (
    SELECT DISTINCT ON (a.alert_id, ch.channel, rc.recipient)
           a.alert_id, ch.channel, rc.recipient, r.id AS rule_id, r.severity AS rule_severity, r.threshold_percent
    FROM usage_alerts a
    JOIN applicable r ON r.threshold_type = a.rule AND a.ratio_percent > r.threshold_percent
    CROSS JOIN LATERAL unnest(r.channels) AS ch (channel)
    CROSS JOIN LATERAL unnest(r.recipients) AS rc (recipient)
    WHERE a.building_code = %(building_code)s
      AND a.local_day >= %(day_from)s
      AND a.local_day < %(day_to)s
      AND ((ch.channel = 'webhook') = (rc.recipient ~* '^https?://'))
    ORDER BY a.alert_id, ch.channel, rc.recipient, r.threshold_percent DESC, r.id
)
INSERT INTO notifications (dedupe_key, kind, building_code, channel, recipient, payload, next_attempt_at, created_at)
SELECT 'usage_alert:' || m.alert_id || ':' || m.channel || ':' || m.recipient,
       'usage_alert', a.building_code, m.channel, m.recipient,
       jsonb_build_object(
           'building_code', b.code,
           'building_name', b.name,
           'timezone', b.timezone,
           'alert_id', a.alert_id,
           'meter_pk', a.meter_pk,
           'meter_id', mt.meter_id,
           'rule', a.rule,
           'period_start', a.period_start,
           'local_day', a.local_day,
           'value', a.value,
           'baseline', a.baseline,
           'unit', a.unit,
           'ratio_percent', a.ratio_percent,
           'severity', a.severity,
           'message', a.message,
           'alert_rule_id', m.rule_id,
           'alert_rule_severity', m.rule_severity,
           'threshold_percent', m.threshold_percent
       ),
       COALESCE(%(now)s, now()), COALESCE(%(now)s, now())
FROM matches m
JOIN usage_alerts a ON a.alert_id = m.alert_id
JOIN buildings b ON b.code = a.building_code
JOIN meters mt ON mt.id = a.meter_pk
ORDER BY a.local_day, m.channel, m.recipient
ON CONFLICT (dedupe_key) DO NOTHING
