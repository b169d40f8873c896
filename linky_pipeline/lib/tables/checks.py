"""Data-quality findings per building-month, counted in the database (the checks never load a table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
CONSERVATION_TOLERANCE: Final = 0.02  # |Σ curve − official| / official on complete days


@dataclass(frozen=True)
class ReadingsFindings:
    negative_kwh: int
    overlapping_intervals: int
    future_intervals: int


@dataclass(frozen=True)
class DailyFindings:
    mismatched_days: int  # complete curve days whose sum is off the official figure by more than the tolerance
    incomplete_days: int
    gap_days: int  # expected days with no data at all


def _params(bm: BuildingMonth, meters: list[Meter]) -> dict[str, Any]:
    return {
        "meters": [m.pk for m in meters],
        "start": bm.utc_start,
        "end": bm.utc_end,
        "month_start": bm.month,
        "month_end": bm.next_month,
        "tolerance": CONSERVATION_TOLERANCE,
    }


def _count(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> int:
    row = conn.execute(SQL[query], params).fetchone()
    return int(row[0]) if row else 0


def readings_findings(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> ReadingsFindings:
    p = _params(bm, meters)
    return ReadingsFindings(
        _count(conn, "check_negative_kwh", p),
        _count(conn, "check_overlapping_intervals", p),
        _count(conn, "check_future_intervals", p),
    )


def daily_findings(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> DailyFindings:
    p = _params(bm, meters)
    return DailyFindings(
        _count(conn, "check_conservation", p),
        _count(conn, "check_incomplete_days", p),
        _count(conn, "check_gap_days", p),
    )
