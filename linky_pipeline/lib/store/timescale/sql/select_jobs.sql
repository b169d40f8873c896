-- The database's own jobs (policies); ids below 1000 are TimescaleDB's internal jobs (telemetry, history).
SELECT j.job_id, j.proc_name::text, j.hypertable_name::text, j.schedule_interval::text, coalesce(j.config, '{}'::jsonb),
       s.last_run_started_at, s.last_run_status, coalesce(s.total_runs, 0)::int, coalesce(s.total_failures, 0)::int,
       s.next_start
FROM timescaledb_information.jobs j
LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
WHERE j.job_id >= 1000
ORDER BY j.job_id
