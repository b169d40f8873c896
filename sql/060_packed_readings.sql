-- Readings stored packed: one row per meter × metric × LOCAL day (the building's zone) holding that day's intervals
-- as arrays. One row per interval cannot go below ~28 bytes of tuple header and line pointer plus a btree entry of
-- 20–30 bytes; a day row spreads that overhead over 24–144 intervals (see docs/storage.md for the measurements).
--
--   offset_s    interval starts, in seconds after 00:00 UTC of `day` (so ts = day at UTC midnight + offset,
--               computable without the building's zone; Paris/Brussels days start at -3600 or -7200)
--   interval_s  interval lengths in seconds
--   energy_mj   interval energy in millijoules (kWh = mJ / 3.6e9): exact integers for Enedis's W × whole seconds
--               (W with up to 3 decimals), Wh with up to 5 decimals and kWh with up to 8, so sums are exact
--   quality     one element when the whole day shares it (the usual case), else one per interval
--   source      idem
--
-- `readings` stays as a view with the columns every SQL reader uses (meter_pk, metric, ts, interval_s, kwh,
-- quality, source) plus `day`: a filter on `day` reaches the primary key, a filter on `ts` alone reads the meter's
-- whole history (the planner cannot invert ts = day + offset).
-- Existing rows (plain table, or the hypertable 003 created) are moved over and the old table dropped.

-- One interval start per instant (what the per-interval primary key used to guarantee). A loop: measured 15 µs per
-- 48-element day against 37 µs for the set-based `a = ARRAY(SELECT DISTINCT … ORDER BY …)`.
CREATE FUNCTION linky_strictly_ascending(a integer[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    FOR i IN 2 .. coalesce(array_upper(a, 1), 0) LOOP
        IF a[i] <= a[i - 1] THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$$;

CREATE TABLE reading_days (
    meter_pk    bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric      text NOT NULL CHECK (metric IN ('consumption', 'production')),
    day         date NOT NULL,
    offset_s    integer[] NOT NULL,
    interval_s  integer[] NOT NULL,
    energy_mj   bigint[] NOT NULL,
    quality     text[] NOT NULL,
    source      text[] NOT NULL,
    PRIMARY KEY (meter_pk, metric, day),
    CONSTRAINT reading_days_shape CHECK (
        array_ndims(offset_s) = 1 AND cardinality(offset_s) BETWEEN 1 AND 2880
        AND cardinality(interval_s) = cardinality(offset_s) AND cardinality(energy_mj) = cardinality(offset_s)
        AND cardinality(quality) IN (1, cardinality(offset_s)) AND cardinality(source) IN (1, cardinality(offset_s))
        AND array_position(offset_s, NULL) IS NULL AND array_position(interval_s, NULL) IS NULL
        AND array_position(energy_mj, NULL) IS NULL AND array_position(quality, NULL) IS NULL
        AND array_position(source, NULL) IS NULL),
    -- one start per instant, ascending, within the local day (which lies within [-1 day, +2 days) of UTC midnight)
    CONSTRAINT reading_days_offsets CHECK (
        linky_strictly_ascending(offset_s) AND -86400 <= ALL (offset_s) AND 172800 > ALL (offset_s)),
    CONSTRAINT reading_days_interval_s CHECK (0 < ALL (interval_s) AND 86400 >= ALL (interval_s)),
    CONSTRAINT reading_days_energy CHECK (0 <= ALL (energy_mj) AND 3600000000000000 > ALL (energy_mj))  -- < 1e6 kWh
);
COMMENT ON TABLE reading_days IS 'Interval energy packed per meter, metric and local day; read it through the readings view.';
COMMENT ON COLUMN reading_days.offset_s IS 'Interval starts in seconds after 00:00 UTC of day (ascending).';
COMMENT ON COLUMN reading_days.energy_mj IS 'Interval energy in millijoules (1 kWh = 3.6e9 mJ).';
COMMENT ON COLUMN reading_days.quality IS 'One quality for the whole day, or one per interval.';
COMMENT ON COLUMN reading_days.source IS 'One source for the whole day, or one per interval.';

-- A stored interval whose value a later answer changed (BEST replacing BRUT, a late correction) or withdrew.
CREATE TABLE reading_revisions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meter_pk         bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    metric           text NOT NULL CHECK (metric IN ('consumption', 'production')),
    ts               timestamptz NOT NULL,          -- interval start, UTC
    old_interval_s   integer NOT NULL,
    old_kwh          double precision NOT NULL,
    old_quality      text NOT NULL,
    new_interval_s   integer,                       -- NULL: the interval is no longer in any answer
    new_kwh          double precision,
    new_quality      text,
    revised_at       timestamptz NOT NULL DEFAULT now(),
    -- the landed answer that brought the new value (raw_load_curves key and content hash)
    raw_endpoint     text,
    raw_window_start date,
    raw_window_end   date,
    raw_sha256       text,
    raw_fetched_at   timestamptz,
    CHECK ((new_kwh IS NULL) = (new_interval_s IS NULL))
);
CREATE INDEX reading_revisions_meter_ts_idx ON reading_revisions (meter_pk, ts);
COMMENT ON TABLE reading_revisions IS 'Every change of a stored interval value: old and new value, when, and which landed answer.';

INSERT INTO reading_days (meter_pk, metric, day, offset_s, interval_s, energy_mj, quality, source)
SELECT r.meter_pk, r.metric, r.day,
       array_agg(extract(epoch FROM r.ts - (r.day::timestamp AT TIME ZONE 'UTC'))::integer ORDER BY r.ts),
       array_agg(r.interval_s ORDER BY r.ts),
       array_agg(round(r.kwh * 3600000000::double precision)::bigint ORDER BY r.ts),
       CASE WHEN count(DISTINCT r.quality) = 1 THEN ARRAY[min(r.quality)]
            ELSE array_agg(r.quality ORDER BY r.ts) END,
       CASE WHEN count(DISTINCT r.source) = 1 THEN ARRAY[min(r.source)]
            ELSE array_agg(r.source ORDER BY r.ts) END
FROM (
    SELECT o.*, (o.ts AT TIME ZONE b.timezone)::date AS day
    FROM readings o
    JOIN meters m ON m.id = o.meter_pk
    JOIN buildings b ON b.code = m.building_code
) r
GROUP BY r.meter_pk, r.metric, r.day;

DROP TABLE readings;

CREATE VIEW readings AS
SELECT
    d.meter_pk,
    d.metric,
    (d.day::timestamp AT TIME ZONE 'UTC') + make_interval(secs => u.offset_s) AS ts,
    u.interval_s,
    u.energy_mj::double precision / 3600000000::double precision AS kwh,
    CASE WHEN cardinality(d.quality) = 1 THEN d.quality[1] ELSE d.quality[u.i] END AS quality,
    CASE WHEN cardinality(d.source) = 1 THEN d.source[1] ELSE d.source[u.i] END AS source,
    d.day
FROM reading_days d
CROSS JOIN LATERAL unnest(d.offset_s, d.interval_s, d.energy_mj) WITH ORDINALITY AS u (offset_s, interval_s, energy_mj, i);

COMMENT ON VIEW readings IS 'One row per meter, metric and interval (unpacked from reading_days). Filter on day (the building''s local day) as well as ts to reach the primary key.';
COMMENT ON COLUMN readings.ts IS 'Interval start, UTC.';
COMMENT ON COLUMN readings.kwh IS 'Interval energy in kWh (energy_mj / 3.6e9).';
COMMENT ON COLUMN readings.day IS 'Local day of the interval start in the building''s time zone (the packing key).';

-- Writers that insert or delete single intervals through the view (tests, hand fixes) keep working: each row is
-- merged into, or removed from, its day row. The pipeline itself writes reading_days directly.
CREATE FUNCTION readings_view_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    zone text;
    the_day date;
    new_offset integer;
    held reading_days%ROWTYPE;
BEGIN
    SELECT b.timezone INTO zone FROM meters m JOIN buildings b ON b.code = m.building_code WHERE m.id = NEW.meter_pk;
    IF zone IS NULL THEN
        RAISE EXCEPTION 'readings: meter_pk % does not exist', NEW.meter_pk USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.ts IS NULL THEN
        RAISE EXCEPTION 'readings: ts must not be null' USING ERRCODE = 'not_null_violation';
    END IF;
    the_day := (NEW.ts AT TIME ZONE zone)::date;
    new_offset := extract(epoch FROM NEW.ts - (the_day::timestamp AT TIME ZONE 'UTC'))::integer;
    SELECT * INTO held FROM reading_days
    WHERE meter_pk = NEW.meter_pk AND metric = NEW.metric AND day = the_day FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO reading_days VALUES (NEW.meter_pk, NEW.metric, the_day, ARRAY[new_offset], ARRAY[NEW.interval_s],
                                         ARRAY[round(NEW.kwh * 3600000000::double precision)::bigint],
                                         ARRAY[NEW.quality], ARRAY[NEW.source]);
        RETURN NEW;
    END IF;
    IF new_offset = ANY (held.offset_s) THEN
        RAISE EXCEPTION 'duplicate key value violates unique constraint "readings_pkey"'
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Key (meter_pk, metric, ts)=(%s, %s, %s) already exists.', NEW.meter_pk, NEW.metric, NEW.ts);
    END IF;
    WITH merged AS (
        SELECT u.o, u.l, u.e,
               CASE WHEN cardinality(held.quality) = 1 THEN held.quality[1] ELSE held.quality[u.i] END AS q,
               CASE WHEN cardinality(held.source) = 1 THEN held.source[1] ELSE held.source[u.i] END AS s
        FROM unnest(held.offset_s, held.interval_s, held.energy_mj) WITH ORDINALITY AS u (o, l, e, i)
        UNION ALL
        SELECT new_offset, NEW.interval_s, round(NEW.kwh * 3600000000::double precision)::bigint, NEW.quality, NEW.source
    )
    UPDATE reading_days SET
        offset_s = (SELECT array_agg(o ORDER BY o) FROM merged),
        interval_s = (SELECT array_agg(l ORDER BY o) FROM merged),
        energy_mj = (SELECT array_agg(e ORDER BY o) FROM merged),
        quality = (SELECT CASE WHEN count(DISTINCT q) = 1 AND count(q) = count(*) THEN ARRAY[min(q)]
                               ELSE array_agg(q ORDER BY o) END FROM merged),
        source = (SELECT CASE WHEN count(DISTINCT s) = 1 AND count(s) = count(*) THEN ARRAY[min(s)]
                              ELSE array_agg(s ORDER BY o) END FROM merged)
    WHERE meter_pk = held.meter_pk AND metric = held.metric AND day = held.day;
    RETURN NEW;
END
$$;

CREATE FUNCTION readings_view_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_offset integer := extract(epoch FROM OLD.ts - (OLD.day::timestamp AT TIME ZONE 'UTC'))::integer;
    held reading_days%ROWTYPE;
    keep integer[];
BEGIN
    SELECT * INTO held FROM reading_days
    WHERE meter_pk = OLD.meter_pk AND metric = OLD.metric AND day = OLD.day FOR UPDATE;
    IF NOT FOUND OR NOT old_offset = ANY (held.offset_s) THEN
        RETURN NULL;
    END IF;
    IF cardinality(held.offset_s) = 1 THEN
        DELETE FROM reading_days WHERE meter_pk = held.meter_pk AND metric = held.metric AND day = held.day;
        RETURN OLD;
    END IF;
    keep := ARRAY(SELECT i FROM generate_subscripts(held.offset_s, 1) AS i WHERE held.offset_s[i] <> old_offset);
    UPDATE reading_days SET
        offset_s = ARRAY(SELECT held.offset_s[i] FROM unnest(keep) AS i),
        interval_s = ARRAY(SELECT held.interval_s[i] FROM unnest(keep) AS i),
        energy_mj = ARRAY(SELECT held.energy_mj[i] FROM unnest(keep) AS i),
        quality = CASE WHEN cardinality(held.quality) = 1 THEN held.quality
                       ELSE ARRAY(SELECT held.quality[i] FROM unnest(keep) AS i) END,
        source = CASE WHEN cardinality(held.source) = 1 THEN held.source
                      ELSE ARRAY(SELECT held.source[i] FROM unnest(keep) AS i) END
    WHERE meter_pk = held.meter_pk AND metric = held.metric AND day = held.day;
    RETURN OLD;
END
$$;

CREATE TRIGGER readings_insert INSTEAD OF INSERT ON readings FOR EACH ROW EXECUTE FUNCTION readings_view_insert();
CREATE TRIGGER readings_delete INSTEAD OF DELETE ON readings FOR EACH ROW EXECUTE FUNCTION readings_view_delete();
