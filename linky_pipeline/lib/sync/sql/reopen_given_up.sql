UPDATE fetch_state f
SET is_final = false, gave_up = NULL, attempts = 1, next_attempt = %(reference)s
FROM meters m
WHERE m.id = f.meter_pk AND f.gave_up IS NOT NULL
  AND (%(building)s::text IS NULL OR m.building_code = %(building)s::text)
  AND (%(meter_id)s::text IS NULL OR m.meter_id = %(meter_id)s::text)
