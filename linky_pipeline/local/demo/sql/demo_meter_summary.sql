SELECT m.building_code, m.meter_id, m.direction, min(d.day), count(*),
       (SELECT count(*) FROM readings r WHERE r.meter_pk = m.id),
       coalesce(avg(d.completeness) FILTER (WHERE d.expected_count > 0), 0),
       count(*) FILTER (WHERE d.source_used = 'none'),
       coalesce(array_agg(DISTINCT extract(isodow FROM d.day)::int) FILTER (WHERE d.source_used = 'none'), '{}')
FROM meters m JOIN daily_consumption d ON d.meter_pk = m.id
GROUP BY m.id, m.building_code, m.meter_id, m.direction
ORDER BY m.building_code, m.meter_id, m.direction
