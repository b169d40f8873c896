-- Tariffs as data (per building, or per meter), the Tempo calendar, and the cost tables built from readings.
-- Money is numeric (exact decimals), never float. Validity periods are local calendar days [valid_from, valid_to).

CREATE TABLE tariffs (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_code            text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk                 bigint REFERENCES meters (id) ON DELETE CASCADE,   -- NULL: every consumption meter
    name                     text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    kind                     text NOT NULL CHECK (kind IN ('base', 'hphc', 'tempo')),
    valid_from               date NOT NULL,
    valid_to                 date,                                              -- exclusive; NULL: open-ended
    subscription_eur_month   numeric(10, 4) NOT NULL CHECK (subscription_eur_month >= 0 AND subscription_eur_month < 10000),
    subscribed_kva           numeric(7, 2) CHECK (subscribed_kva > 0 AND subscribed_kva <= 100000),
    created_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX tariffs_building_idx ON tariffs (building_code, valid_from);
COMMENT ON COLUMN tariffs.subscribed_kva IS 'Subscribed power of the contract priced by this tariff: used by the max-power alert when the meter has no contract value';

-- € per kWh of each period of a tariff: BASE; HP, HC; BLUE_HP … RED_HC for Tempo.
CREATE TABLE tariff_prices (
    tariff_id     bigint NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    period        text NOT NULL CHECK (period IN ('BASE', 'HP', 'HC', 'BLUE_HP', 'BLUE_HC', 'WHITE_HP', 'WHITE_HC',
                                                  'RED_HP', 'RED_HC')),
    eur_per_kwh   numeric(10, 6) NOT NULL CHECK (eur_per_kwh >= 0 AND eur_per_kwh < 10),
    PRIMARY KEY (tariff_id, period)
);

-- Off-peak (HC) ranges in local wall-clock time, minute resolution; a range may run past midnight (22:00–06:00).
CREATE TABLE tariff_offpeak_ranges (
    tariff_id   bigint NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    starts_at   time(0) NOT NULL CHECK (extract(second FROM starts_at) = 0),
    ends_at     time(0) NOT NULL CHECK (extract(second FROM ends_at) = 0),
    PRIMARY KEY (tariff_id, starts_at),
    CHECK (starts_at <> ends_at)
);

-- Tempo day colours: day D's colour applies from 06:00 on D to 06:00 on D+1 (local time).
CREATE TABLE tempo_days (
    day         date PRIMARY KEY,
    colour      text NOT NULL CHECK (colour IN ('BLUE', 'WHITE', 'RED')),
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per consumption meter and local day priced by a tariff.
CREATE TABLE daily_cost (
    building_code     text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk          bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    day               date NOT NULL,
    tariff_id         bigint NOT NULL,          -- no FK: removing a tariff must not silently drop history
    tariff_name       text NOT NULL,
    tariff_kind       text NOT NULL CHECK (tariff_kind IN ('base', 'hphc', 'tempo')),
    tempo_colour      text CHECK (tempo_colour IN ('BLUE', 'WHITE', 'RED')),   -- the Tempo day starting 06:00
    kwh               numeric(14, 6) NOT NULL CHECK (kwh >= 0),
    priced_kwh        numeric(14, 6) NOT NULL CHECK (priced_kwh >= 0),
    unpriced_kwh      numeric(14, 6) NOT NULL CHECK (unpriced_kwh >= 0),
    energy_eur        numeric(14, 6) NOT NULL CHECK (energy_eur >= 0),
    subscription_eur  numeric(14, 6) NOT NULL CHECK (subscription_eur >= 0),
    total_eur         numeric(14, 6) NOT NULL CHECK (total_eur >= 0),
    completeness      double precision NOT NULL CHECK (completeness >= 0 AND completeness <= 1),
    partial           boolean NOT NULL,
    partial_reason    text CHECK (partial_reason IN ('incomplete_day', 'unknown_tempo_colour',
                                                     'incomplete_day,unknown_tempo_colour')),
    PRIMARY KEY (meter_pk, day),
    CHECK (partial = (partial_reason IS NOT NULL))
);
CREATE INDEX daily_cost_building_day_idx ON daily_cost (building_code, day);

-- The split of a daily_cost row per tariff period (UNKNOWN_HP / UNKNOWN_HC: Tempo colour not known, no price).
CREATE TABLE daily_cost_periods (
    building_code   text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk        bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    day             date NOT NULL,
    period          text NOT NULL,
    kwh             numeric(14, 6) NOT NULL CHECK (kwh >= 0),
    eur_per_kwh     numeric(10, 6),
    energy_eur      numeric(14, 6),
    PRIMARY KEY (meter_pk, day, period),
    CHECK ((eur_per_kwh IS NULL) = (energy_eur IS NULL))
);

CREATE TABLE monthly_cost (
    building_code     text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk          bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    month             date NOT NULL CHECK (extract(day FROM month) = 1),
    kwh               numeric(14, 6) NOT NULL,
    priced_kwh        numeric(14, 6) NOT NULL,
    unpriced_kwh      numeric(14, 6) NOT NULL,
    energy_eur        numeric(14, 6) NOT NULL,
    subscription_eur  numeric(14, 6) NOT NULL,
    total_eur         numeric(14, 6) NOT NULL,
    days_priced       integer NOT NULL CHECK (days_priced >= 0),
    days_in_month     integer NOT NULL CHECK (days_in_month BETWEEN 28 AND 31),
    partial_days      integer NOT NULL CHECK (partial_days >= 0),
    completeness      double precision NOT NULL CHECK (completeness >= 0 AND completeness <= 1),
    partial           boolean NOT NULL,
    PRIMARY KEY (meter_pk, month)
);
CREATE INDEX monthly_cost_building_month_idx ON monthly_cost (building_code, month);

CREATE TABLE monthly_cost_periods (
    building_code   text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    meter_pk        bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    period          text NOT NULL,
    kwh             numeric(14, 6) NOT NULL,
    energy_eur      numeric(14, 6),
    PRIMARY KEY (meter_pk, month, period)
);
