"""The plain-Python core (no Dagster): what the pipeline knows and does, by role."""
