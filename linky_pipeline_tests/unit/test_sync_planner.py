"""Which days a building-month asks the API for: horizons, activation, final days, the nightly call budget."""

from __future__ import annotations

from datetime import date, timedelta

from linky_pipeline.lib.domain.policy import DayState, SyncPolicy
from linky_pipeline.lib.sources.enedis.provider import ENEDIS
from linky_pipeline.lib.sync.planner import (
    api_windows,
    cap_retries,
    contiguous_ranges,
    days_to_fetch,
    endpoint_due_tonight,
    plan_windows,
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


def test_measured_days_older_than_the_trailing_window_are_final_gaps_are_not() -> None:
    known = {date(2026, 11, 1) + timedelta(days=i): DayState("complete", False) for i in range(22)}
    known[date(2026, 11, 3)] = DayState("no_data", False)  # a gap is asked again, however old
    known[date(2026, 11, 4)] = DayState("partial", False, next_attempt=date(2026, 11, 30))  # not due yet
    known[date(2026, 11, 6)] = DayState("no_data", True)  # given up: final
    del known[date(2026, 11, 5)]  # never fetched: fetched whatever its age
    days = days_to_fetch(ENEDIS, CURVE, date(2026, 11, 1), None, known, NIGHTLY)
    assert days == [date(2026, 11, 3), date(2026, 11, 5)] + [date(2026, 11, d) for d in range(16, 23)]


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
    """A measured day is final once fetched and older than the trailing window; never fetched is never final; a gap
    is final only when given up."""
    policy = SyncPolicy(REF, trailing_days=7)
    assert policy.final_before == date(2026, 11, 16)
    assert policy.is_final(date(2026, 11, 15), DayState("complete", False))
    assert not policy.is_final(date(2026, 11, 16), DayState("complete", False))  # inside the trailing window
    assert policy.is_final(date(2026, 11, 20), DayState("complete", True))  # recorded final by an earlier run
    assert not policy.is_final(date(2020, 1, 1), None)  # never fetched
    assert not policy.is_final(date(2025, 1, 1), DayState("no_data", False))  # a gap never ages into final
    assert not policy.is_final(date(2025, 1, 1), DayState("partial", False))
    assert policy.is_final(date(2025, 1, 1), DayState("no_data", True))  # given up, with a reason
    assert policy.final_when_landed(date(2026, 11, 15)) and not policy.final_when_landed(date(2026, 11, 16))


def test_a_gap_is_asked_again_next_night_after_three_days_then_weekly_then_given_up() -> None:
    policy = SyncPolicy(REF, give_up_after=5)
    old = date(2026, 9, 10)
    first = policy.landed(old, "no_data", True, None)
    assert (first.is_final, first.attempts, first.next_attempt) == (False, 1, REF + timedelta(days=1))
    second = policy.landed(old, "no_data", True, DayState("no_data", False, attempts=1))
    assert second.next_attempt == REF + timedelta(days=3)
    for attempts in (2, 3):
        later = policy.landed(old, "partial", True, DayState("partial", False, attempts=attempts))
        assert later.next_attempt == REF + timedelta(days=7) and not later.is_final
    given_up = policy.landed(old, "no_data", True, DayState("no_data", False, attempts=4, first_fetched=old))
    assert given_up.is_final and given_up.next_attempt is None and given_up.attempts == 5
    assert given_up.gave_up is not None
    assert "5 answers since 2026-09-10" in given_up.gave_up and "retry-gaps" in given_up.gave_up
    filled = policy.landed(old, "complete", True, DayState("no_data", False, attempts=3))
    assert filled.is_final and filled.gave_up is None
    recent = policy.landed(REF - timedelta(days=2), "no_data", True, DayState("no_data", False, attempts=30))
    assert not recent.is_final and recent.next_attempt == REF + timedelta(days=1)  # the trailing window asks anyway
    never = policy.landed(old, "before_activation", False, None)
    assert never.is_final and never.gave_up is None


def test_a_resumed_backfill_asks_nothing_it_landed_but_a_nightly_catch_up_asks_the_window_again() -> None:
    landed_today = DayState("complete", False, next_attempt=REF + timedelta(days=1))
    gap_today = DayState("no_data", False, next_attempt=REF + timedelta(days=1))
    recent = REF - timedelta(days=2)
    assert not BACKFILL.wants(recent, landed_today) and not BACKFILL.wants(date(2026, 3, 2), gap_today)
    assert NIGHTLY.wants(recent, landed_today)  # the 10:00 catch-up re-asks D-1 published after 02:00
    assert not NIGHTLY.wants(date(2026, 3, 2), gap_today)  # an old gap waits for its next attempt
    assert BACKFILL.wants(recent, DayState("complete", False, next_attempt=REF))  # landed by yesterday's run


def test_gap_only_windows_are_capped_per_meter_oldest_due_first() -> None:
    policy = SyncPolicy(REF, retry_windows_per_meter=1)
    known = {
        date(2026, 3, 2): DayState("no_data", False, next_attempt=date(2026, 11, 20)),
        date(2026, 5, 4): DayState("no_data", False, next_attempt=date(2026, 11, 1)),
        date(2026, 11, 20): DayState("complete", False, next_attempt=REF),
    }
    days = [*sorted(known), date(2026, 11, 21)]
    windows = plan_windows(days, known, policy, 7)
    assert [(w.start, w.retry_only) for w in windows] == [
        (date(2026, 3, 2), True),
        (date(2026, 5, 4), True),
        (date(2026, 11, 20), False),
    ]
    kept, deferred = cap_retries(windows, policy.retry_windows_per_meter)
    assert [w.start for w in kept] == [date(2026, 5, 4), date(2026, 11, 20)]  # the gap due first, then the window
    assert [w.start for w in deferred] == [date(2026, 3, 2)]


def test_api_windows_never_exceed_the_maximum() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(20)] + [date(2026, 3, 1)]
    windows = api_windows(days, 7)
    assert windows[:3] == [
        (date(2026, 1, 1), date(2026, 1, 8)),
        (date(2026, 1, 8), date(2026, 1, 15)),
        (date(2026, 1, 15), date(2026, 1, 21)),
    ]
    assert windows[3] == (date(2026, 3, 1), date(2026, 3, 2))


def test_a_policy_refuses_nonsense() -> None:
    import pytest

    with pytest.raises(ValueError, match="trailing_days=-1"):
        SyncPolicy(REF, trailing_days=-1)
    with pytest.raises(ValueError, match="max_concurrency=0"):
        SyncPolicy(REF, max_concurrency=0)
    with pytest.raises(ValueError, match="retry_after_days"):
        SyncPolicy(REF, retry_after_days=(0,))
    with pytest.raises(ValueError, match="give_up_after=0"):
        SyncPolicy(REF, give_up_after=0)
