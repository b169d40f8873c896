-- `bi` schema: the documented, read-only surface for BI tools (Grafana, Power BI, Metabase, notebooks).
-- Plain PostgreSQL 15 SQL (no TimescaleDB functions), so CI exercises exactly what production serves.
-- Views run with their owner's rights: the read-only role (`linky-pipeline db create-bi-role`) reads these views
-- without any privilege on the base tables, and no view touches meter_credentials, oauth_states or api_rate_limits.
-- Local keys: `day` / `month` are calendar dates in the building's time zone; `day_start` / `month_start` are the
-- matching local midnights as timestamptz (what Grafana puts on a time axis).
-- Comparisons use RANGE window frames on the month (not LAG over rows), so a missing month yields NULL instead of
-- silently comparing with an older month.

CREATE SCHEMA bi;
COMMENT ON SCHEMA bi IS 'Read-only views for BI tools over the aggregate and anomaly tables. Every view and column is documented; credentials and internal state are never exposed.';

-- ── buildings ────────────────────────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.buildings AS
SELECT
    b.code AS building_code,
    b.name AS building_name,
    b.timezone,
    count(m.id)::integer AS meter_count,
    (count(m.id) FILTER (WHERE m.status = 'active'))::integer AS active_meter_count
FROM public.buildings b
LEFT JOIN public.meters m ON m.building_code = b.code
GROUP BY b.code, b.name, b.timezone;

COMMENT ON VIEW bi.buildings IS 'One row per building with its meter counts. Source for the Grafana $building variable.';
COMMENT ON COLUMN bi.buildings.building_code IS 'Building code (stable key, also the Dagster partition key).';
COMMENT ON COLUMN bi.buildings.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.buildings.timezone IS 'IANA time zone of the building; local days and months are computed in it.';
COMMENT ON COLUMN bi.buildings.meter_count IS 'Number of meters registered for the building (any status).';
COMMENT ON COLUMN bi.buildings.active_meter_count IS 'Number of meters whose status is active (consent valid, not disabled).';

-- ── meters ───────────────────────────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.meters AS
SELECT
    m.id AS meter_pk,
    m.building_code,
    b.name AS building_name,
    b.timezone,
    m.provider,
    m.meter_id AS meter_ref,
    CASE WHEN m.provider = 'enedis' THEN 'PRM' ELSE 'EAN' END AS meter_ref_type,
    m.direction,
    m.status,
    m.activation_date,
    m.consent_end
FROM public.meters m
JOIN public.buildings b ON b.code = m.building_code;

COMMENT ON VIEW bi.meters IS 'One row per meter with its building. No credentials: tokens live in meter_credentials, which no bi view reads.';
COMMENT ON COLUMN bi.meters.meter_pk IS 'Internal meter id (join key of every per-meter bi view).';
COMMENT ON COLUMN bi.meters.building_code IS 'Building code the meter belongs to.';
COMMENT ON COLUMN bi.meters.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.meters.timezone IS 'IANA time zone of the building.';
COMMENT ON COLUMN bi.meters.provider IS 'Data provider: enedis (France), ores (Belgium, API) or be_csv (Belgian CSV exports).';
COMMENT ON COLUMN bi.meters.meter_ref IS 'Meter identifier as printed on the bill: PRM (14 digits, France) or EAN (18 digits, Belgium).';
COMMENT ON COLUMN bi.meters.meter_ref_type IS 'Kind of meter_ref: PRM or EAN.';
COMMENT ON COLUMN bi.meters.direction IS 'consumption (offtake from the grid) or production (injection, e.g. solar).';
COMMENT ON COLUMN bi.meters.status IS 'active, disabled or consent_revoked.';
COMMENT ON COLUMN bi.meters.activation_date IS 'Date the meter started measuring; nothing earlier is ever requested.';
COMMENT ON COLUMN bi.meters.consent_end IS 'End of the customer consent (UTC); data stops being fetched after it.';

-- ── daily consumption, per meter ─────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.daily_consumption AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    m.direction,
    d.metric,
    d.day,
    (d.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', d.day)::date AS month,
    to_char(d.day, 'YYYY-MM') AS month_key,
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

COMMENT ON VIEW bi.daily_consumption IS 'Energy per meter and local day (kWh), with the official figure, the load-curve sum and completeness.';
COMMENT ON COLUMN bi.daily_consumption.building_code IS 'Building code.';
COMMENT ON COLUMN bi.daily_consumption.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.daily_consumption.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.daily_consumption.provider IS 'Data provider of the meter.';
COMMENT ON COLUMN bi.daily_consumption.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.daily_consumption.direction IS 'Meter direction: consumption or production.';
COMMENT ON COLUMN bi.daily_consumption.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.daily_consumption.day IS 'Local calendar day in the building time zone (day key).';
COMMENT ON COLUMN bi.daily_consumption.day_start IS 'Local midnight starting the day, as timestamptz (23, 24 or 25 hours long around DST changes).';
COMMENT ON COLUMN bi.daily_consumption.month IS 'First day of the local month containing day (month key as a date).';
COMMENT ON COLUMN bi.daily_consumption.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.daily_consumption.total_kwh IS 'Energy of the day in kWh: the official daily figure when present, else the load-curve sum (see source_used).';
COMMENT ON COLUMN bi.daily_consumption.source_used IS 'Which figure total_kwh comes from: official, curve, or none (no data).';
COMMENT ON COLUMN bi.daily_consumption.official_kwh IS 'Daily energy published by the provider, in kWh.';
COMMENT ON COLUMN bi.daily_consumption.curve_kwh IS 'Sum of the load-curve intervals of the day, in kWh.';
COMMENT ON COLUMN bi.daily_consumption.curve_vs_official_pct IS 'Energy-conservation gap: (curve_kwh - official_kwh) / official_kwh, in percent; NULL when either is missing.';
COMMENT ON COLUMN bi.daily_consumption.interval_count IS 'Load-curve intervals received for the day.';
COMMENT ON COLUMN bi.daily_consumption.expected_count IS 'Intervals expected for the day (e.g. 48 half-hours; 46 or 50 on DST change days).';
COMMENT ON COLUMN bi.daily_consumption.completeness IS 'Share of expected data received, from 0 to 1.';
COMMENT ON COLUMN bi.daily_consumption.min_interval_kwh IS 'Smallest interval energy of the day, in kWh.';
COMMENT ON COLUMN bi.daily_consumption.max_interval_kwh IS 'Largest interval energy of the day, in kWh.';
COMMENT ON COLUMN bi.daily_consumption.avg_interval_kwh IS 'Mean interval energy of the day, in kWh.';

-- ── daily consumption, per building ──────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.daily_consumption_by_building AS
SELECT
    d.building_code,
    min(d.building_name) AS building_name,
    d.metric,
    d.day,
    min(d.day_start) AS day_start,
    d.month,
    d.month_key,
    sum(d.total_kwh) AS total_kwh,
    count(*)::integer AS meter_count,
    (count(*) FILTER (WHERE d.source_used <> 'none'))::integer AS meters_with_data,
    sum(d.interval_count)::integer AS interval_count,
    sum(d.expected_count)::integer AS expected_count,
    avg(d.completeness) AS completeness
FROM bi.daily_consumption d
GROUP BY d.building_code, d.metric, d.day, d.month, d.month_key;

COMMENT ON VIEW bi.daily_consumption_by_building IS 'Energy per building, flow and local day: the sum over the building meters.';
COMMENT ON COLUMN bi.daily_consumption_by_building.building_code IS 'Building code.';
COMMENT ON COLUMN bi.daily_consumption_by_building.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.daily_consumption_by_building.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.daily_consumption_by_building.day IS 'Local calendar day in the building time zone (day key).';
COMMENT ON COLUMN bi.daily_consumption_by_building.day_start IS 'Local midnight starting the day, as timestamptz.';
COMMENT ON COLUMN bi.daily_consumption_by_building.month IS 'First day of the local month containing day.';
COMMENT ON COLUMN bi.daily_consumption_by_building.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.daily_consumption_by_building.total_kwh IS 'Sum of the meters daily energy, in kWh (NULL when no meter has data).';
COMMENT ON COLUMN bi.daily_consumption_by_building.meter_count IS 'Meters with a row for the day.';
COMMENT ON COLUMN bi.daily_consumption_by_building.meters_with_data IS 'Meters whose day has data (source_used is not none).';
COMMENT ON COLUMN bi.daily_consumption_by_building.interval_count IS 'Load-curve intervals received, all meters together.';
COMMENT ON COLUMN bi.daily_consumption_by_building.expected_count IS 'Load-curve intervals expected, all meters together.';
COMMENT ON COLUMN bi.daily_consumption_by_building.completeness IS 'Mean completeness of the meters for the day, from 0 to 1.';

-- ── monthly consumption, per meter, with month-over-month and year-over-year ─────────────────────────────────
CREATE VIEW bi.monthly_consumption AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    m.direction,
    mc.metric,
    mc.month,
    (mc.month::timestamp AT TIME ZONE m.timezone) AS month_start,
    to_char(mc.month, 'YYYY-MM') AS month_key,
    extract(year FROM mc.month)::integer AS year,
    mc.total_kwh,
    mc.official_kwh,
    mc.curve_kwh,
    mc.days_with_data,
    mc.days_in_month,
    mc.completeness,
    mc.min_daily_kwh,
    mc.max_daily_kwh,
    mc.avg_daily_kwh,
    max(mc.total_kwh) OVER previous_month AS previous_month_kwh,
    mc.total_kwh - max(mc.total_kwh) OVER previous_month AS mom_change_kwh,
    100 * (mc.total_kwh - max(mc.total_kwh) OVER previous_month)
        / NULLIF(max(mc.total_kwh) OVER previous_month, 0) AS mom_change_pct,
    max(mc.total_kwh) OVER same_month_last_year AS same_month_last_year_kwh,
    mc.total_kwh - max(mc.total_kwh) OVER same_month_last_year AS yoy_change_kwh,
    100 * (mc.total_kwh - max(mc.total_kwh) OVER same_month_last_year)
        / NULLIF(max(mc.total_kwh) OVER same_month_last_year, 0) AS yoy_change_pct
FROM public.monthly_consumption mc
JOIN bi.meters m ON m.meter_pk = mc.meter_pk
WINDOW
    previous_month AS (PARTITION BY mc.meter_pk, mc.metric ORDER BY mc.month
                       RANGE BETWEEN INTERVAL '1 month' PRECEDING AND INTERVAL '1 month' PRECEDING),
    same_month_last_year AS (PARTITION BY mc.meter_pk, mc.metric ORDER BY mc.month
                             RANGE BETWEEN INTERVAL '12 months' PRECEDING AND INTERVAL '12 months' PRECEDING);

COMMENT ON VIEW bi.monthly_consumption IS 'Energy per meter and local month (kWh) with month-over-month and year-over-year comparisons.';
COMMENT ON COLUMN bi.monthly_consumption.building_code IS 'Building code.';
COMMENT ON COLUMN bi.monthly_consumption.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.monthly_consumption.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.monthly_consumption.provider IS 'Data provider of the meter.';
COMMENT ON COLUMN bi.monthly_consumption.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.monthly_consumption.direction IS 'Meter direction: consumption or production.';
COMMENT ON COLUMN bi.monthly_consumption.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.monthly_consumption.month IS 'First day of the local month (month key as a date).';
COMMENT ON COLUMN bi.monthly_consumption.month_start IS 'Local midnight starting the month, as timestamptz.';
COMMENT ON COLUMN bi.monthly_consumption.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.monthly_consumption.year IS 'Calendar year of the month.';
COMMENT ON COLUMN bi.monthly_consumption.total_kwh IS 'Energy of the month in kWh (sum of the daily totals).';
COMMENT ON COLUMN bi.monthly_consumption.official_kwh IS 'Sum of the official daily figures of the month, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.curve_kwh IS 'Sum of the load-curve intervals of the month, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.days_with_data IS 'Days of the month that have data.';
COMMENT ON COLUMN bi.monthly_consumption.days_in_month IS 'Days in the calendar month (28 to 31).';
COMMENT ON COLUMN bi.monthly_consumption.completeness IS 'Share of expected data received for the month, from 0 to 1. Compare months only when both are complete.';
COMMENT ON COLUMN bi.monthly_consumption.min_daily_kwh IS 'Lowest daily energy of the month, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.max_daily_kwh IS 'Highest daily energy of the month, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.avg_daily_kwh IS 'Mean daily energy of the month, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.previous_month_kwh IS 'total_kwh of the previous calendar month for the same meter and flow; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_consumption.mom_change_kwh IS 'Month-over-month change: total_kwh - previous_month_kwh, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.mom_change_pct IS 'Month-over-month change in percent of previous_month_kwh; NULL when the previous month is missing or zero.';
COMMENT ON COLUMN bi.monthly_consumption.same_month_last_year_kwh IS 'total_kwh of the same month one year earlier; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_consumption.yoy_change_kwh IS 'Year-over-year change: total_kwh - same_month_last_year_kwh, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption.yoy_change_pct IS 'Year-over-year change in percent of same_month_last_year_kwh; NULL when that month is missing or zero.';

-- ── monthly consumption, per building, with month-over-month and year-over-year ──────────────────────────────
CREATE VIEW bi.monthly_consumption_by_building AS
WITH per_building AS (
    SELECT
        m.building_code,
        min(m.building_name) AS building_name,
        min(m.timezone) AS timezone,
        mc.metric,
        mc.month,
        sum(mc.total_kwh) AS total_kwh,
        count(*)::integer AS meter_count,
        max(mc.days_with_data) AS days_with_data,
        max(mc.days_in_month) AS days_in_month,
        avg(mc.completeness) AS completeness
    FROM public.monthly_consumption mc
    JOIN bi.meters m ON m.meter_pk = mc.meter_pk
    GROUP BY m.building_code, mc.metric, mc.month
)
SELECT
    p.building_code,
    p.building_name,
    p.metric,
    p.month,
    (p.month::timestamp AT TIME ZONE p.timezone) AS month_start,
    to_char(p.month, 'YYYY-MM') AS month_key,
    extract(year FROM p.month)::integer AS year,
    p.total_kwh,
    p.meter_count,
    p.days_with_data,
    p.days_in_month,
    p.completeness,
    max(p.total_kwh) OVER previous_month AS previous_month_kwh,
    p.total_kwh - max(p.total_kwh) OVER previous_month AS mom_change_kwh,
    100 * (p.total_kwh - max(p.total_kwh) OVER previous_month)
        / NULLIF(max(p.total_kwh) OVER previous_month, 0) AS mom_change_pct,
    max(p.total_kwh) OVER same_month_last_year AS same_month_last_year_kwh,
    p.total_kwh - max(p.total_kwh) OVER same_month_last_year AS yoy_change_kwh,
    100 * (p.total_kwh - max(p.total_kwh) OVER same_month_last_year)
        / NULLIF(max(p.total_kwh) OVER same_month_last_year, 0) AS yoy_change_pct
FROM per_building p
WINDOW
    previous_month AS (PARTITION BY p.building_code, p.metric ORDER BY p.month
                       RANGE BETWEEN INTERVAL '1 month' PRECEDING AND INTERVAL '1 month' PRECEDING),
    same_month_last_year AS (PARTITION BY p.building_code, p.metric ORDER BY p.month
                             RANGE BETWEEN INTERVAL '12 months' PRECEDING AND INTERVAL '12 months' PRECEDING);

COMMENT ON VIEW bi.monthly_consumption_by_building IS 'Energy per building, flow and local month (sum over meters) with month-over-month and year-over-year comparisons.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.building_code IS 'Building code.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.month IS 'First day of the local month (month key as a date).';
COMMENT ON COLUMN bi.monthly_consumption_by_building.month_start IS 'Local midnight starting the month, as timestamptz.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.year IS 'Calendar year of the month.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.total_kwh IS 'Sum of the meters monthly energy, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.meter_count IS 'Meters with a row for the month.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.days_with_data IS 'Most days with data among the meters.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.days_in_month IS 'Days in the calendar month (28 to 31).';
COMMENT ON COLUMN bi.monthly_consumption_by_building.completeness IS 'Mean completeness of the meters for the month, from 0 to 1.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.previous_month_kwh IS 'Building total of the previous calendar month; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.mom_change_kwh IS 'Month-over-month change: total_kwh - previous_month_kwh, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.mom_change_pct IS 'Month-over-month change in percent of previous_month_kwh; NULL when missing or zero.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.same_month_last_year_kwh IS 'Building total of the same month one year earlier; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.yoy_change_kwh IS 'Year-over-year change: total_kwh - same_month_last_year_kwh, in kWh.';
COMMENT ON COLUMN bi.monthly_consumption_by_building.yoy_change_pct IS 'Year-over-year change in percent of same_month_last_year_kwh; NULL when missing or zero.';

-- ── daily maximum power ──────────────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.daily_max_power AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    p.day,
    (p.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', p.day)::date AS month,
    to_char(p.day, 'YYYY-MM') AS month_key,
    p.max_power_va,
    p.max_power_va / 1000 AS max_power_kva,
    p.peak_at,
    (p.peak_at AT TIME ZONE m.timezone) AS peak_at_local
FROM public.daily_max_power p
JOIN bi.meters m ON m.meter_pk = p.meter_pk;

COMMENT ON VIEW bi.daily_max_power IS 'Maximum apparent power drawn per meter and local day, and when it happened.';
COMMENT ON COLUMN bi.daily_max_power.building_code IS 'Building code.';
COMMENT ON COLUMN bi.daily_max_power.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.daily_max_power.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.daily_max_power.provider IS 'Data provider of the meter.';
COMMENT ON COLUMN bi.daily_max_power.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.daily_max_power.day IS 'Local calendar day in the building time zone (day key).';
COMMENT ON COLUMN bi.daily_max_power.day_start IS 'Local midnight starting the day, as timestamptz.';
COMMENT ON COLUMN bi.daily_max_power.month IS 'First day of the local month containing day.';
COMMENT ON COLUMN bi.daily_max_power.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.daily_max_power.max_power_va IS 'Maximum apparent power of the day, in VA.';
COMMENT ON COLUMN bi.daily_max_power.max_power_kva IS 'Maximum apparent power of the day, in kVA (compare with the subscribed power).';
COMMENT ON COLUMN bi.daily_max_power.peak_at IS 'When the maximum was reached (timestamptz).';
COMMENT ON COLUMN bi.daily_max_power.peak_at_local IS 'When the maximum was reached, as local wall-clock time of the building.';

-- ── anomalies ────────────────────────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.anomalies AS
SELECT
    a.anomaly_id,
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    m.direction,
    a.metric,
    a.granularity,
    a.rule,
    a.ts,
    (a.ts AT TIME ZONE m.timezone) AS ts_local,
    a.local_day,
    (a.local_day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', a.local_day)::date AS month,
    to_char(a.local_day, 'YYYY-MM') AS month_key,
    a.value_kwh,
    a.avg_7d AS avg_7d_kwh,
    a.variance_percent,
    a.severity,
    CASE a.severity WHEN 'Minor' THEN 1 WHEN 'Major' THEN 2 WHEN 'Critical' THEN 3 END AS severity_rank,
    a.message
FROM public.consumption_anomalies a
JOIN bi.meters m ON m.meter_pk = a.meter_pk;

COMMENT ON VIEW bi.anomalies IS 'Consumption anomalies (value above the 7-day moving average by a rule threshold), one row per anomaly.';
COMMENT ON COLUMN bi.anomalies.anomaly_id IS 'Stable anomaly id (hash of meter, granularity, rule and time).';
COMMENT ON COLUMN bi.anomalies.building_code IS 'Building code.';
COMMENT ON COLUMN bi.anomalies.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.anomalies.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.anomalies.provider IS 'Data provider of the meter.';
COMMENT ON COLUMN bi.anomalies.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.anomalies.direction IS 'Meter direction: consumption or production.';
COMMENT ON COLUMN bi.anomalies.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.anomalies.granularity IS 'day (a whole day is anomalous) or interval (one load-curve interval).';
COMMENT ON COLUMN bi.anomalies.rule IS 'Name of the detection rule that fired.';
COMMENT ON COLUMN bi.anomalies.ts IS 'Start of the anomalous day or interval (timestamptz).';
COMMENT ON COLUMN bi.anomalies.ts_local IS 'Start of the anomalous day or interval, as local wall-clock time of the building.';
COMMENT ON COLUMN bi.anomalies.local_day IS 'Local calendar day of the anomaly (day key).';
COMMENT ON COLUMN bi.anomalies.day_start IS 'Local midnight starting local_day, as timestamptz.';
COMMENT ON COLUMN bi.anomalies.month IS 'First day of the local month containing local_day.';
COMMENT ON COLUMN bi.anomalies.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.anomalies.value_kwh IS 'Observed energy of the day or interval, in kWh.';
COMMENT ON COLUMN bi.anomalies.avg_7d_kwh IS '7-day moving average it was compared with, in kWh.';
COMMENT ON COLUMN bi.anomalies.variance_percent IS 'How far value_kwh is above avg_7d_kwh, in percent.';
COMMENT ON COLUMN bi.anomalies.severity IS 'Minor, Major or Critical.';
COMMENT ON COLUMN bi.anomalies.severity_rank IS 'Severity as a sortable number: 1 Minor, 2 Major, 3 Critical.';
COMMENT ON COLUMN bi.anomalies.message IS 'Human-readable description of the anomaly.';

-- ── anomaly counts by severity ───────────────────────────────────────────────────────────────────────────────
CREATE VIEW bi.anomaly_counts_daily AS
SELECT
    a.building_code,
    min(a.building_name) AS building_name,
    a.metric,
    a.local_day,
    min(a.day_start) AS day_start,
    a.month,
    a.month_key,
    count(*)::integer AS anomaly_count,
    (count(*) FILTER (WHERE a.severity = 'Minor'))::integer AS minor_count,
    (count(*) FILTER (WHERE a.severity = 'Major'))::integer AS major_count,
    (count(*) FILTER (WHERE a.severity = 'Critical'))::integer AS critical_count
FROM bi.anomalies a
GROUP BY a.building_code, a.metric, a.local_day, a.month, a.month_key;

COMMENT ON VIEW bi.anomaly_counts_daily IS 'Number of anomalies per building, flow and local day, split by severity.';
COMMENT ON COLUMN bi.anomaly_counts_daily.building_code IS 'Building code.';
COMMENT ON COLUMN bi.anomaly_counts_daily.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.anomaly_counts_daily.metric IS 'Measured flow: consumption or production.';
COMMENT ON COLUMN bi.anomaly_counts_daily.local_day IS 'Local calendar day (day key).';
COMMENT ON COLUMN bi.anomaly_counts_daily.day_start IS 'Local midnight starting local_day, as timestamptz.';
COMMENT ON COLUMN bi.anomaly_counts_daily.month IS 'First day of the local month containing local_day.';
COMMENT ON COLUMN bi.anomaly_counts_daily.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.anomaly_counts_daily.anomaly_count IS 'Anomalies of the day, all severities.';
COMMENT ON COLUMN bi.anomaly_counts_daily.minor_count IS 'Anomalies of severity Minor.';
COMMENT ON COLUMN bi.anomaly_counts_daily.major_count IS 'Anomalies of severity Major.';
COMMENT ON COLUMN bi.anomaly_counts_daily.critical_count IS 'Anomalies of severity Critical.';
