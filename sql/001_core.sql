-- Core warehouse tables (ARCHITECTURE §4). Constraints reject bad data at the database, not only in Python.
-- Times: interval starts are UTC timestamptz; local days/months are computed in the building's time zone.

CREATE FUNCTION linky_gs1_valid(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- GS1 mod-10 check digit (GSRN/EAN-18): weights 3,1,3,… from the rightmost data digit.
    SELECT code ~ '^[0-9]{18}$' AND (
        (10 - (SELECT sum(substr(code, 18 - i, 1)::int * CASE WHEN i % 2 = 1 THEN 3 ELSE 1 END)
               FROM generate_series(1, 17) AS i) % 10) % 10
    ) = substr(code, 18, 1)::int
$$;

CREATE TABLE buildings (
    code        text PRIMARY KEY
                CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),   -- used as a Dagster partition key
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    timezone    text NOT NULL DEFAULT 'Europe/Paris'
                CHECK (timezone IN ('Europe/Paris', 'Europe/Brussels')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE meters (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_code    text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    provider         text NOT NULL CHECK (provider IN ('enedis', 'ores', 'be_csv')),
    meter_id         text NOT NULL,                 -- PRM (France, 14 digits) or EAN (Belgium, 18 digits)
    direction        text NOT NULL CHECK (direction IN ('consumption', 'production')),
    activation_date  date,
    status           text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'disabled', 'consent_revoked')),
    consent_start    timestamptz,
    consent_end      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT meters_prm_format CHECK (provider <> 'enedis' OR meter_id ~ '^[0-9]{14}$'),
    CONSTRAINT meters_ean_format CHECK (provider = 'enedis' OR linky_gs1_valid(meter_id)),
    CONSTRAINT meters_consent_order CHECK (consent_end IS NULL OR consent_start IS NULL
                                           OR consent_end > consent_start),
    UNIQUE (provider, meter_id, direction)
);
CREATE INDEX meters_building_idx ON meters (building_code);

CREATE TABLE meter_credentials (
    meter_pk    bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name IN ('access_token', 'refresh_token', 'autorisation_id')),
    key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{8}$'),
    ciphertext  bytea NOT NULL CHECK (octet_length(ciphertext) >= 28),   -- 12-byte nonce + 16-byte tag
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meter_pk, name)
);

CREATE TABLE alert_rules (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_code      text REFERENCES buildings (code) ON DELETE CASCADE,   -- NULL: global default
    metric             text NOT NULL DEFAULT 'consumption' CHECK (metric IN ('consumption', 'production')),
    condition          text NOT NULL DEFAULT 'greater_than' CHECK (condition IN ('greater_than')),
    threshold_type     text NOT NULL DEFAULT 'moving_average_7d' CHECK (threshold_type IN ('moving_average_7d')),
    threshold_percent  numeric(7, 2) NOT NULL DEFAULT 120 CHECK (threshold_percent > 100 AND threshold_percent <= 10000),
    severity           text NOT NULL DEFAULT 'Minor' CHECK (severity IN ('Minor', 'Major', 'Critical')),
    channels           text[] NOT NULL CHECK (cardinality(channels) > 0
                                              AND channels <@ ARRAY['email', 'webhook']::text[]),
    recipients         text[] NOT NULL CHECK (cardinality(recipients) > 0),
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Landing zone: every API answer kept as received (no secrets in request), one row per meter × endpoint × window.
CREATE TABLE raw_load_curves (
    meter_pk        bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    endpoint        text NOT NULL CHECK (endpoint IN (
                        'consumption_load_curve', 'production_load_curve', 'daily_consumption',
                        'daily_production', 'daily_consumption_max_power')),
    window_start    date NOT NULL,
    window_end      date NOT NULL,                  -- exclusive, as in the API
    api_version     text NOT NULL,
    http_status     integer NOT NULL,
    request         jsonb NOT NULL,
    payload         jsonb,
    payload_sha256  text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    fetched_at      timestamptz NOT NULL,
    PRIMARY KEY (meter_pk, endpoint, window_start, window_end),
    CHECK (window_end > window_start)
);

-- Per-day fetch state: days that are final are never requested again.
CREATE TABLE fetch_state (
    meter_pk      bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    endpoint      text NOT NULL,
    day           date NOT NULL,
    status        text NOT NULL CHECK (status IN ('complete', 'partial', 'no_data', 'before_activation',
                                                  'beyond_horizon')),
    points        integer NOT NULL CHECK (points >= 0),
    is_final      boolean NOT NULL,
    fetched_at    timestamptz NOT NULL,
    PRIMARY KEY (meter_pk, endpoint, day)
);

CREATE TABLE readings (
    meter_pk    bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric      text NOT NULL CHECK (metric IN ('consumption', 'production')),
    ts          timestamptz NOT NULL,               -- interval START, UTC
    interval_s  integer NOT NULL CHECK (interval_s > 0 AND interval_s <= 86400),
    kwh         double precision NOT NULL CHECK (kwh >= 0 AND kwh < 1e6),
    quality     text NOT NULL,
    source      text NOT NULL,
    PRIMARY KEY (meter_pk, metric, ts)
);
CREATE INDEX readings_ts_idx ON readings USING brin (ts);

CREATE TABLE daily_consumption (
    building_code     text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk          bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric            text NOT NULL CHECK (metric IN ('consumption', 'production')),
    day               date NOT NULL,                -- local day in the building's time zone
    total_kwh         double precision CHECK (total_kwh >= 0),
    source_used       text NOT NULL CHECK (source_used IN ('official', 'curve', 'none')),
    official_kwh      double precision CHECK (official_kwh >= 0),
    curve_kwh         double precision CHECK (curve_kwh >= 0),
    interval_count    integer NOT NULL CHECK (interval_count >= 0),
    expected_count    integer NOT NULL CHECK (expected_count >= 0),
    completeness      double precision NOT NULL CHECK (completeness >= 0 AND completeness <= 1),
    min_interval_kwh  double precision CHECK (min_interval_kwh >= 0),
    max_interval_kwh  double precision CHECK (max_interval_kwh >= 0),
    avg_interval_kwh  double precision CHECK (avg_interval_kwh >= 0),
    PRIMARY KEY (meter_pk, day)
);
CREATE INDEX daily_consumption_building_day_idx ON daily_consumption (building_code, day);

CREATE TABLE monthly_consumption (
    building_code     text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk          bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric            text NOT NULL CHECK (metric IN ('consumption', 'production')),
    month             date NOT NULL CHECK (extract(day FROM month) = 1),
    total_kwh         double precision CHECK (total_kwh >= 0),
    official_kwh      double precision CHECK (official_kwh >= 0),
    curve_kwh         double precision CHECK (curve_kwh >= 0),
    days_with_data    integer NOT NULL CHECK (days_with_data >= 0),
    days_in_month     integer NOT NULL CHECK (days_in_month BETWEEN 28 AND 31),
    interval_count    integer NOT NULL CHECK (interval_count >= 0),
    expected_count    integer NOT NULL CHECK (expected_count >= 0),
    completeness      double precision NOT NULL CHECK (completeness >= 0 AND completeness <= 1),
    min_daily_kwh     double precision CHECK (min_daily_kwh >= 0),
    max_daily_kwh     double precision CHECK (max_daily_kwh >= 0),
    avg_daily_kwh     double precision CHECK (avg_daily_kwh >= 0),
    mom_change_pct    double precision,
    yoy_change_pct    double precision,
    PRIMARY KEY (meter_pk, month)
);
CREATE INDEX monthly_consumption_building_month_idx ON monthly_consumption (building_code, month);

CREATE TABLE daily_max_power (
    building_code  text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk       bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    day            date NOT NULL,
    max_power_va   double precision NOT NULL CHECK (max_power_va >= 0),
    peak_at        timestamptz NOT NULL,
    PRIMARY KEY (meter_pk, day)
);

CREATE TABLE consumption_anomalies (
    anomaly_id        text PRIMARY KEY CHECK (anomaly_id ~ '^[0-9a-f]{32}$'),   -- stable hash of the natural key
    building_code     text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk          bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric            text NOT NULL CHECK (metric IN ('consumption', 'production')),
    granularity       text NOT NULL CHECK (granularity IN ('day', 'interval')),
    rule              text NOT NULL,
    ts                timestamptz NOT NULL,         -- start of the day (local midnight) or of the interval, UTC
    local_day         date NOT NULL,
    value_kwh         double precision NOT NULL CHECK (value_kwh >= 0),
    avg_7d            double precision NOT NULL CHECK (avg_7d > 0),
    variance_percent  double precision NOT NULL,
    severity          text NOT NULL CHECK (severity IN ('Minor', 'Major', 'Critical')),
    message           text NOT NULL,
    UNIQUE (meter_pk, granularity, rule, ts)
);
CREATE INDEX consumption_anomalies_building_day_idx ON consumption_anomalies (building_code, local_day);

-- Outbox: one row per thing to deliver; dedupe_key makes each delivery happen once.
CREATE TABLE notifications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,
    kind             text NOT NULL CHECK (kind IN ('anomaly', 'consent_expiry', 'consent_lost', 'run_failure')),
    building_code    text REFERENCES buildings (code) ON DELETE CASCADE,
    anomaly_id       text REFERENCES consumption_anomalies (anomaly_id) ON DELETE CASCADE,
    channel          text NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient        text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'pending';

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    action         text NOT NULL,
    building_code  text,                            -- no FK: the log outlives an erased building
    meter_ref      text,
    actor          text NOT NULL,                   -- CLI command or Dagster run id
    details        jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- Single-use OAuth states (consent flow).
CREATE TABLE oauth_states (
    nonce       text PRIMARY KEY,
    used_at     timestamptz NOT NULL DEFAULT now()
);

-- Provider quota shared by every process (GCRA per second + fixed hourly window).
CREATE TABLE api_rate_limits (
    provider     text PRIMARY KEY,
    tat          timestamptz NOT NULL,              -- theoretical arrival time (GCRA)
    hour_start   timestamptz NOT NULL,
    hour_count   integer NOT NULL CHECK (hour_count >= 0)
);
