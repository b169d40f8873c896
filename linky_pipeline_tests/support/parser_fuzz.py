"""Hypothesis strategies and properties for every parser: a parser either returns a canonical frame or raises its
source's typed error, never anything else; what it returns splits into plausible points and quarantined ones.

Shared by the bounded suite (linky_pipeline_tests/faults/test_parser_properties.py) and the long run
(benchmarks/fuzz_parsers.py), which counts the outcomes.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Final

import pandas as pd
from hypothesis import strategies as st

from linky_pipeline.lib.domain.canonical import POINT_METADATA, READING_COLUMNS
from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.sources.belgium.csv_export import parse_quarter_hour_csv
from linky_pipeline.lib.sources.belgium.errors import BelgianError
from linky_pipeline.lib.sources.belgium.payload import payload_readings
from linky_pipeline.lib.sources.enedis.parsing import parse_v5
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.sources.errors import SourceParseError
from linky_pipeline.lib.sources.ores.parsing import parse_curve
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds, check_frame
from linky_pipeline.lib.sources.results import json_or_none
from linky_pipeline_tests.support.belgian_files import EAN
from linky_pipeline_tests.support.enedis_payloads import curve_points, daily_points, to_v2_points, v2_body, v5_body

PRM: Final = "22516914714270"
ORES_PRM: Final = "30001234567890"
FIRST, END = date(2026, 10, 24), date(2026, 10, 26)  # the autumn change inside: 25-hour day
BOUNDS: Final = PlausibilityBounds()
HOSTILE_NUMBERS: Final = [
    "9e12", "9000000000000", "NaN", "nan", "-1", "-0", "1e400", "-1e400", "Infinity", 10**400, 10**30, "", " 12 ",
    1.5, -3, True, None, "12,5", "0x10", "1_000", "١٢", "12345678901234567890", 0, "0",
]  # fmt: skip
KINDS: Final = {
    "consumption_load_curve": "curve",
    "daily_consumption": "daily",
    "daily_consumption_max_power": "max_power",
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24),
    st.sampled_from(HOSTILE_NUMBERS),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON tree: where a value can be replaced or deleted."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            _slots(value, out)
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """`base` with 1-3 of its values replaced (hostile numbers, any JSON), deleted or duplicated."""
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(body, [])
        if not slots:  # everything was deleted already
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["number", "number", "json", "delete", "duplicate"]))
        if action == "number":
            container[key] = draw(st.sampled_from(HOSTILE_NUMBERS))
        elif action == "json":
            container[key] = draw(json_values)
        elif action == "delete":
            if isinstance(container, dict):
                del container[key]
            else:
                container.pop(key)
        elif isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
    return body


def enedis_bodies(version: str, endpoint: str) -> dict[str, Any]:
    """A valid body of two local days around the autumn change."""
    kind = KINDS[endpoint]
    if kind == "curve":
        points, _ = curve_points(FIRST, END)
        unit = "W"
    elif kind == "daily":
        points, unit = daily_points(FIRST, END), "Wh"
    else:
        points = [
            {"value": str(3000 + i), "date": f"{d.isoformat()} 19:{i:02d}:00"}
            for i, d in enumerate((FIRST, FIRST + timedelta(days=1)))
        ]
        unit = "VA"
    if version == "v5":
        return v5_body(PRM, FIRST, END, points, unit=unit)
    physique = {"curve": "PA", "daily": "EA", "max_power": "PMA"}[kind]
    return v2_body(PRM, FIRST, END, "CONS", physique, unit, to_v2_points(points), daily=kind != "curve")


def ores_body() -> dict[str, Any]:
    start = datetime(2025, 10, 25, 22, 0, tzinfo=UTC)
    readings = []
    for i in range(50):  # the Brussels 25-hour day, UTC half-hours
        lo, hi = start + timedelta(minutes=30 * i), start + timedelta(minutes=30 * (i + 1))
        readings.append({"value": 100 + i, "start": f"{lo:%Y-%m-%dT%H:%M:%SZ}", "end": f"{hi:%Y-%m-%dT%H:%M:%SZ}"})
    return {
        "usage_point_id": ORES_PRM,
        "reading_type": {"unit": "Wh", "aggregate": "Sum", "measuring_period": "PT30M"},
        "interval_readings": readings,
    }


def _outcome(kind: str, frame: pd.DataFrame) -> str:
    """Checks what every parser promises of a frame; 'frame' or 'frame, quarantined'."""
    if kind == "curve":
        assert tuple(frame.columns)[: len(READING_COLUMNS)] == READING_COLUMNS
        assert set(POINT_METADATA) <= set(frame.columns)
        assert frame["ts"].is_unique and str(frame["ts"].dtype) == "datetime64[us, UTC]"
        assert (frame["interval_s"] > 0).all()
    checked = check_frame(kind, frame, BOUNDS)  # type: ignore[arg-type]
    values = checked.plausible["max_power_va" if kind == "max_power" else "kwh"].astype(float)
    assert all(math.isfinite(v) and v >= 0 for v in values)
    assert len(checked.plausible) + len(checked.implausible) == len(frame)
    return "frame, quarantined" if checked.implausible else "frame"


def enedis_property(version: str, endpoint: str) -> Callable[[dict[str, Any]], str]:
    parse = parse_v2 if version == "2026-v2" else parse_v5

    def check(body: dict[str, Any]) -> str:
        try:
            frame = parse(body, endpoint=endpoint, prm=PRM, window=(FIRST, END))
        except SourceParseError:
            return "typed error"
        return _outcome(KINDS[endpoint], frame)

    return check


def ores_property(body: dict[str, Any]) -> str:
    window = (datetime(2025, 10, 25, 22, 0, tzinfo=UTC), datetime(2025, 10, 27, 0, 0, tzinfo=UTC))
    try:
        frame = parse_curve(body, endpoint="consumption_load_curve", meter_id=ORES_PRM, window=window)
    except SourceParseError:
        return "typed error"
    return _outcome("curve", frame)


def landable_property(body: bytes) -> str:
    """Whatever json_or_none returns can be landed in a jsonb column (no NaN, no Infinity)."""
    payload = json_or_none(body)
    if payload is None:
        return "not a JSON object"
    json.dumps(payload, allow_nan=False)
    return "landable object"


CSV_HEADER: Final = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description"
)


def csv_row(start: str, end: str, register: str, volume: str, status: str = "Read") -> str:
    return f'29/10/2023;{start};29/10/2023;{end};="{EAN}";1SAG1;Digital meter;{register};{volume};kWh;{status};'


CSV_ROWS: Final = [
    csv_row("01:45:00", "02:00:00", "Offtake Day", "0,100"),
    csv_row("02:00:00", "02:15:00", "Offtake Day", "0,110"),
    csv_row("02:00:00", "02:15:00", "Offtake Day", "0,120"),  # the repeated (winter) 02:00
    csv_row("02:00:00", "02:15:00", "Offtake Night", "0,010"),
    csv_row("02:15:00", "02:30:00", "Injection Day", "0,000"),
]
_CELL_TEXT = st.text(st.sampled_from(list(';"\r\n,=/:-0123456789 .aAeEkKhHrRdDxX\ufeff\x00\t\u2028')), max_size=10)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """The fixture's rows with cells replaced (hostile numbers, odd characters), line endings and BOM varied."""
    rows = [row.split(";") for row in draw(st.lists(st.sampled_from(CSV_ROWS), min_size=1, max_size=6))]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(rows))
        cell = draw(st.integers(0, len(row) - 1))
        row[cell] = draw(st.one_of(_CELL_TEXT, st.sampled_from([str(v) for v in HOSTILE_NUMBERS])))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + newline.join([CSV_HEADER, *(";".join(r) for r in rows)]) + draw(st.sampled_from(["", newline]))


def csv_property(text: str) -> str:
    try:
        frame = parse_quarter_hour_csv(text, ean=EAN, file="fuzz.csv")
    except BelgianError as exc:
        assert getattr(exc, "file", None) == "fuzz.csv"
        return "typed error"
    except InvalidValueError:
        return "typed error"
    return _outcome("curve", frame)


def be_payload_property(doc: dict[str, Any]) -> str:
    try:
        frame = payload_readings(doc, meter_id=EAN)
    except BelgianError:
        return "typed error"
    return _outcome("curve", frame)


def be_payload() -> dict[str, Any]:
    return {
        "ean": EAN,
        "direction": "consumption",
        "rows": [
            ["2023-10-29T02:00:00+02:00", "2023-10-29T02:15:00+02:00", 0.11, "read"],
            ["2023-10-29T02:00:00+01:00", "2023-10-29T02:15:00+01:00", 0.12, "estimated"],
        ],
    }


_LITERALS: Final = [b"NaN", b"1e400", b"-Infinity", b"Infinity", b"9" * 400, b"1e-400", b"[" * 50 + b"]" * 50]


def _with_literal(valid: bytes, index: int, literal: bytes) -> bytes:
    values = list(re.finditer(rb'"v": "[^"]*"', valid))
    match = values[index % len(values)]
    return valid[: match.start()] + b'"v": ' + literal + valid[match.end() :]


def json_texts() -> st.SearchStrategy[bytes]:
    """Bytes around a valid answer: a point value replaced by a literal standard JSON lacks (NaN, 1e400), the
    answer with characters inserted or cut, or any bytes."""
    valid = json.dumps(enedis_bodies("2026-v2", "consumption_load_curve")).encode()
    literal = st.builds(partial(_with_literal, valid), st.integers(0, 200), st.sampled_from(_LITERALS))
    inserts = st.sampled_from([*_LITERALS, b"\x00", b"\xff", b'"', b"}"])
    cuts = st.one_of(st.just(0), st.integers(0, len(valid)))
    spliced = st.builds(lambda at, piece, cut: (valid[:at] + piece + valid[at:])[: cut or None],
                        st.integers(0, len(valid)), inserts, cuts)  # fmt: skip
    return st.one_of(literal, spliced, st.binary(max_size=200))
