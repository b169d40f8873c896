DELETE FROM usage_alerts
WHERE building_code = %(building)s AND local_day >= %(start)s AND local_day < %(end)s
  AND NOT (alert_id = ANY(%(keep)s::text[]))
