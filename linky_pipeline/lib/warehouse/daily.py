"""daily_consumption and daily_max_power: one row per meter and local day we expect data for.

The official daily energy (daily endpoint) is the figure used when present; the curve's sum sits beside it so the
two can be compared (energy conservation). Completeness is the share of the local day's real length covered by
curve intervals (23 h / 24 h / 25 h days); for days outside the curve horizon no curve is expected, so
completeness says whether the official figure exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.localtime import day_length_seconds, days_in_range, local_midnight_utc, next_month
from linky_pipeline.lib.registry import Building, Meter
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.lib.sync.horizons import curve_horizon_start
from linky_pipeline.lib.sync.planner import eligible_days
from linky_pipeline.lib.warehouse.readings import raw_frames

# Fetch states that say nothing was (or could be) measured on that day: no row, and no curve expected.
_NOT_MEASURED = {"before_activation", "beyond_horizon"}

DAILY_ENDPOINT = {"consumption": "daily_consumption", "production": "daily_production"}


def _curve_stats(conn: psycopg.Connection, meter: Meter, month: date, tz: ZoneInfo) -> pd.DataFrame:
    rows = conn.execute(
        load_sql("select_readings_window"),
        {
            "meter_pk": meter.pk,
            "start": local_midnight_utc(month, tz),
            "end": local_midnight_utc(next_month(month), tz),
        },
    ).fetchall()
    frame = pd.DataFrame(rows, columns=["ts", "interval_s", "kwh"])
    if frame.empty:
        return pd.DataFrame(columns=["day", "n", "covered_s", "sum", "min", "max", "mean", "modal_s"])
    frame["day"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(tz).dt.date
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


def _fetched_days(conn: psycopg.Connection, meter: Meter, month: date) -> dict[str, set[date]]:
    """Days already fetched, per endpoint: they keep their rows when the horizon later moves past them, so a
    re-run of an old month is identical instead of dropping days that are still in the warehouse."""
    rows = conn.execute(
        load_sql("select_fetch_state"), {"meters": [meter.pk], "start": month, "end": next_month(month)}
    ).fetchall()
    fetched: dict[str, set[date]] = {}
    for _pk, endpoint, day, status, _final in rows:
        if status not in _NOT_MEASURED and (meter.activation_date is None or day >= meter.activation_date):
            fetched.setdefault(endpoint, set()).add(day)
    return fetched


def daily_rows(conn: psycopg.Connection, building: Building, meter: Meter, month: date, reference: date) -> list[dict]:
    tz = ZoneInfo(building.timezone)
    official_frame = raw_frames(conn, [meter], month, (DAILY_ENDPOINT[meter.direction],))
    official: dict[date, float] = {}
    if not official_frame.empty:
        official = dict(zip(official_frame["day"], official_frame["kwh"].astype(float), strict=True))
    stats = {row.day: row for row in _curve_stats(conn, meter, month, tz).itertuples()}
    curve_from = max(curve_horizon_start(reference), meter.activation_date or date.min)
    fetched = _fetched_days(conn, meter, month)
    curve_fetched = fetched.get(f"{meter.direction}_load_curve", set())
    days = fetched.get(DAILY_ENDPOINT[meter.direction], set())
    if meter.provider == "be_csv":  # imported files: no API horizon; the days the files cover, holes included
        days = set(days_in_range(min(stats), max(stats) + timedelta(days=1))) if stats else set()
        curve_from = date.min
    elif meter.status == "active":  # a disabled or revoked meter keeps what it had; no new gap rows every day
        days |= set(eligible_days(DAILY_ENDPOINT[meter.direction], month, reference, meter.activation_date))
    rows = []
    for day in sorted(days):
        s = stats.get(day)
        length = day_length_seconds(day, tz)
        curve_expected = day >= curve_from or day in curve_fetched
        interval_s = int(s.modal_s) if s is not None else 1800
        expected = length // interval_s if curve_expected else 0
        curve_kwh = round(float(s.sum), 6) if s is not None else None
        off = official.get(day)
        if expected:
            completeness = min(1.0, int(s.covered_s) / length) if s is not None else 0.0
        else:
            completeness = 1.0 if off is not None else 0.0
        if off is not None:
            total, used = off, "official"
        else:
            total, used = (curve_kwh, "curve") if s is not None else (None, "none")
        rows.append(
            {
                "building_code": building.code,
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
        )
    return rows


def rebuild_daily(
    conn: psycopg.Connection, building: Building, meters: list[Meter], month: date, reference: date
) -> int:
    rows = [r for m in meters for r in daily_rows(conn, building, m, month, reference)]
    conn.execute(
        load_sql("delete_daily_window"), {"meters": [m.pk for m in meters], "start": month, "end": next_month(month)}
    )
    if rows:
        conn.cursor().executemany(load_sql("insert_daily_consumption"), rows)
    return len(rows)


def rebuild_max_power(conn: psycopg.Connection, building: Building, meters: list[Meter], month: date) -> int:
    consumers = [m for m in meters if m.direction == "consumption"]
    conn.execute(
        load_sql("delete_max_power_window"),
        {"meters": [m.pk for m in meters], "start": month, "end": next_month(month)},
    )
    frame = raw_frames(conn, consumers, month, ("daily_consumption_max_power",))
    if frame.empty:
        return 0
    frame = frame.drop_duplicates(subset=["meter_pk", "day"], keep="last")
    frame = frame[(frame["day"] >= month) & (frame["day"] < next_month(month))]
    rows = [
        {
            "building_code": building.code,
            "meter_pk": int(r.meter_pk),
            "day": r.day,
            "max_power_va": float(r.max_power_va),
            "peak_at": r.peak_at.to_pydatetime(),
        }
        for r in frame.itertuples()
    ]
    conn.cursor().executemany(load_sql("insert_daily_max_power"), rows)
    return len(rows)
