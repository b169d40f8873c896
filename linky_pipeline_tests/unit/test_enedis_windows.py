"""Window planning: API maxima, end exclusive and never after today, horizons and activation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from linky_pipeline.lib.sources.enedis.windows import horizon_start, months_before, plan_windows
from linky_pipeline.lib.sources.errors import WindowError

TODAY = date(2026, 11, 22)


def test_curve_windows_are_at_most_seven_days_contiguous_and_exact() -> None:
    plan = plan_windows("consumption_load_curve", date(2026, 10, 1), date(2026, 11, 1), today=TODAY)
    assert plan.windows[0] == (date(2026, 10, 1), date(2026, 10, 8))
    assert plan.windows[-1] == (date(2026, 10, 29), date(2026, 11, 1))
    assert all((e - s).days <= 7 for s, e in plan.windows)
    assert all(a[1] == b[0] for a, b in zip(plan.windows, plan.windows[1:], strict=False))
    assert sum((e - s).days for s, e in plan.windows) == 31 == plan.days


def test_daily_windows_are_at_most_365_days() -> None:
    plan = plan_windows("daily_consumption", date(2024, 1, 1), date(2026, 11, 1), today=TODAY)
    assert [(e - s).days for s, e in plan.windows] == [365, 365, 305]


def test_end_is_exclusive_and_clamped_to_today() -> None:
    plan = plan_windows("daily_production", date(2026, 11, 1), date(2026, 12, 31), today=TODAY)
    assert plan.end == TODAY and plan.windows == ((date(2026, 11, 1), TODAY),)
    assert plan_windows("daily_production", TODAY, TODAY + timedelta(days=3), today=TODAY).windows == ()


@pytest.mark.parametrize(
    ("endpoint", "limit"),
    [
        ("consumption_load_curve", date(2024, 11, 7)),  # 2026-11-22 − 24 months − 15 days
        ("production_load_curve", date(2024, 11, 7)),
        ("daily_consumption", date(2023, 11, 7)),  # − 36 months − 15 days
        ("daily_consumption_max_power", date(2023, 11, 7)),
    ],
)
def test_horizon_is_one_day_inside_the_documented_limit(endpoint: str, limit: date) -> None:
    assert horizon_start(endpoint, TODAY) == limit + timedelta(days=1)
    plan = plan_windows(endpoint, date(2020, 1, 1), date(2026, 1, 1), today=TODAY)
    assert plan.start == limit + timedelta(days=1) == plan.windows[0][0]


def test_horizon_month_arithmetic_clamps_to_month_end() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 31), 25) == date(2024, 2, 29)
    assert horizon_start("consumption_load_curve", date(2026, 5, 31)) == date(2024, 5, 17)


def test_range_entirely_beyond_horizon_or_before_activation_plans_nothing() -> None:
    assert plan_windows("consumption_load_curve", date(2020, 1, 1), date(2021, 1, 1), today=TODAY).windows == ()
    plan = plan_windows(
        "daily_consumption", date(2026, 1, 1), date(2026, 3, 1), today=TODAY, activation_date=date(2026, 6, 1)
    )
    assert plan.windows == () and plan.days == 0


def test_activation_date_moves_the_start() -> None:
    plan = plan_windows(
        "consumption_load_curve", date(2026, 8, 1), date(2026, 8, 20), today=TODAY, activation_date=date(2026, 8, 12)
    )
    assert plan.windows == ((date(2026, 8, 12), date(2026, 8, 19)), (date(2026, 8, 19), date(2026, 8, 20)))
    old = plan_windows(
        "consumption_load_curve", date(2026, 8, 1), date(2026, 8, 3), today=TODAY, activation_date=date(2015, 1, 1)
    )
    assert old.windows == ((date(2026, 8, 1), date(2026, 8, 3)),)


def test_bad_input_is_a_typed_error() -> None:
    with pytest.raises(WindowError, match=r"start=2026-02-01 is after end=2026-01-01"):
        plan_windows("daily_consumption", date(2026, 2, 1), date(2026, 1, 1), today=TODAY)
    with pytest.raises(WindowError, match=r"endpoint='hourly_consumption'"):
        plan_windows("hourly_consumption", date(2026, 1, 1), date(2026, 1, 2), today=TODAY)
