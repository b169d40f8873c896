"""Interval detector: same local time of day, DST days, noise floor, suppression by day anomalies."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from linky_pipeline.lib.anomalies.detect import (
    ANOMALY_COLUMNS,
    AnomalyInputError,
    detect_anomalies,
    detect_interval_anomalies,
)

PARIS = ZoneInfo("Europe/Paris")


def profile_kwh(local_hour: int) -> float:
    """Day 0.6 kWh per half-hour, night 0.2: varies by time of day so a wrong slot match would show."""
    return 0.6 if 7 <= local_hour < 22 else 0.2


def readings(first_day: date, days: int, interval_s: int = 1800, meter_pk: int = 3) -> pd.DataFrame:
    start = pd.Timestamp(first_day).tz_localize(PARIS)
    end = pd.Timestamp(first_day + timedelta(days=days)).tz_localize(PARIS)
    ts = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq=f"{interval_s}s", inclusive="left")
    hours = ts.tz_convert(PARIS).hour
    return pd.DataFrame(
        {
            "building_code": "res-verte",
            "meter_pk": meter_pk,
            "metric": "consumption",
            "ts": ts,
            "interval_s": interval_s,
            "kwh": [profile_kwh(h) * interval_s / 1800 for h in hours],
        }
    )


def set_kwh(frame: pd.DataFrame, ts_utc: str, kwh: float) -> pd.DataFrame:
    frame = frame.copy()
    mask = frame["ts"] == pd.Timestamp(ts_utc)
    assert mask.sum() == 1
    frame.loc[mask, "kwh"] = kwh
    return frame


def daily_from(frame: pd.DataFrame) -> pd.DataFrame:
    local_day = frame["ts"].dt.tz_convert(PARIS).dt.date
    out = frame.assign(day=local_day).groupby(["building_code", "meter_pk", "metric", "day"], as_index=False)
    out = out.agg(total_kwh=("kwh", "sum"))
    out["complete"] = True
    return out


def detect(frame: pd.DataFrame, emit_from: date, emit_to: date, **kw: object) -> pd.DataFrame:
    return detect_interval_anomalies(frame, tz=PARIS, emit_from=emit_from, emit_to=emit_to, **kw)


def test_spike_compared_with_same_local_time_of_day() -> None:
    frame = set_kwh(readings(date(2025, 1, 1), 12), "2025-01-10T13:00:00Z", 1.5)  # 14:00 local
    out = detect(frame, date(2025, 1, 1), date(2025, 1, 13))
    assert tuple(out.columns) == ANOMALY_COLUMNS
    assert out["ts"].tolist() == [pd.Timestamp("2025-01-10T13:00:00Z")]
    row = out.iloc[0]
    assert row["avg_7d"] == pytest.approx(0.6) and row["value_kwh"] == 1.5
    assert row["severity"] == "Critical" and row["variance_percent"] == pytest.approx(150.0)
    assert row["granularity"] == "interval" and row["rule"] == "interval_vs_same_time_ma7"
    assert row["local_day"] == date(2025, 1, 10)


def test_a_day_value_at_night_is_judged_against_night_not_the_day_mean() -> None:
    frame = set_kwh(readings(date(2025, 1, 1), 12), "2025-01-10T02:00:00Z", 0.45)  # 03:00 local, night 0.2
    out = detect(frame, date(2025, 1, 1), date(2025, 1, 13))
    assert out["avg_7d"].tolist() == [pytest.approx(0.2)]


def test_noise_floor_on_tiny_night_values() -> None:
    frame = readings(date(2025, 1, 1), 12)
    frame["kwh"] = frame["kwh"] / 20  # night 0.01 kWh per half-hour
    frame = set_kwh(frame, "2025-01-10T02:00:00Z", 0.04)  # +300 % but only 0.03 kWh
    assert detect(frame, date(2025, 1, 1), date(2025, 1, 13)).empty
    assert len(detect(frame, date(2025, 1, 1), date(2025, 1, 13), min_excess_kwh=0.01)) == 1


def test_too_little_history_gives_no_interval_anomaly() -> None:
    frame = set_kwh(readings(date(2025, 1, 1), 8), "2025-01-07T13:00:00Z", 3.0)  # 6 days before it
    assert detect(frame, date(2025, 1, 1), date(2025, 1, 9)).empty
    frame = set_kwh(readings(date(2025, 1, 1), 9), "2025-01-08T13:00:00Z", 3.0)  # 7 days before it
    assert len(detect(frame, date(2025, 1, 1), date(2025, 1, 10))) == 1


def test_missing_days_are_excluded_not_zero() -> None:
    frame = readings(date(2025, 1, 1), 12)
    local = frame["ts"].dt.tz_convert(PARIS).dt.date
    frame = frame[~local.isin([date(2025, 1, 7), date(2025, 1, 8)])]
    frame = set_kwh(frame, "2025-01-10T13:00:00Z", 0.8)
    out = detect(frame, date(2025, 1, 10), date(2025, 1, 11))
    assert out["avg_7d"].tolist() == [pytest.approx(0.6)]  # zeros would have made it 0.43 (and flagged more)
    assert len(out) == 1


def test_fall_back_day_repeated_hour_is_judged_per_occurrence() -> None:
    # 2024-10-27 Paris: 02:00-02:59 happens at 00:00Z (CEST) and again at 01:00Z (CET).
    frame = readings(date(2024, 10, 17), 12)
    fall_day = frame[frame["ts"].dt.tz_convert(PARIS).dt.date == date(2024, 10, 27)]
    assert len(fall_day) == 50
    assert detect(frame, date(2024, 10, 17), date(2024, 10, 29)).empty  # the doubled hour is not an anomaly
    frame = set_kwh(frame, "2024-10-27T01:00:00Z", 0.9)  # second 02:00, night baseline 0.2
    out = detect(frame, date(2024, 10, 17), date(2024, 10, 29))
    assert out["ts"].tolist() == [pd.Timestamp("2024-10-27T01:00:00Z")]
    assert out["avg_7d"].tolist() == [pytest.approx(0.2)]
    assert out["local_day"].tolist() == [date(2024, 10, 27)]


def test_spring_forward_missing_hour_does_not_break_next_day_baseline() -> None:
    # 2024-03-31 Paris has no 02:xx. The next day's 02:00 baseline uses the 6 other days.
    frame = readings(date(2024, 3, 22), 12)
    spring = frame[frame["ts"].dt.tz_convert(PARIS).dt.date == date(2024, 3, 31)]
    assert len(spring) == 46
    frame = set_kwh(frame, "2024-04-01T00:00:00Z", 0.5)  # 02:00 CEST on 1 April
    out = detect(frame, date(2024, 3, 22), date(2024, 4, 3))
    assert out["ts"].tolist() == [pd.Timestamp("2024-04-01T00:00:00Z")]
    assert out["avg_7d"].tolist() == [pytest.approx(0.2)]


def test_interval_length_change_is_not_compared_across_lengths() -> None:
    # 10-minute data first, then 30-minute: a half-hour holds 3x a 10-minute value, which must not flag.
    ten = readings(date(2025, 1, 1), 10, interval_s=600)
    thirty = readings(date(2025, 1, 11), 10)
    both = pd.concat([ten, thirty], ignore_index=True)
    assert detect(both, date(2025, 1, 1), date(2025, 1, 21)).empty
    spiked = set_kwh(both, "2025-01-19T13:00:00Z", 1.5)
    out = detect(spiked, date(2025, 1, 1), date(2025, 1, 21))
    assert out["ts"].tolist() == [pd.Timestamp("2025-01-19T13:00:00Z")]
    assert out["avg_7d"].tolist() == [pytest.approx(0.6)]


def test_day_anomaly_suppresses_its_intervals() -> None:
    frame = readings(date(2025, 1, 1), 14)
    day12 = frame["ts"].dt.tz_convert(PARIS).dt.date == date(2025, 1, 12)
    frame.loc[day12, "kwh"] = frame.loc[day12, "kwh"] * 2  # whole day doubled
    frame = set_kwh(frame, "2025-01-10T13:00:00Z", 1.5)  # one isolated spike
    alone = detect(frame, date(2025, 1, 1), date(2025, 1, 15), shift_tolerance_s=0, min_sigmas=0)
    assert (alone["local_day"] == date(2025, 1, 12)).sum() == 48
    out = detect_anomalies(daily_from(frame), frame, tz=PARIS, emit_from=date(2025, 1, 1), emit_to=date(2025, 1, 15))
    assert sorted(zip(out["granularity"], out["local_day"], strict=True)) == [
        ("day", date(2025, 1, 12)),
        ("interval", date(2025, 1, 10)),
    ]
    assert out["anomaly_id"].is_unique


def test_naive_timestamps_rejected() -> None:
    frame = readings(date(2025, 1, 1), 2)
    frame["ts"] = frame["ts"].dt.tz_localize(None)
    with pytest.raises(AnomalyInputError, match="timezone-aware"):
        detect(frame, date(2025, 1, 1), date(2025, 1, 3))


def test_ids_stable_across_windows() -> None:
    frame = set_kwh(readings(date(2025, 1, 1), 20), "2025-01-15T13:00:00Z", 1.5)
    wide = detect(frame, date(2025, 1, 1), date(2025, 1, 21))
    narrow = detect(frame, date(2025, 1, 15), date(2025, 1, 16))
    assert wide["anomaly_id"].tolist() == narrow["anomaly_id"].tolist()
    assert len(wide) == 1


def test_same_energy_an_hour_earlier_is_not_an_anomaly() -> None:
    frame = readings(date(2025, 1, 1), 12)
    # On 10 January the 07:00 morning step starts at 06:00 local (05:00Z and 05:30Z go from 0.2 to 0.6).
    frame = set_kwh(set_kwh(frame, "2025-01-10T05:00:00Z", 0.6), "2025-01-10T05:30:00Z", 0.6)
    assert detect(frame, date(2025, 1, 1), date(2025, 1, 13)).empty
    strict = detect(frame, date(2025, 1, 1), date(2025, 1, 13), shift_tolerance_s=0)
    assert strict["ts"].tolist() == [pd.Timestamp("2025-01-10T05:00:00Z"), pd.Timestamp("2025-01-10T05:30:00Z")]


def test_volatile_slot_needs_a_bigger_jump() -> None:
    frame = readings(date(2025, 1, 1), 12)
    local = frame["ts"].dt.tz_convert(PARIS)
    noon = local.dt.hour == 12
    frame.loc[noon, "kwh"] = [0.3 if d.day % 2 else 0.9 for d in local[noon]]  # noon swings day to day
    day10 = local.dt.date == date(2025, 1, 10)
    frame.loc[noon & day10, "kwh"] = 1.0
    loose = detect(frame, date(2025, 1, 10), date(2025, 1, 11), min_sigmas=0, shift_tolerance_s=0)
    assert len(loose) >= 1  # 1.0 is more than 120 % of a ~0.6 mean
    assert detect(frame, date(2025, 1, 10), date(2025, 1, 11), shift_tolerance_s=0).empty  # but within 4 sd


def test_near_zero_slot_of_a_big_meter_does_not_flag_on_small_excess() -> None:
    frame = readings(date(2025, 1, 1), 12)
    frame["kwh"] = frame["kwh"] * 2  # level ~0.9 kWh per half-hour
    three_am = frame["ts"].dt.tz_convert(PARIS).dt.hour == 3
    frame.loc[three_am, "kwh"] = 0.01  # e.g. net consumption under solar panels
    frame = set_kwh(frame, "2025-01-10T02:00:00Z", 0.2)  # 20x, but 0.19 kWh is little for this meter
    assert detect(frame, date(2025, 1, 10), date(2025, 1, 11), shift_tolerance_s=0).empty
    flagged = detect(frame, date(2025, 1, 10), date(2025, 1, 11), shift_tolerance_s=0, min_excess_of_mean=0)
    assert flagged["ts"].tolist() == [pd.Timestamp("2025-01-10T02:00:00Z")]
