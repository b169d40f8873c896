INSERT INTO consumption_anomalies (anomaly_id, building_code, meter_pk, metric, granularity, rule, ts, local_day,
                                   value_kwh, avg_7d, variance_percent, severity, message)
VALUES (%(anomaly_id)s, %(building_code)s, %(meter_pk)s, %(metric)s, %(granularity)s, %(rule)s, %(ts)s,
        %(local_day)s, %(value_kwh)s, %(avg_7d)s, %(variance_percent)s, %(severity)s, %(message)s)
ON CONFLICT (anomaly_id) DO UPDATE
SET value_kwh = EXCLUDED.value_kwh, avg_7d = EXCLUDED.avg_7d, variance_percent = EXCLUDED.variance_percent,
    severity = EXCLUDED.severity, message = EXCLUDED.message
WHERE (consumption_anomalies.value_kwh, consumption_anomalies.avg_7d, consumption_anomalies.severity,
       consumption_anomalies.message)
      IS DISTINCT FROM (EXCLUDED.value_kwh, EXCLUDED.avg_7d, EXCLUDED.severity, EXCLUDED.message)
