"""ORES load-curve bodies (seed annex C) → canonical readings, all or nothing.

Each reading carries its own UTC `start` and `end`: the interval is taken from them, never inferred from a
local calendar, so a Brussels DST day simply holds 46 or 50 half-hours. A reading whose length disagrees with
`reading_type.measuring_period`, a non-numeric value, an overlap or a reading outside the requested window fails the
whole answer with an error naming the reading; a numeric outlier (negative, NaN, 9e12) is a quarantined point.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pandas as pd

from linky_pipeline.lib.domain.canonical import empty_readings, with_point_metadata
from linky_pipeline.lib.sources.errors import SourceParseError
from linky_pipeline.lib.sources.ores import contract

QUALITY: Final = "measured"
_PERIOD = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
UtcWindow = tuple[datetime, datetime]


class OresReadingError(SourceParseError):
    """One interval reading is unusable; `index` says which (its start and end are in the message)."""

    def __init__(self, index: int, reading: object, reason: str) -> None:
        self.index = index
        super().__init__(f"interval_readings[{index}]", reading, reason)


def period_seconds(text: object) -> int:
    """'PT30M' → 1800 (the only duration forms a metering period takes: hours, minutes, seconds)."""
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        raise SourceParseError("reading_type.measuring_period", text, "expected an ISO 8601 duration such as PT30M")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 0 < total <= 86400:
        raise SourceParseError("reading_type.measuring_period", text, "must be longer than 0 s and at most one day")
    return total


def instant(where: str, raw: object) -> datetime:
    """An RFC 3339 instant with an offset ('Z' or ±hh:mm), as aware UTC."""
    if not isinstance(raw, str):
        raise SourceParseError(where, raw, "expected an RFC 3339 timestamp string")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise SourceParseError(where, raw, "is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise SourceParseError(where, raw, "has no UTC offset (the contract sends UTC instants)")
    return moment.astimezone(UTC)


def watt_hours(where: str, raw: object) -> float:
    """A number of Wh (JSON number, or a decimal string). Whether it is plausible (finite, ≥ 0, below a meter's
    physical maximum) is judged per point by lib/sources/plausibility.py: an outlier is quarantined, the other
    readings of the answer stay usable."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise SourceParseError(where, raw, "expected a number of Wh")
    try:
        return float(raw)
    except ValueError:
        raise SourceParseError(where, raw, "expected a number of Wh") from None
    except OverflowError:  # an integer beyond the largest double
        return math.inf


def _reading_type(payload: Mapping[str, Any]) -> int:
    kind = payload.get("reading_type")
    if not isinstance(kind, Mapping):
        raise SourceParseError("reading_type", kind, "missing or not an object")
    if kind.get("unit") != "Wh":
        raise SourceParseError("reading_type.unit", kind.get("unit"), "expected 'Wh' (energy per interval)")
    if str(kind.get("aggregate", "")).lower() != "sum":
        raise SourceParseError("reading_type.aggregate", kind.get("aggregate"), "expected 'Sum'")
    return period_seconds(kind.get("measuring_period"))


def parse_curve(
    payload: Mapping[str, Any], *, endpoint: str, meter_id: str, window: UtcWindow | None = None
) -> pd.DataFrame:
    """One answer → readings keyed by UTC interval start, kWh = Wh / 1000."""
    metric = contract.DIRECTION_OF.get(endpoint)
    if metric is None:
        raise SourceParseError("endpoint", endpoint, f"expected one of {sorted(contract.DIRECTION_OF)}")
    if payload.get("usage_point_id") != meter_id:
        raise SourceParseError("usage_point_id", payload.get("usage_point_id"), f"expected {meter_id!r}")
    period = _reading_type(payload)
    readings = payload.get("interval_readings")
    if not isinstance(readings, list):
        raise SourceParseError("interval_readings", readings, "missing or not a list")
    rows: dict[datetime, tuple[int, float, int]] = {}
    for index, reading in enumerate(readings):
        if not isinstance(reading, Mapping):
            raise OresReadingError(index, reading, "expected an object {value, start, end}")
        start = instant(f"interval_readings[{index}].start", reading.get("start"))
        end = instant(f"interval_readings[{index}].end", reading.get("end"))
        seconds = int((end - start).total_seconds())
        if end - start != timedelta(seconds=period):
            raise OresReadingError(
                index,
                {"start": reading.get("start"), "end": reading.get("end")},
                f"lasts {seconds} s but reading_type.measuring_period is {period} s",
            )
        value = watt_hours(f"interval_readings[{index}].value", reading.get("value"))
        if window is not None and not window[0] <= start < window[1]:
            raise OresReadingError(
                index,
                reading.get("start"),
                f"starts outside the requested window [{window[0].isoformat()}, {window[1].isoformat()})",
            )
        held = rows.get(start)
        if held is not None and not (held[1] == value or (math.isnan(held[1]) and math.isnan(value))):
            raise OresReadingError(index, reading, f"conflicts with interval_readings[{held[2]}] (same start)")
        rows.setdefault(start, (seconds, value, index))
    if not rows:
        return empty_readings()
    ordered = sorted(rows.items())
    for (previous, (length, _, _)), (start, (_, _, index)) in itertools.pairwise(ordered):
        if start < previous + timedelta(seconds=length):
            raise OresReadingError(index, readings[index], "overlaps the previous interval")
    frame = pd.DataFrame(
        {
            "meter_id": pd.Series([meter_id] * len(ordered), dtype="string"),
            "metric": pd.Series([metric] * len(ordered), dtype="string"),
            "ts": pd.Series([s for s, _ in ordered], dtype="datetime64[us, UTC]"),
            "interval_s": pd.Series([r[0] for _, r in ordered], dtype="int64"),
            "kwh": pd.Series([r[1] / 1000.0 for _, r in ordered], dtype="float64"),
            "quality": pd.Series([QUALITY] * len(ordered), dtype="string"),
            "source": pd.Series([contract.API_VERSION] * len(ordered), dtype="string"),
        }
    )
    return with_point_metadata(frame)  # the same shape as every source (canonical.POINT_METADATA, NA here)
