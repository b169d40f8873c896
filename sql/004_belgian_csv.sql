-- Belgian quarter-hour CSV exports land in raw_load_curves too (endpoint 'quarter_hour_csv', one row per meter ×
-- local month, api_version 'be-csv-v1'). The column CHECK of 001 is PostgreSQL's auto-named one.
ALTER TABLE raw_load_curves DROP CONSTRAINT raw_load_curves_endpoint_check;
ALTER TABLE raw_load_curves ADD CONSTRAINT raw_load_curves_endpoint_check CHECK (endpoint IN (
    'consumption_load_curve', 'production_load_curve', 'daily_consumption', 'daily_production',
    'daily_consumption_max_power', 'quarter_hour_csv'));
