"""Enedis v5 / "Mesures V1" bodies → canonical frames (lib/canonical.py). All-or-nothing: any bad point fails.

Duplicate rule: two points resolving to the same UTC interval (a plain repeat outside DST, or a third occurrence
of a fall-back label) are one point when value and interval length agree, and the response is rejected when
they disagree: silently choosing one would invent data. Overlapping intervals are rejected too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from linky_pipeline.lib.domain.canonical import empty_daily, empty_max_power, empty_readings
from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.sources.enedis import frames, labels
from linky_pipeline.lib.sources.enedis.curve_arrays import steady_curve as steady_curve  # swapped by the benchmark
from linky_pipeline.lib.sources.enedis.endpoints import spec_of
from linky_pipeline.lib.sources.errors import SourceParseError

UNITS = {"curve": "W", "daily": "Wh", "max_power": "VA"}
Window = tuple[date, date]


Meta = tuple[str | None, str | None, str | None]  # nature, plausibility, complementary state


@dataclass(frozen=True)
class RawPoint:
    """One point as found in a body, before validation; `where` names it in error messages. `meta` holds the
    point's own codes (v2 n, iv, ec; v5 measure_type), already checked by `point_meta`."""

    value: object
    date: object
    interval: object | None
    where: str
    keys: tuple[str, str, str] = ("value", "date", "interval_length")
    meta: Meta = (None, None, None)

    def at(self, which: int) -> str:
        """Path of the value (0), date (1) or interval (2) field, for error messages."""
        return f"{self.where}.{self.keys[which]}"


def code(field: str, value: object, key: str | None = None) -> str | None:
    """An optional short code (etapeMetier, modeCalcul, n, iv, ec): a string or number kept as text, absent → None.
    With `key`, the field is `field.key`, a path built only for an error (a point's codes are read per point)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SourceParseError(
            field if key is None else f"{field}.{key}", value, "expected a short code (string or number)"
        )
    text = str(value).strip()
    if len(text) > 40:
        raise SourceParseError(field if key is None else f"{field}.{key}", value, "a code longer than 40 characters")
    return text or None


def point_meta(item: object, where: str, keys: tuple[str, str, str]) -> Meta:
    """The (nature, plausibility, complementary state) codes of a point dict, None where absent."""
    if not isinstance(item, dict):
        return (None, None, None)
    n, iv, ec = keys
    found = (item.get(n), item.get(iv), item.get(ec))
    texts = all(v is None or type(v) is str for v in found)  # only these are memoised: True == 1 as a key
    if texts and found in _KNOWN_METAS:
        return _KNOWN_METAS[found]
    meta = (code(where, found[0], n), code(where, found[1], iv), code(where, found[2], ec))
    if texts and len(_KNOWN_METAS) < 4096:
        _KNOWN_METAS[found] = meta  # an answer repeats a handful of code triples for every point
    return meta


_KNOWN_METAS: dict[tuple[object, object, object], Meta] = {}


def _check_window_day(where: str, raw: object, day: date, window: Window | None) -> None:
    if window is not None and not window[0] <= day < window[1]:
        raise SourceParseError(where, raw, f"outside the requested window [{window[0]}, {window[1]})")


def build_readings(
    points: Sequence[RawPoint],
    *,
    prm: str,
    metric: str,
    quality: str,
    source: str,
    window: Window | None = None,
    calc_mode: str | None = None,
) -> pd.DataFrame:
    """Average-W points with END labels → one kWh row per interval, keyed by UTC START. The common answer (steady
    days, sorted, no repeat) is resolved on arrays (curve_arrays.py), the rest point by point (`resolve_points`)."""
    steady = steady_curve([p.value for p in points], [p.date for p in points], [p.interval for p in points], window)
    if steady is None:
        rows = resolve_points(points, window)
        if not rows:
            return empty_readings()
        starts = frames.instants([r[0] for r in rows])
        seconds = np.array([r[1] for r in rows], dtype="int64")
        kwh = frames.floats([r[2] * r[1] / 3_600_000 for r in rows])
        metas = [r[3].meta for r in rows]
    else:
        ticks, seconds, watts = steady
        starts, kwh, metas = frames.instants_from_ticks(ticks), watts * seconds / 3_600_000, [p.meta for p in points]
    n = len(metas)
    return frames.frame(
        {
            "meter_id": frames.repeated(prm, n),
            "metric": frames.repeated(metric, n),
            "ts": starts,
            "interval_s": seconds,
            "kwh": frames.floats(kwh),
            "quality": frames.repeated(quality, n),
            "source": frames.repeated(source, n),
            **frames.metadata(calc_mode, metas),
        }
    )


def resolve_points(points: Sequence[RawPoint], window: Window | None) -> list[tuple[datetime, int, float, RawPoint]]:
    """The per-point rule (and the reference of the array path): resolve each END label in answer order, merge
    repeats, reject conflicts, overlaps and points outside the window. (UTC start, seconds, watts, point) by start."""
    after = local_midnight_utc(window[0], PARIS) if window else None
    resolver = labels.EndResolver(after=after)
    by_end: dict[datetime, tuple[int, float, RawPoint]] = {}
    for point in points:
        interval_s = labels.interval_seconds(point.at(2), point.interval)
        watts = labels.number(point.at(0), point.value)
        label = labels.timestamp(point.at(1), point.date)
        end, candidates = resolver.resolve(label, interval_s)
        if end in by_end or not (after is None or end > after):
            held = [c for c in candidates if c in by_end]
            if not held:
                raise SourceParseError(point.at(1), point.date, "out of order or before the requested window")
            kept_s, kept_w, _ = by_end[held[-1]]
            if kept_s != interval_s or not labels.same_value(kept_w, watts):
                raise SourceParseError(
                    point.at(0), point.value, f"conflicts with {by_end[held[-1]][2].where} for the same interval"
                )
            continue
        by_end[end] = (interval_s, watts, point)
    if not by_end:
        return []
    rows = sorted(((end - timedelta(seconds=i), i, w, p) for end, (i, w, p) in by_end.items()), key=lambda row: row[0])
    previous_end: datetime | None = None
    for start, interval_s, _, point in rows:
        if previous_end is not None and start < previous_end:
            raise SourceParseError(point.at(1), point.date, "interval overlaps the previous one")
        _check_window_day(point.at(1), point.date, start.astimezone(PARIS).date(), window)
        previous_end = start + timedelta(seconds=interval_s)
    return rows


def _unique_by_day(
    points: Sequence[RawPoint], window: Window | None, moment: bool
) -> dict[date, tuple[float, datetime | None, str, Meta]]:
    seen: dict[date, tuple[float, datetime | None, str, Meta]] = {}
    for point in points:
        value = labels.number(point.at(0), point.value)
        when: datetime | None = None
        if moment:
            when = labels.timestamp(point.at(1), point.date)
            # One peak per day, so order cannot disambiguate a fall-back time: fold 0 (summer) is assumed.
            when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=PARIS).astimezone(UTC)
            the_day = when.astimezone(PARIS).date()
        else:
            the_day = labels.day(point.at(1), point.date)
        _check_window_day(point.at(1), point.date, the_day, window)
        if the_day in seen:
            if seen[the_day][1] != when or not labels.same_value(seen[the_day][0], value):
                raise SourceParseError(point.at(0), point.value, f"conflicts with {seen[the_day][2]} for day {the_day}")
            continue
        seen[the_day] = (value, when, point.where, point.meta)
    return dict(sorted(seen.items()))


def build_daily(
    points: Sequence[RawPoint],
    *,
    prm: str,
    metric: str,
    quality: str,
    source: str,
    window: Window | None = None,
    calc_mode: str | None = None,
) -> pd.DataFrame:
    """Wh per local day → kWh rows."""
    days = _unique_by_day(points, window, moment=False)
    if not days:
        return empty_daily()
    n = len(days)
    return frames.frame(
        {
            "meter_id": frames.repeated(prm, n),
            "metric": frames.repeated(metric, n),
            "day": frames.days(list(days)),
            "kwh": frames.floats([v[0] / 1000 for v in days.values()]),
            "quality": frames.repeated(quality, n),
            "source": frames.repeated(source, n),
            **frames.metadata(calc_mode, [v[3] for v in days.values()]),
        }
    )


def build_max_power(
    points: Sequence[RawPoint],
    *,
    prm: str,
    source: str,
    window: Window | None = None,
    quality: str | None = None,
    calc_mode: str | None = None,
) -> pd.DataFrame:
    """VA peak per local day with the UTC instant of the peak."""
    days = _unique_by_day(points, window, moment=True)
    if not days:
        return empty_max_power()
    n = len(days)
    return frames.frame(
        {
            "meter_id": frames.repeated(prm, n),
            "day": frames.days(list(days)),
            "max_power_va": frames.floats([v[0] for v in days.values()]),
            "peak_at": frames.instants([v[1] for v in days.values()]),
            "source": frames.repeated(source, n),
            "quality": frames.repeated(quality, n),
            **frames.metadata(calc_mode, [v[3] for v in days.values()]),
        }
    )


def check_prm(where: str, found: object, prm: str) -> None:
    """The body must be about the PRM we asked for."""
    if found != prm:
        raise SourceParseError(where, found, f"expected usage point {prm!r}")


def check_unit(where: str, found: object, kind: str) -> None:
    """Only the unit the endpoint documents is accepted (W for curves, Wh daily, VA max power)."""
    if found != UNITS[kind]:
        raise SourceParseError(where, found, f"unexpected unit, expected {UNITS[kind]!r}")


def parse_v5(
    payload: Mapping[str, object], *, endpoint: str, prm: str, source: str = "enedis-v5", window: Window | None = None
) -> pd.DataFrame:
    """A v5 (or 2026 "Mesures V1", same shape) body for `endpoint` → the canonical frame of its kind."""
    spec = spec_of(endpoint)
    reading = labels.require(payload, "meter_reading", "")
    check_prm("meter_reading.usage_point_id", labels.require(reading, "usage_point_id", "meter_reading"), prm)
    quality = labels.require(reading, "quality", "meter_reading")
    if not isinstance(quality, str) or not quality:
        raise SourceParseError("meter_reading.quality", quality, "expected a non-empty string")
    reading_type = labels.require(reading, "reading_type", "meter_reading")
    check_unit(
        "meter_reading.reading_type.unit", labels.require(reading_type, "unit", "meter_reading.reading_type"), spec.kind
    )
    raw = labels.require(reading, "interval_reading", "meter_reading")
    if not isinstance(raw, list):
        raise SourceParseError("meter_reading.interval_reading", type(raw).__name__, "expected a list")
    points = []
    for i, item in enumerate(raw):
        where = f"meter_reading.interval_reading[{i}]"
        value = labels.require(item, "value", where)
        when = labels.require(item, "date", where)
        interval = labels.require(item, "interval_length", where) if spec.kind == "curve" else None
        meta = (code(f"{where}.measure_type", item.get("measure_type")) if isinstance(item, dict) else None, None, None)
        points.append(RawPoint(value, when, interval, where, meta=meta))
    if spec.kind == "curve":
        return build_readings(points, prm=prm, metric=spec.metric, quality=quality, source=source, window=window)
    if spec.kind == "daily":
        return build_daily(points, prm=prm, metric=spec.metric, quality=quality, source=source, window=window)
    return build_max_power(points, prm=prm, source=source, window=window, quality=quality)
