"""v5 / v2 bodies → canonical frames: units, DST by order, interval changes, duplicates and garbage."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from linky_pipeline.lib.domain.canonical import POINT_METADATA, READING_COLUMNS
from linky_pipeline.lib.sources.enedis.parsing import parse_v5
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.sources.errors import SourceParseError
from linky_pipeline.lib.sources.plausibility import check_frame
from linky_pipeline_tests.support.enedis_payloads import (
    Convention,
    curve_points,
    daily_points,
    to_v2_points,
    utc,
    v2_body,
    v5_body,
)

PRM = "22516914714270"
CLC = "consumption_load_curve"


def parse_curve(first: date, end: date, **kwargs: Any) -> tuple[pd.DataFrame, list[tuple[datetime, int, int]]]:
    points, expected = curve_points(first, end, **kwargs)
    frame = parse_v5(v5_body(PRM, first, end, points), endpoint=CLC, prm=PRM, window=(first, end))
    return frame, expected


def assert_matches(frame: pd.DataFrame, expected: list[tuple[datetime, int, int]]) -> None:
    assert list(frame["ts"]) == [pd.Timestamp(s) for s, _, _ in expected]
    assert list(frame["interval_s"]) == [i for _, i, _ in expected]
    assert list(frame["kwh"]) == pytest.approx([w * i / 3_600_000 for _, i, w in expected])


def test_normal_day_has_48_half_hours_in_kwh_with_canonical_dtypes() -> None:
    frame, expected = parse_curve(date(2026, 1, 15), date(2026, 1, 16))
    assert tuple(frame.columns) == READING_COLUMNS + POINT_METADATA
    assert str(frame["ts"].dtype) == "datetime64[us, UTC]"
    assert len(frame) == 48
    assert frame["ts"].iloc[0] == pd.Timestamp("2026-01-14 23:00", tz=UTC)  # local midnight, winter
    assert_matches(frame, expected)
    assert set(frame["source"]) == {"enedis-v5"} and set(frame["quality"]) == {"BRUT"}
    assert set(frame["metric"]) == {"consumption"} and set(frame["meter_id"]) == {PRM}


@pytest.mark.parametrize("convention", ["start_plus", "real_end"])
def test_spring_forward_day_has_46_half_hours(convention: Convention) -> None:
    frame, expected = parse_curve(date(2026, 3, 29), date(2026, 3, 30), convention=convention)
    assert len(frame) == 46
    assert_matches(frame, expected)
    assert frame["ts"].diff().dropna().eq(pd.Timedelta(minutes=30)).all()


@pytest.mark.parametrize("convention", ["start_plus", "real_end"])
def test_fall_back_day_has_50_half_hours_and_repeated_labels_resolved_by_order(convention: Convention) -> None:
    points, _ = curve_points(date(2025, 10, 26), date(2025, 10, 27), convention=convention)
    labels = [p["date"] for p in points]
    assert len(labels) - len(set(labels)) == 2  # two labels really appear twice
    frame, expected = parse_curve(date(2025, 10, 26), date(2025, 10, 27), convention=convention)
    assert len(frame) == 50
    assert_matches(frame, expected)
    assert frame["ts"].is_unique


@pytest.mark.parametrize(
    ("first", "end", "count"),
    [
        (date(2026, 3, 26), date(2026, 4, 2), 7 * 48 - 2),
        (date(2025, 10, 23), date(2025, 10, 30), 7 * 48 + 2),
    ],
)
def test_seven_day_window_across_dst(first: date, end: date, count: int) -> None:
    frame, expected = parse_curve(first, end)
    assert len(frame) == count
    assert_matches(frame, expected)


@pytest.mark.parametrize(
    ("seconds", "day", "count"),
    [
        (600, date(2026, 1, 15), 144),
        (3600, date(2026, 1, 15), 24),
        (900, date(2025, 10, 26), 100),
        (3600, date(2025, 10, 26), 25),
        (3600, date(2026, 3, 29), 23),
        (600, date(2026, 3, 29), 138),
        (300, date(2026, 1, 15), 288),
    ],
)
def test_other_interval_lengths_including_dst(seconds: int, day: date, count: int) -> None:
    frame, expected = parse_curve(day, date.fromordinal(day.toordinal() + 1), interval_s=seconds)
    assert len(frame) == count
    assert_matches(frame, expected)


def test_interval_change_inside_one_response_uses_each_points_own_length() -> None:
    switch = utc(2025, 6, 14, 22)  # 2025-06-15 00:00 Paris: PT60M before, PT30M after
    frame, expected = parse_curve(
        date(2025, 6, 13), date(2025, 6, 17), interval_s=lambda start: 3600 if start < switch else 1800
    )
    assert len(frame) == 2 * 24 + 2 * 48
    assert_matches(frame, expected)
    before = frame[frame["ts"] < pd.Timestamp(switch)]
    after = frame[frame["ts"] >= pd.Timestamp(switch)]
    assert set(before["interval_s"]) == {3600} and set(after["interval_s"]) == {1800}


def test_numbers_and_strings_give_the_same_frame() -> None:
    as_text, _ = parse_curve(date(2026, 2, 1), date(2026, 2, 2))
    as_numbers, _ = parse_curve(date(2026, 2, 1), date(2026, 2, 2), as_numbers=True)
    pd.testing.assert_frame_equal(as_text, as_numbers)


def _body(first: date = date(2025, 10, 26), end: date = date(2025, 10, 27)) -> dict[str, Any]:
    points, _ = curve_points(first, end)
    return v5_body(PRM, first, end, points)


def test_exact_duplicates_are_dropped() -> None:
    clean = parse_v5(_body(date(2026, 1, 15), date(2026, 1, 16)), endpoint=CLC, prm=PRM)
    body = _body(date(2026, 1, 15), date(2026, 1, 16))
    pts = body["meter_reading"]["interval_reading"]
    pts.insert(11, copy.deepcopy(pts[10]))  # plain repeat outside DST
    pd.testing.assert_frame_equal(parse_v5(body, endpoint=CLC, prm=PRM), clean)
    autumn = _body()
    pts = autumn["meter_reading"]["interval_reading"]
    repeated = [i for i, p in enumerate(pts) if [q["date"] for q in pts].count(p["date"]) == 2]
    pts.insert(repeated[-1] + 1, copy.deepcopy(pts[repeated[-1]]))  # third occurrence of a fall-back label
    frame = parse_v5(autumn, endpoint=CLC, prm=PRM)
    assert len(frame) == 50


def test_conflicting_duplicate_is_rejected() -> None:
    body = _body(date(2026, 1, 15), date(2026, 1, 16))
    pts = body["meter_reading"]["interval_reading"]
    twin = dict(pts[10], value="99999")
    pts.insert(11, twin)
    with pytest.raises(SourceParseError, match=r"interval_reading\[11\]\.value='99999'"):
        parse_v5(body, endpoint=CLC, prm=PRM)


def _mutate(path: str, value: Any, index: int = 5) -> dict[str, Any]:
    body = _body(date(2026, 1, 15), date(2026, 1, 16))
    target = body["meter_reading"]["interval_reading"][index] if not path.startswith("/") else body["meter_reading"]
    key = path.lstrip("/")
    if key == "unit":
        body["meter_reading"]["reading_type"]["unit"] = value
    elif value is KeyError:
        del target[key]
    else:
        target[key] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("value", "abc", r"interval_reading\[5\]\.value='abc': not numeric"),
        ("value", True, r"interval_reading\[5\]\.value=True"),
        ("value", KeyError, r"interval_reading\[5\]\.value=None: missing field"),
        ("date", KeyError, r"interval_reading\[5\]\.date=None: missing field"),
        ("date", "15/01/2026 03:00", r"interval_reading\[5\]\.date='15/01/2026 03:00'"),
        ("date", "2026-01-20 03:00:00", r"interval_reading\[5\]\.date='2026-01-20 03:00:00': outside the requested"),
        ("date", "9999-12-31 23:30:00", r"interval_reading\[5\]\.date='9999-12-31 23:30:00': not a date-time a meter"),
        ("date", "0001-01-01 00:00:00", r"interval_reading\[5\]\.date='0001-01-01 00:00:00': not a date-time a meter"),
        ("interval_length", "PT20M", r"interval_reading\[5\]\.interval_length='PT20M': unknown interval"),
        ("/usage_point_id", "11453290002823", r"usage_point_id='11453290002823': expected usage point"),
        ("/quality", KeyError, r"meter_reading\.quality=None: missing field"),
        ("unit", "kW", r"reading_type\.unit='kW': unexpected unit"),
    ],
)
def test_garbage_raises_a_typed_error_naming_field_and_value(path: str, value: Any, message: str) -> None:
    with pytest.raises(SourceParseError, match=message):
        parse_v5(_mutate(path, value), endpoint=CLC, prm=PRM, window=(date(2026, 1, 15), date(2026, 1, 16)))


@pytest.mark.parametrize("value", ["-5", "NaN", "9e12", "1" * 400, 10**400])
def test_a_numeric_outlier_is_a_point_for_the_plausibility_check_not_a_refused_answer(value: Any) -> None:
    """Issue 17 §1: refusing the answer would drop its 47 other points on every run; the point is quarantined."""
    frame = parse_v5(_mutate("value", value), endpoint=CLC, prm=PRM, window=(date(2026, 1, 15), date(2026, 1, 16)))
    assert len(frame) == 48
    checked = check_frame("curve", frame)
    assert len(checked.plausible) == 47 and [p.start for p in checked.implausible] == [frame["ts"][5]]


def test_overlapping_intervals_are_rejected() -> None:
    body = _body(date(2026, 1, 15), date(2026, 1, 16))
    body["meter_reading"]["interval_reading"][10]["interval_length"] = "PT60M"
    with pytest.raises(SourceParseError, match="overlaps"):
        parse_v5(body, endpoint=CLC, prm=PRM)


def test_empty_reading_list_is_an_empty_canonical_frame() -> None:
    frame = parse_v5(v5_body(PRM, date(2026, 1, 1), date(2026, 1, 2), []), endpoint=CLC, prm=PRM)
    assert frame.empty and tuple(frame.columns) == READING_COLUMNS + POINT_METADATA


def test_daily_energy_in_kwh_on_local_days() -> None:
    first, end = date(2026, 3, 27), date(2026, 3, 31)
    body = v5_body(PRM, first, end, daily_points(first, end), unit="Wh")
    frame = parse_v5(body, endpoint="daily_consumption", prm=PRM, window=(first, end))
    assert list(frame["day"]) == [date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert list(frame["kwh"]) == pytest.approx([10.0, 10.01, 10.02, 10.03])
    prod = parse_v5(body, endpoint="daily_production", prm=PRM)
    assert set(prod["metric"]) == {"production"}
    with pytest.raises(SourceParseError, match=r"reading_type\.unit='W'"):
        parse_v5(v5_body(PRM, first, end, daily_points(first, end), unit="W"), endpoint="daily_consumption", prm=PRM)


def test_max_power_peak_instant_is_utc() -> None:
    points = [{"value": "4638", "date": "2026-03-29 12:06:20"}, {"value": 5000, "date": "2026-01-10 19:00:00"}]
    frame = parse_v5(
        v5_body(PRM, date(2026, 1, 1), date(2026, 4, 1), points, unit="VA"),
        endpoint="daily_consumption_max_power",
        prm=PRM,
    )
    assert list(frame["day"]) == [date(2026, 1, 10), date(2026, 3, 29)]
    assert list(frame["peak_at"]) == [
        pd.Timestamp("2026-01-10 18:00", tz=UTC),
        pd.Timestamp("2026-03-29 10:06:20", tz=UTC),
    ]
    assert list(frame["max_power_va"]) == [5000.0, 4638.0]
    assert str(frame["peak_at"].dtype) == "datetime64[us, UTC]"


def test_v2_curve_gives_the_same_readings_as_v5() -> None:
    first, end = date(2025, 10, 25), date(2025, 10, 28)
    points, _ = curve_points(first, end)
    v5 = parse_v5(v5_body(PRM, first, end, points), endpoint=CLC, prm=PRM, window=(first, end))
    v2 = parse_v2(
        v2_body(PRM, first, end, "CONS", "PA", "W", to_v2_points(points)), endpoint=CLC, prm=PRM, window=(first, end)
    )
    assert set(v2["source"]) == {"enedis-2026-v2"}
    same = [c for c in READING_COLUMNS if c != "source"]
    pd.testing.assert_frame_equal(v2[same], v5[same])
    assert set(v5["nature"]) == {"B"} and v5[["calc_mode", "plausibility", "complementary_state"]].isna().all().all()


def test_v2_daily_max_power_and_offsets() -> None:
    first, end = date(2026, 9, 29), date(2026, 10, 1)
    daily = parse_v2(
        v2_body(PRM, first, end, "PROD", "EA", "Wh", to_v2_points(daily_points(first, end)), daily=True),
        endpoint="daily_production",
        prm=PRM,
    )
    assert list(daily["kwh"]) == pytest.approx([10.0, 10.01]) and set(daily["metric"]) == {"production"}
    peak = parse_v2(
        v2_body(PRM, first, end, "CONS", "PMA", "VA", [{"v": "4100", "d": "2026-09-29 13:03:35"}]),
        endpoint="daily_consumption_max_power",
        prm=PRM,
    )
    assert peak["peak_at"].iloc[0] == pd.Timestamp("2026-09-29 11:03:35", tz=UTC)
    aware = [{"v": "1000", "d": "2026-01-01T00:30:00+01:00", "p": "PT30M"}]
    curve = parse_v2(v2_body(PRM, date(2026, 1, 1), date(2026, 1, 2), "CONS", "PA", "W", aware), endpoint=CLC, prm=PRM)
    assert curve["ts"].iloc[0] == pd.Timestamp("2025-12-31 23:00", tz=UTC)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grandeurMetier", "PROD", r"grandeur\[0\]\.grandeurMetier='PROD'"),
        ("grandeurPhysique", "EA", r"grandeur\[0\]\.grandeurPhysique='EA'"),
        ("unite", "kW", r"grandeur\[0\]\.unite='kW'"),
    ],
)
def test_v2_mismatched_grandeur_is_rejected(field: str, value: str, message: str) -> None:
    first, end = date(2026, 1, 1), date(2026, 1, 2)
    points, _ = curve_points(first, end)
    body = v2_body(PRM, first, end, "CONS", "PA", "W", to_v2_points(points))
    body["grandeur"][0][field] = value
    with pytest.raises(SourceParseError, match=message):
        parse_v2(body, endpoint=CLC, prm=PRM)


def test_v2_bad_point_names_v2_keys() -> None:
    first, end = date(2026, 1, 1), date(2026, 1, 2)
    points, _ = curve_points(first, end)
    body = v2_body(PRM, first, end, "CONS", "PA", "W", to_v2_points(points))
    body["grandeur"][0]["points"][3]["p"] = "PT7M"
    with pytest.raises(SourceParseError, match=r"grandeur\[0\]\.points\[3\]\.p='PT7M'"):
        parse_v2(body, endpoint=CLC, prm=PRM)
    body["grandeur"][0]["points"][3]["p"] = "PT30M"
    body["idPrm"] = "99999999999991"
    with pytest.raises(SourceParseError, match=r"idPrm='99999999999991'"):
        parse_v2(body, endpoint=CLC, prm=PRM)


def test_v2_point_metadata_is_carried_in_the_frame() -> None:
    """etapeMetier → quality, modeCalcul → calc_mode, each point's n / iv / ec → nature / plausibility /
    complementary_state, for every kind of endpoint; absent codes are NA, not invented."""
    first, end = date(2026, 1, 1), date(2026, 1, 2)
    points = to_v2_points(curve_points(first, end)[0])
    points[0].update({"n": "C", "iv": "1", "ec": "2"})
    del points[1]["ec"]
    body = v2_body(PRM, first, end, "CONS", "PA", "W", points)
    body.update({"etapeMetier": "BEST", "modeCalcul": "INTEG.COURBE"})
    curve = parse_v2(body, endpoint=CLC, prm=PRM, window=(first, end))
    assert set(curve["quality"]) == {"BEST"} and set(curve["calc_mode"]) == {"INTEG.COURBE"}
    assert curve.loc[0, ["nature", "plausibility", "complementary_state"]].tolist() == ["C", "1", "2"]
    assert curve.loc[1, ["nature", "plausibility"]].tolist() == ["B", "0"] and pd.isna(
        curve.loc[1, "complementary_state"]
    )
    daily_body = v2_body(PRM, first, end, "CONS", "EA", "Wh", [{"v": "9000", "d": "2026-01-01", "n": "R", "iv": 3}])
    daily_body["etapeMetier"] = "FACT"
    daily = parse_v2(daily_body, endpoint="daily_consumption", prm=PRM)
    assert daily.loc[0, ["quality", "calc_mode", "nature", "plausibility"]].tolist() == ["FACT", "MESURE", "R", "3"]
    peak_body = v2_body(PRM, first, end, "CONS", "PMA", "VA", [{"v": "4100", "d": "2026-01-01 13:03:35", "n": "B"}])
    peak = parse_v2(peak_body, endpoint="daily_consumption_max_power", prm=PRM)
    assert peak.loc[0, ["quality", "calc_mode", "nature"]].tolist() == ["BRUT", "MESURE", "B"]
    del body["modeCalcul"]
    assert parse_v2(body, endpoint=CLC, prm=PRM)["calc_mode"].isna().all()
    body["grandeur"][0]["points"][2]["n"] = {"code": "B"}
    with pytest.raises(SourceParseError, match=r"grandeur\[0\]\.points\[2\]\.n="):
        parse_v2(body, endpoint=CLC, prm=PRM)


@pytest.mark.parametrize(
    ("label", "offset_label"),
    [
        ("2026-01-15 00:30:00", "2026-01-15T00:30:00+01:00"),
        ("2026-07-15 00:30:00", "2026-07-15T00:30:00+02:00"),
        ("2026-07-15 00:30:00", "2026-07-14T22:30:00Z"),
        ("2026-07-15 00:30:00", "2026-07-15T00:30:00+0200"),
    ],
)
def test_v2_labels_with_an_offset_equal_naive_paris_labels(label: str, offset_label: str) -> None:
    day = date.fromisoformat(label[:10])
    naive = parse_v2(
        v2_body(PRM, day, day, "CONS", "PA", "W", [{"v": "1000", "d": label, "p": "PT30M"}]), endpoint=CLC, prm=PRM
    )
    aware = parse_v2(
        v2_body(PRM, day, day, "CONS", "PA", "W", [{"v": "1000", "d": offset_label, "p": "PT30M"}]),
        endpoint=CLC,
        prm=PRM,
    )
    assert list(aware["ts"]) == list(naive["ts"]) and list(aware["kwh"]) == [0.5]


@pytest.mark.parametrize("label", ["2026-07-15", "2026-07-15T00:00:00+02:00", "2026-07-14T22:00:00Z"])
def test_v2_daily_labels_naive_or_with_an_offset_are_the_same_local_day(label: str) -> None:
    body = v2_body(PRM, date(2026, 7, 15), date(2026, 7, 16), "CONS", "EA", "Wh", [{"v": "1000", "d": label}], True)
    assert list(parse_v2(body, endpoint="daily_consumption", prm=PRM)["day"]) == [date(2026, 7, 15)]
