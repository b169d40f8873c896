"""How much of a local day an answer covers: the points and seconds per day, and the day's fetch status."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.domain.canonical import EndpointKind
from linky_pipeline.lib.domain.localtime import day_length_seconds, days_in_range, local_midnight_utc

# Fetch states that say nothing was (or could be) measured on that day: no row, and no curve expected.
NOT_MEASURED: Final = frozenset({"before_activation", "beyond_horizon"})


def day_coverage(kind: EndpointKind, frame: pd.DataFrame, tz: ZoneInfo) -> dict[date, tuple[int, int]]:
    """(points, covered seconds) per local day of one answer's canonical frame. Curves are bucketed on arrays
    against the days' UTC midnights (a week of points costs microseconds, the pandas groupby a millisecond); a frame
    the array path does not cover (missing instants, another resolution) goes through `day_coverage_general`."""
    if frame.empty:
        return {}
    if kind != "curve":
        days = frame["day"].tolist()
        if not all(type(d) is date for d in days):
            return day_coverage_general(kind, frame, tz)
        return {d: (n, 0) for d, n in Counter(days).items()}
    ticks = utc_ticks(frame["ts"])
    seconds = frame["interval_s"]
    if ticks is None or seconds.dtype != "int64":
        return day_coverage_general(kind, frame, tz)
    order = np.argsort(ticks, kind="stable")
    ticks, cumulated = ticks[order], np.concatenate(([0], np.cumsum(seconds.to_numpy()[order])))
    first, last = tick_day(int(ticks[0]), tz), tick_day(int(ticks[-1]), tz)
    if (last - first).days > _MOST_DAYS:
        return day_coverage_general(kind, frame, tz)
    days = list(days_in_range(first, last + timedelta(days=1)))
    starts, ends = day_bounds(ticks, days, tz)
    return {
        day: (hi - lo, int(cumulated[hi] - cumulated[lo]))
        for day, lo, hi in zip(days, starts.tolist(), ends.tolist(), strict=True)
        if hi > lo
    }


def day_coverage_general(kind: EndpointKind, frame: pd.DataFrame, tz: ZoneInfo) -> dict[date, tuple[int, int]]:
    """The reference rule, with pandas: group the points by their local day."""
    if frame.empty:
        return {}
    if kind == "curve":
        grouped = frame.assign(day=frame["ts"].dt.tz_convert(tz).dt.date).groupby("day")["interval_s"]
        sizes, sums = grouped.size(), grouped.sum()
        return {d: (int(n), int(c)) for d, n, c in zip(sizes.index, sizes, sums, strict=True)}
    counts = frame["day"].value_counts()
    return {d: (int(n), 0) for d, n in zip(counts.index, counts, strict=True)}


_MOST_DAYS: Final = 4000  # a frame spanning more days than any window is bucketed by pandas
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def utc_ticks(ts: pd.Series) -> np.ndarray | None:
    """Microseconds since the epoch of a canonical `ts` column, None when it is not one or misses an instant."""
    if ts.dtype != "datetime64[us, UTC]":
        return None
    ticks = np.asarray(ts.array.asi8)
    return None if bool((ticks == np.iinfo(np.int64).min).any()) else ticks


def tick_day(tick: int, tz: ZoneInfo) -> date:
    """The local day of an instant given in epoch microseconds."""
    return (_EPOCH + tick * _MICROSECOND).astimezone(tz).date()


def midnight_ticks(days: list[date], tz: ZoneInfo) -> np.ndarray:
    """Epoch microseconds of each day's local midnight."""
    return np.array([(local_midnight_utc(d, tz) - _EPOCH) // _MICROSECOND for d in days], dtype="int64")


def day_bounds(sorted_ticks: np.ndarray, days: list[date], tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """For each local day, the index range [start, end) of its instants among ascending epoch microseconds."""
    starts = np.searchsorted(sorted_ticks, midnight_ticks(days, tz), side="left")
    ends = np.searchsorted(sorted_ticks, midnight_ticks([d + timedelta(days=1) for d in days], tz), side="left")
    return starts, ends


def day_status(
    kind: EndpointKind,
    day: date,
    coverage: dict[date, tuple[int, int]],
    tz: ZoneInfo,
    before_activation: date | None,
) -> tuple[str, int]:
    """(status, points) of one requested day: complete, partial (curve shorter than the day) or no_data."""
    if before_activation is not None and day < before_activation:
        return "before_activation", 0
    points, covered = coverage.get(day, (0, 0))
    if not points:
        return "no_data", 0
    if kind == "curve":
        return ("complete" if covered >= day_length_seconds(day, tz) else "partial"), points
    return "complete", points
