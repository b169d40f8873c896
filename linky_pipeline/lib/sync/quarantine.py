"""Quarantine of implausible values (lib/sources/plausibility.py), written by the landings.

The answer that carried the value stays in raw_load_curves as received; each implausible point gets one row in
`implausible_values` (meter, endpoint, interval, value, limit, reason) in the landing's own transaction, so it is
flagged exactly when it lands. The landing asset's WARN check reports the run's points and the building's alert
recipients get one notification per meter and local day. Readers never see the value: catalog.parse_landed keeps
plausible points only, so one poisoned point never blocks the other intervals, months or meters. A later answer
with a plausible value for the same interval marks the row resolved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import psycopg

from linky_pipeline.lib.domain.coverage import utc_ticks
from linky_pipeline.lib.domain.localtime import day_length_seconds, local_midnight_utc
from linky_pipeline.lib.notify.meter_events import enqueue_meter_event
from linky_pipeline.lib.sources.plausibility import Checked, ImplausiblePoint
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
KIND: Final = "implausible_value"


@dataclass(frozen=True)
class LandedCheck:
    """One landed frame of one meter and endpoint, split by the plausibility check."""

    meter_pk: int
    meter_id: str
    endpoint: str
    tz: ZoneInfo
    checked: Checked


def value_text(value: float) -> str:
    """A value as JSON can carry it (NaN and infinities are not JSON numbers)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _interval(point: ImplausiblePoint, tz: ZoneInfo) -> tuple[datetime, int, date]:
    """(UTC start, seconds, local day) of a point; a day's value covers the whole local day."""
    if point.start is not None and point.interval_s is not None:
        return point.start, point.interval_s, point.start.astimezone(tz).date()
    assert point.day is not None  # daily and max-power points carry their day
    return local_midnight_utc(point.day, tz), day_length_seconds(point.day, tz), point.day


def describe(endpoint: str, point: ImplausiblePoint, tz: ZoneInfo) -> str:
    """One line naming the local day, the interval and the value, for check metadata and logs."""
    start, seconds, day = _interval(point, tz)
    return (
        f"{day.isoformat()} {endpoint} {start.isoformat()} ({seconds} s): {value_text(point.value)} {point.unit} "
        f"({point.reason}, limit {point.limit:g} {point.unit})"
    )


def plausible_starts(item: LandedCheck) -> str | None:
    """The interval starts of the plausible points as one timestamptz[] literal, None when there is none. psycopg
    adapts a list of a week's 336 datetimes in ~1.3 ms of CPU per window; one text costs microseconds and the
    server parses it (every element carries its offset: the session time zone plays no part)."""
    frame = item.checked.plausible
    if frame.empty:
        return None
    if "ts" in frame.columns:
        ticks = utc_ticks(frame["ts"])
        if ticks is not None:
            texts = np.datetime_as_string(ticks.view("datetime64[us]"), unit="us").tolist()
            return "{" + ",".join(f"{text}+00" for text in texts) + "}"
        return "{" + ",".join(ts.isoformat() for ts in frame["ts"].dt.tz_convert("UTC")) + "}"
    return "{" + ",".join(local_midnight_utc(d, item.tz).isoformat() for d in frame["day"]) + "}"


def record_implausible(conn: psycopg.Connection, found: Iterable[LandedCheck], now: datetime) -> dict[str, list[str]]:
    """Flag every implausible point (caller's transaction), resolve intervals that now have a plausible value,
    enqueue one notification per meter and local day first seen now. Returns meter id → its points of this run."""
    reported: dict[str, list[str]] = {}
    new_days: dict[int, dict[date, list[dict[str, Any]]]] = {}
    for item in found:
        starts = plausible_starts(item)
        if starts is not None:
            conn.execute(
                SQL["resolve_implausible_values"],
                {"meter_pk": item.meter_pk, "endpoint": item.endpoint, "starts": starts, "now": now},
            )
        for point in item.checked.implausible:
            start, seconds, day = _interval(point, item.tz)
            row = conn.execute(
                SQL["upsert_implausible_value"],
                {
                    "meter_pk": item.meter_pk,
                    "endpoint": item.endpoint,
                    "interval_start": start,
                    "interval_s": seconds,
                    "local_day": day,
                    "value": point.value,
                    "unit": point.unit,
                    "limit_value": point.limit,
                    "reason": point.reason,
                    "now": now,
                },
            ).fetchone()
            reported.setdefault(item.meter_id, []).append(describe(item.endpoint, point, item.tz))
            if row is not None and row[0]:
                new_days.setdefault(item.meter_pk, {}).setdefault(day, []).append(
                    {
                        "endpoint": item.endpoint,
                        "interval_start": start.isoformat(),
                        "interval_s": seconds,
                        "value": value_text(point.value),
                        "unit": point.unit,
                        "limit": point.limit,
                        "reason": point.reason,
                    }
                )
    for meter_pk, days in new_days.items():
        for day, points in sorted(days.items()):
            enqueue_meter_event(conn, KIND, meter_pk, day.isoformat(), {"day": day.isoformat(), "points": points})
    return {meter: sorted(lines) for meter, lines in sorted(reported.items())}
