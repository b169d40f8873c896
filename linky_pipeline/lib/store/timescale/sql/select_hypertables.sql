-- Hypertables of this database with their chunks, compression state, partitioning and columnstore settings.
SELECT h.hypertable_name::text,
       h.num_chunks::int,
       (SELECT count(*) FROM timescaledb_information.chunks c
        WHERE c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name
          AND c.is_compressed)::int,
       (SELECT count(*) FROM timescaledb_information.chunks c
        WHERE c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name
          AND c.is_compressed
          AND _timescaledb_functions.chunk_status(format('%%I.%%I', c.chunk_schema, c.chunk_name)::regclass) & 8 <> 0
       )::int,
       coalesce((SELECT d.time_interval::text FROM timescaledb_information.dimensions d
                 WHERE d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name
                   AND d.dimension_number = 1), ''),
       coalesce(s.segmentby, ''),
       coalesce(s.orderby, ''),
       hypertable_size(format('%%I.%%I', h.hypertable_schema, h.hypertable_name)::regclass)
FROM timescaledb_information.hypertables h
LEFT JOIN timescaledb_information.hypertable_columnstore_settings s
       ON s.hypertable = format('%%I.%%I', h.hypertable_schema, h.hypertable_name)::regclass
ORDER BY h.hypertable_name
