"""Precision and recall of the usage-alert detectors on sandbox data with injected events (issue 15).

Imported by anomaly_quality.py, which prints both tables. Each detector gets its own copy of the demo meters'
36 months (so one detector's events are not another's false positives), with events injected at deterministic
random places, never on a sandbox hole day:
- subscribed power: the meter's subscribed kVA is the next standard rating above its natural peaks × 1.05; on about
  one day a month the day's max power is set to U(1.02, 1.5) × that rating;
- standby: about every 60 days, a device drawing 60–120 % of the meter's current night base load (at least
  0.15 kW) is left on for 10 days from a local midnight; the truth is that first night;
- week over week: about every 9 weeks, every interval of a Monday–Sunday week is scaled by U(1.35, 1.8); the truth
  is that Sunday, for energy and for cost (priced with an HP/HC tariff, off-peak 01:34–07:34 and 12:04–14:04).
A detection matches when it names the same meter and day. The intervals are the sandbox's natural load (without
the day and interval anomalies it injects for the 7-day rule, which would otherwise count as false positives here).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from linky_pipeline.lib.anomalies.usage import (
    RULE_WOW_COST,
    RULE_WOW_ENERGY,
    detect_power_overruns,
    detect_standby_rises,
    detect_week_over_week,
    night_base_load,
)
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.tariffs.pricing import price_days
from linky_pipeline.lib.tariffs.validate import build_tariff
from linky_pipeline.sandbox import METERS
from linky_pipeline.sandbox.profile import natural_watts
from linky_pipeline.sandbox.series import published

KVA_RATINGS = (3, 6, 9, 12, 15, 18, 24, 30, 36)
TARIFF = build_tariff(
    building_code="bench",
    name="HP/HC",
    kind="hphc",
    valid_from=date(2000, 1, 1),
    valid_to=None,
    subscription="15.65",
    prices={"HP": "0.2700", "HC": "0.2068"},
    offpeak=["01:34-07:34", "12:04-14:04"],
)


@dataclass
class Series:
    """One meter's published consumption over [start, end): intervals and daily max power."""

    prm: str
    readings: pd.DataFrame  # ts (UTC), interval_s, kwh, day (local)
    max_power: pd.DataFrame  # day, max_power_va
    holes: set[date]


def load_series(prm: str, start: date, end: date) -> Series:
    spec = METERS[prm]
    parts, power = [], []
    for year in range(start.year, end.year + 1):
        pub = published(prm, "consumption", year)
        watts = np.rint(natural_watts(prm, year)["consumption"])  # without the sandbox's own 7-day-rule anomalies
        days = np.array(pub.grid.days, dtype="datetime64[D]")
        keep_day = (days >= np.datetime64(start)) & (days < np.datetime64(end))
        keep = keep_day[pub.grid.day_index]
        parts.append(
            pd.DataFrame(
                {
                    "ts": pd.to_datetime(pub.grid.start[keep], unit="s", utc=True),
                    "interval_s": pub.grid.interval[keep],
                    "kwh": watts[keep] * pub.grid.interval[keep] / 3.6e6,
                    "day": np.asarray(pub.grid.days, dtype=object)[pub.grid.day_index[keep]],
                }
            )
        )
        power.append(
            pd.DataFrame(
                {
                    "day": [d for d, k in zip(pub.grid.days, keep_day, strict=True) if k],
                    "max_power_va": pub.max_va[keep_day].astype("float64"),
                }
            )
        )
    readings = pd.concat(parts, ignore_index=True)
    holes = {d for d in pd.unique(readings["day"]) if spec.has_hole(d)}
    readings = readings[~readings["day"].isin(holes)].reset_index(drop=True)
    max_power = pd.concat(power, ignore_index=True)
    return Series(prm, readings, max_power[~max_power["day"].isin(holes)].reset_index(drop=True), holes)


def score(found: set[object], truth: set[object]) -> tuple[int, int, int, float, float]:
    hits = len(found & truth)
    return len(truth), len(found), hits, hits / len(found) if found else 1.0, hits / len(truth) if truth else 1.0


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def power_case(series: Series, start: date, end: date, rng: np.random.Generator) -> tuple[set[object], set[object]]:
    natural_kva = float(series.max_power["max_power_va"].max()) / 1000 * 1.05
    rating = next((r for r in KVA_RATINGS if r >= natural_kva), KVA_RATINGS[-1])
    frame = series.max_power.copy()
    truth: set[object] = set()
    for day in _days(start, end):
        if day in series.holes or rng.random() >= 1 / 30:
            continue
        frame.loc[frame["day"] == day, "max_power_va"] = rating * 1000 * rng.uniform(1.02, 1.5)
        truth.add((series.prm, day))
    kva = {(1, d): float(rating) for d in frame["day"]}
    found = detect_power_overruns(frame.assign(meter_pk=1), kva, building_code="b", emit_from=start, emit_to=end)
    return {(series.prm, d) for d in found["local_day"]}, truth


def standby_case(series: Series, start: date, end: date, rng: np.random.Generator) -> tuple[set[object], set[object]]:
    frame = series.readings.copy()
    truth: set[object] = set()
    night = start + timedelta(days=int(rng.integers(10, 40)))
    while night < end - timedelta(days=1):
        if night not in series.holes:
            before = frame[(frame["day"] >= night - timedelta(days=28)) & (frame["day"] < night)]
            base = float(night_base_load(before.assign(meter_pk=1), PARIS)["standby_kw"].median())
            extra_kw = max(0.15, rng.uniform(0.6, 1.2) * base)
            hit = (frame["day"] >= night) & (frame["day"] < night + timedelta(days=10))
            frame.loc[hit, "kwh"] += extra_kw * frame.loc[hit, "interval_s"] / 3600
            truth.add((series.prm, night))
        night += timedelta(days=int(rng.integers(50, 70)))
    found = detect_standby_rises(frame.assign(meter_pk=1), tz=PARIS, building_code="b", emit_from=start, emit_to=end)
    return {(series.prm, d) for d in found["local_day"]}, truth


def week_cases(
    series: Series, start: date, end: date, rng: np.random.Generator
) -> dict[str, tuple[set[object], set[object]]]:
    frame = series.readings.copy()
    truth: set[object] = set()
    monday = start + timedelta(days=(7 - start.weekday()) % 7 + 7 * int(rng.integers(2, 6)))
    while monday + timedelta(days=7) <= end:
        week = (frame["day"] >= monday) & (frame["day"] < monday + timedelta(days=7))
        frame.loc[week, "kwh"] *= rng.uniform(1.35, 1.8)
        truth.add((series.prm, monday + timedelta(days=6)))
        monday += timedelta(weeks=int(rng.integers(8, 11)))
    days = _days(start - timedelta(days=14), end)
    energy = frame.groupby("day")["kwh"].sum()
    energy_daily = pd.DataFrame(
        {"meter_pk": 1, "day": days, "value": [energy.get(d) for d in days], "valid": [d in energy.index for d in days]}
    )
    costs = price_days(frame[["ts", "interval_s", "kwh"]], [TARIFF], 1, days, PARIS)
    cost_daily = pd.DataFrame(
        {
            "meter_pk": 1,
            "day": [c.day for c in costs],
            "value": [float(c.total_eur) for c in costs],
            "valid": [c.partial_reason is None for c in costs],
        }
    )
    out = {}
    for rule, daily in ((RULE_WOW_ENERGY, energy_daily), (RULE_WOW_COST, cost_daily)):
        found = detect_week_over_week(daily, rule=rule, building_code="b", emit_from=start, emit_to=end)
        detected: set[object] = {(series.prm, d) for d in found["local_day"]}
        out[rule] = (detected, truth)
    return out


def run(meters: tuple[str, ...], start: date, end: date) -> bool:
    """Prints one row per detector; True when every detector meets recall >= 0.9 and precision >= 0.8."""
    found: dict[str, set[object]] = {}
    truth: dict[str, set[object]] = {}
    elapsed: dict[str, float] = {}

    def add(rule: str, result: tuple[set[object], set[object]], seconds: float) -> None:
        found.setdefault(rule, set()).update(result[0])
        truth.setdefault(rule, set()).update(result[1])
        elapsed[rule] = elapsed.get(rule, 0.0) + seconds

    for prm in meters:
        series = load_series(prm, start - timedelta(days=70), end)
        rng = np.random.default_rng(int(prm[-6:]))  # deterministic per meter
        t0 = time.perf_counter()
        add("subscribed_power", power_case(series, start, end, rng), time.perf_counter() - t0)
        t0 = time.perf_counter()
        add("standby_baseline_28d", standby_case(series, start, end, rng), time.perf_counter() - t0)
        t0 = time.perf_counter()
        weekly = week_cases(series, start, end, rng)
        seconds = (time.perf_counter() - t0) / 2
        for rule, result in weekly.items():
            add(rule, result, seconds)
    print("\nusage alerts: same meters and days, one injected copy per detector")
    print(f"{'detector':<22} {'injected':>8} {'detected':>8} {'matched':>8} {'precision':>9} {'recall':>7} {'time':>7}")
    ok = True
    for rule in found:
        n_true, n_found, hits, precision, recall = score(found[rule], truth[rule])
        ok &= precision >= 0.8 and recall >= 0.9
        print(f"{rule:<22} {n_true:>8} {n_found:>8} {hits:>8} {precision:>9.3f} {recall:>7.3f} {elapsed[rule]:>6.2f}s")
    return ok
