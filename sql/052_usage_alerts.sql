-- Alerts beyond the 7-day rule: daily max power above the subscribed power, a night standby rise above its
-- 28-night baseline, week-over-week increases of energy or cost. Their thresholds are alert rules per building
-- (or global) with a threshold_type; notifications go through the same outbox (kind 'usage_alert'), and the
-- monthly report e-mail is a notification too (kind 'monthly_report').

ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_threshold_type_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_threshold_type_check CHECK (threshold_type IN (
    'moving_average_7d', 'subscribed_power', 'standby_baseline_28d', 'week_over_week_energy', 'week_over_week_cost'));
-- 'subscribed_power' compares with the subscribed kVA itself (100 = at the subscribed power); the others with a
-- baseline they must exceed (> 100).
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_threshold_percent_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_threshold_percent_check CHECK (
    threshold_percent <= 10000
    AND threshold_percent > CASE WHEN threshold_type = 'subscribed_power' THEN 50 ELSE 100 END);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'anomaly', 'consent_expiry', 'consent_lost', 'run_failure', 'empty_answer', 'usage_alert', 'monthly_report'));

CREATE TABLE usage_alerts (
    alert_id           text PRIMARY KEY CHECK (alert_id ~ '^[0-9a-f]{32}$'),   -- stable hash of the natural key
    building_code      text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk           bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    rule               text NOT NULL CHECK (rule IN ('subscribed_power', 'standby_baseline_28d',
                                                     'week_over_week_energy', 'week_over_week_cost')),
    period_start       date NOT NULL,              -- the day, or the Monday of the week
    local_day          date NOT NULL,              -- the day, or the Sunday ending the week (its month owns it)
    value              double precision NOT NULL CHECK (value >= 0),
    baseline           double precision NOT NULL CHECK (baseline > 0),
    unit               text NOT NULL CHECK (unit IN ('kVA', 'kW', 'kWh', 'EUR')),
    ratio_percent      double precision NOT NULL,
    threshold_percent  numeric(7, 2) NOT NULL,
    severity           text NOT NULL CHECK (severity IN ('Minor', 'Major', 'Critical')),
    message            text NOT NULL,
    UNIQUE (meter_pk, rule, period_start),
    CHECK (local_day >= period_start)
);
CREATE INDEX usage_alerts_building_day_idx ON usage_alerts (building_code, local_day);

CREATE VIEW bi.usage_alerts AS
SELECT
    a.alert_id,
    m.building_code,
    m.building_name,
    m.meter_pk,
    m.meter_ref,
    a.rule,
    a.period_start,
    a.local_day,
    (a.local_day::timestamp AT TIME ZONE m.timezone) AS day_start,
    date_trunc('month', a.local_day)::date AS month,
    a.value,
    a.baseline,
    a.unit,
    a.ratio_percent,
    a.threshold_percent,
    a.severity,
    a.message
FROM public.usage_alerts a
JOIN bi.meters m ON m.meter_pk = a.meter_pk;

COMMENT ON VIEW bi.usage_alerts IS 'Alerts beyond the 7-day rule: max power above the subscribed kVA, standby rises, week-over-week increases of energy or cost.';
COMMENT ON COLUMN bi.usage_alerts.alert_id IS 'Stable alert id (hash of meter, rule and period start).';
COMMENT ON COLUMN bi.usage_alerts.building_code IS 'Building code.';
COMMENT ON COLUMN bi.usage_alerts.building_name IS 'Human-readable building name.';
COMMENT ON COLUMN bi.usage_alerts.meter_pk IS 'Internal meter id (see bi.meters).';
COMMENT ON COLUMN bi.usage_alerts.meter_ref IS 'PRM or EAN of the meter.';
COMMENT ON COLUMN bi.usage_alerts.rule IS 'subscribed_power, standby_baseline_28d, week_over_week_energy or week_over_week_cost.';
COMMENT ON COLUMN bi.usage_alerts.period_start IS 'The day, or the Monday of the week for week-over-week alerts.';
COMMENT ON COLUMN bi.usage_alerts.local_day IS 'The day, or the Sunday ending the week (local calendar day).';
COMMENT ON COLUMN bi.usage_alerts.day_start IS 'Local midnight starting local_day, as timestamptz.';
COMMENT ON COLUMN bi.usage_alerts.month IS 'First day of the local month containing local_day.';
COMMENT ON COLUMN bi.usage_alerts.value IS 'Observed value: max power (kVA), night base load (kW), week energy (kWh) or cost (EUR).';
COMMENT ON COLUMN bi.usage_alerts.baseline IS 'What it was compared with: subscribed kVA, 28-night median (kW), previous week.';
COMMENT ON COLUMN bi.usage_alerts.unit IS 'Unit of value and baseline: kVA, kW, kWh or EUR.';
COMMENT ON COLUMN bi.usage_alerts.ratio_percent IS 'value / baseline in percent.';
COMMENT ON COLUMN bi.usage_alerts.threshold_percent IS 'Detection threshold in force for the building (lowest applicable rule, or the default).';
COMMENT ON COLUMN bi.usage_alerts.severity IS 'Minor (< 150 %), Major (150-200 %) or Critical (> 200 %) of the baseline.';
COMMENT ON COLUMN bi.usage_alerts.message IS 'Human-readable description (French).';
