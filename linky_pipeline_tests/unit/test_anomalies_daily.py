"""Day detector: baseline on calendar days, gaps excluded, history required, severity bands, stable ids."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from linky_pipeline.lib.anomalies.detect import (
    ANOMALY_COLUMNS,
    AnomalyInputError,
    anomaly_id,
    detect_daily_anomalies,
    severity_for_ratio,
)

PARIS = ZoneInfo("Europe/Paris")


def daily_frame(
    start: date, totals: list[float | None], complete: list[bool] | None = None, meter_pk: int = 7
) -> pd.DataFrame:
    days = [start + timedelta(days=i) for i in range(len(totals))]
    return pd.DataFrame(
        {
            "building_code": "res-verte",
            "meter_pk": meter_pk,
            "metric": "consumption",
            "day": days,
            "total_kwh": [np.nan if t is None else t for t in totals],
            "complete": complete if complete is not None else [t is not None for t in totals],
        }
    )


def run(frame: pd.DataFrame, emit_from: date, emit_to: date, **kw: object) -> pd.DataFrame:
    return detect_daily_anomalies(frame, tz=PARIS, emit_from=emit_from, emit_to=emit_to, **kw)


def test_flags_day_above_120_percent_with_seed_message_and_table_columns() -> None:
    frame = daily_frame(date(2025, 11, 1), [10.0] * 14 + [14.0, 11.0])
    out = run(frame, date(2025, 11, 1), date(2025, 12, 1))
    assert tuple(out.columns) == ANOMALY_COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert row["local_day"] == date(2025, 11, 15)
    assert row["ts"] == pd.Timestamp("2025-11-14T23:00:00Z")  # local midnight CET as UTC
    assert row["value_kwh"] == 14.0 and row["avg_7d"] == 10.0
    assert row["variance_percent"] == pytest.approx(40.0)
    assert row["severity"] == "Minor"
    assert row["message"] == "Consommation 40% supérieure à la moyenne mobile 7 jours"
    assert row["granularity"] == "day" and row["rule"] == "daily_vs_ma7"
    assert row["building_code"] == "res-verte" and row["meter_pk"] == 7


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (11.9, None),
        (12.5, "Minor"),
        (14.9, "Minor"),
        (15.0, "Major"),
        (20.0, "Major"),
        (20.5, "Critical"),
        (45.0, "Critical"),
    ],
)
def test_severity_bands(value: float, expected: str | None) -> None:
    frame = daily_frame(date(2025, 1, 1), [10.0] * 10 + [value])
    out = run(frame, date(2025, 1, 11), date(2025, 1, 12))
    if expected is None:
        assert out.empty
    else:
        assert out["severity"].tolist() == [expected]


def test_severity_function_boundaries() -> None:
    assert [severity_for_ratio(r) for r in (1.2, 1.4999, 1.5, 2.0, 2.0001)] == [
        "Minor",
        "Minor",
        "Major",
        "Major",
        "Critical",
    ]


def test_custom_threshold() -> None:
    frame = daily_frame(date(2025, 1, 1), [10.0] * 10 + [13.0])
    assert run(frame, date(2025, 1, 1), date(2025, 2, 1), threshold_percent=150).empty
    assert len(run(frame, date(2025, 1, 1), date(2025, 2, 1), threshold_percent=125)) == 1


def test_too_little_history_gives_no_anomaly() -> None:
    six_days = daily_frame(date(2025, 3, 1), [10.0] * 6 + [50.0])
    assert run(six_days, date(2025, 3, 1), date(2025, 4, 1)).empty
    seven_days = daily_frame(date(2025, 3, 1), [10.0] * 7 + [50.0])
    out = run(seven_days, date(2025, 3, 1), date(2025, 4, 1))
    assert out["local_day"].tolist() == [date(2025, 3, 8)]


def test_gaps_and_incomplete_days_are_excluded_not_zero() -> None:
    # 10 history days at 20 kWh; in the 7-day window: one missing day and one partial day (4 kWh, incomplete).
    totals: list[float | None] = [20.0] * 10 + [20.0, None, 4.0, 20.0, 20.0, 20.0, 20.0] + [25.0]
    complete = [t is not None for t in totals]
    complete[12] = False
    frame = daily_frame(date(2025, 2, 1), totals, complete)
    out = run(frame, date(2025, 2, 18), date(2025, 2, 19))
    # Counted as zero, the mean would be 14.9 and 25 kWh would be +68 %; excluded, it is exactly +25 %.
    assert out["avg_7d"].tolist() == [20.0]
    assert out["variance_percent"].tolist() == [pytest.approx(25.0)]


def test_missing_calendar_days_are_not_replaced_by_older_days() -> None:
    # Rows are simply absent for 2 of the 7 previous days: a row-based window would reach back to the 40 kWh days.
    rows = daily_frame(date(2025, 2, 1), [40.0] * 10 + [10.0] * 7 + [13.0])
    rows = rows[~rows["day"].isin([date(2025, 2, 12), date(2025, 2, 13)])]
    out = run(rows, date(2025, 2, 18), date(2025, 2, 19))
    assert out["avg_7d"].tolist() == [10.0]


def test_too_many_gaps_in_window_gives_no_anomaly() -> None:
    totals: list[float | None] = [10.0] * 10 + [10.0, None, None, None, 10.0, 10.0, 10.0] + [30.0]
    frame = daily_frame(date(2025, 2, 1), totals)
    assert run(frame, date(2025, 2, 1), date(2025, 3, 1)).empty
    assert len(run(frame, date(2025, 2, 1), date(2025, 3, 1), min_baseline_days=3)) == 1


def test_incomplete_day_itself_is_not_judged() -> None:
    frame = daily_frame(date(2025, 2, 1), [10.0] * 10 + [30.0], [True] * 10 + [False])
    assert run(frame, date(2025, 2, 1), date(2025, 3, 1)).empty


@pytest.mark.parametrize(
    ("day", "expected_ts"),
    [
        (date(2024, 3, 31), "2024-03-30T23:00:00Z"),  # spring-forward day starts in CET
        (date(2024, 4, 1), "2024-03-31T22:00:00Z"),  # next day starts in CEST
        (date(2024, 10, 27), "2024-10-26T22:00:00Z"),  # fall-back day starts in CEST
        (date(2024, 10, 28), "2024-10-27T23:00:00Z"),
    ],
)
def test_dst_days_ts_is_local_midnight_in_utc(day: date, expected_ts: str) -> None:
    start = day - timedelta(days=10)
    frame = daily_frame(start, [10.0] * 10 + [30.0])
    out = run(frame, day, day + timedelta(days=1))
    assert out["ts"].tolist() == [pd.Timestamp(expected_ts)]
    assert out["local_day"].tolist() == [day]


def test_dst_day_with_25_hours_is_not_flagged_for_its_extra_hour() -> None:
    # The fall-back day holds 25/24 of a normal day: +4 %, well below the threshold.
    frame = daily_frame(date(2024, 10, 17), [24.0] * 10 + [25.0])
    assert run(frame, date(2024, 10, 27), date(2024, 10, 28)).empty


def test_ids_are_stable_and_documented() -> None:
    frame = daily_frame(date(2025, 1, 1), [10.0] * 10 + [30.0, 10.0, 31.0])
    first = run(frame, date(2025, 1, 1), date(2025, 2, 1))
    narrower = run(frame, date(2025, 1, 13), date(2025, 1, 14))
    assert len(first) == 2
    assert first.iloc[1]["anomaly_id"] == narrower.iloc[0]["anomaly_id"]
    assert run(frame, date(2025, 1, 1), date(2025, 2, 1))["anomaly_id"].tolist() == first["anomaly_id"].tolist()
    ts = datetime(2025, 1, 10, 23, 0, tzinfo=UTC)
    expected = hashlib.md5(b"7|day|daily_vs_ma7|2025-01-10T23:00:00+00:00", usedforsecurity=False).hexdigest()
    assert first.iloc[0]["anomaly_id"] == expected == anomaly_id(7, "day", "daily_vs_ma7", ts)


def test_emit_window_is_half_open_and_history_is_used() -> None:
    frame = daily_frame(date(2025, 1, 1), [10.0] * 10 + [30.0, 30.5])
    out = run(frame, date(2025, 1, 11), date(2025, 1, 12))
    assert out["local_day"].tolist() == [date(2025, 1, 11)]


def test_meters_are_independent() -> None:
    a = daily_frame(date(2025, 1, 1), [10.0] * 10 + [30.0], meter_pk=1)
    b = daily_frame(date(2025, 1, 1), [30.0] * 11, meter_pk=2)
    out = run(pd.concat([a, b]), date(2025, 1, 1), date(2025, 2, 1))
    assert out["meter_pk"].tolist() == [1]


def test_bad_input_is_rejected_with_the_field_named() -> None:
    frame = daily_frame(date(2025, 1, 1), [10.0] * 3)
    with pytest.raises(AnomalyInputError, match="complete"):
        run(frame.drop(columns=["complete"]), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(AnomalyInputError, match=r"duplicate.*2025-01-01"):
        run(pd.concat([frame, frame.iloc[:1]]), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(AnomalyInputError, match=r"threshold_percent.*90"):
        run(frame, date(2025, 1, 1), date(2025, 2, 1), threshold_percent=90)
    with pytest.raises(AnomalyInputError, match="emit_to"):
        run(frame, date(2025, 2, 1), date(2025, 1, 1))


def test_empty_input_gives_empty_frame_with_table_columns() -> None:
    out = run(daily_frame(date(2025, 1, 1), []), date(2025, 1, 1), date(2025, 2, 1))
    assert out.empty and tuple(out.columns) == ANOMALY_COLUMNS
