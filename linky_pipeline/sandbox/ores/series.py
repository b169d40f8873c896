"""Deterministic Belgian half-hour energy (Wh) per meter, direction and Europe/Brussels day.

Intervals are stepped in UTC from one local midnight to the next, so the spring-forward day has 46 half-hours
and the fall-back day 50. Consumption is a household load with winter heating; production follows the sun's
elevation over Brussels. About once a month a consumption day is multiplied by a known factor (the ground truth
of the anomaly detectors); DST days are left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np

from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.sandbox.ores.meters import METERS

STEP_S: Final = 1800
LATITUDE: Final = np.radians(50.85)
LONGITUDE_DEG: Final = 4.35
LAST_DAY: Final = date(2041, 1, 1)


def rng_for(*parts: object) -> np.random.Generator:
    """A generator seeded from a stable hash of `parts`."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def day_starts(day: date) -> np.ndarray:
    """UTC epoch seconds of every half-hour start of a Brussels day (46, 48 or 50 of them)."""
    lo = int(local_midnight_utc(day, BRUSSELS).timestamp())
    hi = int(local_midnight_utc(day + timedelta(days=1), BRUSSELS).timestamp())
    return np.arange(lo, hi, STEP_S, dtype=np.int64)


def _local_hours(starts: np.ndarray) -> np.ndarray:
    """Wall-clock hour (fractional) in Brussels of each interval's middle."""
    middles = starts + STEP_S // 2
    offsets = np.array(
        [datetime.fromtimestamp(int(m), BRUSSELS).utcoffset().total_seconds() for m in middles]  # type: ignore[union-attr]
    )
    hours: np.ndarray = ((middles + offsets) % 86400) / 3600.0
    return hours


def _bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    delta = (hours - centre + 12.0) % 24.0 - 12.0
    bump: np.ndarray = np.exp(-0.5 * (delta / width) ** 2)
    return bump


def _noise(rng: np.random.Generator, sd: float, size: int) -> np.ndarray:
    noise: np.ndarray = np.exp(np.clip(rng.normal(0.0, sd, size), -2 * sd, 2 * sd))
    return noise


def _load_watts(day: date, starts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hours = _local_hours(starts)
    doy = day.timetuple().tm_yday
    winter = 0.5 + 0.5 * np.cos(2 * np.pi * (doy - 20) / 365.25)
    base = (
        230.0
        + 350.0 * _bump(hours, 7.5, 1.0)
        + 200.0 * _bump(hours, 12.5, 1.2)
        + 900.0 * (1.0 + 0.3 * winter) * _bump(hours, 19.5, 1.6)
        + 200.0 * _bump(hours, 22.5, 1.0)
    )
    temperature = 10.5 - 7.5 * np.cos(2 * np.pi * (doy - 20) / 365.25) + float(np.clip(rng.normal(0, 1.5), -3, 3))
    heating = 60.0 * max(0.0, 15.0 - temperature) * (0.8 + 0.4 * _bump(hours, 7.0, 2.0) + 0.4 * _bump(hours, 19.5, 2.5))
    watts: np.ndarray = (base + heating) * _noise(rng, 0.03, 1)[0] * _noise(rng, 0.05, len(starts))
    return watts


def _pv_watts(day: date, starts: np.ndarray, kwp: float, rng: np.random.Generator) -> np.ndarray:
    doy = day.timetuple().tm_yday
    utc_hours = ((starts + STEP_S // 2) % 86400) / 3600.0
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365.0)
    hour_angle = np.radians(15.0 * (utc_hours + LONGITUDE_DEG / 15.0 - 12.0))
    sin_elev = np.sin(LATITUDE) * np.sin(declination) + np.cos(LATITUDE) * np.cos(declination) * np.cos(hour_angle)
    clearness = float(np.clip(rng.normal(0.7, 0.12), 0.35, 0.92))
    watts: np.ndarray = (
        kwp * 1000.0 * 0.9 * np.clip(sin_elev, 0.0, None) ** 1.15 * clearness * _noise(rng, 0.05, len(starts))
    )
    return watts


@dataclass(frozen=True)
class InjectedDay:
    """A consumption day multiplied by `factor`."""

    meter_id: str
    day: date
    factor: float


def _is_dst_day(day: date) -> bool:
    return len(day_starts(day)) != 48


@lru_cache(maxsize=16)
def injected_days(meter_id: str) -> dict[date, float]:
    """Consumption anomalies from the meter's activation on: one every 25 to 40 days, factor 1.5 to 2.5."""
    rng = rng_for("ores-anomalies", meter_id)
    out: dict[date, float] = {}
    day = METERS[meter_id].activation + timedelta(days=int(rng.integers(10, 25)))
    while day < LAST_DAY:
        if not _is_dst_day(day):
            out[day] = round(float(rng.uniform(1.5, 2.5)), 2)
            day += timedelta(days=int(rng.integers(25, 41)))
        else:
            day += timedelta(days=1)
    return out


def injected_anomalies(meter_id: str, start: date, end: date) -> list[InjectedDay]:
    """Injected consumption anomalies on Brussels days in [start, end)."""
    return [InjectedDay(meter_id, d, f) for d, f in sorted(injected_days(meter_id).items()) if start <= d < end]


@lru_cache(maxsize=4096)
def day_values(meter_id: str, direction: str, day: date) -> tuple[tuple[int, int], ...]:
    """((UTC start epoch, Wh), …) of one Brussels day; integer Wh as the API publishes them."""
    meter = METERS[meter_id]
    starts = day_starts(day)
    rng = rng_for("ores", meter_id, direction, day.isoformat())
    if direction == "production":
        watts = _pv_watts(day, starts, meter.kwp, rng)
    else:
        watts = _load_watts(day, starts, rng) * meter.scale * injected_days(meter_id).get(day, 1.0)
    wh = np.rint(watts * STEP_S / 3600.0).astype(np.int64)
    return tuple(zip(starts.tolist(), wh.tolist(), strict=True))


def readings(
    meter_id: str, direction: str, lo: datetime, hi: datetime, published_before: date
) -> list[dict[str, object]]:
    """Annex C `interval_readings` whose interval lies in [lo, hi), for Brussels days before `published_before`."""
    meter = METERS[meter_id]
    first = max(lo.astimezone(BRUSSELS).date(), meter.activation)
    last = min((hi - timedelta(seconds=1)).astimezone(BRUSSELS).date(), published_before - timedelta(days=1))
    lo_s, hi_s = lo.timestamp(), hi.timestamp()
    out: list[dict[str, object]] = []
    day = first
    while day <= last:
        for start, wh in day_values(meter_id, direction, day):
            if lo_s <= start and start + STEP_S <= hi_s:
                out.append({"value": wh, "start": _z(start), "end": _z(start + STEP_S)})
        day += timedelta(days=1)
    return out


def _z(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
