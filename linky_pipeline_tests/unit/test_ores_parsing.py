"""ORES Wh bodies (seed annex C) → kWh readings: intervals from each reading's own start/end, typed errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.lib.sources.errors import SourceParseError
from linky_pipeline.lib.sources.ores.parsing import OresReadingError, parse_curve, period_seconds

PRM = "30001234567890"
ANNEX_C = {
    "usage_point_id": PRM,
    "start": "2025-11-01T00:00:00Z",
    "end": "2025-11-18T23:59:59Z",
    "reading_type": {"unit": "Wh", "aggregate": "Sum", "measuring_period": "PT30M"},
    "interval_readings": [
        {"value": 12500, "start": "2025-11-01T00:00:00Z", "end": "2025-11-01T00:30:00Z"},
        {"value": 11800, "start": "2025-11-01T00:30:00Z", "end": "2025-11-01T01:00:00Z"},
    ],
}


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_body(day: date, step_s: int = 1800) -> dict[str, Any]:
    """A body for one Brussels day, stepped in UTC (the way the contract's instants are)."""
    lo, hi = local_midnight_utc(day, BRUSSELS), local_midnight_utc(day + timedelta(days=1), BRUSSELS)
    readings, moment, value = [], lo, 100
    while moment < hi:
        nxt = moment + timedelta(seconds=step_s)
        readings.append({"value": value, "start": _z(moment), "end": _z(nxt)})
        moment, value = nxt, value + 7
    period = f"PT{step_s // 60}M"
    return {
        **ANNEX_C,
        "reading_type": {**ANNEX_C["reading_type"], "measuring_period": period},
        "interval_readings": readings,
    }


def test_annex_c_example() -> None:
    frame = parse_curve(ANNEX_C, endpoint="consumption_load_curve", meter_id=PRM)
    assert frame["kwh"].tolist() == [12.5, 11.8]
    assert frame["interval_s"].tolist() == [1800, 1800]
    assert frame["ts"].tolist() == [datetime(2025, 11, 1, 0, 0, tzinfo=UTC), datetime(2025, 11, 1, 0, 30, tzinfo=UTC)]
    assert set(frame["metric"]) == {"consumption"} and set(frame["source"]) == {"ores-v1"}
    production = parse_curve(ANNEX_C, endpoint="production_load_curve", meter_id=PRM)
    assert set(production["metric"]) == {"production"}


@pytest.mark.parametrize(("day", "count"), [(date(2026, 3, 29), 46), (date(2026, 10, 25), 50), (date(2026, 6, 1), 48)])
def test_brussels_dst_days_hold_46_or_50_half_hours_and_exact_energy(day: date, count: int) -> None:
    body = _day_body(day)
    frame = parse_curve(body, endpoint="consumption_load_curve", meter_id=PRM)
    local_days = frame["ts"].dt.tz_convert(BRUSSELS).dt.date
    assert (local_days == day).sum() == count
    total_wh = sum(r["value"] for r in body["interval_readings"])
    assert round(frame["kwh"].sum(), 6) == total_wh / 1000
    assert int(frame["interval_s"].sum()) == count * 1800


def test_quarter_hours_follow_the_measuring_period() -> None:
    frame = parse_curve(_day_body(date(2026, 10, 25), 900), endpoint="consumption_load_curve", meter_id=PRM)
    assert len(frame) == 100 and set(frame["interval_s"]) == {900}


def test_a_reading_longer_than_the_measuring_period_is_named() -> None:
    body = _day_body(date(2026, 1, 10))
    body["interval_readings"][5]["end"] = body["interval_readings"][6]["end"]
    with pytest.raises(OresReadingError) as info:
        parse_curve(body, endpoint="consumption_load_curve", meter_id=PRM)
    assert info.value.index == 5 and info.value.field == "interval_readings[5]"
    message = str(info.value)
    assert body["interval_readings"][5]["start"] in message and "lasts 3600 s" in message and "1800 s" in message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["reading_type"].update(unit="kWh"), "reading_type.unit"),
        (lambda b: b["reading_type"].update(aggregate="Average"), "reading_type.aggregate"),
        (lambda b: b["reading_type"].update(measuring_period="30 minutes"), "reading_type.measuring_period"),
        (lambda b: b.update(usage_point_id="30001234567891"), "usage_point_id"),
        (lambda b: b.update(interval_readings={"value": 1}), "interval_readings"),
        (lambda b: b["interval_readings"][1].update(value="12 Wh"), "interval_readings[1].value"),
        (lambda b: b["interval_readings"][1].update(value=True), "interval_readings[1].value"),
        (lambda b: b["interval_readings"][1].update(start="2025-11-01T00:30:00"), "interval_readings[1].start"),
        (lambda b: b["interval_readings"][1].update(end="yesterday"), "interval_readings[1].end"),
        (lambda b: b["interval_readings"].append("x"), "interval_readings[2]"),
    ],
)
def test_bad_bodies_are_typed_errors_naming_the_field(change: Any, field: str) -> None:
    body = {
        **ANNEX_C,
        "reading_type": dict(ANNEX_C["reading_type"]),
        "interval_readings": [dict(r) for r in ANNEX_C["interval_readings"]],
    }
    change(body)
    with pytest.raises(SourceParseError) as info:
        parse_curve(body, endpoint="consumption_load_curve", meter_id=PRM)
    assert info.value.field == field


def test_overlaps_conflicts_and_the_window() -> None:
    overlap = {
        **ANNEX_C,
        "interval_readings": [
            *ANNEX_C["interval_readings"],
            {"value": 1, "start": "2025-11-01T00:45:00Z", "end": "2025-11-01T01:15:00Z"},
        ],
    }
    with pytest.raises(OresReadingError, match="overlaps"):
        parse_curve(overlap, endpoint="consumption_load_curve", meter_id=PRM)
    repeated = {**ANNEX_C, "interval_readings": [*ANNEX_C["interval_readings"], dict(ANNEX_C["interval_readings"][0])]}
    assert len(parse_curve(repeated, endpoint="consumption_load_curve", meter_id=PRM)) == 2  # same value: one reading
    conflict = {
        **ANNEX_C,
        "interval_readings": [*ANNEX_C["interval_readings"], {**ANNEX_C["interval_readings"][0], "value": 1}],
    }
    with pytest.raises(OresReadingError, match=r"conflicts with interval_readings\[0\]"):
        parse_curve(conflict, endpoint="consumption_load_curve", meter_id=PRM)
    window = (datetime(2025, 11, 1, 0, 30, tzinfo=UTC), datetime(2025, 11, 2, tzinfo=UTC))
    with pytest.raises(OresReadingError, match="outside the requested window"):
        parse_curve(ANNEX_C, endpoint="consumption_load_curve", meter_id=PRM, window=window)


def test_offsets_other_than_z_are_read_as_instants() -> None:
    body = {
        **ANNEX_C,
        "interval_readings": [
            {"value": "250", "start": "2025-11-01T01:00:00+01:00", "end": "2025-11-01T01:30:00+01:00"}
        ],
    }
    frame = parse_curve(body, endpoint="consumption_load_curve", meter_id=PRM)
    assert frame["ts"].tolist() == [datetime(2025, 11, 1, 0, 0, tzinfo=UTC)] and frame["kwh"].tolist() == [0.25]


def test_periods() -> None:
    assert [period_seconds(t) for t in ("PT30M", "PT15M", "PT1H", "PT1H30M", "PT900S")] == [1800, 900, 3600, 5400, 900]
    for bad in ("PT", "P1D", "PT0M", "PT25H", 30):
        with pytest.raises(SourceParseError):
            period_seconds(bad)


def test_an_empty_answer_is_an_empty_frame() -> None:
    frame = parse_curve({**ANNEX_C, "interval_readings": []}, endpoint="production_load_curve", meter_id=PRM)
    assert frame.empty
    assert list(frame.columns)[:7] == ["meter_id", "metric", "ts", "interval_s", "kwh", "quality", "source"]
