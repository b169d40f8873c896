-- Every active meter of a fetched provider with the end of its latest reading (NULL when it has none yet). Only its
-- latest stored day is unpacked (found on reading_days' primary key).
SELECT m.building_code, m.meter_id, m.direction, b.timezone,
       (SELECT max(r.ts + make_interval(secs => r.interval_s)) FROM readings r
        WHERE r.meter_pk = m.id AND r.metric = m.direction
          AND r.day = (SELECT max(d.day) FROM reading_days d WHERE d.meter_pk = m.id AND d.metric = m.direction))
       AS latest_end
FROM meters m
JOIN buildings b ON b.code = m.building_code
WHERE m.status = 'active' AND m.provider = ANY(%(providers)s)
ORDER BY 1, 2, 3
