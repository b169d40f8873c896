-- Sync runs as the warehouse sees them (issues 11 §3 and 17 §3): what each run planned per building and API, how
-- far it got (updated in the transaction that lands each window, so a killed run's row says what landed), how it
-- ended, and the buildings that lost every meter. Read by `linky-pipeline backfill status` (progress, ETA) and by
-- the run's final verdict (a run where nothing could be fetched, or a building lost every meter, fails).
CREATE TABLE sync_runs (
    run_id       text PRIMARY KEY,
    mode         text NOT NULL CHECK (mode IN ('nightly', 'backfill')),
    reference    date NOT NULL,                     -- the run's "today"
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,                       -- NULL while running (or when the run was killed)
    outcome      text CHECK (outcome IN ('succeeded', 'failed')),
    failure      text,                              -- why it failed, in words (never a secret: scrubbed errors)
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);

CREATE TABLE sync_progress (
    run_id           text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
    building_code    text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    api              text NOT NULL,                 -- the API (quota) the windows are asked from
    windows_planned  integer NOT NULL CHECK (windows_planned >= 0),
    windows_landed   integer NOT NULL DEFAULT 0 CHECK (windows_landed >= 0),
    windows_failed   integer NOT NULL DEFAULT 0 CHECK (windows_failed >= 0),
    api_calls        integer NOT NULL DEFAULT 0 CHECK (api_calls >= 0),
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (run_id, building_code, api)
);

CREATE TABLE sync_lost_buildings (
    run_id         text NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
    building_code  text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    reason         text NOT NULL,                   -- each meter's error
    PRIMARY KEY (run_id, building_code)
);

-- Nightly priority: a nightly run claims the calls it still needs per quota key; backfill runs leave that many
-- calls of each hour to it (lib/sync/priority.py). A claim of a killed run expires.
CREATE TABLE quota_claims (
    key         text NOT NULL,                      -- api_rate_limits key, e.g. enedis:consumption_load_curve
    run_id      text NOT NULL,
    calls_left  integer NOT NULL CHECK (calls_left >= 0),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (key, run_id)
);
