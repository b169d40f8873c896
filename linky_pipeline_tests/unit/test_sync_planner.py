"""Which days a building-month asks the API for: horizons, activation, final days, the nightly call budget."""

from __future__ import annotations

from datetime import date, timedelta

from linky_pipeline.lib.domain.policy import DayState, SyncPolicy
from linky_pipeline.lib.sources.enedis.provider import ENEDIS
from linky_pipeline.lib.sync.planner import (
    contiguous_ranges,
    days_to_fetch,
    endpoint_due_tonight,
    spanning_range,
)

REF = date(2026, 11, 23)
CURVE = "consumption_load_curve"
BACKFILL = SyncPolicy(REF, trailing_days=7, mode="backfill")
NIGHTLY = SyncPolicy(REF, trailing_days=7, mode="nightly")


def test_only_published_days_of_the_month() -> None:
    days = days_to_fetch(ENEDIS, CURVE, date(2026, 11, 1), None, {}, BACKFILL)
    assert days[0] == date(2026, 11, 1) and days[-1] == date(2026, 11, 22)  # D is published from D+1


def test_nothing_before_activation_or_the_curve_horizon() -> None:
    assert days_to_fetch(ENEDIS, CURVE, date(2026, 6, 1), date(2026, 6, 10), {}, BACKFILL)[0] == date(2026, 6, 10)
    assert days_to_fetch(ENEDIS, CURVE, date(2024, 6, 1), None, {}, BACKFILL) == []  # older than 24 months
    assert days_to_fetch(ENEDIS, "daily_consumption", date(2024, 6, 1), None, {}, BACKFILL)  # daily goes to 36


def test_fetched_days_older_than_the_trailing_window_are_final() -> None:
    known = {date(2026, 11, 1) + timedelta(days=i): DayState("complete", False) for i in range(22)}
    known[date(2026, 11, 3)] = DayState("no_data", False)  # a recorded gap is final too once old
    del known[date(2026, 11, 5)]  # never fetched: fetched whatever its age
    days = days_to_fetch(ENEDIS, CURVE, date(2026, 11, 1), None, known, NIGHTLY)
    assert days == [date(2026, 11, 5)] + [date(2026, 11, d) for d in range(16, 23)]


def test_nightly_daily_endpoints_alternate_so_a_meter_costs_two_calls() -> None:
    for night in (REF, REF + timedelta(days=1)):
        due = [
            e
            for e in ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power")
            if endpoint_due_tonight(e, night)
        ]
        assert len(due) == 2 and "consumption_load_curve" in due
    assert endpoint_due_tonight("daily_production", REF)


def test_ranges() -> None:
    days = [date(2026, 11, d) for d in (2, 3, 5, 6, 7)]
    assert contiguous_ranges(days) == [(date(2026, 11, 2), date(2026, 11, 4)), (date(2026, 11, 5), date(2026, 11, 8))]
    assert spanning_range(days, 7) == [(date(2026, 11, 2), date(2026, 11, 8))]  # one call covers the hole
    assert spanning_range(days, 3) == contiguous_ranges(days)
    assert spanning_range([], 7) == []


def test_the_policy_is_the_one_rule_for_final_days() -> None:
    """A day is final once fetched and older than the trailing window; never fetched is never final."""
    policy = SyncPolicy(REF, trailing_days=7)
    assert policy.final_before == date(2026, 11, 16)
    assert policy.is_final(date(2026, 11, 15), DayState("complete", False))
    assert not policy.is_final(date(2026, 11, 16), DayState("complete", False))  # inside the trailing window
    assert policy.is_final(date(2026, 11, 20), DayState("complete", True))  # recorded final by an earlier run
    assert not policy.is_final(date(2020, 1, 1), None)  # never fetched
    assert policy.final_when_landed(date(2026, 11, 15)) and not policy.final_when_landed(date(2026, 11, 16))


def test_a_policy_refuses_nonsense() -> None:
    import pytest

    with pytest.raises(ValueError, match="trailing_days=-1"):
        SyncPolicy(REF, trailing_days=-1)
    with pytest.raises(ValueError, match="max_concurrency=0"):
        SyncPolicy(REF, max_concurrency=0)
