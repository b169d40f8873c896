"""PostgresRateLimiter shared by threads and by separate processes through api_rate_limits."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import uuid
from datetime import timedelta

import psycopg
import pytest

from linky_pipeline.lib.sources.quotas import postgres_quotas
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter, QuotaLimits, RateLimitWaitTooLong
from linky_pipeline_tests.support.timing import max_in_window

# Default burst = per_second = 5 → GCRA allows ≤ 1 + (1 s + 0.8 s)/0.2 s = 10 calls in any 1-s window (burst
# plus steady rate right after an idle period) and ≤ burst + rate·duration overall.
WINDOW_LIMIT_BURST5 = 10


def _hammer(limiter: PostgresRateLimiter, stamps: list[float], lock: threading.Lock, until: float) -> None:
    while time.time() < until:
        limiter.acquire()
        with lock:
            stamps.append(time.time())


def _threads(conninfo: str, provider: str, threads: int, until: float, burst: int | None) -> list[float]:
    limiter = PostgresRateLimiter(conninfo, provider, per_second=5, burst=burst)
    stamps: list[float] = []
    lock = threading.Lock()
    workers = [threading.Thread(target=_hammer, args=(limiter, stamps, lock, until)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    limiter.close()
    return stamps


def _child(conninfo: str, provider: str, ready: mp.Queue, go: mp.Event, out: mp.Queue) -> None:
    ready.put(True)  # imports done
    go.wait(60)
    out.put(_threads(conninfo, provider, 3, time.time() + 2.0, None))


def test_threads_share_the_quota(pg_url: str) -> None:
    provider = f"test-{uuid.uuid4().hex[:8]}"
    begin = time.time()
    stamps = _threads(pg_url, provider, 5, begin + 2.0, None)
    assert max_in_window(stamps, 1.0) <= WINDOW_LIMIT_BURST5
    # Calls granted inside the 2-s run: ≤ burst + rate·2 s (+1 for the edge); threads blocked at the deadline
    # are granted just after it, so those are not counted.
    assert 8 <= len([s for s in stamps if s < begin + 2.0]) <= 5 + 5 * 2 + 1
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT hour_count FROM api_rate_limits WHERE provider = %s", (provider,)).fetchone()
    assert row is not None and row[0] >= len(stamps) - 1  # an hour boundary may have reset the counter once


def test_strict_burst_one(pg_url: str) -> None:
    stamps = _threads(pg_url, f"test-{uuid.uuid4().hex[:8]}", 4, time.time() + 1.6, 1)
    assert max_in_window(stamps, 0.9) <= 5  # 0.1 s allowance for commit/return jitter after the decision


def test_two_processes_share_the_quota(pg_url: str) -> None:
    provider = f"test-{uuid.uuid4().hex[:8]}"
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    ready: mp.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=_child, args=(pg_url, provider, ready, go, out)) for _ in range(2)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)
    begin = time.time()
    go.set()
    per_process = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert all(per_process), "both processes made calls"
    stamps = [s for chunk in per_process for s in chunk]
    assert max_in_window(stamps, 1.0) <= WINDOW_LIMIT_BURST5
    assert len([s for s in stamps if s < begin + 2.0]) <= 5 + 5 * 2 + 1


def test_hourly_quota_makes_it_wait_for_the_next_hour(pg_url: str) -> None:
    waits: list[float] = []

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise Stop

    limiter = PostgresRateLimiter(pg_url, f"test-{uuid.uuid4().hex[:8]}", per_second=100, per_hour=3, sleep=sleep)
    for _ in range(3):
        limiter.acquire()
    with pytest.raises(Stop):
        limiter.acquire()
    limiter.close()
    assert len(waits) == 1 and 0 < waits[0] <= timedelta(hours=1).total_seconds()


def test_each_api_has_its_own_row_and_an_exhausted_one_blocks_only_itself(pg_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex[:6]}:"
    book = postgres_quotas(pg_url, QuotaLimits(per_second=1000, per_hour=3), prefix=prefix)
    for _ in range(3):
        book.limiter("consumption_load_curve").acquire(max_wait_s=0.1)  # 1 ms spacing at 1000/s
    with pytest.raises(RateLimitWaitTooLong):
        book.limiter("consumption_load_curve").acquire(max_wait_s=0.1)
    began = time.monotonic()
    for _ in range(3):
        book.limiter("daily_consumption").acquire(max_wait_s=0.1)
    assert time.monotonic() - began < 1.0
    assert book.status("consumption_load_curve").remaining == 0 and book.status("daily_consumption").used == 3
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT provider, hour_count FROM api_rate_limits WHERE provider LIKE %s ORDER BY 1", (prefix + "%",)
        ).fetchall()
    assert rows == [(f"{prefix}consumption_load_curve", 3), (f"{prefix}daily_consumption", 3)]
    book.close()


def test_a_scaled_hour_is_shared_by_threads_and_reopens_on_its_boundary(pg_url: str) -> None:
    """time_scale 7200: one "hour" lasts 0.5 s; 5 calls per window for 2 s whatever the number of threads."""
    limiter = PostgresRateLimiter(pg_url, f"test-{uuid.uuid4().hex[:8]}", 1000, 5, burst=1, time_scale=7200)
    assert limiter.limits.hour == timedelta(seconds=0.5)
    stamps: list[float] = []
    lock = threading.Lock()
    begin = time.time()
    workers = [threading.Thread(target=_hammer, args=(limiter, stamps, lock, begin + 2.0)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    limiter.close()
    windows = {int(s // 0.5) for s in stamps}
    granted = [s for s in stamps if s < begin + 2.0]
    assert len(granted) <= 5 * len(windows)  # never more than the quota of each window touched
    assert len(granted) >= 5 * 3  # at least the three windows fully inside the 2 s were used to the end
