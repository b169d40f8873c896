"""Runs may overlap (nightly, catch-up, a manual backfill): writers of one building-month take turns."""

from __future__ import annotations

from datetime import date

import psycopg


def lock_building_month(conn: psycopg.Connection, building_code: str, month: date) -> None:
    """Transaction-scoped advisory lock: a second writer of the same building-month waits for the first."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"linky:{building_code}:{month.isoformat()}",)
    )


def share_building_month(conn: psycopg.Connection, building_code: str, month: date) -> None:
    """The same lock in shared mode, for writers that may go side by side (each window's landing touches its own
    rows; row locks order two landings of the same rows) but never beside a rebuild of the month."""
    conn.execute(
        "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", (f"linky:{building_code}:{month.isoformat()}",)
    )
