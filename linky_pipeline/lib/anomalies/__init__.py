"""Anomaly detectors: pure numpy and pandas over daily totals and intervals (no database, no Dagster)."""
