"""Provider call quotas (Enedis: 5 calls/s, 10 000 calls/h) enforced before every HTTP call.

Per-second rate: GCRA (generic cell rate algorithm) on a theoretical arrival time `tat`, emission interval
T = 1/per_second and burst tolerance tau = (burst − 1)·T. With the default burst = per_second, an idle limiter
lets `burst` calls through at once and then one every T: any sliding window of L seconds then holds at most
1 + (L + tau)/T calls, i.e. up to 2·per_second within the first second after an idle period (the burst plus the
steady rate), and per_second per second on average. Pass burst=1 for a strict "never more than per_second in
any half-open 1-s window" (Enedis may count Q3 that way; the client still waits out a Q3 429 if it does).
Per-hour quota: a fixed window aligned on UTC hours (hour_start, hour_count).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import psycopg

logger = logging.getLogger(__name__)
HOUR = timedelta(hours=1)


class RateLimitError(Exception):
    """Base of rate-limiter errors."""


class RateLimitConfigError(RateLimitError):
    """A limiter parameter is out of range."""


class RateLimiter(Protocol):
    """Anything that blocks until one more provider call is allowed."""

    def acquire(self) -> None:
        """Block until a call may be made, then count it."""
        ...


@dataclass(frozen=True)
class Decision:
    """Result of one GCRA + hourly-window check: wait > 0 means "not yet, nothing consumed"."""

    wait: timedelta
    tat: datetime
    hour_start: datetime
    hour_count: int


def _check(per_second: float, per_hour: int, burst: int) -> None:
    for name, value in (("per_second", per_second), ("per_hour", per_hour), ("burst", burst)):
        if not value > 0:
            raise RateLimitConfigError(f"{name}={value!r}: must be > 0")


def decide(
    now: datetime, tat: datetime, hour_start: datetime, hour_count: int, *, per_second: float, per_hour: int, burst: int
) -> Decision:
    """Pure GCRA + fixed-hour decision shared by both limiters."""
    emission = timedelta(seconds=1 / per_second)
    tolerance = emission * (burst - 1)
    if now >= hour_start + HOUR or now < hour_start:
        hour_start, hour_count = now.replace(minute=0, second=0, microsecond=0), 0
    if hour_count >= per_hour:
        return Decision(hour_start + HOUR - now, tat, hour_start, hour_count)
    arrival = max(tat, now)
    if arrival - now > tolerance:
        return Decision(arrival - tolerance - now, tat, hour_start, hour_count)
    return Decision(timedelta(0), arrival + emission, hour_start, hour_count + 1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InMemoryRateLimiter:
    """Process-local limiter (thread-safe) for tests, the CLI and single-process runs."""

    def __init__(
        self,
        per_second: float = 5,
        per_hour: int = 10_000,
        *,
        burst: int | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second, self.per_hour, self.burst = per_second, per_hour, burst or max(1, int(per_second))
        _check(per_second, per_hour, self.burst)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self._tat, self._hour_start, self._hour_count = now, now.replace(minute=0, second=0, microsecond=0), 0

    def acquire(self) -> None:
        """Block until allowed; the lock is never held while sleeping."""
        while True:
            with self._lock:
                d = decide(
                    self._clock(),
                    self._tat,
                    self._hour_start,
                    self._hour_count,
                    per_second=self.per_second,
                    per_hour=self.per_hour,
                    burst=self.burst,
                )
                self._hour_start, self._hour_count = d.hour_start, d.hour_count
                if d.wait <= timedelta(0):
                    self._tat = d.tat
                    return
            self._sleep(d.wait.total_seconds())


class PostgresRateLimiter:
    """Limiter shared by every process and thread through one api_rate_limits row per provider."""

    _INSERT = (
        "INSERT INTO api_rate_limits (provider, tat, hour_start, hour_count) "
        "VALUES (%s, clock_timestamp(), date_trunc('hour', clock_timestamp()), 0) "
        "ON CONFLICT (provider) DO NOTHING"
    )
    _LOCK = "SELECT tat, hour_start, hour_count FROM api_rate_limits WHERE provider = %s FOR UPDATE"
    _UPDATE = "UPDATE api_rate_limits SET tat = %s, hour_start = %s, hour_count = %s WHERE provider = %s"

    def __init__(
        self,
        conninfo: str,
        provider: str,
        per_second: float = 5,
        per_hour: int = 10_000,
        *,
        burst: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not provider:
            raise RateLimitConfigError(f"provider={provider!r}: must be non-empty")
        self.provider, self.per_second, self.per_hour = provider, per_second, per_hour
        self.burst = burst or max(1, int(per_second))
        _check(per_second, per_hour, self.burst)
        self._conninfo, self._sleep = conninfo, sleep
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._row_ready = False

    def __repr__(self) -> str:
        return (
            f"PostgresRateLimiter(provider={self.provider!r}, per_second={self.per_second}, "
            f"per_hour={self.per_hour}, burst={self.burst})"
        )

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _try_once(self) -> timedelta:
        """One short transaction: lock the row, decide, consume if allowed. Returns the wait (0 = allowed)."""
        conn = self._connection()
        with conn.transaction():
            if not self._row_ready:
                conn.execute(self._INSERT, (self.provider,))
            row = conn.execute(self._LOCK, (self.provider,)).fetchone()
            if row is None:
                raise RateLimitError(f"provider={self.provider!r}: api_rate_limits row missing")
            self._row_ready = True
            clock_row = conn.execute("SELECT clock_timestamp()").fetchone()
            assert clock_row is not None
            d = decide(
                clock_row[0],
                row[0],
                row[1],
                row[2],
                per_second=self.per_second,
                per_hour=self.per_hour,
                burst=self.burst,
            )
            if d.wait <= timedelta(0):
                conn.execute(self._UPDATE, (d.tat, d.hour_start, d.hour_count, self.provider))
            return d.wait

    def acquire(self) -> None:
        """Block until allowed; commits before sleeping so other processes are never held up."""
        while True:
            with self._lock:
                try:
                    wait = self._try_once()
                except psycopg.OperationalError:
                    logger.warning("rate limiter connection lost for provider=%s; reconnecting", self.provider)
                    self._drop_connection()
                    wait = self._try_once()
            if wait <= timedelta(0):
                return
            self._sleep(wait.total_seconds())

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close the connection (it is reopened on the next acquire)."""
        with self._lock:
            self._drop_connection()
