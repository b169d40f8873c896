"""GCRA + hourly-window decisions and the in-memory limiter (threads, real clock)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from linky_pipeline.lib.sources.quotas import memory_quotas, parse_overrides
from linky_pipeline.lib.sources.ratelimit import (
    InMemoryRateLimiter,
    QuotaLimits,
    RateLimitConfigError,
    RateLimitWaitTooLong,
    decide,
    decide_ahead,
    window_start,
)
from linky_pipeline_tests.support.timing import max_in_window

T0 = datetime(2026, 11, 22, 9, 59, 58, tzinfo=UTC)


def test_gcra_lets_the_burst_through_then_spaces_calls() -> None:
    tat, hour, count = T0, T0.replace(minute=0, second=0), 0
    for _ in range(5):
        d = decide(T0, tat, hour, count, per_second=5, per_hour=100, burst=5)
        assert d.wait == timedelta(0)
        tat, hour, count = d.tat, d.hour_start, d.hour_count
    blocked = decide(T0, tat, hour, count, per_second=5, per_hour=100, burst=5)
    assert blocked.wait == timedelta(seconds=0.2) and blocked.hour_count == 5 and blocked.tat == tat
    assert decide(T0 + timedelta(seconds=0.2), tat, hour, count, per_second=5, per_hour=100, burst=5).wait == timedelta(
        0
    )


def test_hourly_window_blocks_until_the_next_hour_then_resets() -> None:
    hour = T0.replace(minute=0, second=0)
    full = decide(T0, T0, hour, 10_000, per_second=5, per_hour=10_000, burst=5)
    assert full.wait == timedelta(seconds=2)  # 09:59:58 → 10:00:00
    next_hour = decide(T0 + timedelta(seconds=2), T0, hour, 10_000, per_second=5, per_hour=10_000, burst=5)
    assert next_hour.wait == timedelta(0) and next_hour.hour_count == 1
    assert next_hour.hour_start == datetime(2026, 11, 22, 10, tzinfo=UTC)


def test_in_memory_limiter_waits_out_the_hour_with_an_injected_clock() -> None:
    now = [T0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += timedelta(seconds=seconds)

    limiter = InMemoryRateLimiter(per_second=100, per_hour=3, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.acquire()
    assert waits == [2.0] and now[0] == datetime(2026, 11, 22, 10, tzinfo=UTC)


@pytest.mark.parametrize(("burst", "width", "limit"), [(None, 1.0, 10), (1, 0.9, 5)])
def test_in_memory_limiter_holds_under_threads(burst: int | None, width: float, limit: int) -> None:
    """burst=5: ≤ 1 + (1 s + 4·0.2 s)/0.2 s = 10 per 1-s window; burst=1: ≤ 5 per window (0.1 s jitter allowance)."""
    limiter = InMemoryRateLimiter(per_second=5, per_hour=10_000, burst=burst)
    stamps: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 1.6

    def hammer() -> None:
        while time.monotonic() < deadline:
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max_in_window(stamps, width) <= limit
    assert len(stamps) >= 8  # it really let calls through at roughly the configured rate


def test_bad_configuration_is_typed() -> None:
    with pytest.raises(RateLimitConfigError, match="per_second=0"):
        InMemoryRateLimiter(per_second=0)


def test_scaled_windows_are_aligned_multiples_of_the_scaled_hour() -> None:
    limits = QuotaLimits(per_second=5, per_hour=1000, time_scale=1000)
    assert limits.hour == timedelta(seconds=3.6)
    now = datetime(2026, 11, 22, 9, 0, 1, 700_000, tzinfo=UTC)
    start = window_start(now, limits.hour)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert start <= now < start + limits.hour and (start - epoch) % limits.hour == timedelta(0)
    assert window_start(now) == datetime(2026, 11, 22, 9, tzinfo=UTC)  # scale 1: UTC hours


def test_scaled_decisions_wait_for_the_scaled_window_and_space_calls_by_the_scaled_second() -> None:
    now = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)  # a multiple of 3.6 s since the epoch
    start = window_start(now, timedelta(seconds=3.6))
    full = decide(now, now, start, 1000, per_second=5, per_hour=1000, burst=1, time_scale=1000)
    assert full.wait == start + timedelta(seconds=3.6) - now
    spaced = decide(
        now, now + timedelta(microseconds=200), start, 1, per_second=5, per_hour=1000, burst=1, time_scale=1000
    )
    assert spaced.wait == timedelta(microseconds=200)  # 1/(5 × 1000) s between calls


def test_a_reserve_leaves_the_end_of_each_hour_to_others() -> None:
    now = [T0]
    backfill = InMemoryRateLimiter(per_second=1000, per_hour=10, reserve=3, clock=lambda: now[0], key="k")
    for _ in range(7):
        backfill.acquire(max_wait_s=0)
    with pytest.raises(RateLimitWaitTooLong) as refused:
        backfill.acquire(max_wait_s=0)
    assert refused.value.retry_at == datetime(2026, 11, 22, 10, tzinfo=UTC) and refused.value.key == "k"
    status = backfill.status()
    assert (status.used, status.usable, status.remaining) == (7, 7, 0)
    with pytest.raises(RateLimitConfigError, match="reserve=10"):
        QuotaLimits(per_hour=10, reserve=10)


def test_max_wait_bounds_the_wait_and_nothing_is_consumed() -> None:
    now = [T0]
    slept: list[float] = []
    limiter = InMemoryRateLimiter(per_second=100, per_hour=1, clock=lambda: now[0], sleep=slept.append)
    limiter.acquire()
    with pytest.raises(RateLimitWaitTooLong, match=re.escape("next call allowed in 2.0 s")):
        limiter.acquire(max_wait_s=1.5)
    assert slept == [] and limiter.status().used == 1


def test_a_quota_book_gives_each_api_its_own_limiter_and_limits() -> None:
    default = QuotaLimits(per_second=5, per_hour=2)
    book = memory_quotas(default, parse_overrides("daily_consumption=3/h,20/s", default, ("daily_consumption", "x")))
    curve, daily = book.limiter("consumption_load_curve"), book.limiter("daily_consumption")
    assert book.limiter("consumption_load_curve") is curve and curve is not daily
    assert book.limits("daily_consumption") == QuotaLimits(per_second=20, per_hour=3)
    for _ in range(2):
        curve.acquire(max_wait_s=1)
    with pytest.raises(RateLimitWaitTooLong):
        curve.acquire(max_wait_s=0)
    for _ in range(3):  # another API's exhausted hour does not block this one
        daily.acquire(max_wait_s=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("daily=3/h", "quota override 'daily=3/h'"),
        ("daily_consumption=3/min", "'3/min' is not"),
        ("daily_consumption=0/s", "per_second=0.0"),
        ("daily_consumption=2.5/h", "whole number"),
        ("daily_consumption", "expected <api>=<n>/s,<n>/h"),
    ],
)
def test_bad_overrides_name_the_part(text: str, message: str) -> None:
    with pytest.raises(RateLimitConfigError, match=re.escape(message)):
        parse_overrides(text, QuotaLimits(), ("daily_consumption",))


def test_no_call_is_granted_in_the_edge_of_a_window() -> None:
    hour = T0.replace(minute=0, second=0)
    late = datetime(2026, 11, 22, 9, 59, 59, 980_000, tzinfo=UTC)
    held = decide(late, late, hour, 3, per_second=5, per_hour=1000, burst=1, edge_s=0.05)
    assert held.wait == timedelta(milliseconds=20) and held.hour_count == 3  # granted at 10:00 instead
    assert decide(late, late, hour, 3, per_second=5, per_hour=1000, burst=1).wait == timedelta(0)


def test_a_spacing_margin_spaces_grants_wider_than_the_rate() -> None:
    """margin=m spaces grants (1 + m)/per_second apart: five grants then span (1 + m) s, slack for the jitter
    between a grant and the call's arrival at a gateway counting a sliding second."""
    hour = T0.replace(minute=0, second=0)
    tat, count, grants = T0, 0, []
    now = T0
    while len(grants) < 6:
        d = decide(now, tat, hour, count, per_second=5, per_hour=1000, burst=1, margin=0.02)
        if d.wait > timedelta(0):
            now += d.wait
            continue
        grants.append(now)
        tat, count = d.tat, d.hour_count
    assert [b - a for a, b in itertools.pairwise(grants)] == [timedelta(milliseconds=204)] * 5
    assert grants[5] - grants[0] == timedelta(seconds=1.02)
    assert decide(T0, T0, hour, 0, per_second=5, per_hour=1000, burst=1).tat == T0 + timedelta(milliseconds=200)
    with pytest.raises(RateLimitConfigError, match="margin=1"):
        QuotaLimits(margin=1)
    with pytest.raises(RateLimitConfigError, match=re.escape("margin=-0.01")):
        InMemoryRateLimiter(margin=-0.01)


def test_callers_waiting_for_their_spacing_book_consecutive_slots_now() -> None:
    limits = QuotaLimits(per_second=5, per_hour=1000, burst=1, margin=0.02)
    hour = T0.replace(minute=0, second=0)
    tat, count, waits = T0, 0, []
    for _ in range(6):  # six workers asking at the same instant
        d, booked = decide_ahead(limits, T0, tat, hour, count, timedelta(seconds=2))
        assert booked
        tat, count = d.tat, d.hour_count
        waits.append(d.wait)
    assert waits == [timedelta(milliseconds=204 * i) for i in range(6)] and count == 6
    far, booked = decide_ahead(limits, T0, tat, hour, count, timedelta(seconds=1))  # slot 1.224 s away
    assert not booked and far.wait == timedelta(milliseconds=1224) and far.hour_count == 6 and far.tat == tat


def test_a_slot_in_the_next_window_or_its_edge_is_not_booked() -> None:
    limits = QuotaLimits(per_second=5, per_hour=1000, burst=1)
    hour = T0.replace(minute=0, second=0)
    late = datetime(2026, 11, 22, 9, 59, 59, 900_000, tzinfo=UTC)  # next slot 10:00:00.100, the next hour
    d, booked = decide_ahead(limits, late, late + timedelta(milliseconds=200), hour, 3, timedelta(seconds=2))
    assert not booked and d.hour_count == 3
    edge = datetime(2026, 11, 22, 9, 59, 59, 800_000, tzinfo=UTC)  # slot at 09:59:59.96, inside the 50 ms edge
    d, booked = decide_ahead(limits, edge, edge + timedelta(milliseconds=160), hour, 3, timedelta(seconds=2))
    assert not booked and d.hour_count == 3
    spent, booked = decide_ahead(limits, T0, T0, hour, 1000, timedelta(seconds=2))  # the hour is spent
    assert not booked and spent.wait == timedelta(seconds=2)


def test_a_late_caller_does_not_push_later_slots_back() -> None:
    """Each sleep oversleeps by 30 ms (a loaded machine): booked calls keep their 200 ms slots."""
    now = [T0]

    def sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds + 0.03)

    booking = InMemoryRateLimiter(per_second=5, burst=1, book_ahead_s=2, clock=lambda: now[0], sleep=sleep)
    calls = []
    for _ in range(4):
        booking.acquire()
        calls.append(now[0] - T0)
    # each call is 30 ms late on its slot (0, 200, 400, 600 ms), and only its own lateness counts
    assert calls == [timedelta(milliseconds=ms) for ms in (0, 230, 430, 630)]
    waking = InMemoryRateLimiter(per_second=5, burst=1, clock=lambda: now[0], sleep=sleep)  # the default
    start, grants = now[0], []
    for _ in range(4):
        waking.acquire()
        grants.append(now[0] - start)
    assert grants[-1] == timedelta(milliseconds=690)  # without booking each 30 ms adds up: 3 × 230 ms
