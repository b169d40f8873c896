"""Builders of Enedis bodies for tests, computed forward from UTC instants (independently of the parser)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc

Convention = Literal["start_plus", "real_end"]
FMT = "%Y-%m-%d %H:%M:%S"
Expected = tuple[datetime, int, int]


def utc_starts(first: date, end: date, interval: Callable[[datetime], int]) -> list[tuple[datetime, int]]:
    """(UTC start, seconds) of every interval in the local days [first, end)."""
    out: list[tuple[datetime, int]] = []
    cursor, stop = local_midnight_utc(first, PARIS), local_midnight_utc(end, PARIS)
    while cursor < stop:
        seconds = interval(cursor)
        out.append((cursor, seconds))
        cursor += timedelta(seconds=seconds)
    return out


def label(start: datetime, seconds: int, convention: Convention) -> str:
    """Naive local END label: wall-clock start + length (as the sandbox does) or wall time of the real end."""
    if convention == "start_plus":
        return (start.astimezone(PARIS).replace(tzinfo=None) + timedelta(seconds=seconds)).strftime(FMT)
    return (start + timedelta(seconds=seconds)).astimezone(PARIS).strftime(FMT)


def watts_for(index: int) -> int:
    """A deterministic, varying average power."""
    return 200 + (index * 37) % 900


def curve_points(
    first: date,
    end: date,
    *,
    interval_s: int | Callable[[datetime], int] = 1800,
    convention: Convention = "start_plus",
    as_numbers: bool = False,
    skip_days: frozenset[date] = frozenset(),
) -> tuple[list[dict[str, Any]], list[Expected]]:
    """v5 interval_reading points and the expected (UTC start, seconds, W) triples."""
    interval = interval_s if callable(interval_s) else (lambda _start, s=interval_s: s)
    points, expected = [], []
    for index, (start, seconds) in enumerate(utc_starts(first, end, interval)):
        if start.astimezone(PARIS).date() in skip_days:
            continue
        watts = watts_for(index)
        points.append(
            {
                "value": watts if as_numbers else str(watts),
                "date": label(start, seconds, convention),
                "interval_length": f"PT{seconds // 60}M",
                "measure_type": "B",
            }
        )
        expected.append((start, seconds, watts))
    return points, expected


def v5_body(prm: str, first: date, end: date, points: list[dict[str, Any]], unit: str = "W") -> dict[str, Any]:
    """A v5 meter_reading envelope."""
    reading_type: dict[str, str] = {"unit": unit, "measurement_kind": "power", "aggregate": "average"}
    if unit == "Wh":
        reading_type = {"unit": "Wh", "measurement_kind": "energy", "aggregate": "sum", "measuring_period": "P1D"}
    elif unit == "VA":
        reading_type = {"unit": "VA", "measurement_kind": "power", "aggregate": "maximum", "measuring_period": "P1D"}
    return {
        "meter_reading": {
            "usage_point_id": prm,
            "start": first.isoformat(),
            "end": end.isoformat(),
            "quality": "BRUT",
            "reading_type": reading_type,
            "interval_reading": points,
        }
    }


def daily_points(first: date, end: date, skip_days: frozenset[date] = frozenset()) -> list[dict[str, Any]]:
    """v5 daily points: Wh = 10 000 + 10 × ordinal-day-offset."""
    out, day = [], first
    while day < end:
        if day not in skip_days:
            out.append({"value": str(10_000 + 10 * (day - first).days), "date": day.isoformat()})
        day += timedelta(days=1)
    return out


def v2_body(
    prm: str,
    first: date,
    end: date,
    metier: str,
    physique: str,
    unit: str,
    points: list[dict[str, Any]],
    daily: bool = False,
) -> dict[str, Any]:
    """A 2026 v2 body with one grandeur."""
    body: dict[str, Any] = {
        "idPrm": prm,
        "etapeMetier": "BRUT",
        "periode": {"dateDebut": first.isoformat(), "dateFin": end.isoformat()},
        "modeCalcul": "MESURE",
        "grandeur": [
            {"grandeurMetier": metier, "grandeurPhysique": physique, "unite": unit, "points": points, "calendrier": []}
        ],
        "contexte": [],
    }
    if daily:
        body["pas"] = "P1D"
    return body


def to_v2_points(v5_points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Same points in v2 keys (v/d/p/n)."""
    out = []
    for p in v5_points:
        q = {"v": p["value"], "d": p["date"], "n": "B", "iv": "0", "ec": "0"}
        if "interval_length" in p:
            q["p"] = p["interval_length"]
        out.append(q)
    return out


def utc(*args: int) -> datetime:
    """Shorthand for an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
