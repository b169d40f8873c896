-- Compressed chunks of a hypertable, overlapping the given days, that hold rows written since compression.
SELECT format('%%I.%%I', c.chunk_schema, c.chunk_name)
FROM timescaledb_information.chunks c
WHERE c.hypertable_schema = 'public' AND c.hypertable_name = %(table)s AND c.is_compressed
  AND c.range_start <= %(last_day)s::date::timestamptz AND c.range_end > %(first_day)s::date::timestamptz
  AND _timescaledb_functions.chunk_status(format('%%I.%%I', c.chunk_schema, c.chunk_name)::regclass) & 8 <> 0
ORDER BY c.range_start
