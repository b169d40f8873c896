"""Call quotas enforced before every HTTP call: a rate per second and a budget per hour, for one key (one API).

Per-second rate: GCRA (generic cell rate algorithm) on a theoretical arrival time `tat`, emission interval
T = 1/per_second and burst tolerance tau = (burst − 1)·T. With burst = per_second, an idle limiter lets `burst`
calls through at once and then one every T (up to 2·per_second within the first second after an idle period);
burst=1 spaces calls strictly (never more than per_second in any 1-s window), which is what Enedis's Q3 needs.

Margin: margin=m spaces grants (1 + m)·T apart. A gateway counting a sliding second on arrival refuses a call that
reaches it earlier, relative to the call five before, than their grants were apart; m buys slack against that
jitter (the Enedis limiters use 2 %, measured by benchmarks/quota_spacing.py). A waiting caller is granted when it
wakes up and asks again (its lateness delays later grants: slack too); with book_ahead_s > 0 it books its slot
while waiting instead (decide_ahead), measured slower against a strict sliding second, so off by default.

Per-hour budget: a fixed window aligned on the hour. Enedis's WSO2 gateway reopens on the hour ("You can access
API after 2026-Jul-17 05:00:00+0000 UTC"); the sandbox counts the same way, so the limiter and the gateway agree
on which hour a call belongs to.

Scaled time (benchmarks): `time_scale` = s divides every duration by s. One "hour" window lasts 3600/s real
seconds and the per-second rate allows per_second·s calls per real second. Windows are aligned on multiples of the
scaled hour since the Unix epoch, exactly as the sandbox with the same `time_scale` aligns them, so a backfill of
many hours of quota runs in seconds with limiter and sandbox agreeing on every window.

Edge: no call is granted in the last `edge_s` real seconds of a window (default 50 ms). A call granted at 10:59:59.99
reaches the gateway after 11:00 and would count in the next hour, where this limiter grants a full quota again:
the gateway would refuse the last call of that hour. Costs 50 ms per hour at real speed, 1.4 % at time_scale 1000.

Reserve: a limiter built with reserve=r stops at per_hour − r calls in a window. Every caller of a key shares the
window's count, so a backfill with reserve=200 leaves 200 calls of each hour to callers with reserve=0 (the
nightly sync), whatever order they arrive in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import psycopg

logger = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class RateLimitError(Exception):
    """Base of rate-limiter errors."""


class RateLimitConfigError(RateLimitError):
    """A limiter parameter is out of range."""


class RateLimitWaitTooLong(RateLimitError):
    """The next call is allowed only after the caller's maximum wait; retry_at says when the key reopens."""

    def __init__(self, key: str, wait_s: float, retry_at: datetime) -> None:
        self.key, self.wait_s, self.retry_at = key, wait_s, retry_at
        super().__init__(f"quota {key!r} exhausted: next call allowed in {wait_s:.1f} s (at {retry_at.isoformat()})")


# Extra calls of the current window to leave to others, read in the limiter's own transaction (e.g. the calls a
# nightly run claimed, lib/sync/priority.py): (connection, key) → calls.
YieldTo = Callable[[psycopg.Connection, str], int]


class RateLimiter(Protocol):
    """Anything that blocks until one more call is allowed."""

    def acquire(self, max_wait_s: float | None = None) -> None:
        """Block until a call may be made, then count it; raise RateLimitWaitTooLong instead of waiting longer
        than `max_wait_s` (None: as long as needed)."""
        ...


@dataclass(frozen=True)
class QuotaLimits:
    """The limits of one key; see the module docstring for time_scale and reserve."""

    per_second: float = 5.0
    per_hour: int = 1000
    burst: int = 1
    time_scale: float = 1.0
    reserve: int = 0
    edge_s: float = 0.05
    margin: float = 0.0

    def __post_init__(self) -> None:
        for name in ("per_second", "per_hour", "burst", "time_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not value > 0:
                raise RateLimitConfigError(f"{name}={value!r}: must be > 0")
        if not 0 <= self.edge_s < self.hour.total_seconds() / 2:
            raise RateLimitConfigError(f"edge_s={self.edge_s!r}: must be >= 0 and under half an hour window")
        if not 0 <= self.reserve < self.per_hour:
            raise RateLimitConfigError(f"reserve={self.reserve!r}: must be >= 0 and below per_hour={self.per_hour}")
        if not 0 <= self.margin < 1:
            raise RateLimitConfigError(f"margin={self.margin!r}: must be >= 0 and below 1")

    @property
    def hour(self) -> timedelta:
        """Length of one (scaled) hour window."""
        return timedelta(seconds=3600 / self.time_scale)

    @property
    def usable_per_hour(self) -> int:
        """Calls this caller may make in one window."""
        return self.per_hour - self.reserve


def window_start(now: datetime, hour: timedelta = HOUR) -> datetime:
    """Start of the window holding `now`: windows are multiples of `hour` since the Unix epoch (UTC hours at
    scale 1)."""
    elapsed = (now - _EPOCH) // _US
    return _EPOCH + _US * (elapsed - elapsed % max(1, hour // _US))


@dataclass(frozen=True)
class Decision:
    """Result of one GCRA + hourly-window check: wait > 0 means "not yet, nothing consumed"."""

    wait: timedelta
    tat: datetime
    hour_start: datetime
    hour_count: int


@dataclass(frozen=True)
class QuotaStatus:
    """Where a key stands in its current window (for progress and ETA reports)."""

    key: str
    used: int
    usable: int
    window_start: datetime
    window_end: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.usable - self.used)


def decide(
    now: datetime,
    tat: datetime,
    hour_start: datetime,
    hour_count: int,
    *,
    per_second: float,
    per_hour: int,
    burst: int,
    time_scale: float = 1.0,
    reserve: int = 0,
    edge_s: float = 0.0,
    margin: float = 0.0,
) -> Decision:
    """Pure GCRA + fixed-window decision shared by both limiters."""
    limits = QuotaLimits(per_second, per_hour, burst, time_scale, reserve, edge_s, margin)
    emission = timedelta(seconds=(1 + margin) / (per_second * time_scale))
    tolerance = emission * (burst - 1)
    current = window_start(now, limits.hour)
    if hour_start != current:
        hour_start, hour_count = current, 0
    window_end = hour_start + limits.hour
    if hour_count >= limits.usable_per_hour or now >= window_end - timedelta(seconds=edge_s):
        return Decision(window_end - now, tat, hour_start, hour_count)
    arrival = max(tat, now)
    if arrival - now > tolerance:
        return Decision(arrival - tolerance - now, tat, hour_start, hour_count)
    return Decision(timedelta(0), arrival + emission, hour_start, hour_count + 1)


def decide_with(limits: QuotaLimits, now: datetime, tat: datetime, hour_start: datetime, hour_count: int) -> Decision:
    """`decide` with the limits of one key."""
    return decide(
        now,
        tat,
        hour_start,
        hour_count,
        per_second=limits.per_second,
        per_hour=limits.per_hour,
        burst=limits.burst,
        time_scale=limits.time_scale,
        reserve=limits.reserve,
        edge_s=limits.edge_s,
        margin=limits.margin,
    )


def decide_ahead(
    limits: QuotaLimits, now: datetime, tat: datetime, hour_start: datetime, hour_count: int, horizon: timedelta
) -> tuple[Decision, bool]:
    """`decide`, but a call that only has to wait for its spacing (not for another window) books its slot now:
    (decision, True) with the call counted and `wait` the time until the slot. The caller sleeps until the slot and
    calls without asking again, so the time between its wake-up and its next question does not push every later
    slot back (grants stay (1 + margin)/per_second apart, not that plus each caller's lateness). Not booked (False,
    nothing consumed): the slot is beyond `horizon`, in another window, or in a window's edge."""
    d = decide_with(limits, now, tat, hour_start, hour_count)
    if d.wait <= timedelta(0):
        return d, True
    slot = now + d.wait
    if d.wait > horizon or window_start(slot, limits.hour) != window_start(now, limits.hour):
        return d, False
    at_slot = decide_with(limits, slot, tat, hour_start, hour_count)
    if at_slot.wait > timedelta(0):  # the slot falls in the window's edge, or the window is spent
        return d, False
    return Decision(d.wait, at_slot.tat, at_slot.hour_start, at_slot.hour_count), True


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _limits(
    per_second: float,
    per_hour: int,
    burst: int | None,
    time_scale: float,
    reserve: int,
    edge_s: float,
    margin: float = 0.0,
) -> QuotaLimits:
    return QuotaLimits(per_second, per_hour, burst or max(1, int(per_second)), time_scale, reserve, edge_s, margin)


def _horizon(limiter: InMemoryRateLimiter | PostgresRateLimiter, waited: float, max_wait_s: float | None) -> timedelta:
    """How far ahead a call may book its slot: the limiter's `book_ahead_s`, within the caller's maximum wait."""
    ahead = limiter.book_ahead_s if max_wait_s is None else min(limiter.book_ahead_s, max_wait_s - waited)
    return timedelta(seconds=max(0.0, ahead))


def _too_long(key: str, waited: float, wait: timedelta, max_wait_s: float | None, now: datetime) -> None:
    if max_wait_s is not None and waited + wait.total_seconds() > max_wait_s:
        raise RateLimitWaitTooLong(key, wait.total_seconds(), now + wait)


class InMemoryRateLimiter:
    """Process-local limiter (thread-safe) for tests, the CLI and single-process runs."""

    def __init__(
        self,
        per_second: float = 5,
        per_hour: int = 1000,
        *,
        burst: int | None = None,
        time_scale: float = 1.0,
        reserve: int = 0,
        edge_s: float = 0.05,
        margin: float = 0.0,
        book_ahead_s: float = 0.0,
        key: str = "memory",
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = _limits(per_second, per_hour, burst, time_scale, reserve, edge_s, margin)
        self.book_ahead_s = book_ahead_s
        self.key = key
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self._tat, self._hour_start, self._hour_count = now, window_start(now, self.limits.hour), 0

    def acquire(self, max_wait_s: float | None = None) -> None:
        """Block until allowed; the lock is never held while sleeping."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                d, booked = decide_ahead(
                    self.limits, now, self._tat, self._hour_start, self._hour_count, _horizon(self, waited, max_wait_s)
                )
                self._hour_start, self._hour_count = d.hour_start, d.hour_count
                if booked:
                    self._tat = d.tat
            if booked:
                if d.wait > timedelta(0):
                    self._sleep(d.wait.total_seconds())
                return
            _too_long(self.key, waited, d.wait, max_wait_s, now)
            waited += d.wait.total_seconds()
            self._sleep(d.wait.total_seconds())

    def status(self) -> QuotaStatus:
        with self._lock:
            now = self._clock()
            start = window_start(now, self.limits.hour)
            used = self._hour_count if self._hour_start == start else 0
        return QuotaStatus(self.key, used, self.limits.usable_per_hour, start, start + self.limits.hour)


class PostgresRateLimiter:
    """Limiter shared by every process and thread through one api_rate_limits row per key (column `provider`),
    on the database's clock (clock_timestamp()), so every process agrees on the windows."""

    _INSERT = (
        "INSERT INTO api_rate_limits (provider, tat, hour_start, hour_count) "
        "VALUES (%s, clock_timestamp(), clock_timestamp(), 0) ON CONFLICT (provider) DO NOTHING"
    )
    _LOCK = "SELECT tat, hour_start, hour_count, clock_timestamp() FROM api_rate_limits WHERE provider = %s FOR UPDATE"
    _READ = "SELECT hour_start, hour_count FROM api_rate_limits WHERE provider = %s"
    _UPDATE = "UPDATE api_rate_limits SET tat = %s, hour_start = %s, hour_count = %s WHERE provider = %s"

    def __init__(
        self,
        conninfo: str,
        key: str,
        per_second: float = 5,
        per_hour: int = 1000,
        *,
        burst: int | None = None,
        time_scale: float = 1.0,
        reserve: int = 0,
        edge_s: float = 0.05,
        margin: float = 0.0,
        book_ahead_s: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        yield_to: YieldTo | None = None,
    ) -> None:
        if not key:
            raise RateLimitConfigError(f"key={key!r}: must be non-empty")
        self.key = key
        self.limits = _limits(per_second, per_hour, burst, time_scale, reserve, edge_s, margin)
        self.book_ahead_s = book_ahead_s
        self._conninfo, self._sleep = conninfo, sleep
        self._yield_to = yield_to
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._row_ready = False

    def __repr__(self) -> str:
        return f"PostgresRateLimiter(key={self.key!r}, limits={self.limits!r})"

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _try_once(self, horizon: timedelta) -> tuple[timedelta, datetime, bool]:
        """One short transaction: lock the row, decide, consume if allowed now or bookable within `horizon`.
        Returns (wait, db now, booked)."""
        conn = self._connection()
        limits = self.limits
        with conn.transaction():
            if not self._row_ready:
                conn.execute(self._INSERT, (self.key,))
            row = conn.execute(self._LOCK, (self.key,)).fetchone()
            if row is None:
                raise RateLimitError(f"key={self.key!r}: api_rate_limits row missing")
            self._row_ready = True
            tat, hour_start, hour_count, now = row
            if self._yield_to is not None:  # calls other callers claimed in this window (e.g. the nightly's)
                reserve = min(max(limits.reserve, self._yield_to(conn, self.key)), limits.per_hour - 1)
                limits = replace(limits, reserve=reserve)
            d, booked = decide_ahead(limits, now, tat, hour_start, hour_count, horizon)
            if booked:
                conn.execute(self._UPDATE, (d.tat, d.hour_start, d.hour_count, self.key))
            return d.wait, now, booked

    def acquire(self, max_wait_s: float | None = None) -> None:
        """Block until allowed; commits before sleeping so other processes are never held up."""
        waited = 0.0
        while True:
            horizon = _horizon(self, waited, max_wait_s)
            with self._lock:
                try:
                    wait, now, booked = self._try_once(horizon)
                except psycopg.OperationalError:
                    logger.warning("rate limiter connection lost for key=%s; reconnecting", self.key)
                    self._drop_connection()
                    wait, now, booked = self._try_once(horizon)
            if booked:
                if wait > timedelta(0):
                    self._sleep(wait.total_seconds())
                return
            _too_long(self.key, waited, wait, max_wait_s, now)
            waited += wait.total_seconds()
            self._sleep(wait.total_seconds())

    def status(self) -> QuotaStatus:
        """Calls counted in the current window (no lock taken, nothing consumed)."""
        with self._lock:
            conn = self._connection()
            row = conn.execute(self._READ, (self.key,)).fetchone()
            clock = conn.execute("SELECT clock_timestamp()").fetchone()
        now: datetime = clock[0] if clock else _utc_now()
        start = window_start(now, self.limits.hour)
        used = int(row[1]) if row and row[0] == start else 0
        return QuotaStatus(self.key, used, self.limits.usable_per_hour, start, start + self.limits.hour)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close the connection (it is reopened on the next acquire)."""
        with self._lock:
            self._drop_connection()
