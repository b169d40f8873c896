-- Issue 16 item 5: daily_consumption and daily_max_power re-parsed every landed answer of their endpoints overlapping
-- a month each night, although only the re-fetched days' answers had changed. What a day takes from those answers
-- (the official daily energy; the peak power and its instant) is kept here under a digest of the ordered answers
-- that can carry the day, so a rebuild parses only the answers of days whose digest changed. A stale row can only
-- cost a parse, never skip one: a deleted, re-landed or new answer changes the digest; an erased meter takes its
-- rows with it. The tables themselves are compared with the rows a whole-month rebuild would write and only the
-- differences are written, so nothing here can make them differ from such a rebuild.
CREATE TABLE day_answer_values (
    meter_pk       bigint NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    endpoint       text NOT NULL,   -- the endpoint whose answers the value comes from
    day            date NOT NULL,   -- local day of the building
    inputs_digest  bytea NOT NULL,  -- sha256 over the parse context and the ordered answers that can carry the day
    value          double precision,  -- the day's value in the last answer holding it (NULL: none holds it)
    at             timestamptz,       -- the instant that goes with it (peak power), else NULL
    PRIMARY KEY (meter_pk, endpoint, day)
);
