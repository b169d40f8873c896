"""The standby detector (numpy columns) against a plain-loop reference on random months, DST months included."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from linky_pipeline.lib.anomalies.usage import alert_id, detect_standby_rises, history_start


def random_readings(seed: int, tz: ZoneInfo, month: date) -> pd.DataFrame:
    """Two meters from `history_start`: a base load with a few rises of random length, holes, one hourly meter."""
    rng = np.random.default_rng(seed)
    parts = []
    for meter, interval in ((1, 1800), (2, 3600)):
        start = pd.Timestamp(history_start(month)).tz_localize(tz).tz_convert(UTC)
        end = pd.Timestamp(month + timedelta(days=31)).tz_localize(tz).tz_convert(UTC)
        ts = pd.date_range(start, end, freq=f"{interval}s", inclusive="left")
        kw = np.full(len(ts), rng.uniform(0.1, 0.3))
        for begin in rng.integers(0, len(ts), 8):
            kw[begin : begin + int(rng.integers(20, 1200))] += rng.uniform(0.02, 0.4)
        kw = kw * rng.uniform(1.0, 1.5, len(ts))
        keep = rng.random(len(ts)) > 0.08  # some nights fall under 80 % coverage
        frame = pd.DataFrame({"meter_pk": meter, "ts": ts, "interval_s": interval, "kwh": kw * interval / 3600})
        parts.append(frame[keep])
    return pd.concat(parts, ignore_index=True).sample(frac=1, random_state=seed)


def reference(readings: pd.DataFrame, tz: ZoneInfo, emit: tuple[date, date]) -> dict[tuple[int, date], float]:
    """(meter, first night of a rise) → baseline, night by night as the docstring says."""
    lowest: dict[tuple[int, date], float] = {}
    covered: dict[tuple[int, date], int] = defaultdict(int)
    for row in readings.itertuples():
        wall = row.ts.tz_convert(tz)
        if wall.hour < 6:
            key = (row.meter_pk, wall.date())
            lowest[key] = min(lowest.get(key, float("inf")), row.kwh * 3600 / row.interval_s)
            covered[key] += row.interval_s
    nights: dict[int, dict[date, float]] = defaultdict(dict)
    for (meter, day), kw in lowest.items():
        midnight = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        six = datetime.combine(day, time(6), tzinfo=tz).astimezone(UTC)
        if covered[(meter, day)] >= 0.8 * (six - midnight).total_seconds():
            nights[meter][day] = kw
    found = {}
    for meter, loads in nights.items():
        flagged = {}
        for day in sorted(loads):
            before = [loads[d] for d in (day - timedelta(days=k) for k in range(1, 29)) if d in loads]
            base = statistics.median(before) if len(before) >= 14 else None
            flagged[day] = base is not None and base > 0 and loads[day] > base * 1.5 and loads[day] - base >= 0.1
            previous = [d for d in flagged if d < day]
            if flagged[day] and not (previous and flagged[max(previous)]) and emit[0] <= day < emit[1]:
                found[(meter, day)] = base
    return found


@pytest.mark.parametrize(
    ("seed", "zone", "month"),
    [
        (1, "Europe/Paris", date(2025, 3, 1)),
        (2, "Europe/Paris", date(2025, 10, 1)),
        (3, "America/New_York", date(2024, 11, 1)),
    ],
)
def test_standby_matches_the_reference(seed: int, zone: str, month: date) -> None:
    tz = ZoneInfo(zone)
    emit = (month, (month + timedelta(days=32)).replace(day=1))
    readings = random_readings(seed, tz, month)
    found = detect_standby_rises(readings, tz=tz, building_code="b", emit_from=emit[0], emit_to=emit[1])
    expected = reference(readings, tz, emit)
    assert expected  # the data has rises to find
    assert {(r.meter_pk, r.local_day): r.baseline for r in found.itertuples()} == {
        key: pytest.approx(base, abs=1e-6) for key, base in expected.items()
    }
    assert found["alert_id"].tolist() == [alert_id(m, "standby_baseline_28d", d) for m, d in sorted(expected)]
