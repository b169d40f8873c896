UPDATE empty_answers SET resolved_at = %(now)s
WHERE meter_pk = %(meter_pk)s AND day = ANY(%(days)s) AND resolved_at IS NULL
