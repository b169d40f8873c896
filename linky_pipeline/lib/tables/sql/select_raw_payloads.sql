-- Every landed window that overlaps the month: a call may cover a month boundary (the caller keeps the month's
-- points and days only).
SELECT meter_pk, endpoint, api_version, payload
FROM raw_load_curves
WHERE meter_pk = ANY(%(meters)s) AND endpoint = ANY(%(endpoints)s)
  AND window_start < %(end)s AND window_end > %(start)s
  AND http_status = 200 AND payload IS NOT NULL
ORDER BY fetched_at, window_start, endpoint, meter_pk
