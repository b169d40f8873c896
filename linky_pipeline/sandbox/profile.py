"""Deterministic household and PV power, vectorised per meter × calendar year.

Every random draw is seeded by the PRM (and what it is for), so the same request always gets the same data.
Noise is clipped on purpose: the downstream detector flags +20 % against a 7-day mean, and natural data must
almost never cross that line on its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox.meters import METERS, Direction

EPOCH: Final = date(2012, 1, 1)  # day-level series (temperature, clouds) start here...
HORIZON_END: Final = date(2041, 1, 1)  # ...and end here; requests outside this span are refused upstream.
LATITUDE: Final = np.radians(46.5)
LONGITUDE_DEG: Final = 2.35
INTERVAL_NOISE_SD: Final = 0.05
DAY_NOISE_SD: Final = 0.03
WEEKEND_UPLIFT: Final = 0.06
HEAT_BASE_C: Final = 14.0
HEAT_SOFTNESS: Final = 5.0
HEAT_W_PER_C: Final = 80.0
TEMP_PHI: Final = 0.97
TEMP_STEP_SD: Final = 0.15


def rng_for(*parts: object) -> np.random.Generator:
    """A generator seeded from a stable hash of `parts` (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def clipped_normal(rng: np.random.Generator, sd: float, size: int) -> np.ndarray:
    """Normal noise clipped at ±2 sd: realistic spread without the rare tail that fakes an anomaly."""
    return np.clip(rng.normal(0.0, sd, size), -2 * sd, 2 * sd)


def _ar1(rng: np.random.Generator, n: int, phi: float, step_sd: float) -> np.ndarray:
    """A slowly varying AR(1) series (small daily steps, long memory)."""
    steps = clipped_normal(rng, step_sd, n)
    out = np.empty(n)
    level = 0.0
    for i in range(n):
        level = phi * level + steps[i]
        out[i] = level
    return out


@dataclass(frozen=True)
class DaySeries:
    """Per-local-day drivers from EPOCH: temperature anomaly, cloudiness and day-level noise."""

    temp_anomaly: np.ndarray
    clearness: np.ndarray
    load_noise: np.ndarray
    pv_noise: np.ndarray


@lru_cache(maxsize=64)
def day_series(prm: str) -> DaySeries:
    """Day-level drivers of one meter, cached: they are shared by all its years and directions."""
    n = (HORIZON_END - EPOCH).days
    rng = rng_for("days", prm)
    temp = _ar1(rng, n, phi=TEMP_PHI, step_sd=TEMP_STEP_SD)
    cloud = _ar1(rng, n, phi=0.9, step_sd=0.012)
    return DaySeries(
        temp_anomaly=temp,
        clearness=np.clip(0.78 + cloud, 0.6, 0.92),
        load_noise=np.exp(clipped_normal(rng, DAY_NOISE_SD, n)),
        pv_noise=np.exp(clipped_normal(rng, DAY_NOISE_SD, n)),
    )


@dataclass(frozen=True)
class Grid:
    """The intervals of one calendar year of local days, as UTC epoch seconds."""

    year: int
    days: tuple[date, ...]
    day_start: np.ndarray  # int64 epoch s of each local midnight, plus the one after the last day
    offsets: np.ndarray  # index of each day's first interval, plus the total count
    start: np.ndarray  # int64 epoch s of every interval start
    interval: np.ndarray  # int64 seconds of every interval
    day_index: np.ndarray  # int64 index into `days` of every interval


def _gaussian(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A bump on the 24-hour circle (so a peak at 23:00 spills over midnight)."""
    delta = (hours - centre + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (delta / width) ** 2)


@lru_cache(maxsize=128)
def year_grid(prm: str, year: int) -> Grid:
    """Interval grid of a year for a meter: DST days get 46/50 half-hours, the interval may change mid-year."""
    spec = METERS[prm]
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    days = tuple(first + timedelta(days=i) for i in range((after - first).days))
    day_start = np.array([epoch_of(d) for d in (*days, after)], dtype=np.int64)
    per_day = np.array([spec.interval_on(d) for d in days], dtype=np.int64)
    counts = np.diff(day_start) // per_day
    offsets = np.concatenate([[0], np.cumsum(counts)])
    day_index = np.repeat(np.arange(len(days)), counts)
    position = np.arange(offsets[-1]) - offsets[day_index]
    interval = per_day[day_index]
    start = day_start[day_index] + position * interval
    return Grid(year, days, day_start, offsets, start, interval, day_index)


def _local_hours(grid: Grid, epoch_s: np.ndarray) -> np.ndarray:
    """Wall-clock hour of day (fractional) in Paris for UTC epoch seconds inside the grid's year.

    The UTC offset is read at each local midnight and at the instants where it changes (found from the
    23 h / 25 h days), so no per-interval time-zone lookup is needed.
    """
    changes = [int(grid.day_start[0])]
    lengths = np.diff(grid.day_start)
    for index in np.flatnonzero(lengths != 86400):
        lo, hi = int(grid.day_start[index]), int(grid.day_start[index + 1])
        while hi - lo > 60:  # bisect to the minute the offset changes
            mid = (lo + hi) // 2
            if _offset(mid) == _offset(lo):
                lo = mid
            else:
                hi = mid
        changes.append(hi)
    bounds = np.array(changes, dtype=np.int64)
    offsets = np.array([_offset(b) for b in changes], dtype=np.int64)
    local = epoch_s + offsets[np.searchsorted(bounds, epoch_s, side="right") - 1]
    return (local % 86400) / 3600.0


def _offset(epoch_s: int) -> int:
    """Paris UTC offset in seconds at an instant."""
    offset = datetime.fromtimestamp(epoch_s, PARIS).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _load_watts(prm: str, grid: Grid, hours: np.ndarray) -> np.ndarray:
    """Household average power: base appliances, water heater at night, electric heating in winter."""
    spec = METERS[prm]
    drivers = day_series(prm)
    day_ord = np.array([(d - EPOCH).days for d in grid.days])[grid.day_index]
    doy = np.array([d.timetuple().tm_yday for d in grid.days], dtype=float)[grid.day_index]
    weekend = np.array([d.weekday() >= 5 for d in grid.days])[grid.day_index]
    winter = 0.5 + 0.5 * np.cos(2 * np.pi * (doy - 20) / 365.25)  # 1 mid-January, 0 mid-July
    base = (
        260.0  # fridge, freezer, ventilation, standby
        + 380.0 * _gaussian(hours, 7.4, 0.9)
        + 240.0 * _gaussian(hours, 12.6, 1.1)
        + 140.0 * _gaussian(hours, 16.0, 2.5)
        + 950.0 * (1.0 + 0.25 * winter) * _gaussian(hours, 19.9, 1.5)
        + 220.0 * _gaussian(hours, 22.6, 0.9)
    )
    base = base * np.where(weekend, 1.0 + WEEKEND_UPLIFT * _gaussian(hours, 13.0, 3.5), 1.0)
    # Off-peak water heater (23:30-02:30), needing less energy in summer.
    water = 1300.0 * (0.65 + 0.35 * winter) * _gaussian(hours, 1.0, 0.9)
    temperature = 11.5 - 8.5 * np.cos(2 * np.pi * (doy - 20) / 365.25) + drivers.temp_anomaly[day_ord]
    # Soft onset (softplus) so heating never jumps from nothing: a building warms and cools slowly.
    degree = HEAT_SOFTNESS * np.logaddexp(0.0, (HEAT_BASE_C - temperature) / HEAT_SOFTNESS)
    heat_shape = 0.8 + 0.45 * _gaussian(hours, 7.0, 1.8) + 0.4 * _gaussian(hours, 19.5, 2.2)
    heat_shape -= 0.2 * _gaussian(hours, 14.5, 2.5)
    heating = HEAT_W_PER_C * degree * heat_shape
    rng = rng_for("load-interval", prm, grid.year)
    noise = np.exp(clipped_normal(rng, INTERVAL_NOISE_SD, len(hours)))
    watts: np.ndarray = spec.scale * (base + water + heating) * drivers.load_noise[day_ord] * noise
    return watts


def _pv_watts(prm: str, grid: Grid) -> np.ndarray:
    """PV average power: zero at night, a bell by day following the sun's elevation, seasonal."""
    spec = METERS[prm]
    drivers = day_series(prm)
    day_ord = np.array([(d - EPOCH).days for d in grid.days])[grid.day_index]
    doy = np.array([d.timetuple().tm_yday for d in grid.days], dtype=float)[grid.day_index]
    middle = grid.start + grid.interval // 2
    utc_hours = (middle % 86400) / 3600.0
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365.0)
    hour_angle = np.radians(15.0 * (utc_hours + LONGITUDE_DEG / 15.0 - 12.0))
    sin_elev = np.sin(LATITUDE) * np.sin(declination) + np.cos(LATITUDE) * np.cos(declination) * np.cos(hour_angle)
    clear = np.clip(sin_elev, 0.0, None) ** 1.15
    rng = rng_for("pv-interval", prm, grid.year)
    noise = np.exp(clipped_normal(rng, INTERVAL_NOISE_SD, len(middle)))
    kwp = 3000.0 * spec.scale * (2.0 if spec.kind == "self" else 1.0)
    watts: np.ndarray = kwp * 0.95 * clear * drivers.clearness[day_ord] * drivers.pv_noise[day_ord] * noise
    return watts


@lru_cache(maxsize=128)
def natural_watts(prm: str, year: int) -> dict[Direction, np.ndarray]:
    """Float average W per interval of `year_grid(prm, year)` for each metered direction, before anomalies."""
    spec = METERS[prm]
    grid = year_grid(prm, year)
    hours = _local_hours(grid, grid.start + grid.interval // 2)
    if spec.kind == "load":
        return {"consumption": _load_watts(prm, grid, hours)}
    if spec.kind == "pv":
        return {"production": _pv_watts(prm, grid)}
    load = _load_watts(prm, grid, hours)
    pv = _pv_watts(prm, grid)
    return {"consumption": np.clip(load - pv, 0.0, None), "production": np.clip(pv - load, 0.0, None)}


def epoch_of(day: date) -> int:
    """UTC epoch seconds of local midnight starting `day` in Paris."""
    return int(datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC).timestamp())
