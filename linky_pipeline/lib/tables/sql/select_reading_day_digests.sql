-- A digest of each stored day, computed where the arrays are (they never travel): md5 over the array fields as a
-- binary COPY carries them (4-byte length, then the array_send bytes), which packing.DayRow.digest computes
-- client-side over the tuple it would COPY.
SELECT d.meter_pk, d.metric, d.day,
       md5(int4send(octet_length(a.o)) || a.o || int4send(octet_length(a.l)) || a.l
           || int4send(octet_length(a.e)) || a.e || int4send(octet_length(a.q)) || a.q
           || int4send(octet_length(a.s)) || a.s)
FROM reading_days d
CROSS JOIN LATERAL (SELECT array_send(d.offset_s) AS o, array_send(d.interval_s) AS l, array_send(d.energy_mj) AS e,
                           array_send(d.quality) AS q, array_send(d.source) AS s) AS a
WHERE d.meter_pk = ANY(%(meters)s) AND d.day >= %(start)s AND d.day < %(end)s
