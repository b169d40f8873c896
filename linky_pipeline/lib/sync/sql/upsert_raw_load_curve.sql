-- A window fetched again with the same bytes changes nothing (fetched_at included): re-runs leave tables identical.
-- An answer without data never replaces one with data (a later 404 must not erase measured points).
INSERT INTO raw_load_curves (meter_pk, endpoint, window_start, window_end, api_version, http_status, request,
                             payload, payload_sha256, fetched_at)
VALUES (%(meter_pk)s, %(endpoint)s, %(window_start)s, %(window_end)s, %(api_version)s, %(http_status)s,
        %(request)s::jsonb, %(payload)s::jsonb, %(payload_sha256)s, %(fetched_at)s)
ON CONFLICT (meter_pk, endpoint, window_start, window_end) DO UPDATE
SET api_version = EXCLUDED.api_version, http_status = EXCLUDED.http_status, request = EXCLUDED.request,
    payload = EXCLUDED.payload, payload_sha256 = EXCLUDED.payload_sha256, fetched_at = EXCLUDED.fetched_at
WHERE (raw_load_curves.payload_sha256 IS DISTINCT FROM EXCLUDED.payload_sha256
       OR raw_load_curves.http_status IS DISTINCT FROM EXCLUDED.http_status)
  AND NOT (raw_load_curves.http_status = 200 AND EXCLUDED.http_status <> 200)
