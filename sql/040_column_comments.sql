-- Documentation of the warehouse tables the Dagster assets write, where no bi view already documents a column
-- (the asset catalog reads these comments from the migrations: one source, lib/store/schema_docs.py).
COMMENT ON TABLE readings IS 'Energy per meter, flow and interval (kWh), parsed from the landed raw answers; replaced per building-month.';
COMMENT ON COLUMN readings.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN readings.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN readings.ts IS 'Interval start, UTC (timestamptz).';
COMMENT ON COLUMN readings.interval_s IS 'Interval length in seconds (1800 for half-hours, 900 for quarter-hours, 86400 for a day).';
COMMENT ON COLUMN readings.kwh IS 'Energy of the interval, in kWh (converted from the provider''s W or Wh).';
COMMENT ON COLUMN readings.quality IS 'Provider quality flag of the value (e.g. measured, estimated, corrected).';
COMMENT ON COLUMN readings.source IS 'Which API or file the value came from (e.g. enedis-v5, enedis-2026, be-csv).';

COMMENT ON TABLE raw_load_curves IS 'Every meter API answer exactly as received, one row per meter, endpoint and window.';
COMMENT ON COLUMN raw_load_curves.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN raw_load_curves.endpoint IS 'Provider endpoint the answer came from (load curve, daily energy, max power, CSV import).';
COMMENT ON COLUMN raw_load_curves.window_start IS 'First local day asked for.';
COMMENT ON COLUMN raw_load_curves.window_end IS 'Day after the last day asked for (exclusive, as in the API).';
COMMENT ON COLUMN raw_load_curves.api_version IS 'Version of the API or file format that answered.';
COMMENT ON COLUMN raw_load_curves.http_status IS 'HTTP status of the answer.';
COMMENT ON COLUMN raw_load_curves.request IS 'The request as sent, without any secret.';
COMMENT ON COLUMN raw_load_curves.payload IS 'The answer body as received (JSON); NULL when the provider answered without data.';
COMMENT ON COLUMN raw_load_curves.payload_sha256 IS 'SHA-256 of the answer body, to prove what was received.';
COMMENT ON COLUMN raw_load_curves.fetched_at IS 'When the answer was received (UTC).';

COMMENT ON COLUMN monthly_consumption.interval_count IS 'Load-curve intervals received in the month.';
COMMENT ON COLUMN monthly_consumption.expected_count IS 'Load-curve intervals expected in the month.';
COMMENT ON COLUMN consumption_anomalies.avg_7d IS 'Average energy of the same granularity over the previous 7 days, in kWh.';
