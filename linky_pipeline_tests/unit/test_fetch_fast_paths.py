"""The array paths of the fetch (curve labels, combine, days without points, day coverage) against the general rules
they shortcut: same frames (values, dtypes, columns, index), same errors, same days, on the sandbox's answers
(several meters, both DST months, a month boundary), hand-made edge cases and mutated answers."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from linky_pipeline.lib.domain.canonical import empty_daily, empty_max_power, empty_readings
from linky_pipeline.lib.domain.coverage import day_coverage, day_coverage_general
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis import parsing
from linky_pipeline.lib.sources.enedis.parsing import parse_v5
from linky_pipeline.lib.sources.enedis.parsing_v2 import parse_v2
from linky_pipeline.lib.sources.errors import SourceParseError
from linky_pipeline.lib.sources.results import (
    WindowCall,
    combine,
    combine_general,
    days_without_points,
    days_without_points_general,
)
from linky_pipeline.sandbox.metering import ENDPOINTS, MeteringQuery
from linky_pipeline.sandbox.metering import v2_body as sandbox_v2
from linky_pipeline.sandbox.metering import v5_body as sandbox_v5
from linky_pipeline_tests.support import parser_fuzz as fz

# the sandbox's meters: half-hour, 10- and 15-minute consumption curves, PV and self-consumption production
CURVES = (
    ("22516914714270", "consumption_load_curve"),
    ("12345678901234", "consumption_load_curve"),
    ("64975835695673", "consumption_load_curve"),
    ("22315546958763", "consumption_load_curve"),
    ("12655648759651", "consumption_load_curve"),
    ("10284856584123", "production_load_curve"),
    ("24880057139941", "production_load_curve"),
    ("12655648759651", "production_load_curve"),
)
WEEKS = (
    date(2026, 1, 12),
    date(2026, 3, 25),  # spring change on 29 March
    date(2026, 6, 27),  # across a month boundary
    date(2026, 10, 22),  # autumn change on 25 October
    date(2026, 12, 1),
)
STEADY_PRM = "22516914714270"  # a named sandbox meter: the fleet's would stay registered for the other tests
Parse = Callable[..., pd.DataFrame]


def no_array_path(*_args: object, **_kwargs: object) -> None:
    return None


@contextmanager
def general_labels() -> Iterator[None]:
    """build_readings without its array path: the per-point rule for every answer."""
    saved = parsing.steady_curve
    parsing.steady_curve = no_array_path
    try:
        yield
    finally:
        parsing.steady_curve = saved


def outcome(parse: Parse, body: dict[str, Any], **kwargs: Any) -> pd.DataFrame | tuple[str, str]:
    try:
        return parse(body, **kwargs)
    except Exception as exc:  # whatever the per-point rule raises, the array path must raise alike
        return (type(exc).__name__, str(exc))


def assert_same_outcome(parse: Parse, body: dict[str, Any], **kwargs: Any) -> pd.DataFrame | tuple[str, str]:
    fast = outcome(parse, copy.deepcopy(body), **kwargs)
    with general_labels():
        general = outcome(parse, copy.deepcopy(body), **kwargs)
    if isinstance(general, pd.DataFrame):
        assert isinstance(fast, pd.DataFrame), fast
        pd.testing.assert_frame_equal(fast, general, check_dtype=True, check_index_type=True, check_exact=True)
    else:
        assert fast == general
    return fast


def window_calls(first: date, end: date, outcome: str = "ok") -> list[WindowCall]:
    return [WindowCall("x", first, end, "v2", 200, {}, None, "", outcome)]  # type: ignore[arg-type]


def assert_same_downstream(frames: list[pd.DataFrame], first: date, end: date) -> None:
    combined = combine("curve", frames)
    pd.testing.assert_frame_equal(combined, combine_general("curve", frames), check_exact=True)
    calls = window_calls(first, end) + window_calls(end, end + timedelta(days=2), "no_data")
    assert days_without_points("curve", combined, calls, PARIS) == days_without_points_general(
        "curve", combined, calls, PARIS
    )
    assert day_coverage("curve", combined, PARIS) == day_coverage_general("curve", combined, PARIS)


@pytest.mark.parametrize("first", WEEKS, ids=str)
@pytest.mark.parametrize("version", ["v5", "v2"])
def test_sandbox_answers_match_the_general_rules(first: date, version: str) -> None:
    end = first + timedelta(days=7)
    days = [first + timedelta(days=d) for d in range(7)]
    for prm, name in CURVES:
        body = (sandbox_v2 if version == "v2" else sandbox_v5)(ENDPOINTS[name], MeteringQuery(prm, first, end), days)
        parse = parse_v2 if version == "v2" else parse_v5
        frame = assert_same_outcome(parse, body, endpoint=name, prm=prm, window=(first, end))
        assert isinstance(frame, pd.DataFrame) and len(frame) >= 7 * 46
        assert_same_downstream([frame], first, end)
        # the sandbox leaves out some days: the frame covers what was served, the rest is a day without points
        half = [d for d in days if d.day % 2 == 0]
        body = (sandbox_v2 if version == "v2" else sandbox_v5)(ENDPOINTS[name], MeteringQuery(prm, first, end), half)
        part = assert_same_outcome(parse, body, endpoint=name, prm=prm, window=(first, end))
        assert isinstance(part, pd.DataFrame)
        assert_same_downstream([part], first, end)
        assert_same_downstream([frame, part], first, end)  # several frames, repeated keys
        assert_same_downstream([part.iloc[::-1]], first, end)  # unsorted


def steady_body(first: date = date(2026, 11, 16), days: int = 2) -> dict[str, Any]:
    prm = STEADY_PRM
    query = MeteringQuery(prm, first, first + timedelta(days=days))
    return sandbox_v2(ENDPOINTS["consumption_load_curve"], query, [first + timedelta(days=d) for d in range(days)])


def parse_steady(body: dict[str, Any], first: date = date(2026, 11, 16), days: int = 2) -> pd.DataFrame:
    prm = STEADY_PRM
    window = (first, first + timedelta(days=days))
    frame = assert_same_outcome(parse_v2, body, endpoint="consumption_load_curve", prm=prm, window=window)
    assert isinstance(frame, pd.DataFrame)
    return frame


def edit(body: dict[str, Any], change: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    change(body["grandeur"][0]["points"])
    return body


def quarter_hour(point: dict[str, Any]) -> dict[str, Any]:
    """A half-hour point relabelled as the quarter hour ending 15 minutes earlier."""
    minute = "15" if point["d"][14:16] == "30" else "45"
    hour = point["d"][11:13] if minute == "15" else f"{(int(point['d'][11:13]) - 1) % 24:02d}"
    return {**point, "p": "PT15M", "d": f"{point['d'][:11]}{hour}:{minute}:00"}


EDGES: dict[str, Callable[[list[dict[str, Any]]], None]] = {
    "repeated point": lambda pts: pts.insert(5, dict(pts[4])),
    "conflicting repeat": lambda pts: pts.insert(5, {**pts[4], "v": "1"}),
    "unsorted": lambda pts: pts.reverse(),
    "swapped pair": lambda pts: pts.__setitem__(slice(3, 5), [pts[4], pts[3]]),
    "outside the window": lambda pts: pts.append({**pts[-1], "d": "2026-11-18 00:30:00"}),
    "before the window": lambda pts: pts.insert(0, {**pts[0], "d": "2026-11-15 23:30:00"}),
    "overlap": lambda pts: pts.__setitem__(3, {**pts[3], "p": "PT60M"}),
    "T separator": lambda pts: pts.__setitem__(2, {**pts[2], "d": pts[2]["d"].replace(" ", "T")}),
    "aware label": lambda pts: pts.__setitem__(2, {**pts[2], "d": pts[2]["d"] + "+01:00"}),
    "no seconds": lambda pts: pts.__setitem__(2, {**pts[2], "d": pts[2]["d"][:16]}),
    "30 February": lambda pts: pts.__setitem__(2, {**pts[2], "d": "2026-02-30 10:00:00"}),
    "hour 24": lambda pts: pts.__setitem__(2, {**pts[2], "d": "2026-11-16 24:00:00"}),
    "arabic digits": lambda pts: pts.__setitem__(2, {**pts[2], "d": "٢٠٢٦-11-16 01:30:00"}),
    "year 1": lambda pts: pts.__setitem__(0, {**pts[0], "d": "0001-01-01 00:30:00", "p": "PT60M"}),
    "year 9999": lambda pts: pts.__setitem__(0, {**pts[0], "d": "9999-12-31 23:30:00"}),
    "NaN value": lambda pts: pts.__setitem__(2, {**pts[2], "v": "NaN"}),
    "padded value": lambda pts: pts.__setitem__(2, {**pts[2], "v": " 12 "}),
    "integer value": lambda pts: pts.__setitem__(2, {**pts[2], "v": 12}),
    "float value": lambda pts: pts.__setitem__(2, {**pts[2], "v": 12.5}),
    "huge integer": lambda pts: pts.__setitem__(2, {**pts[2], "v": 10**400}),
    "boolean value": lambda pts: pts.__setitem__(2, {**pts[2], "v": True}),
    "underscored value": lambda pts: pts.__setitem__(2, {**pts[2], "v": "1_000"}),
    "unknown interval": lambda pts: pts.__setitem__(2, {**pts[2], "p": "PT20M"}),
    "list interval": lambda pts: pts.__setitem__(2, {**pts[2], "p": ["PT30M"]}),
    "quarter hours": lambda pts: pts.__setitem__(slice(None), [quarter_hour(p) for p in pts]),
    "long code": lambda pts: pts.__setitem__(2, {**pts[2], "n": "x" * 41}),
    "padded code": lambda pts: pts.__setitem__(2, {**pts[2], "n": "  C "}),
    "numeric code": lambda pts: pts.__setitem__(2, {**pts[2], "iv": 1}),
    "empty": lambda pts: pts.clear(),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_edge_cases_match_the_general_rules(name: str) -> None:
    body = edit(steady_body(), EDGES[name])
    prm = STEADY_PRM
    first = date(2026, 11, 16)
    assert_same_outcome(
        parse_v2, body, endpoint="consumption_load_curve", prm=prm, window=(first, first + timedelta(days=2))
    )
    assert_same_outcome(parse_v2, body, endpoint="consumption_load_curve", prm=prm, window=None)


def fail_if_called(*_args: object, **_kwargs: object) -> None:
    pytest.fail("the per-point rule was used")


def test_the_steady_answer_takes_the_array_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The equality tests would pass with no array path at all: the common answer must really take it."""
    monkeypatch.setattr(parsing, "resolve_points", fail_if_called)
    frame = parse_v2(
        steady_body(),
        endpoint="consumption_load_curve",
        prm=STEADY_PRM,
        window=(date(2026, 11, 16), date(2026, 11, 18)),
    )
    assert len(frame) == 96 and frame["ts"].iloc[0] == pd.Timestamp("2026-11-15 23:00", tz="UTC")


def test_combine_returns_a_sorted_single_frame_as_is_and_merges_the_rest() -> None:
    frame = parse_steady(steady_body())
    assert combine("curve", [frame]).equals(frame)
    twice = combine("curve", [frame, frame])
    assert len(twice) == len(frame)
    pd.testing.assert_frame_equal(twice, combine_general("curve", [frame, frame]))
    shuffled = frame.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(combine("curve", [shuffled]), frame)


@pytest.mark.parametrize("kind", ["daily", "max_power"])
def test_daily_kinds_match_the_general_rules(kind: str) -> None:
    name = "daily_consumption" if kind == "daily" else "daily_consumption_max_power"
    first, end = date(2026, 3, 20), date(2026, 4, 5)
    days = [first + timedelta(days=d) for d in range(16) if d % 5]
    frames = [
        parse_v2(sandbox_v2(ENDPOINTS[name], MeteringQuery(p, first, end), days), endpoint=name, prm=p)
        for p in ("22516914714270", "12345678901234")
    ]
    for group in ([frames[0]], frames, [frames[0], frames[0]], [frames[0].iloc[::-1]], []):
        combined = combine(kind, group)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(combined, combine_general(kind, group), check_exact=True)  # type: ignore[arg-type]
        calls = window_calls(first, end)
        assert days_without_points(kind, combined, calls, PARIS) == days_without_points_general(  # type: ignore[arg-type]
            kind,  # type: ignore[arg-type]
            combined,
            calls,
            PARIS,
        )
        assert day_coverage(kind, combined, PARIS) == day_coverage_general(kind, combined, PARIS)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fz.mutated(steady_body()))
def test_mutated_answers_match_the_general_rules(body: dict[str, Any]) -> None:
    first = date(2026, 11, 16)
    prm = STEADY_PRM
    assert_same_outcome(
        parse_v2, body, endpoint="consumption_load_curve", prm=prm, window=(first, first + timedelta(days=2))
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fz.mutated(fz.enedis_bodies("v5", "consumption_load_curve")))
def test_mutated_clock_change_answers_match_the_general_rules(body: dict[str, Any]) -> None:
    assert_same_outcome(parse_v5, body, endpoint="consumption_load_curve", prm=fz.PRM, window=(fz.FIRST, fz.END))


def series_built(frame: pd.DataFrame, canonical: pd.DataFrame) -> pd.DataFrame:
    """The frame as the builders made it before frames.py: one Series per column with the canonical dtype."""
    assert list(frame.columns) == list(canonical.columns)
    return pd.DataFrame({c: pd.Series(frame[c].tolist(), dtype=canonical[c].dtype) for c in canonical.columns})


@pytest.mark.parametrize("version", ["v5", "v2"])
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_frames_have_the_canonical_dtypes_on_a_plain_index(version: str, name: str) -> None:
    prm = "12655648759651"  # self-consumption: every endpoint
    first, end = date(2026, 10, 22), date(2026, 10, 29)
    kind = ENDPOINTS[name].kind
    canonical = {"curve": empty_readings, "daily": empty_daily, "max_power": empty_max_power}[kind]()
    for days in ([first + timedelta(days=d) for d in range(7)], [date(2026, 10, 22), date(2026, 10, 23)]):
        body = (sandbox_v2 if version == "v2" else sandbox_v5)(ENDPOINTS[name], MeteringQuery(prm, first, end), days)
        for general in (False, True):
            with general_labels() if general else contextlib.nullcontext():
                frame = (parse_v2 if version == "v2" else parse_v5)(body, endpoint=name, prm=prm, window=(first, end))
            assert len(frame) >= len(days)
            pd.testing.assert_frame_equal(frame, series_built(frame, canonical), check_exact=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("p"), r"grandeur\[0\]\.points\[3\]\.p=None: missing field"),
        (lambda p: p.update(v=None), r"grandeur\[0\]\.points\[3\]\.v=None: missing field"),
        (lambda p: (p.pop("d"), p.pop("p")), r"grandeur\[0\]\.points\[3\]\.p=None: missing field"),
        (lambda p: p.pop("d"), r"grandeur\[0\]\.points\[3\]\.d=None: missing field"),
        (lambda p: p.update(iv=True), r"grandeur\[0\]\.points\[3\]\.iv=True: expected a short code"),
        (lambda p: p.update(ec=["0"]), r"grandeur\[0\]\.points\[3\]\.ec=\['0'\]: expected a short code"),
        (lambda p: p.update(n=" " + "C" * 41), r"grandeur\[0\]\.points\[3\]\.n=.*longer than 40"),
    ],
)
def test_a_point_field_is_named_when_missing_or_wrong(change: Callable[[dict[str, Any]], object], message: str) -> None:
    body = steady_body()
    body["grandeur"][0]["points"][2].update(iv=1)  # memoised as "1" first: True must not reuse it
    change(body["grandeur"][0]["points"][3])
    with pytest.raises(SourceParseError, match=message):
        parse_v2(body, endpoint="consumption_load_curve", prm=STEADY_PRM)


def test_point_codes_are_kept_per_point() -> None:
    body = steady_body()
    points = body["grandeur"][0]["points"]
    points[0].update(n=" R ", iv=1, ec=None)
    points[1].update(n="", iv=1.5)
    frame = parse_steady(body)
    assert frame[["nature", "plausibility", "complementary_state"]].iloc[:3].astype(object).where(
        frame[["nature", "plausibility", "complementary_state"]].iloc[:3].notna(), None
    ).values.tolist() == [["R", "1", None], [None, "1.5", "0"], ["B", "0", "0"]]
