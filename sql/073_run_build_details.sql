-- What a table built while fetching wrote, beyond its row count (readings: days written and unchanged, revised
-- intervals, the days touched for TimescaleDB recompression), so the run's own step reports it as its own build.
ALTER TABLE run_builds ADD COLUMN details jsonb;
