-- Anomalies of one building and local-day window [day_from, day_to) × matching alert rules → outbox rows.
-- Rules of type moving_average_7d: the building's own; only when it has none, the global ones (building_code IS NULL).
-- A rule matches when the metric matches and value ≥ avg_7d × threshold_percent / 100. E-mail channels take the
-- e-mail recipients, webhook channels the http(s) ones. One row per anomaly × channel × recipient; several
-- matching rules collapse onto the same dedupe_key (the strictest rule is recorded), and reruns insert nothing.
WITH applicable AS (
    SELECT r.*
    FROM alert_rules r
    WHERE r.threshold_type = 'moving_average_7d'
      AND (r.building_code = %(building_code)s
           OR (r.building_code IS NULL
               AND NOT EXISTS (SELECT 1 FROM alert_rules own WHERE own.building_code = %(building_code)s
                                                              AND own.threshold_type = 'moving_average_7d')))
),
matches AS (
    SELECT DISTINCT ON (a.anomaly_id, ch.channel, rc.recipient)
           a.anomaly_id, ch.channel, rc.recipient, r.id AS rule_id, r.severity AS rule_severity,
           r.threshold_percent
    FROM consumption_anomalies a
    JOIN applicable r
      ON r.metric = a.metric
     AND a.value_kwh >= a.avg_7d * r.threshold_percent / 100.0
    CROSS JOIN LATERAL unnest(r.channels) AS ch (channel)
    CROSS JOIN LATERAL unnest(r.recipients) AS rc (recipient)
    WHERE a.building_code = %(building_code)s
      AND a.local_day >= %(day_from)s
      AND a.local_day < %(day_to)s
      AND ((ch.channel = 'webhook') = (rc.recipient ~* '^https?://'))
    ORDER BY a.anomaly_id, ch.channel, rc.recipient, r.threshold_percent DESC, r.id
)
INSERT INTO notifications (dedupe_key, kind, building_code, anomaly_id, channel, recipient, payload,
                           next_attempt_at, created_at)
SELECT 'anomaly:' || m.anomaly_id || ':' || m.channel || ':' || m.recipient,
       'anomaly', a.building_code, a.anomaly_id, m.channel, m.recipient,
       jsonb_build_object(
           'building_code', b.code,
           'building_name', b.name,
           'timezone', b.timezone,
           'anomaly_id', a.anomaly_id,
           'meter_pk', a.meter_pk,
           'meter_id', mt.meter_id,
           'metric', a.metric,
           'granularity', a.granularity,
           'rule', a.rule,
           'ts', to_char(a.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
           'local_day', a.local_day,
           'value_kwh', a.value_kwh,
           'avg_7d', a.avg_7d,
           'variance_percent', a.variance_percent,
           'severity', a.severity,
           'message', a.message,
           'alert_rule_id', m.rule_id,
           'alert_rule_severity', m.rule_severity,
           'threshold_percent', m.threshold_percent
       ),
       COALESCE(%(now)s, now()), COALESCE(%(now)s, now())
FROM matches m
JOIN consumption_anomalies a ON a.anomaly_id = m.anomaly_id
JOIN buildings b ON b.code = a.building_code
JOIN meters mt ON mt.id = a.meter_pk
ORDER BY a.ts, m.channel, m.recipient
ON CONFLICT (dedupe_key) DO NOTHING
