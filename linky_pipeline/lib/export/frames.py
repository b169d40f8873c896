"""What an export holds: a building's energy and cost over local days [first, last], by interval, day or month.

Times are given in the building's local time with their UTC offset (the repeated autumn hour stays two distinct
rows), and in UTC. Energy in kWh, money in euros (6 decimals, as stored). Cost columns are empty for meters or days
without a tariff; a partial day/month is flagged.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Literal

import numpy as np
import pandas as pd
import psycopg

from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.domain.localtime import local_midnight_utc, month_start
from linky_pipeline.lib.domain.registry import get_building, list_meters
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.tariff_store import list_tariffs, tempo_colours
from linky_pipeline.lib.tariffs.pricing import price_intervals

SQL = SqlFiles(__name__)

Grain = Literal["interval", "day", "month"]
GRAINS: Final[tuple[Grain, ...]] = ("interval", "day", "month")
MAX_DAYS: Final = 3 * 366 + 31  # an interval export of 3 years is ~53 000 rows per meter: fine; more is a mistake


class ExportError(InvalidValueError):
    """An export request is refused (names the option and the value)."""


def check_range(first: date, last: date) -> None:
    if last < first:
        raise ExportError("to", last.isoformat(), f"is before --from {first.isoformat()}")
    if (last - first).days >= MAX_DAYS:
        raise ExportError("to", last.isoformat(), f"at most {MAX_DAYS} days per export")


def export_frame(conn: psycopg.Connection, building: str, first: date, last: date, grain: str) -> pd.DataFrame:
    """Rows of local days first..last (both included) for every meter of the building."""
    if grain not in GRAINS:
        raise ExportError("grain", grain, f"expected one of {', '.join(GRAINS)}")
    check_range(first, last)
    get_building(conn, building)
    if grain == "interval":
        return _intervals(conn, building, first, last)
    if grain == "day":
        return _pivot_periods(_query(conn, "export_days", building, first, last), "local_date")
    return _pivot_periods(_query(conn, "export_months", building, month_start(first), last), "month")


def _query(conn: psycopg.Connection, name: str, building: str, first: date, last: date) -> pd.DataFrame:
    cur = conn.execute(SQL[name], {"building": building, "first": first, "end": last + timedelta(days=1)})
    frame = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description or []])
    return frame


def _pivot_periods(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One column pair per tariff period present (kwh_HP, eur_HP, …) instead of one row per period."""
    if frame.empty:
        return frame.drop(columns=["periods"], errors="ignore")
    extra: dict[str, list[object]] = {}
    periods = sorted({p for row in frame["periods"] if row for p in row})
    for period in periods:
        extra[f"kwh_{period}"] = [(row or {}).get(period, {}).get("kwh") for row in frame["periods"]]
        extra[f"eur_{period}"] = [(row or {}).get(period, {}).get("eur") for row in frame["periods"]]
    out = pd.concat([frame.drop(columns=["periods"]), pd.DataFrame(extra, index=frame.index)], axis=1)
    money = [c for c in out.columns if c.startswith(("kwh", "eur", "energy_", "subscription_", "total_"))]
    for column in money:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.sort_values(["meter", "direction", key], ignore_index=True)


def _intervals(conn: psycopg.Connection, building: str, first: date, last: date) -> pd.DataFrame:
    bm_tz = get_building(conn, building).tz
    start, end = local_midnight_utc(first, bm_tz), local_midnight_utc(last + timedelta(days=1), bm_tz)
    tariffs = list_tariffs(conn, building)
    colours = tempo_colours(conn, first - timedelta(days=1), last + timedelta(days=1))
    parts = []
    for meter in list_meters(conn, building):
        rows = conn.execute(SQL["export_intervals"], {"meter_pk": meter.pk, "start": start, "end": end}).fetchall()
        if not rows:
            continue
        frame = pd.DataFrame(rows, columns=["ts", "interval_s", "kwh", "quality"])
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        local = frame["ts"].dt.tz_convert(bm_tz)
        priced = (
            price_intervals(frame, tariffs, meter.pk, bm_tz, colours)
            if tariffs and meter.direction == "consumption"
            else pd.DataFrame({"period": [None] * len(frame), "eur": [np.nan] * len(frame)})
        )
        parts.append(
            pd.DataFrame(
                {
                    "building": building,
                    "meter": meter.meter_id,
                    "direction": meter.direction,
                    "local_date": local.dt.date,
                    "local_start": local,
                    "utc_offset": local.map(_offset),
                    "utc_start": frame["ts"],
                    "interval_min": frame["interval_s"] // 60,
                    "kwh": frame["kwh"].astype("float64"),
                    "quality": frame["quality"],
                    "tariff_period": priced["period"].to_numpy(),
                    "eur": priced["eur"].round(6).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["building", "meter", "direction", "local_date", "local_start", "utc_offset"])
    return pd.concat(parts, ignore_index=True)


def _offset(stamp: pd.Timestamp) -> str:
    text = stamp.strftime("%z")  # +0100
    return f"{text[:3]}:{text[3:]}"
