INSERT INTO usage_alerts (alert_id, building_code, meter_pk, rule, period_start, local_day, value, baseline, unit,
                          ratio_percent, threshold_percent, severity, message)
VALUES (%(alert_id)s, %(building_code)s, %(meter_pk)s, %(rule)s, %(period_start)s, %(local_day)s, %(value)s,
        %(baseline)s, %(unit)s, %(ratio_percent)s, %(threshold_percent)s, %(severity)s, %(message)s)
ON CONFLICT (alert_id) DO UPDATE
SET value = EXCLUDED.value, baseline = EXCLUDED.baseline, ratio_percent = EXCLUDED.ratio_percent,
    threshold_percent = EXCLUDED.threshold_percent, severity = EXCLUDED.severity, message = EXCLUDED.message
WHERE (usage_alerts.value, usage_alerts.baseline, usage_alerts.threshold_percent, usage_alerts.message)
      IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.baseline, EXCLUDED.threshold_percent, EXCLUDED.message)
