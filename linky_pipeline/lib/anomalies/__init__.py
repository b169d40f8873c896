"""Anomaly detectors: pure pandas over daily totals and intervals (no database)."""
