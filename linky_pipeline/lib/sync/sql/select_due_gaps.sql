SELECT m.building_code, min(f.day), max(f.day)
FROM fetch_state f
JOIN meters m ON m.id = f.meter_pk
WHERE NOT f.is_final AND f.status IN ('no_data', 'partial')
  AND f.next_attempt <= %(reference)s AND f.day < %(before)s
  AND m.status = 'active'
GROUP BY m.building_code
ORDER BY m.building_code
