"""Tariffs as data and pricing of interval energy: pure Python (no database, no Dagster)."""
