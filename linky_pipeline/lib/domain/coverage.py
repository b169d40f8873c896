"""How much of a local day an answer covers: the points and seconds per day, and the day's fetch status."""

from __future__ import annotations

from datetime import date
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.canonical import EndpointKind
from linky_pipeline.lib.domain.localtime import day_length_seconds

# Fetch states that say nothing was (or could be) measured on that day: no row, and no curve expected.
NOT_MEASURED: Final = frozenset({"before_activation", "beyond_horizon"})


def day_coverage(kind: EndpointKind, frame: pd.DataFrame, tz: ZoneInfo) -> dict[date, tuple[int, int]]:
    """(points, covered seconds) per local day of one answer's canonical frame."""
    if frame.empty:
        return {}
    if kind == "curve":
        grouped = frame.assign(day=frame["ts"].dt.tz_convert(tz).dt.date).groupby("day")["interval_s"]
        sizes, sums = grouped.size(), grouped.sum()
        return {d: (int(n), int(c)) for d, n, c in zip(sizes.index, sizes, sums, strict=True)}
    counts = frame["day"].value_counts()
    return {d: (int(n), 0) for d, n in zip(counts.index, counts, strict=True)}


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
