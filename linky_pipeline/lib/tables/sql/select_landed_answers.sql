-- Every successful landed window that overlaps the month (a call may cover a month boundary: the caller keeps the
-- month's points and days only), oldest fetch first so a later fetch of a point wins. The payload itself is read
-- only for answers not parsed yet (select_landed_payloads).
SELECT meter_pk, endpoint, api_version, window_start, window_end, payload_sha256, fetched_at,
       jsonb_hash_extended(payload, 0)
FROM raw_load_curves
WHERE meter_pk = ANY(%(meters)s) AND endpoint = ANY(%(endpoints)s)
  AND window_start < %(end)s AND window_end > %(start)s
  AND http_status = 200 AND payload IS NOT NULL
ORDER BY fetched_at, window_start, endpoint, meter_pk
