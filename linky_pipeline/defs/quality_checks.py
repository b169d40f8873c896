"""Asset checks that query the database for the run's building-months (they never load the asset).

ERROR + blocking where data would be wrong (negative energy, overlapping or future intervals, a curve that does
not add up to the official daily energy): downstream aggregates then do not build. WARN for gaps (real meters
have them; they are reported, not hidden).
"""

from datetime import date
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg

from linky_pipeline.lib.localtime import local_midnight_utc, next_month
from linky_pipeline.lib.registry import get_building, list_meters
from linky_pipeline.lib.sql import load_sql

CONSERVATION_TOLERANCE = 0.02  # |Σ curve − official| / official on complete days

_ERROR = dg.AssetCheckSeverity.ERROR
_WARN = dg.AssetCheckSeverity.WARN
READINGS_CHECKS = [
    dg.AssetCheckSpec("no_negative_kwh", asset="readings", blocking=True),
    dg.AssetCheckSpec("no_duplicate_or_overlapping_interval", asset="readings", blocking=True),
    dg.AssetCheckSpec("no_future_interval", asset="readings", blocking=True),
]
DAILY_CHECKS = [
    dg.AssetCheckSpec("curve_matches_official_daily_energy", asset="daily_consumption", blocking=True),
    dg.AssetCheckSpec("complete_days", asset="daily_consumption", blocking=False),
]


def _windows(conn: psycopg.Connection, work: list[tuple[str, date]]) -> list[dict]:
    windows = []
    for building_code, month in work:
        tz = ZoneInfo(get_building(conn, building_code).timezone)
        windows.append(
            {
                "meters": [m.pk for m in list_meters(conn, building_code)],
                "building": building_code,
                "start": local_midnight_utc(month, tz),
                "end": local_midnight_utc(next_month(month), tz),
                "month_start": month,
                "month_end": next_month(month),
            }
        )
    return windows


def _count(conn: psycopg.Connection, query: str, windows: list[dict], **extra: object) -> int:
    return sum(int(conn.execute(load_sql(query), {**w, **extra}).fetchone()[0]) for w in windows)


def readings_check_results(conn: psycopg.Connection, work: list[tuple[str, date]]) -> list[dg.AssetCheckResult]:
    windows = _windows(conn, work)
    counts = {
        "no_negative_kwh": _count(conn, "check_negative_kwh", windows),
        "no_duplicate_or_overlapping_interval": _count(conn, "check_overlapping_intervals", windows),
        "no_future_interval": _count(conn, "check_future_intervals", windows),
    }
    return [
        dg.AssetCheckResult(check_name=name, passed=bad == 0, severity=_ERROR, metadata={"bad_rows": bad})
        for name, bad in counts.items()
    ]


def daily_check_results(
    conn: psycopg.Connection, work: list[tuple[str, date]]
) -> tuple[list[dg.AssetCheckResult], int]:
    """Check results plus the number of expected days with no data at all (gaps)."""
    windows = _windows(conn, work)
    mismatched = _count(conn, "check_conservation", windows, tolerance=CONSERVATION_TOLERANCE)
    incomplete = _count(conn, "check_incomplete_days", windows)
    gaps = _count(conn, "check_gap_days", windows)
    return [
        dg.AssetCheckResult(
            check_name="curve_matches_official_daily_energy",
            passed=mismatched == 0,
            severity=_ERROR,
            metadata={"mismatched_days": mismatched, "tolerance": CONSERVATION_TOLERANCE},
        ),
        dg.AssetCheckResult(
            check_name="complete_days",
            passed=incomplete == 0,
            severity=_WARN,
            metadata={"incomplete_days": incomplete, "days_without_data": gaps},
        ),
    ], gaps
