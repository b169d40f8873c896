"""A made-up load for the usage alerts: 0.2 kW at night, 1 kW by day, with a peak day and a standby rise injected."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

PARIS = ZoneInfo("Europe/Paris")
FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2026, 3, 31)
PEAK_DAY = date(2026, 3, 5)  # 12 kW from 19:00 to 19:30 local, above a 9 kVA subscription
RISE_NIGHT = date(2026, 3, 18)  # +0.5 kW on every interval from this local midnight on


def load_kw(instant: datetime, *, peak_day: date | None = PEAK_DAY, rise_night: date | None = RISE_NIGHT) -> float:
    wall = instant.astimezone(PARIS)
    kw = 0.2 if wall.hour < 6 else 1.0
    kw += 0.01 * (wall.day % 3)  # a little night-to-night variation, far below the thresholds
    if peak_day is not None and wall.date() == peak_day and wall.time() >= time(19) and wall.time() < time(19, 30):
        kw = 12.0
    if rise_night is not None and wall.date() >= rise_night:
        kw += 0.5
    return kw


def readings(meter_pk: int, first: date = FIRST_DAY, last: date = LAST_DAY, **injections: date | None) -> pd.DataFrame:
    """Half-hour readings of local days [first, last] (UTC interval starts)."""
    start = datetime.combine(first, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    rows = []
    ts = start
    while ts < end:
        rows.append((meter_pk, ts, 1800, load_kw(ts, **injections) / 2))
        ts += timedelta(minutes=30)
    frame = pd.DataFrame(rows, columns=["meter_pk", "ts", "interval_s", "kwh"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame
