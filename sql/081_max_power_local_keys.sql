-- Issue 16 (P4): bi.daily_max_power derived four local values per row (day_start, month, month_key and
-- peak_at_local, two of them AT TIME ZONE on the building's zone name): ~0.75 of its ~1 ms of execution for a
-- building's 36 months (1 096 rows). Stored as in sql/080: month and month_key generated from day; day_start and
-- peak_at_local written by the rebuild (lib/tables/sql/insert_daily_max_power.sql, the views' expressions), filled
-- below for the rows already stored, and computed by the view where another writer left them NULL.

ALTER TABLE daily_max_power
    ADD COLUMN day_start timestamptz,
    ADD COLUMN peak_at_local timestamp,
    ADD COLUMN month date GENERATED ALWAYS AS (date_trunc('month', day::timestamp)::date) STORED,
    ADD COLUMN month_key text GENERATED ALWAYS AS (public.linky_month_key(day)) STORED;

UPDATE daily_max_power p
SET day_start = p.day::timestamp AT TIME ZONE b.timezone,
    peak_at_local = p.peak_at AT TIME ZONE b.timezone
FROM buildings b
WHERE b.code = p.building_code;

COMMENT ON COLUMN daily_max_power.day_start IS 'Local midnight starting the day, as timestamptz (written by the rebuild from the building time zone; NULL only where another writer left it out, and bi views then compute it).';
COMMENT ON COLUMN daily_max_power.peak_at_local IS 'When the maximum was reached, as local wall-clock time of the building (written by the rebuild; NULL only where another writer left it out).';
COMMENT ON COLUMN daily_max_power.month IS 'First day of the local month containing day (generated from day).';
COMMENT ON COLUMN daily_max_power.month_key IS 'Local month as text YYYY-MM (generated from day).';

-- Same columns, names, types and values as sql/002; the local values are read instead of computed per row.
CREATE OR REPLACE VIEW bi.daily_max_power AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    p.day,
    coalesce(p.day_start, p.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    p.month,
    p.month_key,
    p.max_power_va,
    p.max_power_va / 1000 AS max_power_kva,
    p.peak_at,
    coalesce(p.peak_at_local, p.peak_at AT TIME ZONE m.timezone) AS peak_at_local
FROM public.daily_max_power p
JOIN bi.meters m ON m.meter_pk = p.meter_pk;
