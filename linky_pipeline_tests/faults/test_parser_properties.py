"""Property tests of every parser (bounded in CI; benchmarks/fuzz_parsers.py runs the same properties longer):
Enedis v5 and 2026 v2 for each endpoint kind, ORES, the Belgian CSV export and its landed document, and the JSON
reader every client lands through. Each returns a canonical frame (split into plausible and quarantined points)
or raises its source's typed error; anything else fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from linky_pipeline_tests.support import parser_fuzz as fz

pytestmark = pytest.mark.faults
BOUNDED = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
CASES = [(v, e) for v in ("2026-v2", "v5") for e in fz.KINDS]


@pytest.mark.parametrize(("version", "endpoint"), CASES, ids=[f"enedis {v} {e}" for v, e in CASES])
def test_enedis_parsers_return_a_frame_or_a_typed_error(version: str, endpoint: str) -> None:
    check = fz.enedis_property(version, endpoint)
    assert check(fz.enedis_bodies(version, endpoint)) == "frame"  # the unmutated body parses

    @BOUNDED
    @given(fz.mutated(fz.enedis_bodies(version, endpoint)))
    def holds(body: dict[str, Any]) -> None:
        check(body)

    holds()


@BOUNDED
@given(fz.mutated(fz.ores_body()))
def test_ores_parser_returns_a_frame_or_a_typed_error(body: dict[str, Any]) -> None:
    fz.ores_property(body)


@BOUNDED
@given(fz.csv_texts())
def test_belgian_csv_parser_returns_a_frame_or_a_typed_error_naming_the_file(text: str) -> None:
    fz.csv_property(text)


@BOUNDED
@given(fz.mutated(fz.be_payload()))
def test_landed_belgian_documents_parse_or_raise_a_typed_error(doc: dict[str, Any]) -> None:
    fz.be_payload_property(doc)


@BOUNDED
@given(fz.json_texts())
def test_whatever_the_json_reader_accepts_can_be_landed_as_jsonb(body: bytes) -> None:
    fz.landable_property(body)


def test_the_unmutated_inputs_parse() -> None:
    assert fz.ores_property(fz.ores_body()) == "frame"
    assert fz.csv_property("\n".join([fz.CSV_HEADER, *fz.CSV_ROWS])) == "frame"
    assert fz.be_payload_property(fz.be_payload()) == "frame"
