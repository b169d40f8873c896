"""Scalar validation and naive-local timestamp resolution shared by the v5 and v2 parsers.

Enedis stamps each load-curve point with the naive Europe/Paris wall time of the interval END. Two labelling
conventions are plausible around DST (label = wall time of the real end instant, or label = wall-clock start +
interval): on the spring day the first hides 02:00/02:30, the second 02:30/03:00; on the autumn day the repeated
labels are 02:00/02:30 or 02:30/03:00. `EndResolver` accepts both: for each label it builds every UTC end instant
the label can mean under either convention and keeps the smallest one strictly after the previous point's end.
Points come in time order, so this is exactly "first occurrence = summer offset (fold 0), second = winter (fold 1)".
A label with no candidate after the previous end is a repeat; the caller drops it when it equals the point
already holding that instant and rejects it otherwise.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.errors import SourceParseError

INTERVALS: Final[dict[str, int]] = {"PT5M": 300, "PT10M": 600, "PT15M": 900, "PT30M": 1800, "PT60M": 3600}
_DATETIME_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_DAY_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def number(field: str, value: object) -> float:
    """A measurement given as a JSON string or number. Its plausibility (finite, ≥ 0, below the physical maximum)
    is judged per point afterwards (lib/sources/plausibility.py): a NaN, a 400-digit integer or a negative value is
    quarantined, never a reason to refuse the other points of the answer."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SourceParseError(field, value, "expected a number or a numeric string")
    try:
        return float(value.strip()) if isinstance(value, str) else float(value)
    except ValueError:
        raise SourceParseError(field, value, "not numeric") from None
    except OverflowError:  # an integer beyond the largest double: as implausible as infinity
        return math.inf


def same_value(a: float, b: float) -> bool:
    """Two readings of one point agree (two NaNs agree: a repeated implausible point is still one point)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def interval_seconds(field: str, value: object) -> int:
    """Seconds of an ISO-8601 interval code among those Enedis documents."""
    if not isinstance(value, str) or value not in INTERVALS:
        raise SourceParseError(field, value, f"unknown interval, expected one of {sorted(INTERVALS)}")
    return INTERVALS[value]


# Years a label may name: resolving it steps a day or two either way, which years 1 and 9999 cannot hold.
FIRST_YEAR: Final = 2
LAST_YEAR: Final = 9998


def timestamp(field: str, value: object) -> datetime:
    """A 'YYYY-MM-DD hh:mm:ss' label (naive local) or an ISO timestamp with an offset (aware)."""
    if not isinstance(value, str) or not _DATETIME_RE.match(value):
        raise SourceParseError(field, value, "expected 'YYYY-MM-DD hh:mm:ss'")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SourceParseError(field, value, "not a valid date-time") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise SourceParseError(field, value, f"not a date-time a meter can report (year {FIRST_YEAR} to {LAST_YEAR})")
    return parsed


def day(field: str, value: object, tz: ZoneInfo = PARIS) -> date:
    """A local calendar day 'YYYY-MM-DD' (an ISO timestamp is accepted and read in local time)."""
    if isinstance(value, str) and _DAY_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise SourceParseError(field, value, "not a valid date") from None
    moment = timestamp(field, value)
    return moment.astimezone(tz).date() if moment.tzinfo else moment.date()


def require(container: object, key: str, where: str) -> object:
    """container[key] or a parse error naming the missing field."""
    if not isinstance(container, dict):
        raise SourceParseError(where, type(container).__name__, "expected a JSON object")
    if key not in container or container[key] is None:
        raise SourceParseError(f"{where}.{key}" if where else key, None, "missing field")
    return container[key]


def _folds(naive: datetime, tz: ZoneInfo, gap_fold: int) -> tuple[int, ...]:
    """Which folds a wall time can take: both when repeated, one when normal or skipped by the clock."""
    offset0 = naive.replace(tzinfo=tz, fold=0).utcoffset()
    offset1 = naive.replace(tzinfo=tz, fold=1).utcoffset()
    if offset0 == offset1:
        return (0,)
    if offset0 is not None and offset1 is not None and offset0 > offset1:
        return (0, 1)
    return (gap_fold,)


def _utc(naive: datetime, tz: ZoneInfo, fold: int) -> datetime:
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)


@lru_cache(maxsize=8192)
def steady_offset(day: date, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset of a local day whose clock never changes (every quarter hour from midnight to midnight has
    one offset, neither skipped nor repeated), else None. Cached: a year of labels asks ~365 days."""
    midnight = datetime.combine(day, time(0))
    offsets = {
        (midnight + timedelta(minutes=15 * q)).replace(tzinfo=tz, fold=fold).utcoffset()
        for q in range(24 * 4 + 1)
        for fold in (0, 1)
    }
    return offsets.pop() if len(offsets) == 1 else None


def end_candidates(label: datetime, interval_s: int, tz: ZoneInfo = PARIS) -> list[datetime]:
    """Every UTC end instant a label can denote under either labelling convention, ascending.

    On a steady day (nearly all of them) both conventions name one instant, label − offset: the fold arithmetic
    below, 4 zone look-ups per point, is only needed around a clock change."""
    if label.tzinfo is not None:
        return [label.astimezone(UTC)]
    step = timedelta(seconds=interval_s)
    start = label - step
    offset = steady_offset(label.date(), tz)
    if offset is not None and (start.date() == label.date() or steady_offset(start.date(), tz) == offset):
        return [(label - offset).replace(tzinfo=UTC, fold=0)]
    return end_candidates_by_folds(label, step, tz)


def end_candidates_by_folds(label: datetime, step: timedelta, tz: ZoneInfo = PARIS) -> list[datetime]:
    """The general rule for a naive label: each fold of the end label, and each fold of its start plus the step."""
    found = {_utc(label, tz, fold) for fold in _folds(label, tz, gap_fold=0)}
    start = label - step
    found.update(_utc(start, tz, fold) + step for fold in _folds(start, tz, gap_fold=1))
    return sorted(found)


class EndResolver:
    """Resolves END labels of one response, in response order, to UTC instants (see module docstring)."""

    def __init__(self, after: datetime | None = None, tz: ZoneInfo = PARIS) -> None:
        self._last = after
        self._tz = tz

    def resolve(self, label: datetime, interval_s: int) -> tuple[datetime, list[datetime]]:
        """(chosen UTC end, all candidates); chosen is <= the previous end when the point is a repeat."""
        candidates = end_candidates(label, interval_s, self._tz)
        later = [c for c in candidates if self._last is None or c > self._last]
        if not later:
            return candidates[-1], candidates
        self._last = later[0]
        return later[0], candidates
