"""daily_consumption: one row per meter and local day we expect data for.

The official daily energy (a daily endpoint) is the figure used when the provider serves one; the curve's sum
sits beside it so the two can be compared (energy conservation). Completeness is the share of the local day's
real length covered by curve intervals (23 h / 24 h / 25 h days); for days outside the curve horizon no curve is
expected, so completeness says whether the official figure exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.coverage import NOT_MEASURED
from linky_pipeline.lib.domain.localtime import day_length_seconds, days_in_range
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import DAILY_ENDPOINTS, curve_endpoint, provider
from linky_pipeline.lib.sources.provider import eligible_days
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.sync.landing import known_states
from linky_pipeline.lib.tables.readings import raw_frames

SQL = SqlFiles(__name__)


def _curve_stats(conn: psycopg.Connection, meter: Meter, bm: BuildingMonth) -> pd.DataFrame:
    rows = conn.execute(
        SQL["select_readings_window"], {"meter_pk": meter.pk, "start": bm.utc_start, "end": bm.utc_end}
    ).fetchall()
    frame = pd.DataFrame(rows, columns=["ts", "interval_s", "kwh"])
    if frame.empty:
        return pd.DataFrame(columns=["day", "n", "covered_s", "sum", "min", "max", "mean", "modal_s"])
    frame["day"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(bm.tz).dt.date
    grouped = frame.groupby("day")
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "covered_s": grouped["interval_s"].sum(),
            "sum": grouped["kwh"].sum(),
            "min": grouped["kwh"].min(),
            "max": grouped["kwh"].max(),
            "mean": grouped["kwh"].mean(),
            "modal_s": grouped["interval_s"].agg(lambda s: int(s.mode().iloc[0])),
        }
    ).reset_index()


def _fetched_days(conn: psycopg.Connection, meter: Meter, bm: BuildingMonth) -> dict[str, set[date]]:
    """Days already fetched, per endpoint: they keep their rows when the horizon later moves past them, so a
    re-run of an old month is identical instead of dropping days that are still in the warehouse."""
    known = known_states(conn, [meter.pk], bm.month, bm.next_month)
    fetched: dict[str, set[date]] = {}
    for (_pk, endpoint), days in known.items():
        for day, state in days.items():
            if state.status not in NOT_MEASURED and (meter.activation_date is None or day >= meter.activation_date):
                fetched.setdefault(endpoint, set()).add(day)
    return fetched


def _row(bm: BuildingMonth, meter: Meter, day: date, s: Any, off: float | None, curve_expected: bool) -> dict[str, Any]:
    tz: ZoneInfo = bm.tz
    length = day_length_seconds(day, tz)
    interval_s = int(s.modal_s) if s is not None else 1800
    expected = length // interval_s if curve_expected else 0
    curve_kwh = round(float(s.sum), 6) if s is not None else None
    if expected:
        completeness = min(1.0, int(s.covered_s) / length) if s is not None else 0.0
    else:
        completeness = 1.0 if off is not None else 0.0
    total: float | None
    if off is not None:
        total, used = off, "official"
    else:
        total, used = (curve_kwh, "curve") if s is not None else (None, "none")
    return {
        "building_code": bm.building,
        "meter_pk": meter.pk,
        "metric": meter.direction,
        "day": day,
        "total_kwh": total,
        "source_used": used,
        "official_kwh": off,
        "curve_kwh": curve_kwh,
        "interval_count": int(s.n) if s is not None else 0,
        "expected_count": int(expected),
        "completeness": round(completeness, 6),
        "min_interval_kwh": float(s.min) if s is not None else None,
        "max_interval_kwh": float(s.max) if s is not None else None,
        "avg_interval_kwh": round(float(s.mean), 9) if s is not None else None,
    }


def daily_rows(conn: psycopg.Connection, bm: BuildingMonth, meter: Meter, reference: date) -> list[dict[str, Any]]:
    source = provider(meter.provider)
    served = source.endpoints_for(meter.direction)
    curve = curve_endpoint(meter.direction)
    daily = DAILY_ENDPOINTS[meter.direction] if DAILY_ENDPOINTS[meter.direction] in served else None
    official: dict[date, float] = {}
    if daily is not None:
        official_frame = raw_frames(conn, [meter], bm, (daily,))
        if not official_frame.empty:
            official = dict(zip(official_frame["day"], official_frame["kwh"].astype(float), strict=True))
    curve_frame = _curve_stats(conn, meter, bm)
    stats: dict[date, Any] = dict(zip(curve_frame["day"], curve_frame.itertuples(), strict=True))
    fetched = _fetched_days(conn, meter, bm)
    curve_fetched = fetched.get(curve, set())
    if not served:  # imported files: no API horizon; the days the files cover, holes included
        days = set(days_in_range(min(stats), max(stats) + timedelta(days=1))) if stats else set()
        curve_from = date.min
    else:
        day_endpoint = daily or curve  # the endpoint that says which days exist
        days = fetched.get(day_endpoint, set())
        curve_from = max(source.horizon_start(curve, reference), meter.activation_date or date.min)
        if meter.status == "active":  # a disabled or revoked meter keeps what it had; no new gap rows every day
            days |= set(eligible_days(source, day_endpoint, bm.month, reference, meter.activation_date))
    return [
        _row(bm, meter, day, stats.get(day), official.get(day), day >= curve_from or day in curve_fetched)
        for day in sorted(days)
    ]


def rebuild_daily(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter], reference: date) -> int:
    rows = [r for m in meters for r in daily_rows(conn, bm, m, reference)]
    conn.execute(
        SQL["delete_daily_window"], {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month}
    )
    if rows:
        conn.cursor().executemany(SQL["insert_daily_consumption"], rows)
    return len(rows)
