"""synth_contrat_auto parsed defensively: every capture's shape, and unknown shapes named, never fatal."""

from __future__ import annotations

from datetime import date

import pytest

from linky_pipeline.lib.sources.enedis.contract import kva, local_day, parse_contract
from linky_pipeline.lib.sources.errors import SourceParseError

GLADYS_CAPTURE = {  # as a peer's test fixture records it
    "segments": ["C5"],
    "consumption_last_activation_date": "2013-08-14T00:00:00+01:00",
    "last_subscribed_power_change_date": "2017-05-25T00:00:00+01:00",
    "services_level": 2,
}


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2013-08-14", date(2013, 8, 14)),
        ("2013-08-14+01:00", date(2013, 8, 14)),  # v5 contracts wrote days with an offset
        ("2013-08-14T00:00:00+01:00", date(2013, 8, 14)),
        ("2019-08-27T00:00:00+0200", date(2019, 8, 27)),  # an offset without its colon
        ("2019-08-26T22:00:00Z", date(2019, 8, 27)),  # UTC: Paris midnight is the next day
        ("2019-08-27 00:00:00.000+02:00", date(2019, 8, 27)),
        ("27/08/2019", None),
        ("2019-02-30", None),
        (20190827, None),
    ],
)
def test_activation_dates_in_every_spelling(value: object, day: date | None) -> None:
    assert local_day(value) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9 kVA", 9.0),
        ("6,5 kVA", 6.5),
        ("12", 12.0),
        (36, 36.0),
        ({"value": "9", "unit": "kVA"}, 9.0),
        ({"valeur": 9000, "unite": "VA"}, 9.0),
        ("9000 VA", 9.0),
        ("nine", None),
        (True, None),
        (0, None),
    ],
)
def test_subscribed_power_in_every_spelling(value: object, expected: float | None) -> None:
    assert kva(value) == expected


def test_a_peer_capture_and_the_other_shapes() -> None:
    summary = parse_contract(GLADYS_CAPTURE)
    assert summary.activation_for("consumption") == date(2013, 8, 14)
    assert summary.activation_for("production") is None
    assert (summary.subscribed_kva, summary.segments, summary.services_level) == (None, ("C5",), "2")
    assert summary.problems == ()
    objects = parse_contract(
        [
            {
                "segments": [{"segment": "C5"}, {"code": "P4"}],
                "services_level": "2",
                "generation_last_activation_date": "2021-04-01T00:00:00+0200",
                "subscribed_power": {"value": "6", "unit": "kVA"},
            }
        ]
    )
    assert objects.segments == ("C5", "P4") and objects.activation_for("production") == date(2021, 4, 1)
    assert objects.subscribed_kva == 6.0
    wrapped = parse_contract({"synthese_contrat": {"consumption_last_activation_date": "2015-01-01", "segments": [
        {"segment": "C5", "subscribed_power": "12 kVA"}]}})  # fmt: skip
    assert (wrapped.activation_for("consumption"), wrapped.subscribed_kva) == (date(2015, 1, 1), 12.0)


def test_fields_in_an_unknown_shape_are_named_not_fatal() -> None:
    summary = parse_contract(
        {"consumption_last_activation_date": "le 14 août", "subscribed_power": "beaucoup", "services_level": [2]}
    )
    assert summary.activation == {} and summary.subscribed_kva is None and summary.services_level is None
    assert summary.problems == (
        "consumption_last_activation_date='le 14 août': not a date",
        "subscribed_power='beaucoup': not a power in kVA",
    )
    with pytest.raises(SourceParseError, match="synth_contrat_auto='str'"):
        parse_contract("<html>")
