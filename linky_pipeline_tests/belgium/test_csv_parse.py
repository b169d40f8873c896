"""Parsing Fluvius quarter-hour exports: DST days, register sums, gaps, and every kind of bad cell."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from linky_pipeline.lib.domain.canonical import POINT_METADATA, READING_COLUMNS
from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.sources.belgium import payload as pl
from linky_pipeline.lib.sources.belgium.csv_export import detect_ean, parse_quarter_hour_csv
from linky_pipeline.lib.sources.belgium.errors import BelgianCsvError, BelgianPayloadError
from linky_pipeline_tests.support.belgian_files import EAN, fixture_text

HEADER_EN = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description"
)
OTHER_EAN = "541448820052377141"  # valid GS1, another meter


def _line(
    start: str,
    end: str,
    register: str,
    volume: str,
    *,
    day: str = "28/10/2023",
    end_day: str | None = None,
    unit: str = "kWh",
    status: str = "Read",
    ean: str = EAN,
) -> str:
    return f'{day};{start};{end_day or day};{end};="{ean}";1SAG1;Digital meter;{register};{volume};{unit};{status};'


def _csv(*lines: str) -> str:
    return "\n".join((HEADER_EN, *lines)) + "\n"


def _per_local_day(frame: pd.DataFrame, metric: str) -> dict[date, int]:
    mine = frame[frame["metric"] == metric]
    return mine["ts"].dt.tz_convert(BRUSSELS).dt.date.value_counts().to_dict()


def test_fall_back_day_has_100_quarter_hours_in_order() -> None:
    frame = parse_quarter_hour_csv(fixture_text("fallback_2023-10_en.csv"), ean=EAN)
    assert tuple(frame.columns) == READING_COLUMNS + POINT_METADATA
    assert frame[list(POINT_METADATA)].isna().all().all()  # the export says nothing more per point
    assert _per_local_day(frame, "consumption") == {date(2023, 10, 28): 96, date(2023, 10, 29): 100}
    consumption = frame[frame["metric"] == "consumption"]
    assert consumption["ts"].diff().dropna().dt.total_seconds().eq(900).all()  # contiguous, nothing merged
    assert set(consumption["interval_s"]) == {900}
    by_ts = dict(zip(consumption["ts"], consumption["kwh"], strict=True))
    # 02:00 appears twice: the first occurrence is CEST (00:00 UTC), the second CET (01:00 UTC)
    assert by_ts[pd.Timestamp("2023-10-29T00:00Z")] == pytest.approx(0.104)
    assert by_ts[pd.Timestamp("2023-10-29T01:00Z")] == pytest.approx(0.108)
    assert set(frame["source"]) == {"be-csv"}
    assert set(frame["quality"]) == {"read"}


def test_day_and_night_registers_are_summed_per_direction() -> None:
    frame = parse_quarter_hour_csv(fixture_text("fallback_2023-10_en.csv"), ean=EAN)
    noon = frame[frame["ts"] == pd.Timestamp("2023-10-28T10:00Z")]  # 12:00 CEST: offtake on Day, injection on
    at_noon = noon.set_index("metric")["kwh"]
    assert at_noon.to_dict() == {"consumption": pytest.approx(0.148), "production": pytest.approx(0.05)}
    both = parse_quarter_hour_csv(
        _csv(
            _line("00:00:00", "00:15:00", "Offtake Day", "0,100"),
            _line("00:00:00", "00:15:00", "Offtake Night", "0,023", status="Estimated"),
            _line("00:00:00", "00:15:00", "Injection Night", "0,004"),
        ),
        ean=EAN,
    )
    assert both[["metric", "kwh", "quality"]].to_dict("records") == [
        {"metric": "consumption", "kwh": 0.123, "quality": "estimated"},
        {"metric": "production", "kwh": 0.004, "quality": "read"},
    ]


def test_spring_day_dutch_export_has_92_quarter_hours_and_keeps_gaps_out() -> None:
    text = fixture_text("spring_2024-03_nl.csv")
    assert detect_ean(text) == EAN
    frame = parse_quarter_hour_csv(text, ean=EAN)
    assert _per_local_day(frame, "consumption") == {date(2024, 2, 29): 4, date(2024, 3, 31): 92}
    # injection rows outside 10:00-16:00 are "Geen verbruik" with an empty volume: gaps, not zeros
    production = frame[frame["metric"] == "production"]
    assert len(production) == 24
    assert production["ts"].dt.tz_convert(BRUSSELS).dt.hour.between(10, 15).all()
    assert set(frame["quality"]) == {"validated", "estimated"}
    spring = frame[frame["ts"].dt.tz_convert(BRUSSELS).dt.date == date(2024, 3, 31)]
    # 01:45 CET -> "03:00" is one 15-minute interval: 00:45 UTC, followed by 01:00 UTC
    starts = set(spring["ts"])
    assert {pd.Timestamp("2024-03-31T00:45Z"), pd.Timestamp("2024-03-31T01:00Z")} <= starts


def test_no_consumption_rows_are_gaps() -> None:
    frame = parse_quarter_hour_csv(fixture_text("gaps_en.csv"), ean=EAN)
    local = frame["ts"].dt.tz_convert(BRUSSELS).dt.strftime("%H:%M").tolist()
    assert local == ["00:00", "00:30", "00:45"]
    assert frame["kwh"].tolist() == [0.173, 0.25, 0.12]
    assert frame["quality"].tolist() == ["read", "estimated", "validated"]


@pytest.mark.parametrize(
    ("line", "field", "value", "reason"),
    [
        (_line("00:00:00", "00:15:00", "Offtake Day", "0,100", unit="Wh"), "Unit", "Wh", "kWh"),
        (_line("00:00:00", "00:15:00", "Offtake Day", "abc"), "Volume", "abc", "number"),
        (_line("00:00:00", "00:15:00", "Offtake Day", "", status="Read"), "Volume", "", "empty volume"),
        (_line("00:00:00", "00:15:00", "Offtake Day", "0,1", ean=OTHER_EAN), "EAN code", f'="{OTHER_EAN}"', EAN),
        (
            _line("00:00:00", "00:15:00", "Offtake Day", "0,1", day="31/02/2023"),
            "From (date)",
            "31/02/2023",
            "calendar",
        ),
        (
            _line("00:00:00", "00:15:00", "Offtake Day", "0,1", day="2023-10-28"),
            "From (date)",
            "2023-10-28",
            "DD/MM/YYYY",
        ),
        (_line("25:00:00", "00:15:00", "Offtake Day", "0,1"), "From (time)", "25:00:00", "time of day"),
        (_line("00:00:00", "00:30:00", "Offtake Day", "0,1"), "Until (time)", "00:30:00", "lasts 30"),
        (
            _line("02:00:00", "02:15:00", "Offtake Day", "0,1", day="31/03/2024"),
            "From (time)",
            "02:00:00",
            "spring-forward gap",
        ),
        (
            _line("01:45:00", "02:00:00", "Offtake Day", "0,1", day="31/03/2024"),
            "Until (time)",
            "02:00:00",
            "spring-forward gap",
        ),
        (_line("00:00:00", "00:15:00", "Reactive Day", "0,1"), "Register", "Reactive Day", "Offtake"),
        (
            _line("00:00:00", "00:15:00", "Offtake Day", "0,1", status="Guessed"),
            "Validation status",
            "Guessed",
            "Estimated",
        ),
    ],
)
def test_bad_cell_names_field_value_and_line(line: str, field: str, value: str, reason: str) -> None:
    good = _line("23:45:00", "00:00:00", "Offtake Day", "0,100", day="27/10/2023", end_day="28/10/2023")
    with pytest.raises(BelgianCsvError) as caught:
        parse_quarter_hour_csv(_csv(good, line), ean=EAN)
    error = caught.value
    assert (error.field, error.value, error.line) == (field, value, 3)
    assert reason in error.reason
    assert f"line 3: invalid {field} {value!r}" in str(error)


def test_duplicate_interval_and_third_fall_back_occurrence_are_refused() -> None:
    repeated = _line("00:00:00", "00:15:00", "Offtake Day", "0,1")
    with pytest.raises(BelgianCsvError, match="appears 2 times") as caught:
        parse_quarter_hour_csv(_csv(repeated, repeated), ean=EAN)
    assert (caught.value.field, caught.value.line) == ("From (time)", 3)
    third = _line("02:00:00", "02:15:00", "Offtake Day", "0,1", day="29/10/2023")
    with pytest.raises(BelgianCsvError, match="appears 3 times") as caught:
        parse_quarter_hour_csv(_csv(third, third, third), ean=EAN)
    assert caught.value.line == 4


def test_dutch_header_names_are_used_in_errors_and_missing_columns_refuse_the_file() -> None:
    text = fixture_text("spring_2024-03_nl.csv").replace("0,100;kWh", "0,100;MWh", 1)
    with pytest.raises(BelgianCsvError) as caught:
        parse_quarter_hour_csv(text, ean=EAN)
    assert (caught.value.field, caught.value.value) == ("Eenheid", "MWh")
    with pytest.raises(BelgianCsvError, match="missing column") as caught:
        parse_quarter_hour_csv("Date;Value\n28/10/2023;1\n", ean=EAN)
    assert (caught.value.field, caught.value.line) == ("header", 1)
    with pytest.raises(InvalidValueError, match="check digit"):
        parse_quarter_hour_csv(_csv(), ean="541448820052377135")


def test_payload_round_trip_is_unambiguous_on_the_fall_back_day() -> None:
    frame = parse_quarter_hour_csv(fixture_text("fallback_2023-10_en.csv"), ean=EAN)
    consumption = frame[frame["metric"] == "consumption"].reset_index(drop=True)
    rows = pl.frame_rows(consumption)
    labels = [r[0] for r in rows if r[0].startswith("2023-10-29T02:00")]
    assert labels == ["2023-10-29T02:00:00+02:00", "2023-10-29T02:00:00+01:00"]
    back = pl.payload_readings(pl.document(EAN, "consumption", rows), meter_id=EAN)
    pd.testing.assert_frame_equal(back, consumption)
    with pytest.raises(BelgianPayloadError, match="ean"):
        pl.payload_readings(pl.document(OTHER_EAN, "consumption", rows), meter_id=EAN)
    with pytest.raises(BelgianPayloadError, match="offset"):
        pl.payload_readings(
            pl.document(EAN, "consumption", [["2023-10-29T02:00:00", rows[0][1], 0.1, "read"]]), meter_id=EAN
        )


def test_merge_keeps_the_newer_value_per_interval() -> None:
    old = [
        ["2023-10-28T00:00:00+02:00", "2023-10-28T00:15:00+02:00", 0.1, "read"],
        ["2023-10-28T00:15:00+02:00", "2023-10-28T00:30:00+02:00", 0.1, "read"],
    ]
    new = [["2023-10-27T22:15:00+00:00", "2023-10-27T22:30:00+00:00", 0.2, "validated"]]  # = 00:15 local
    merged = pl.merge_rows(old, new)
    assert [r[2] for r in merged] == [0.1, 0.2]
    assert pl.local_month(datetime(2024, 2, 29, 23, 30, tzinfo=UTC)) == date(2024, 3, 1)
