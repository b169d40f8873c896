"""The vectorised detectors against a straightforward reference (plain loops over days and slots) on random months.

The scenario tests pin single rules; these pin the whole output on irregular data: several meters and metrics, an
interval length change, missing days, missing values, spikes and doubled days, DST months in Paris and New York.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from linky_pipeline.lib.anomalies.core import anomaly_id, severity_for_ratio
from linky_pipeline.lib.anomalies.detect import detect_anomalies

Key = tuple[int, str]


def random_month(seed: int, tz: ZoneInfo, month: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readings (14 days of history + the month) and their daily totals, rows shuffled."""
    rng = np.random.default_rng(seed)
    first, days = month - timedelta(days=14), 14 + 31
    parts = []
    for meter, metric in [(3, "consumption"), (3, "production"), (8, "consumption")][: int(rng.integers(1, 4))]:
        for lo, hi, interval in [(0, 20, 600), (20, days, 1800)] if meter == 8 else [(0, days, 1800)]:
            start = pd.Timestamp(first + timedelta(days=lo)).tz_localize(tz).tz_convert(UTC)
            end = pd.Timestamp(first + timedelta(days=hi)).tz_localize(tz).tz_convert(UTC)
            ts = pd.date_range(start, end, freq=f"{interval}s", inclusive="left")
            local = ts.tz_convert(tz)
            kwh = np.where((local.hour >= 7) & (local.hour < 22), 0.6, 0.2) * interval / 1800
            kwh = kwh * rng.uniform(0.8, 1.2, len(ts))
            spikes = rng.random(len(ts)) < 0.01
            kwh[spikes] *= rng.uniform(2, 5, spikes.sum())
            day_index = np.array([(d - first).days for d in local.date])
            for doubled in rng.choice(days, size=2):
                kwh[day_index == doubled] *= 2.2
            keep = (rng.random(len(ts)) > 0.02) & (day_index != rng.integers(0, days))
            values = kwh.astype(object)
            values[rng.random(len(ts)) < 0.005] = None
            frame = pd.DataFrame({"meter_pk": meter, "metric": metric, "ts": ts, "interval_s": interval, "kwh": values})
            parts.append(frame[keep])
    readings = pd.concat(parts, ignore_index=True).assign(building_code="b1")
    daily = (
        readings.assign(day=readings["ts"].dt.tz_convert(tz).dt.date, kwh=pd.to_numeric(readings["kwh"]))
        .groupby(["building_code", "meter_pk", "metric", "day"], as_index=False)
        .agg(total_kwh=("kwh", "sum"))
    )
    daily["complete"] = rng.random(len(daily)) > 0.1
    return readings.sample(frac=1, random_state=seed), daily.sample(frac=1, random_state=seed)


def mean_of(values: list[float], at_least: int) -> float | None:
    return sum(values) / len(values) if len(values) >= at_least else None


def reference_days(daily: pd.DataFrame, emit: tuple[date, date]) -> dict[tuple[int, str, date], float]:
    """Flagged (meter, metric, day) → baseline, by the documented rule, one day at a time."""
    valid: dict[Key, dict[date, float]] = defaultdict(dict)
    for row in daily.itertuples():
        valid[(row.meter_pk, row.metric)]
        if row.complete:
            valid[(row.meter_pk, row.metric)][row.day] = row.total_kwh
    found = {}
    for (meter, metric), totals in valid.items():
        for day, value in totals.items():
            before = [totals[day - timedelta(days=k)] for k in range(1, 8) if day - timedelta(days=k) in totals]
            avg = mean_of(before, 5)
            history = sum(1 for d in totals if d < day)
            if emit[0] <= day < emit[1] and avg and history >= 7 and value > avg * 1.2:
                found[(meter, metric, day)] = avg
    return found


def reference_intervals(readings: pd.DataFrame, tz: ZoneInfo, emit: tuple[date, date]) -> dict[datetime, float]:
    """Flagged (meter, metric, UTC start) → baseline, by the documented rule, one reading at a time."""
    cells: dict[tuple[int, str, int], dict[tuple[date, int], list[float]]] = defaultdict(lambda: defaultdict(list))
    judged = []
    for row in readings.itertuples():
        wall = row.ts.tz_convert(tz)
        day, sod = wall.date(), wall.hour * 3600 + wall.minute * 60
        series = (row.meter_pk, row.metric, row.interval_s)
        if row.kwh is not None and day < emit[1]:
            cells[series][(day, sod)].append(row.kwh)
            if day >= emit[0]:
                judged.append((series, day, sod, row.kwh, row.ts.to_pydatetime()))
    means = {series: {cell: sum(v) / len(v) for cell, v in c.items()} for series, c in cells.items()}
    by_day = {
        series: {d: [v for (d2, _), v in m.items() if d2 == d] for d in {d for d, _ in m}}
        for series, m in means.items()
    }
    grids = {series: sorted(set(range(0, 86400, series[2])) | {s for _, s in m}) for series, m in means.items()}
    found = {}
    for series, day, sod, kwh, ts in judged:
        mean, day_values, slots = means[series], by_day[series], grids[series]
        window = [day - timedelta(days=k) for k in range(1, 8)]

        def slot_mean(slot: int, days: list[date] = window, m: dict[tuple[date, int], float] = mean) -> float | None:
            return mean_of([m[(d, slot)] for d in days if (d, slot) in m], 5)

        samples = [mean[(d, sod)] for d in window if (d, sod) in mean]
        avg = mean_of(samples, 5)
        if avg is None or avg <= 0 or sum(1 for d in day_values if d < day) < 7:
            continue
        std = statistics.stdev(samples) if len(samples) >= 2 else 0.0
        level = mean_of([statistics.fmean(day_values[d]) for d in window if d in day_values], 5)
        position = slots.index(sod)
        steps = 3600 // series[2]  # the default shift tolerance: one hour either side
        near = [slot_mean(s) for s in slots[max(0, position - steps) : position + steps + 1]]
        excess = kwh - avg
        if (
            kwh > avg * 1.2
            and excess >= 0.05
            and excess >= 0.3 * (level or 0.0)
            and excess >= 4 * std
            and all(kwh > (n or 0.0) * 1.2 for n in near)
        ):
            found[(series[0], series[1], ts)] = avg
    return found


@pytest.mark.parametrize(
    ("seed", "zone", "month"),
    [
        (1, "Europe/Paris", date(2024, 10, 1)),  # fall-back day
        (2, "Europe/Paris", date(2025, 3, 1)),  # spring-forward day
        (3, "Europe/Brussels", date(2025, 1, 1)),
        (4, "America/New_York", date(2024, 11, 1)),
    ],
)
def test_detectors_match_the_reference_on_random_months(seed: int, zone: str, month: date) -> None:
    tz = ZoneInfo(zone)
    emit = (month, (month + timedelta(days=32)).replace(day=1))
    readings, daily = random_month(seed, tz, month)
    out = detect_anomalies(daily, readings, tz=tz, emit_from=emit[0], emit_to=emit[1])
    days = reference_days(daily, emit)
    intervals = {
        key: avg
        for key, avg in reference_intervals(readings, tz, emit).items()
        if (*key[:2], _local(key[2], tz)) not in days
    }
    assert days and intervals  # the data exercises both detectors
    assert found_by(out, "day", "local_day") == {key: pytest.approx(avg, rel=1e-9) for key, avg in days.items()}
    assert found_by(out, "interval", "ts") == {key: pytest.approx(avg, rel=1e-9) for key, avg in intervals.items()}
    for row in out.itertuples():
        assert row.anomaly_id == anomaly_id(row.meter_pk, row.granularity, row.rule, row.ts.to_pydatetime())
        assert row.severity == severity_for_ratio(row.value_kwh / row.avg_7d)
    assert out[["meter_pk", "ts"]].equals(out.sort_values(["meter_pk", "ts"], kind="stable")[["meter_pk", "ts"]])


def _local(ts: datetime, tz: ZoneInfo) -> date:
    return ts.astimezone(tz).date()


def found_by(out: pd.DataFrame, granularity: str, when: str) -> dict[tuple[object, ...], float]:
    rows = out[out["granularity"] == granularity]
    return {(r.meter_pk, r.metric, getattr(r, when)): r.avg_7d for r in rows.itertuples()}
