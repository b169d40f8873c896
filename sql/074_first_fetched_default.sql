-- A fetch_state row written without first_fetched_at (a writer that predates migration 070, a hand-made row) is a
-- day first fetched when the row is written.
ALTER TABLE fetch_state ALTER COLUMN first_fetched_at SET DEFAULT now();
