"""The common load-curve answer resolved on arrays: every label 'YYYY-MM-DD hh:mm:ss' on a steady day, in strictly
rising order, no repeat, no overlap, inside the window. For it the per-point rule of parsing.build_readings (one
regex, one fromisoformat, one EndResolver step per point) always yields END = label − the day's UTC offset, so the
whole answer is resolved with a handful of numpy calls. Anything else (a DST day, an aware label, a repeat, a bad
value, an out-of-window point) returns None and the caller runs the per-point rule, which owns every error message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final, cast
from zoneinfo import ZoneInfo

import numpy as np

from linky_pipeline.lib.domain.coverage import midnight_ticks
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.labels import FIRST_YEAR, INTERVALS, LAST_YEAR, steady_offset

Window = tuple[date, date]
_LENGTH: Final = 19  # 'YYYY-MM-DD hh:mm:ss'
_DIGITS: Final = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_US_PER_S: Final = 1_000_000
_US_PER_DAY: Final = 86_400 * _US_PER_S


def steady_curve(
    values: Sequence[object],
    labels: Sequence[object],
    intervals: Sequence[object],
    window: Window | None,
    tz: ZoneInfo = PARIS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(UTC interval starts in epoch µs, interval seconds, watts) in answer order, or None when the answer needs
    the per-point rule."""
    if not values:
        return None
    try:
        seconds = np.array([INTERVALS[i] for i in intervals], dtype="int64")  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    watts = _floats(values)
    naive = _naive_ticks(labels)
    if watts is None or naive is None:
        return None
    ends = _steady_ends(naive, seconds, tz)
    if ends is None:
        return None
    starts = ends - seconds * _US_PER_S
    if not (bool(np.all(ends[1:] > ends[:-1])) and bool(np.all(starts[1:] >= ends[:-1]))):
        return None  # a repeat, an unsorted answer or an overlap
    if window is not None:
        first, last = midnight_ticks(list(window), tz).tolist()
        if not (ends[0] > first and starts[0] >= first and starts[-1] < last):
            return None
    return starts, seconds, watts


def _floats(values: Sequence[object]) -> np.ndarray | None:
    """labels.number of every value when each is a plain str, int or float that converts without overflow."""
    out = []
    try:
        for value in values:
            kind = type(value)
            if kind is str:
                out.append(float(cast(str, value).strip()))
            elif kind is float or kind is int:
                out.append(float(value))  # type: ignore[arg-type]
            else:
                return None
    except (ValueError, OverflowError):
        return None
    return np.array(out, dtype="float64")


def _naive_ticks(labels: Sequence[object]) -> np.ndarray | None:
    """Naive wall times as epoch µs when every label is an ASCII 'YYYY-MM-DD hh:mm:ss' (or 'T') naming a real
    date-time, else None."""
    if not all(type(label) is str and len(label) == _LENGTH for label in labels):
        return None
    codes = np.array(labels, dtype=f"U{_LENGTH}").view(np.uint32).reshape(len(labels), _LENGTH).astype("int64")
    digits = codes[:, _DIGITS] - ord("0")
    if bool(((digits < 0) | (digits > 9)).any()):
        return None
    separators = codes[:, [4, 7, 13, 16]]
    if bool((separators != np.array([ord("-"), ord("-"), ord(":"), ord(":")])).any()):
        return None
    if bool(((codes[:, 10] != ord(" ")) & (codes[:, 10] != ord("T"))).any()):
        return None
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month, day, hour, minute, second = (digits[:, k] * 10 + digits[:, k + 1] for k in range(4, 14, 2))
    if bool(
        (
            (year < FIRST_YEAR)
            | (year > LAST_YEAR)
            | (month < 1)
            | (month > 12)
            | (day < 1)
            | (hour > 23)
            | (minute > 59)
            | (second > 59)
        ).any()
    ):
        return None
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (day - 1)
    if bool((days.astype("datetime64[M]") != months).any()):
        return None  # 31 April, 29 February of a common year
    ticks: np.ndarray = days.astype("int64") * _US_PER_DAY + ((hour * 60 + minute) * 60 + second) * _US_PER_S
    return ticks


def _steady_ends(naive: np.ndarray, seconds: np.ndarray, tz: ZoneInfo) -> np.ndarray | None:
    """UTC end instants (epoch µs) when each label's day is steady and its interval starts on a day of the same
    offset (labels.end_candidates' shortcut), else None."""
    label_days = naive // _US_PER_DAY
    start_days = (naive - seconds * _US_PER_S) // _US_PER_DAY
    unique, inverse = np.unique(np.concatenate((label_days, start_days)), return_inverse=True)
    offsets = []
    for epoch_day in unique.tolist():
        offset = steady_offset(date.fromordinal(_EPOCH_ORDINAL + epoch_day), tz)
        offsets.append(None if offset is None else offset // _MICROSECOND)
    if any(o is None for o in offsets):
        return None  # a clock-change day: the fold rule decides
    per_day = np.array(offsets, dtype="int64")[inverse]
    label_offset, start_offset = per_day[: len(naive)], per_day[len(naive) :]
    if bool((start_offset != label_offset).any()):
        return None
    ends: np.ndarray = naive - label_offset
    return ends


_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MICROSECOND: Final = timedelta(microseconds=1)
