"""The interval detector's baseline: per local day and wall-clock slot, statistics of the 7 previous calendar days.

Built as one numpy matrix per series (days × slots) rather than a pandas pivot: a building-month is ~1 500 rows, so
pandas' per-call overhead cost more than the arithmetic. The rolling statistics themselves stay pandas' kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SlotBaseline:
    """Per day × slot statistics of the 7 previous calendar days (rows: days from `first_day`, columns: slots)."""

    first_day: int
    slots: np.ndarray  # seconds of day, ascending
    mean: np.ndarray
    std: np.ndarray
    nearby_max_mean: np.ndarray  # largest slot mean within ± shift tolerance
    level: np.ndarray  # the meter's mean interval value over the same 7 days (all slots)
    history: np.ndarray  # days with data before each day

    def at(self, days: np.ndarray, sods: np.ndarray) -> tuple[np.ndarray, ...]:
        rows = days - self.first_day
        cols = np.searchsorted(self.slots, sods)
        return (
            self.mean[rows, cols],
            np.nan_to_num(self.std[rows, cols], nan=0.0),
            self.nearby_max_mean[rows, cols],
            self.level[rows],
            self.history[rows],
        )


def _shift_columns(matrix: np.ndarray, step: int) -> np.ndarray:
    """Columns moved right by `step` (left when negative), NaN where nothing moved in."""
    out = np.full_like(matrix, np.nan)
    if step > 0:
        out[:, step:] = matrix[:, :-step]
    else:
        out[:, :step] = matrix[:, -step:]
    return out


def slot_baseline(
    days: np.ndarray, sods: np.ndarray, kwh: np.ndarray, interval_s: int, min_baseline_days: int, shift_tolerance_s: int
) -> SlotBaseline:
    """Day × second-of-day matrix on a gap-free calendar and slot grid, then 7-day rolling statistics."""
    # One value per day and slot: the repeated fall-back hour enters the baseline as the mean of its two
    # occurrences, so that day does not weigh twice. The spring-forward hour is simply absent (NaN), not zero.
    first_day = int(days.min())
    slots = np.union1d(np.arange(0, 86400, interval_s), sods)
    rows, cols = days - first_day, np.searchsorted(slots, sods)
    shape = (int(days.max()) - first_day + 1, len(slots))
    sums, counts = np.zeros(shape), np.zeros(shape)
    np.add.at(sums, (rows, cols), kwh)
    np.add.at(counts, (rows, cols), 1.0)
    with np.errstate(invalid="ignore"):
        wide = sums / counts  # 0/0: no reading in that day and slot
    previous = np.vstack([np.full((1, shape[1]), np.nan), wide[:-1]])
    # The rolling statistics stay pandas' own kernels, so the averages are bit-for-bit what they always were.
    window = pd.DataFrame(previous).rolling(7, min_periods=min_baseline_days)
    mean = window.mean().to_numpy()
    nearby = mean.copy()
    for step in range(1, max(0, shift_tolerance_s) // interval_s + 1):
        nearby = np.fmax(nearby, np.fmax(_shift_columns(mean, step), _shift_columns(mean, -step)))
    level = pd.DataFrame(previous).mean(axis=1).rolling(7, min_periods=min_baseline_days).mean().to_numpy()
    seen = ~np.isnan(wide).all(axis=1)
    history = np.concatenate([[0], np.cumsum(seen)[:-1]])
    return SlotBaseline(first_day, slots, mean, window.std(ddof=1).to_numpy(), nearby, level, history)
