DELETE FROM consumption_anomalies
WHERE building_code = %(building)s AND local_day >= %(start)s AND local_day < %(end)s
  AND NOT (anomaly_id = ANY(%(keep)s::text[]))
