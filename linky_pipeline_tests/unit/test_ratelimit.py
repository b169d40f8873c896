"""GCRA + hourly-window decisions and the in-memory limiter (threads, real clock)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from linky_pipeline.lib.sources.ratelimit import InMemoryRateLimiter, RateLimitConfigError, decide
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
