"""Belgian sources: Fluvius-style quarter-hour CSV exports (parse, land in raw_load_curves, re-read)."""
