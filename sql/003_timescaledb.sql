-- TimescaleDB, only where the extension is available (production image). Plain PostgreSQL (CI, the embedded
-- default) skips this with a NOTICE that `linky-pipeline db upgrade` logs. Same schema and queries either way.
-- Retention keeps 40 months of readings: backfills load 36 months, plus margin (the seed's "2 years" would
-- delete data that backfills just loaded). Aggregate tables are never dropped by retention.
DO $migration$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        RAISE NOTICE 'timescaledb extension not available: hypertable, compression and retention skipped';
        RETURN;
    END IF;
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    PERFORM create_hypertable('readings', by_range('ts', INTERVAL '30 days'), migrate_data => true);
    ALTER TABLE readings SET (
        timescaledb.compress,
        timescaledb.compress_segmentby = 'meter_pk, metric',
        timescaledb.compress_orderby = 'ts'
    );
    -- Nightly runs re-fetch the last 7 days; months older than 90 days are rarely rewritten.
    PERFORM add_compression_policy('readings', INTERVAL '90 days');
    PERFORM add_retention_policy('readings', INTERVAL '40 months');
    RAISE NOTICE 'timescaledb: readings is a hypertable with compression (90 days) and retention (40 months)';
END
$migration$;
