"""What each building-month holds after a rebuild, read back in one query per table and run (for run metadata).

Dagster-free: the defs layer turns these into per-partition metadata; the numbers are what SQL over that
building-month returns, so the UI never shows a run total as if it were one month's figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import next_month
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
Key = tuple[str, date]  # (building code, first day of the local month)


@dataclass(frozen=True)
class MeterDays:
    """One meter's days in one building-month (daily_consumption)."""

    meter_id: str
    metric: str
    days: int
    days_without_data: int
    incomplete_days: int
    completeness: float
    total_kwh: float
    gap_days: list[date]
    incomplete: list[date]


@dataclass(frozen=True)
class MeterMonth:
    meter_id: str
    metric: str
    total_kwh: float | None
    completeness: float
    days_with_data: int
    days_in_month: int
    mom_change_pct: float | None
    yoy_change_pct: float | None


@dataclass(frozen=True)
class Anomaly:
    meter_id: str
    granularity: str
    severity: str
    local_day: date
    ts: datetime
    value_kwh: float
    avg_7d: float
    variance_percent: float


@dataclass(frozen=True)
class MeterPeak:
    meter_id: str
    days: int
    peak_va: float


def _params(partitions: Iterable[BuildingMonth]) -> dict[str, Any]:
    parts = list(partitions)
    return {
        "buildings": sorted({bm.building for bm in parts}),
        "start": min(bm.month for bm in parts),
        "end": next_month(max(bm.month for bm in parts)),
    }


def _grouped(conn: psycopg.Connection, query: str, partitions: list[BuildingMonth]) -> dict[Key, list[tuple[Any, ...]]]:
    """Rows of a summary query whose first two columns are (building, month), kept for the run's partitions."""
    if not partitions:
        return {}
    wanted = {(bm.building, bm.month) for bm in partitions}
    out: dict[Key, list[tuple[Any, ...]]] = {key: [] for key in wanted}
    for row in conn.execute(SQL[query], _params(partitions)):
        key = (row[0], row[1])
        if key in wanted:
            out[key].append(tuple(row[2:]))
    return out


def daily_by_meter(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[Key, list[MeterDays]]:
    return {
        key: [
            MeterDays(meter, metric, int(days), int(none), int(inc), float(comp), float(kwh), list(gaps), list(incs))
            for meter, metric, days, none, inc, comp, kwh, gaps, incs in rows
        ]
        for key, rows in _grouped(conn, "summary_daily_by_meter", partitions).items()
    }


def monthly_by_meter(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[Key, list[MeterMonth]]:
    return {
        key: [
            MeterMonth(
                meter,
                metric,
                None if kwh is None else float(kwh),
                float(comp),
                int(with_data),
                int(in_month),
                None if mom is None else float(mom),
                None if yoy is None else float(yoy),
            )
            for meter, metric, kwh, comp, with_data, in_month, mom, yoy in rows
        ]
        for key, rows in _grouped(conn, "summary_monthly_by_meter", partitions).items()
    }


def anomalies_by_month(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[Key, list[Anomaly]]:
    """Every anomaly of each building-month, the largest deviation first."""
    return {
        key: [
            Anomaly(meter, gran, sev, day, ts, float(value), float(avg), float(var))
            for meter, gran, sev, day, ts, value, avg, var in rows
        ]
        for key, rows in _grouped(conn, "summary_anomalies", partitions).items()
    }


def max_power_by_meter(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[Key, list[MeterPeak]]:
    return {
        key: [MeterPeak(meter, int(days), float(peak)) for meter, days, peak in rows]
        for key, rows in _grouped(conn, "summary_max_power", partitions).items()
    }


def conservation_samples(
    conn: psycopg.Connection, bm: BuildingMonth, meter_pks: list[int], tolerance: float, limit: int = 10
) -> list[tuple[str, date, float, float]]:
    """(meter, day, official kWh, curve kWh) of the days failing the energy-conservation check."""
    rows = conn.execute(
        SQL["sample_conservation"],
        {
            "meters": meter_pks,
            "month_start": bm.month,
            "month_end": bm.next_month,
            "tolerance": tolerance,
            "limit": limit,
        },
    ).fetchall()
    return [(str(m), d, float(o), float(c)) for m, d, o, c in rows]
