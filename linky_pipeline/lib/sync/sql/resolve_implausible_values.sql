UPDATE implausible_values SET resolved_at = %(now)s
WHERE meter_pk = %(meter_pk)s AND endpoint = %(endpoint)s AND interval_start = ANY(%(starts)s::timestamptz[])
  AND resolved_at IS NULL
