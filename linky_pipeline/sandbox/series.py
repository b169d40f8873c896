"""Published series of a meter direction: natural power + injected anomalies, integer W, daily Wh, max power.

Daily energy is derived from the integer W curve, so Σ curve energy of a local day equals the daily value
(to the rounding of one Wh) even for meters whose curve is not enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox.anomalies import anomalies_in_year
from linky_pipeline.sandbox.meters import METERS, Direction
from linky_pipeline.sandbox.profile import Grid, natural_watts, rng_for, year_grid

LABEL_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Published:
    """One calendar year of a meter direction as the API publishes it."""

    grid: Grid
    watts: np.ndarray  # int64 average W per interval
    daily_wh: np.ndarray  # int64 Wh per local day
    max_va: np.ndarray  # int64 peak apparent power per local day
    peak_at: np.ndarray  # int64 epoch s of each day's peak


@lru_cache(maxsize=256)
def published(prm: str, direction: Direction, year: int) -> Published:
    """Apply the year's anomalies to the natural power, round to W, derive daily energy and max power."""
    grid = year_grid(prm, year)
    power = natural_watts(prm, year)[direction].copy()
    for anomaly in anomalies_in_year(prm, direction, year):
        index = grid.days.index(anomaly.local_day)
        lo, hi = grid.offsets[index], grid.offsets[index + 1]
        if anomaly.granularity == "day":
            power[lo:hi] *= anomaly.factor
        else:
            assert anomaly.start is not None
            hit = np.flatnonzero(grid.start[lo:hi] == int(anomaly.start.timestamp()))
            power[lo + hit] *= anomaly.factor
    watts = np.rint(power).astype(np.int64)
    energy = np.add.reduceat(watts * grid.interval, grid.offsets[:-1]) / 3600.0
    daily_wh = np.rint(energy).astype(np.int64)
    peak_w = np.maximum.reduceat(watts, grid.offsets[:-1])
    peak_index = np.array(
        [grid.offsets[i] + int(np.argmax(watts[grid.offsets[i] : grid.offsets[i + 1]])) for i in range(len(grid.days))]
    )
    rng = rng_for("max-power", prm, direction, year)
    crest = rng.uniform(1.2, 1.4, len(grid.days))  # instantaneous peak above the interval average
    within = rng.uniform(0.05, 0.95, len(grid.days))
    max_va = np.rint(peak_w * crest).astype(np.int64)
    peak_at = grid.start[peak_index] + (within * grid.interval[peak_index]).astype(np.int64)
    return Published(grid, watts, daily_wh, max_va, peak_at)


@dataclass(frozen=True)
class CurvePoint:
    """A load-curve point as published: naive local END label, integer W, interval seconds."""

    label: str
    watts: int
    interval_s: int


@dataclass(frozen=True)
class DayValue:
    """A daily value: Wh for energy, VA with the naive local time of the peak for max power."""

    day: date
    value: int
    label: str


def end_label(start_epoch: int, interval_s: int) -> str:
    """Enedis labels an interval by its naive local start plus its length.

    On the spring-forward day that drops 02:30 and 03:00; on the fall-back day the labels of the repeated
    hour appear twice, in time order, the first time meaning the summer offset.
    """
    wall_start = datetime.fromtimestamp(start_epoch, PARIS).replace(tzinfo=None)
    return (wall_start + timedelta(seconds=interval_s)).strftime(LABEL_FORMAT)


def _days_by_year(days: Iterable[date]) -> dict[int, list[date]]:
    grouped: dict[int, list[date]] = {}
    for day in days:
        grouped.setdefault(day.year, []).append(day)
    return grouped


def curve_points(prm: str, direction: Direction, days: Iterable[date]) -> list[CurvePoint]:
    """Curve points of the given local days (the caller has already removed holes and withheld days)."""
    points: list[CurvePoint] = []
    for year, wanted in sorted(_days_by_year(days).items()):
        pub = published(prm, direction, year)
        for day in wanted:
            index = day.timetuple().tm_yday - 1
            lo, hi = int(pub.grid.offsets[index]), int(pub.grid.offsets[index + 1])
            starts = pub.grid.start[lo:hi].tolist()
            intervals = pub.grid.interval[lo:hi].tolist()
            values = pub.watts[lo:hi].tolist()
            points.extend(CurvePoint(end_label(s, i), v, i) for s, i, v in zip(starts, intervals, values, strict=True))
    return points


def daily_values(prm: str, direction: Direction, days: Iterable[date]) -> list[DayValue]:
    """Daily energy (Wh) of the given local days."""
    out: list[DayValue] = []
    for year, wanted in sorted(_days_by_year(days).items()):
        pub = published(prm, direction, year)
        for day in wanted:
            out.append(DayValue(day, int(pub.daily_wh[day.timetuple().tm_yday - 1]), day.isoformat()))
    return out


def max_power_values(prm: str, days: Iterable[date]) -> list[DayValue]:
    """Daily maximum apparent power (VA) of consumption, with the naive local time of the peak."""
    out: list[DayValue] = []
    for year, wanted in sorted(_days_by_year(days).items()):
        pub = published(prm, "consumption", year)
        for day in wanted:
            index = day.timetuple().tm_yday - 1
            peak = datetime.fromtimestamp(int(pub.peak_at[index]), PARIS).strftime(LABEL_FORMAT)
            out.append(DayValue(day, int(pub.max_va[index]), peak))
    return out


def is_metered(prm: str, direction: Direction) -> bool:
    """True when the PRM publishes data in that direction."""
    return direction in METERS[prm].directions
