-- What each meter's local day of readings was last built from, so a rebuild parses only the days whose inputs
-- changed. A separate table, not a column of reading_days: updating compressed reading_days rows would decompress
-- their batches. A stale row can only cost a rebuild, never skip one: the digest covers the ordered answers that
-- can carry the day (a deleted or re-landed answer changes it), and `metrics` must still match the reading_days
-- rows of the day (a truncated or erased day no longer matches).
CREATE TABLE reading_day_inputs (
    meter_pk       bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    day            date NOT NULL,  -- local day of the building
    inputs_digest  bytea NOT NULL,  -- sha256 over the parse context and the ordered answers that can carry the day
    metrics        text NOT NULL,  -- the reading_days metrics the build left for the day, sorted, comma-separated
    PRIMARY KEY (meter_pk, day)
);

-- A row written or deleted through the `readings` view changes a day behind the builder's back: forget what the
-- neighbouring days were built from (the local day is within a day of the UTC date), so the next build redoes them.
CREATE FUNCTION readings_view_forget_inputs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pk bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.meter_pk ELSE NEW.meter_pk END;
    utc_day date := (CASE WHEN TG_OP = 'DELETE' THEN OLD.ts ELSE NEW.ts END AT TIME ZONE 'UTC')::date;
BEGIN
    DELETE FROM reading_day_inputs WHERE meter_pk = pk AND day BETWEEN utc_day - 1 AND utc_day + 1;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

-- INSTEAD OF triggers fire in name order, each passing its row on: this one runs before readings_insert/delete.
CREATE TRIGGER readings_0_forget_inputs INSTEAD OF INSERT OR DELETE ON readings
    FOR EACH ROW EXECUTE FUNCTION readings_view_forget_inputs();
