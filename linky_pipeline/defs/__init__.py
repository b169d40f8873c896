"""Dagster wiring only: assets, resources and automation that call lib/ (loaded by definitions.py)."""
