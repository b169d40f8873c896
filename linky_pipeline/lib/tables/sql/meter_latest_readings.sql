-- Every active meter of a fetched provider with the end of its latest reading (NULL when it has none yet).
SELECT m.building_code, m.meter_id, m.direction, b.timezone,
       (SELECT max(r.ts + make_interval(secs => r.interval_s)) FROM readings r
        WHERE r.meter_pk = m.id AND r.metric = m.direction) AS latest_end
FROM meters m
JOIN buildings b ON b.code = m.building_code
WHERE m.status = 'active' AND m.provider = ANY(%(providers)s)
ORDER BY 1, 2, 3
