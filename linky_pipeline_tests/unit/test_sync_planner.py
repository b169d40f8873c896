"""Which days a building-month asks the API for: horizons, activation, final days, the nightly call budget."""

from __future__ import annotations

from datetime import date, timedelta

from linky_pipeline.lib.sync.planner import (
    DayState,
    contiguous_ranges,
    days_to_fetch,
    endpoint_due_tonight,
    spanning_range,
)

REF = date(2026, 11, 23)
CURVE = "consumption_load_curve"


def test_only_published_days_of_the_month() -> None:
    days = days_to_fetch(CURVE, date(2026, 11, 1), REF, None, {}, 7, nightly=False)
    assert days[0] == date(2026, 11, 1) and days[-1] == date(2026, 11, 22)  # D is published from D+1


def test_nothing_before_activation_or_the_curve_horizon() -> None:
    assert days_to_fetch(CURVE, date(2026, 6, 1), REF, date(2026, 6, 10), {}, 7, False)[0] == date(2026, 6, 10)
    assert days_to_fetch(CURVE, date(2024, 6, 1), REF, None, {}, 7, False) == []  # older than 24 months
    assert days_to_fetch("daily_consumption", date(2024, 6, 1), REF, None, {}, 7, False)  # daily goes to 36


def test_fetched_days_older_than_the_trailing_window_are_final() -> None:
    known = {date(2026, 11, 1) + timedelta(days=i): DayState("complete", False) for i in range(22)}
    known[date(2026, 11, 3)] = DayState("no_data", False)  # a recorded gap is final too once old
    del known[date(2026, 11, 5)]  # never fetched: fetched whatever its age
    days = days_to_fetch(CURVE, date(2026, 11, 1), REF, None, known, 7, nightly=True)
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
