SELECT building_code, month, rows_written, seconds, details
FROM run_builds
WHERE run_id = %(run_id)s AND table_name = %(table)s
