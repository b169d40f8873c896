-- A gap is asked again on a back-off schedule and never becomes final just by ageing (issue 17 §2). A day answered
-- "no data" (404 no_data_found), an empty 200, a partial curve or a day the API withheld keeps is_final = false and
-- gets a next_attempt date; after SyncPolicy.give_up_after answers without its data (or once it leaves the
-- provider's history horizon) it is given up: is_final = true and gave_up says why, in words.
ALTER TABLE fetch_state
    ADD COLUMN attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    ADD COLUMN next_attempt date,
    ADD COLUMN first_fetched_at timestamptz,
    ADD COLUMN gave_up text;

COMMENT ON COLUMN fetch_state.attempts IS 'Answers received for this day so far (each run that asked for it counts once).';
COMMENT ON COLUMN fetch_state.next_attempt IS 'Reference date from which a run asks for this day again (gaps: back-off schedule; NULL when final).';
COMMENT ON COLUMN fetch_state.first_fetched_at IS 'When this day was first asked for (UTC).';
COMMENT ON COLUMN fetch_state.gave_up IS 'Why a missing day is no longer asked for (NULL while it is still asked again).';

UPDATE fetch_state SET first_fetched_at = fetched_at;
ALTER TABLE fetch_state ALTER COLUMN first_fetched_at SET NOT NULL;
ALTER TABLE fetch_state ADD CONSTRAINT fetch_state_gave_up_is_final CHECK (gave_up IS NULL OR is_final);

-- Gaps an earlier version recorded final by age are asked again from the next run on.
UPDATE fetch_state SET is_final = false, next_attempt = fetched_at::date
WHERE status IN ('no_data', 'partial') AND is_final;

-- The schedule's look-up: gaps due again, whatever month they are in.
CREATE INDEX fetch_state_due_gaps_idx ON fetch_state (next_attempt, meter_pk)
    WHERE NOT is_final AND status IN ('no_data', 'partial');
