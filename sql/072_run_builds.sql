-- Tables a run built for a building-month while it was still fetching (a pipelined sync, issue 16 P2): that run's
-- own table steps then report these instead of building them a second time. Kept a week.
CREATE TABLE run_builds (
    run_id         text NOT NULL,
    table_name     text NOT NULL,
    building_code  text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    month          date NOT NULL,
    rows_written   integer NOT NULL CHECK (rows_written >= 0),
    seconds        double precision NOT NULL CHECK (seconds >= 0),
    built_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, table_name, building_code, month)
);
