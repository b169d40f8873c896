-- Issue 16 (P4): a building's 36-month dump of bi.daily_consumption (2 192 rows at 2 meters) spent ~1.1 of its
-- ~1.6 ms of execution deriving local keys per row: day_start (AT TIME ZONE on the building's zone name, looked up
-- again for every row), month (date_trunc through timestamptz) and month_key (to_char through timestamptz).
-- They are functions of the row's day and its building's zone, so they are stored once, when the row is written,
-- and the views read them (benchmarks/RESULTS.md, P4: same rows, measured).
--   month, month_key: generated from day (every writer gets them, nothing to keep in step).
--   day_start: needs the building's zone, which a generated column cannot read: the rebuild writes it
--     (lib/tables/sql/insert_daily_consumption.sql, the same expression as the views), rows already stored get it
--     below, and the views fall back to computing it where a writer left it NULL, so every row reads the same.
--     A building's zone is never changed by the registry; whoever changes one by hand rebuilds its days anyway.

-- to_char is STABLE only because some patterns (TM…) follow the locale; 'YYYY-MM' of a timestamp without time zone
-- does not, so this wrapper is immutable in fact and may feed a generated column. Same text as the views computed.
CREATE FUNCTION public.linky_month_key(day date) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_char(day::timestamp, 'YYYY-MM');
COMMENT ON FUNCTION public.linky_month_key(date) IS 'Local month of a local day as text YYYY-MM (generated column daily_consumption.month_key).';

ALTER TABLE daily_consumption
    ADD COLUMN day_start timestamptz,
    ADD COLUMN month date GENERATED ALWAYS AS (date_trunc('month', day::timestamp)::date) STORED,
    ADD COLUMN month_key text GENERATED ALWAYS AS (public.linky_month_key(day)) STORED;

UPDATE daily_consumption d
SET day_start = d.day::timestamp AT TIME ZONE b.timezone
FROM buildings b
WHERE b.code = d.building_code;

COMMENT ON COLUMN daily_consumption.day_start IS 'Local midnight starting the day, as timestamptz (written by the rebuild from the building time zone; NULL only where another writer left it out, and bi views then compute it).';
COMMENT ON COLUMN daily_consumption.month IS 'First day of the local month containing day (generated from day).';
COMMENT ON COLUMN daily_consumption.month_key IS 'Local month as text YYYY-MM (generated from day).';

-- Same columns, names, types and values as sql/002; the keys are read instead of computed per row.
CREATE OR REPLACE VIEW bi.daily_consumption AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    m.direction,
    d.metric,
    d.day,
    coalesce(d.day_start, d.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    d.month,
    d.month_key,
    d.total_kwh,
    d.source_used,
    d.official_kwh,
    d.curve_kwh,
    100 * (d.curve_kwh - d.official_kwh) / NULLIF(d.official_kwh, 0) AS curve_vs_official_pct,
    d.interval_count,
    d.expected_count,
    d.completeness,
    d.min_interval_kwh,
    d.max_interval_kwh,
    d.avg_interval_kwh
FROM public.daily_consumption d
JOIN bi.meters m ON m.meter_pk = d.meter_pk;

-- Same columns and values as sql/061. The stored keys are grouping keys (each is a function of the building and
-- the day, so the groups are those of building, metric and day): a filter on day_start, month or month_key (the
-- Grafana time range) is applied to the rows before they are grouped, not to the groups afterwards. day comes
-- first: where the planner groups by sorting (a time filter makes it expect few rows), it sorts on a date first,
-- not on text.
CREATE OR REPLACE VIEW bi.daily_consumption_by_building AS
SELECT
    d.building_code,
    b.name AS building_name,
    d.metric,
    d.day,
    coalesce(d.day_start, d.day::timestamp AT TIME ZONE b.timezone) AS day_start,
    d.month,
    d.month_key,
    sum(d.total_kwh) AS total_kwh,
    count(*)::integer AS meter_count,
    (count(*) FILTER (WHERE d.source_used <> 'none'))::integer AS meters_with_data,
    sum(d.interval_count)::integer AS interval_count,
    sum(d.expected_count)::integer AS expected_count,
    avg(d.completeness) AS completeness
FROM public.daily_consumption d
JOIN public.buildings b ON b.code = d.building_code
GROUP BY d.building_code, d.day, d.metric, coalesce(d.day_start, d.day::timestamp AT TIME ZONE b.timezone),
         d.month, d.month_key, b.code;
