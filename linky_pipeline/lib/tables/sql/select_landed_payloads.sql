SELECT r.meter_pk, r.endpoint, r.window_start, r.window_end, jsonb_hash_extended(r.payload, 0), r.payload
FROM raw_load_curves r
JOIN unnest(%(meters)s::bigint[], %(endpoints)s::text[], %(starts)s::date[], %(ends)s::date[]) AS k (m, e, s, x)
  ON r.meter_pk = k.m AND r.endpoint = k.e AND r.window_start = k.s AND r.window_end = k.x
