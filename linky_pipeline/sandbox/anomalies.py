"""Anomalies injected into the sandbox data at known, deterministic times (the ground truth for detectors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final, Literal

from linky_pipeline.sandbox.meters import METERS, Direction, MeterSpec
from linky_pipeline.sandbox.profile import HORIZON_END, epoch_of, rng_for

Granularity = Literal["day", "interval"]

QUIET_DAYS: Final = 8  # no anomaly in a meter's first 8 days, nor within 8 days after another one
MIN_GAP_DAYS: Final = 22
MAX_GAP_DAYS: Final = 40  # so about one anomaly per month and direction


class AnomalyQueryError(ValueError):
    """An anomaly listing was asked for an unknown meter or direction."""


@dataclass(frozen=True)
class InjectedAnomaly:
    """One injected anomaly: a whole local day × factor, or one interval × factor."""

    usage_point_id: str
    direction: Direction
    granularity: Granularity
    local_day: date
    factor: float
    start: datetime | None = None  # UTC interval start (interval anomalies only)
    interval_s: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The /sandbox/anomalies shape."""
        body: dict[str, Any] = {
            "usage_point_id": self.usage_point_id,
            "direction": self.direction,
            "granularity": self.granularity,
            "local_day": self.local_day.isoformat(),
            "factor": self.factor,
        }
        if self.granularity == "interval":
            assert self.start is not None
            body["start"] = self.start.isoformat().replace("+00:00", "Z")
            body["interval_s"] = self.interval_s
        return body


def _is_dst_day(day: date) -> bool:
    return epoch_of(day + timedelta(days=1)) - epoch_of(day) != 86400


def _eligible(spec: MeterSpec, day: date) -> bool:
    """Days where an anomaly is unambiguous for a 7-day-mean detector (no hole, no DST, no interval change)."""
    if spec.has_hole(day) or _is_dst_day(day):
        return False
    return not any(since <= day < since + timedelta(days=QUIET_DAYS) for since, _ in spec.interval_changes)


def _slot_hours(spec: MeterSpec, direction: Direction) -> tuple[int, int]:
    """Local hours where an interval anomaly is visible (non-zero power) for that kind of meter."""
    if direction == "production":
        return 11, 15
    if spec.kind == "self":
        return 21, 23  # after sunset the net consumption is never zero
    return 10, 18


@lru_cache(maxsize=64)
def schedule(prm: str, direction: Direction) -> tuple[InjectedAnomaly, ...]:
    """All anomalies of one meter direction from its activation to the end of the simulated span."""
    spec = METERS[prm]
    rng = rng_for("anomalies", prm, direction)
    found: list[InjectedAnomaly] = []
    day = spec.activation + timedelta(days=QUIET_DAYS + int(rng.integers(0, 15)))
    while day < HORIZON_END - timedelta(days=1):
        if not _eligible(spec, day):
            day += timedelta(days=1)
            continue
        if rng.random() < 0.5:
            factor = round(float(rng.uniform(1.35, 2.5)), 2)
            found.append(InjectedAnomaly(prm, direction, "day", day, factor))
        else:
            factor = round(float(rng.uniform(2.0, 4.0)), 2)
            interval = spec.interval_on(day)
            lo, hi = _slot_hours(spec, direction)
            slot = int(rng.integers(lo * 3600 // interval, hi * 3600 // interval))
            start = datetime.fromtimestamp(epoch_of(day) + slot * interval, UTC)
            found.append(InjectedAnomaly(prm, direction, "interval", day, factor, start, interval))
        day += timedelta(days=int(rng.integers(MIN_GAP_DAYS, MAX_GAP_DAYS + 1)))
    return tuple(found)


def injected_anomalies(prm: str, direction: str, start: date, end: date) -> list[InjectedAnomaly]:
    """Anomalies injected into `prm`'s `direction` data on local days in [start, end)."""
    spec = METERS.get(prm)
    if spec is None:
        raise AnomalyQueryError(f"usage_point_id {prm!r} is not a sandbox meter")
    if direction not in spec.directions:
        raise AnomalyQueryError(f"direction {direction!r} is not metered on {prm}")
    return [a for a in schedule(prm, direction) if start <= a.local_day < end]


def anomalies_in_year(prm: str, direction: Direction, year: int) -> tuple[InjectedAnomaly, ...]:
    """Anomalies falling inside one calendar year (what one generated chunk must apply)."""
    return tuple(a for a in schedule(prm, direction) if a.local_day.year == year)
