SELECT m.building_code,
       count(*) FILTER (WHERE NOT f.is_final),
       count(*) FILTER (WHERE NOT f.is_final AND coalesce(f.next_attempt, %(reference)s) <= %(reference)s),
       count(*) FILTER (WHERE f.gave_up IS NOT NULL),
       min(f.next_attempt) FILTER (WHERE NOT f.is_final),
       (array_agg(DISTINCT f.gave_up) FILTER (WHERE f.gave_up IS NOT NULL))[1:3]
FROM fetch_state f
JOIN meters m ON m.id = f.meter_pk
WHERE f.status IN ('no_data', 'partial')
  AND (%(buildings)s::text[] IS NULL OR m.building_code = ANY(%(buildings)s::text[]))
GROUP BY m.building_code
ORDER BY m.building_code
