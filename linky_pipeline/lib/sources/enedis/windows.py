"""Which [start, end) windows to request: API maxima, publication, history horizons and activation.

Enedis refuses history older than today − 24 months − 15 days (curves) or − 36 months − 15 days (daily, max
power). Month arithmetic and the exact comparison at the edge are not documented, so the planner stays one day
inside the horizon: losing one day of very old history is cheaper than a failed call in every backfill.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from linky_pipeline.lib.sources.enedis.endpoints import spec_of
from linky_pipeline.lib.sources.errors import WindowError

HORIZON_MONTHS = {"curve": 24, "daily": 36, "max_power": 36}
HORIZON_EXTRA_DAYS = 15
SAFETY_DAYS = 1


def months_before(day: date, months: int) -> date:
    """Same day-of-month `months` earlier, clamped to the month's last day (31 Mar − 1 month = 28/29 Feb)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def horizon_start(endpoint: str, today: date) -> date:
    """Earliest start day we request for `endpoint` (conservative by SAFETY_DAYS)."""
    kind = spec_of(endpoint).kind
    limit = months_before(today, HORIZON_MONTHS[kind]) - timedelta(days=HORIZON_EXTRA_DAYS)
    return limit + timedelta(days=SAFETY_DAYS)


@dataclass(frozen=True)
class WindowPlan:
    """Windows to call, in chronological order, and the clamped range they cover exactly."""

    endpoint: str
    windows: tuple[tuple[date, date], ...]
    start: date  # clamped start (== end when nothing is requestable)
    end: date  # clamped exclusive end, never after today
    horizon: date

    @property
    def days(self) -> int:
        """Days covered by the windows."""
        return (self.end - self.start).days


def plan_windows(
    endpoint: str, start: date, end: date, *, today: date, activation_date: date | None = None
) -> WindowPlan:
    """Split [start, end) into API-sized windows after clamping to horizon, activation and publication.

    Day D is published once D < today, so `end` may equal today but never exceed it.
    """
    if start > end:
        raise WindowError(f"start={start.isoformat()} is after end={end.isoformat()}")
    spec = spec_of(endpoint)
    horizon = horizon_start(endpoint, today)
    lo = max(start, horizon, activation_date or start)
    hi = min(end, today)
    if lo >= hi:
        return WindowPlan(endpoint, (), min(lo, hi), min(lo, hi), horizon)
    windows = []
    cursor = lo
    while cursor < hi:
        stop = min(cursor + timedelta(days=spec.max_days), hi)
        windows.append((cursor, stop))
        cursor = stop
    return WindowPlan(endpoint, tuple(windows), lo, hi, horizon)
