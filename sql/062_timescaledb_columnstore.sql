-- requires: timescaledb
-- Runs only where the timescaledb package is installed AND preloaded (shared_preload_libraries); elsewhere the
-- runner leaves it pending, unrecorded, so `linky-pipeline db upgrade` applies it once the server has TimescaleDB.
-- It must therefore not depend on anything a later migration creates, nor later ones on it. Replaces 003.
--
-- reading_days (one row per meter × metric × local day) becomes a hypertable on `day`:
--  * chunk interval 90 days (TimescaleDB chunks are fixed-length, not calendar months): a local month falls in one
--    chunk two times out of three and straddles two otherwise, so rewriting a month touches 1.33 compressed batches
--    per meter on average (30-day chunks: 2); the uncompressed chunk stays ~1 KB × meters × 90 days
--    (90 MB at 1 000 meters, 0.9 GB at 10 000);
--  * segment-by meter_pk, metric: a batch is one meter's days in one chunk (≤ 90 rows), so a building's erasure or a
--    meter's month rewrite selects whole batches by their segment values (`meter_pk = ANY(...)`) and decompresses
--    only the batches it changes;
--  * order-by day: batch min/max metadata on `day` lets a month's filter skip the other batches of the meter;
--  * columnstore after 90 days: nightly runs rewrite the last days and corrections arrive within weeks, so only
--    chunks older than that are converted; retention keeps 40 months (36-month backfills plus margin).
-- Current names (columnstore, TimescaleDB ≥ 2.18) where the server has them, the compression names before that.
CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('reading_days', by_range('day', INTERVAL '90 days'), migrate_data => true);

DO $migration$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'add_columnstore_policy') THEN
        ALTER TABLE reading_days SET (
            timescaledb.enable_columnstore = true,
            timescaledb.segmentby = 'meter_pk, metric',
            timescaledb.orderby = 'day'
        );
        CALL add_columnstore_policy('reading_days', after => INTERVAL '90 days');
    ELSE
        ALTER TABLE reading_days SET (
            timescaledb.compress,
            timescaledb.compress_segmentby = 'meter_pk, metric',
            timescaledb.compress_orderby = 'day'
        );
        PERFORM add_compression_policy('reading_days', INTERVAL '90 days');
    END IF;
    PERFORM add_retention_policy('reading_days', INTERVAL '40 months');
END
$migration$;
