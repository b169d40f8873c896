"""What a fetch returns, for every source: each window as landed (for raw_load_curves) plus the canonical frame."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.domain.canonical import EndpointKind, empty_daily, empty_max_power, empty_readings
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


def combine(kind: EndpointKind, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate window frames, sorted and deduplicated on the natural key."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_frame(kind)
    frame = pd.concat(frames, ignore_index=True)
    key = (
        ["meter_id", "metric", "ts"]
        if kind == "curve"
        else (["meter_id", "metric", "day"] if kind == "daily" else ["meter_id", "day"])
    )
    return frame.drop_duplicates(subset=key, keep="last").sort_values(key, ignore_index=True)


def days_without_points(kind: EndpointKind, frame: pd.DataFrame, windows: list[WindowCall], tz: ZoneInfo) -> list[date]:
    """Local days (in the meter's time zone) of the ok/no_data windows that carry no point at all."""
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
