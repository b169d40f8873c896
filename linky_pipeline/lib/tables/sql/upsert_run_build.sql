INSERT INTO run_builds (run_id, table_name, building_code, month, rows_written, seconds, details)
VALUES (%(run_id)s, %(table)s, %(building)s, %(month)s, %(rows)s, %(seconds)s, %(details)s)
ON CONFLICT (run_id, table_name, building_code, month)
DO UPDATE SET rows_written = EXCLUDED.rows_written, seconds = EXCLUDED.seconds, details = EXCLUDED.details
