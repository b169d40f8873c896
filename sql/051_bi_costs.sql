-- bi views over the cost tables (050), same conventions as 002: local day/month keys, day_start / month_start as
-- the local midnight (timestamptz) Grafana puts on a time axis, every view and column documented. Money is numeric.

CREATE VIEW bi.daily_cost AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.provider,
    m.meter_ref,
    c.day,
    (c.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', c.day)::date AS month,
    to_char(c.day, 'YYYY-MM') AS month_key,
    c.tariff_name,
    c.tariff_kind,
    c.tempo_colour,
    c.kwh,
    c.priced_kwh,
    c.unpriced_kwh,
    c.energy_eur,
    c.subscription_eur,
    c.total_eur,
    c.completeness,
    c.partial,
    c.partial_reason
FROM public.daily_cost c
JOIN bi.meters m ON m.meter_pk = c.meter_pk;

COMMENT ON VIEW bi.daily_cost IS 'Cost per consumption meter and local day: energy priced with the building or meter tariff, subscription share, total and partial flag.';
COMMENT ON COLUMN bi.daily_cost.building_code IS 'Building code.';
COMMENT ON COLUMN bi.daily_cost.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.daily_cost.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.daily_cost.provider IS 'Data provider of the meter.';
COMMENT ON COLUMN bi.daily_cost.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.daily_cost.day IS 'Local calendar day in the building time zone (day key).';
COMMENT ON COLUMN bi.daily_cost.day_start IS 'Local midnight starting the day, as timestamptz.';
COMMENT ON COLUMN bi.daily_cost.month IS 'First day of the local month containing day.';
COMMENT ON COLUMN bi.daily_cost.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.daily_cost.tariff_name IS 'Name of the tariff that priced the day.';
COMMENT ON COLUMN bi.daily_cost.tariff_kind IS 'base, hphc (peak/off-peak) or tempo.';
COMMENT ON COLUMN bi.daily_cost.tempo_colour IS 'Tempo: colour of the Tempo day starting at 06:00 on this day (BLUE, WHITE, RED); NULL when unknown or not Tempo.';
COMMENT ON COLUMN bi.daily_cost.kwh IS 'Energy of the day from the load curve, in kWh.';
COMMENT ON COLUMN bi.daily_cost.priced_kwh IS 'Part of kwh that has a price, in kWh.';
COMMENT ON COLUMN bi.daily_cost.unpriced_kwh IS 'Part of kwh without a price (Tempo colour unknown), in kWh; never priced by a guess.';
COMMENT ON COLUMN bi.daily_cost.energy_eur IS 'Price of priced_kwh, in euros (exact decimal).';
COMMENT ON COLUMN bi.daily_cost.subscription_eur IS 'Share of the monthly subscription for this day, in euros (a month adds up to the monthly price).';
COMMENT ON COLUMN bi.daily_cost.total_eur IS 'energy_eur + subscription_eur, in euros.';
COMMENT ON COLUMN bi.daily_cost.completeness IS 'Share of the local day (23, 24 or 25 hours) covered by load-curve intervals, from 0 to 1.';
COMMENT ON COLUMN bi.daily_cost.partial IS 'True when the cost is a lower bound: the day is incomplete or a Tempo colour is unknown.';
COMMENT ON COLUMN bi.daily_cost.partial_reason IS 'incomplete_day, unknown_tempo_colour, or both; NULL when not partial.';

CREATE VIEW bi.daily_cost_periods AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.meter_ref,
    p.day,
    (p.day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', p.day)::date AS month,
    (date_trunc('month', p.day)::timestamp AT TIME ZONE m.timezone) AS month_start,
    p.period,
    p.kwh,
    p.eur_per_kwh,
    p.energy_eur
FROM public.daily_cost_periods p
JOIN bi.meters m ON m.meter_pk = p.meter_pk;

COMMENT ON VIEW bi.daily_cost_periods IS 'Energy and cost per consumption meter, local day and tariff period (BASE, HP, HC, BLUE_HP … RED_HC, UNKNOWN_HP/HC).';
COMMENT ON COLUMN bi.daily_cost_periods.building_code IS 'Building code.';
COMMENT ON COLUMN bi.daily_cost_periods.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.daily_cost_periods.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.daily_cost_periods.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.daily_cost_periods.day IS 'Local calendar day (day key).';
COMMENT ON COLUMN bi.daily_cost_periods.day_start IS 'Local midnight starting the day, as timestamptz.';
COMMENT ON COLUMN bi.daily_cost_periods.month IS 'First day of the local month containing day.';
COMMENT ON COLUMN bi.daily_cost_periods.month_start IS 'Local midnight starting the month, as timestamptz.';
COMMENT ON COLUMN bi.daily_cost_periods.period IS 'Tariff period; UNKNOWN_HP / UNKNOWN_HC hold Tempo energy whose day colour is not known.';
COMMENT ON COLUMN bi.daily_cost_periods.kwh IS 'Energy of the period on that day, in kWh (intervals straddling a period boundary are split pro rata).';
COMMENT ON COLUMN bi.daily_cost_periods.eur_per_kwh IS 'Price of the period, in euros per kWh; NULL when unknown.';
COMMENT ON COLUMN bi.daily_cost_periods.energy_eur IS 'kwh × eur_per_kwh, in euros; NULL when unknown.';

CREATE VIEW bi.monthly_cost AS
SELECT
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.meter_ref,
    c.month,
    (c.month::timestamp AT TIME ZONE m.timezone) AS month_start,
    to_char(c.month, 'YYYY-MM') AS month_key,
    c.kwh,
    c.priced_kwh,
    c.unpriced_kwh,
    c.energy_eur,
    c.subscription_eur,
    c.total_eur,
    c.days_priced,
    c.days_in_month,
    c.partial_days,
    c.completeness,
    c.partial,
    max(c.total_eur) OVER previous_month AS previous_month_eur,
    100 * (c.total_eur - max(c.total_eur) OVER previous_month)
        / NULLIF(max(c.total_eur) OVER previous_month, 0) AS mom_change_pct,
    max(c.total_eur) OVER same_month_last_year AS same_month_last_year_eur,
    100 * (c.total_eur - max(c.total_eur) OVER same_month_last_year)
        / NULLIF(max(c.total_eur) OVER same_month_last_year, 0) AS yoy_change_pct
FROM public.monthly_cost c
JOIN bi.meters m ON m.meter_pk = c.meter_pk
WINDOW
    previous_month AS (PARTITION BY c.meter_pk ORDER BY c.month
                       RANGE BETWEEN INTERVAL '1 month' PRECEDING AND INTERVAL '1 month' PRECEDING),
    same_month_last_year AS (PARTITION BY c.meter_pk ORDER BY c.month
                             RANGE BETWEEN INTERVAL '12 months' PRECEDING AND INTERVAL '12 months' PRECEDING);

COMMENT ON VIEW bi.monthly_cost IS 'Cost per consumption meter and local month (sum of its days) with month-over-month and year-over-year comparisons in euros.';
COMMENT ON COLUMN bi.monthly_cost.building_code IS 'Building code.';
COMMENT ON COLUMN bi.monthly_cost.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.monthly_cost.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.monthly_cost.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.monthly_cost.month IS 'First day of the local month (month key as a date).';
COMMENT ON COLUMN bi.monthly_cost.month_start IS 'Local midnight starting the month, as timestamptz.';
COMMENT ON COLUMN bi.monthly_cost.month_key IS 'Local month as text YYYY-MM.';
COMMENT ON COLUMN bi.monthly_cost.kwh IS 'Energy of the priced days, in kWh.';
COMMENT ON COLUMN bi.monthly_cost.priced_kwh IS 'Part of kwh that has a price, in kWh.';
COMMENT ON COLUMN bi.monthly_cost.unpriced_kwh IS 'Part of kwh without a price (Tempo colour unknown), in kWh.';
COMMENT ON COLUMN bi.monthly_cost.energy_eur IS 'Price of the energy, in euros.';
COMMENT ON COLUMN bi.monthly_cost.subscription_eur IS 'Subscription of the priced days, in euros (the monthly price when every day is priced).';
COMMENT ON COLUMN bi.monthly_cost.total_eur IS 'energy_eur + subscription_eur, in euros.';
COMMENT ON COLUMN bi.monthly_cost.days_priced IS 'Local days of the month with a cost row.';
COMMENT ON COLUMN bi.monthly_cost.days_in_month IS 'Days in the calendar month (28 to 31).';
COMMENT ON COLUMN bi.monthly_cost.partial_days IS 'Days of the month whose cost is partial.';
COMMENT ON COLUMN bi.monthly_cost.completeness IS 'Mean completeness of the priced days, from 0 to 1.';
COMMENT ON COLUMN bi.monthly_cost.partial IS 'True when a day is partial or missing: the total is then a lower bound.';
COMMENT ON COLUMN bi.monthly_cost.previous_month_eur IS 'total_eur of the previous calendar month; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_cost.mom_change_pct IS 'Month-over-month change in percent of previous_month_eur; NULL when missing or zero.';
COMMENT ON COLUMN bi.monthly_cost.same_month_last_year_eur IS 'total_eur of the same month one year earlier; NULL when that month is missing.';
COMMENT ON COLUMN bi.monthly_cost.yoy_change_pct IS 'Year-over-year change in percent of same_month_last_year_eur; NULL when missing or zero.';
