-- Jobs whose last run failed (with the latest recorded error), and any error recorded since %(since)s.
WITH last_failed AS (
    SELECT s.job_id FROM timescaledb_information.job_stats s
    WHERE s.job_id >= 1000 AND s.last_run_status = 'Failed'
), errors AS (
    SELECT e.job_id, e.proc_name, e.finish_time, coalesce(e.sqlerrcode || ': ', '') || coalesce(e.err_message, '') AS error,
           row_number() OVER (PARTITION BY e.job_id ORDER BY e.finish_time DESC NULLS LAST) AS newest
    FROM timescaledb_information.job_errors e
    WHERE e.job_id >= 1000
)
SELECT j.job_id, j.proc_name::text, j.hypertable_name::text, e.finish_time,
       coalesce(e.error, 'last run failed (no error recorded)')
FROM timescaledb_information.jobs j
LEFT JOIN errors e ON e.job_id = j.job_id AND e.newest = 1
WHERE j.job_id IN (SELECT job_id FROM last_failed)
UNION
SELECT e.job_id, e.proc_name, j.hypertable_name::text, e.finish_time, e.error
FROM errors e
LEFT JOIN timescaledb_information.jobs j ON j.job_id = e.job_id
WHERE %(since)s::timestamptz IS NOT NULL AND e.finish_time >= %(since)s::timestamptz
ORDER BY 1, 4
