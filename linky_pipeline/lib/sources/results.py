"""What a fetch returns, for every source: each window as landed (for raw_load_curves) plus the canonical frame."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.domain.canonical import EndpointKind, empty_daily, empty_max_power, empty_readings
from linky_pipeline.lib.domain.coverage import day_bounds, utc_ticks
from linky_pipeline.lib.domain.localtime import days_in_range

Outcome = Literal["ok", "no_data", "before_activation"]


@dataclass(frozen=True)
class WindowCall:
    """One answered window; `request` never holds the token or the client secret."""

    endpoint: str
    start: date
    end: date
    api_version: str
    http_status: int
    request: dict[str, Any]
    payload: dict[str, Any] | None
    payload_sha256: str
    outcome: Outcome


@dataclass(frozen=True)
class FetchResult:
    """All windows of one fetch, the concatenated canonical frame and the gaps found."""

    windows: list[WindowCall]
    frame: pd.DataFrame
    calls: int
    no_data_days: list[date] = field(default_factory=list)
    discovered_activation_date: date | None = None
    # days an HTTP 200 answered without a single point (a subset of no_data_days): never a quiet gap, see
    # lib/sync/empty_answers.py
    empty_answer_days: list[date] = field(default_factory=list)


def empty_frame(kind: EndpointKind) -> pd.DataFrame:
    """The empty canonical frame for an endpoint kind."""
    return {"curve": empty_readings, "daily": empty_daily, "max_power": empty_max_power}[kind]()


_KEYS: Final[dict[str, list[str]]] = {
    "curve": ["meter_id", "metric", "ts"],
    "daily": ["meter_id", "metric", "day"],
    "max_power": ["meter_id", "day"],
}


def combine(kind: EndpointKind, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate window frames, sorted and deduplicated on the natural key. A nightly fetch is one window whose
    frame the parser already sorted without repeats: it is returned as is (the general path costs ~1 ms of pandas
    overhead per call for nothing); anything else goes through `combine_general`, the reference."""
    present = [f for f in frames if not f.empty]
    if len(present) == 1 and _sorted_unique(present[0], _KEYS[kind]):
        return present[0].reset_index(drop=True)
    return combine_general(kind, frames)


def combine_general(kind: EndpointKind, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The general rule: concatenate, keep the last row of each key, sort by the key."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_frame(kind)
    frame = pd.concat(frames, ignore_index=True)
    key = _KEYS[kind]
    return frame.drop_duplicates(subset=key, keep="last").sort_values(key, ignore_index=True)


def _sorted_unique(frame: pd.DataFrame, key: list[str]) -> bool:
    """Whether `frame` is strictly ascending on `key` with one meter (and metric): its leading key columns hold one
    non-missing string each and the last one (ts or day) rises strictly, with no missing value."""
    for column in key[:-1]:
        values = set(frame[column].tolist())
        if len(values) != 1 or not isinstance(next(iter(values)), str):
            return False
    last = frame[key[-1]]
    if last.dtype == "datetime64[us, UTC]":
        ticks = np.asarray(last.array.asi8)
        return bool(ticks[0] != np.iinfo(np.int64).min and np.all(ticks[1:] > ticks[:-1]))
    days = last.tolist()
    if not all(type(d) is date for d in days):
        return False
    return all(a < b for a, b in pairwise(days))


def days_without_points(kind: EndpointKind, frame: pd.DataFrame, windows: list[WindowCall], tz: ZoneInfo) -> list[date]:
    """Local days (in the meter's time zone) of the ok/no_data windows that carry no point at all. A curve day is
    looked up among the sorted instants between its two UTC midnights, not by converting every point."""
    ticks = utc_ticks(frame["ts"]) if kind == "curve" and not frame.empty else None
    if kind == "curve" and not frame.empty and ticks is None:
        return days_without_points_general(kind, frame, windows, tz)
    asked = sorted({d for w in windows if w.outcome != "before_activation" for d in days_in_range(w.start, w.end)})
    if kind != "curve":
        present = set(frame["day"].tolist())
        return [d for d in asked if d not in present]
    if ticks is None or not asked:
        return asked
    starts, ends = day_bounds(np.sort(ticks), asked, tz)
    return [d for d, lo, hi in zip(asked, starts.tolist(), ends.tolist(), strict=True) if hi == lo]


def days_without_points_general(
    kind: EndpointKind, frame: pd.DataFrame, windows: list[WindowCall], tz: ZoneInfo
) -> list[date]:
    """The reference rule, with pandas: every point's local day."""
    if kind == "curve":
        present = set(frame["ts"].dt.tz_convert(tz).dt.date) if not frame.empty else set()
    else:
        present = set(frame["day"])
    asked = {d for w in windows if w.outcome != "before_activation" for d in days_in_range(w.start, w.end)}
    return sorted(asked - present)


def days_answered_empty(kind: EndpointKind, frame: pd.DataFrame, windows: list[WindowCall], tz: ZoneInfo) -> list[date]:
    """Local days of the windows answered 200 ("ok") that carry no point: the API said yes and gave nothing."""
    answered = [w for w in windows if w.outcome == "ok"]
    return days_without_points(kind, frame, answered, tz)


def _finite_or_text(text: str) -> float | str:
    """A JSON number as a float, or as its own text when no double holds it (1e400): still landable as JSON."""
    value = float(text)
    return value if math.isfinite(value) else text


def json_or_none(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, None when it is not one. What standard JSON cannot hold (the NaN and Infinity
    literals Python accepts, numbers overflowing a double) comes back as its own text, so the answer can be landed
    in a jsonb column as received and the point judged implausible by lib/sources/plausibility.py."""
    try:
        payload = json.loads(body, parse_constant=str, parse_float=_finite_or_text)
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def with_range(call: WindowCall, start: date, end: date) -> WindowCall:
    """The same landed call relabelled to the part of the window it stands for."""
    return WindowCall(
        call.endpoint,
        start,
        end,
        call.api_version,
        call.http_status,
        call.request,
        call.payload,
        call.payload_sha256,
        call.outcome,
    )
