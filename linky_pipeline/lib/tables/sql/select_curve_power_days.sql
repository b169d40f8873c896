-- The highest mean interval power of each local day, in VA (assuming a power factor of 1).
SELECT meter_pk, (ts AT TIME ZONE %(tz)s)::date AS day, max(kwh * 3600 / interval_s) * 1000
FROM readings
WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s
GROUP BY 1, 2
