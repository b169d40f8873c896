"""One limiter per API of a provider: Enedis grants each metering API its own 5 calls/s and 1 000 calls/h.

A `QuotaBook` hands out the limiter of an API key on first use (keys look like "enedis:daily_consumption"), with
the provider's default limits or an override for that API. Calls to different APIs never wait on each other: each
key has its own row in api_rate_limits (PostgreSQL) and its own lock and connection in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace

from linky_pipeline.lib.sources.ratelimit import (
    InMemoryRateLimiter,
    PostgresRateLimiter,
    QuotaLimits,
    QuotaStatus,
    RateLimitConfigError,
    YieldTo,
)

LimiterFactory = Callable[[str, QuotaLimits], InMemoryRateLimiter | PostgresRateLimiter]


class QuotaBook:
    """Limiters by API key, created lazily; thread-safe."""

    def __init__(
        self,
        factory: LimiterFactory,
        default: QuotaLimits,
        overrides: Mapping[str, QuotaLimits] | None = None,
        *,
        prefix: str = "",
    ) -> None:
        self._factory, self.default, self.prefix = factory, default, prefix
        self.overrides = dict(overrides or {})
        self._lock = threading.Lock()
        self._limiters: dict[str, InMemoryRateLimiter | PostgresRateLimiter] = {}

    def __repr__(self) -> str:
        return f"QuotaBook(prefix={self.prefix!r}, default={self.default!r}, overrides={self.overrides!r})"

    def limits(self, api: str) -> QuotaLimits:
        """The limits that apply to one API."""
        return self.overrides.get(api, self.default)

    def limiter(self, api: str) -> InMemoryRateLimiter | PostgresRateLimiter:
        """The limiter of one API (its key is prefix + api)."""
        with self._lock:
            if api not in self._limiters:
                self._limiters[api] = self._factory(self.prefix + api, self.limits(api))
            return self._limiters[api]

    def status(self, api: str) -> QuotaStatus:
        """Calls used and left in the API's current window."""
        return self.limiter(api).status()

    def close(self) -> None:
        """Release every limiter's connection (reopened on next use)."""
        with self._lock:
            for limiter in self._limiters.values():
                if isinstance(limiter, PostgresRateLimiter):
                    limiter.close()


def postgres_quotas(
    conninfo: str,
    default: QuotaLimits,
    overrides: Mapping[str, QuotaLimits] | None = None,
    *,
    prefix: str = "",
    yield_to: YieldTo | None = None,
) -> QuotaBook:
    """Limiters shared by every thread, process and run through api_rate_limits (`yield_to`: calls of each
    window left to others besides the fixed reserve, see PostgresRateLimiter)."""

    def make(key: str, limits: QuotaLimits) -> PostgresRateLimiter:
        return PostgresRateLimiter(
            conninfo,
            key,
            limits.per_second,
            limits.per_hour,
            burst=limits.burst,
            time_scale=limits.time_scale,
            reserve=limits.reserve,
            edge_s=limits.edge_s,
            margin=limits.margin,
            yield_to=yield_to,
        )

    return QuotaBook(make, default, overrides, prefix=prefix)


def memory_quotas(
    default: QuotaLimits, overrides: Mapping[str, QuotaLimits] | None = None, *, prefix: str = ""
) -> QuotaBook:
    """Process-local limiters (tests, one-off CLI calls without a database)."""

    def make(key: str, limits: QuotaLimits) -> InMemoryRateLimiter:
        return InMemoryRateLimiter(
            limits.per_second,
            limits.per_hour,
            burst=limits.burst,
            time_scale=limits.time_scale,
            reserve=limits.reserve,
            edge_s=limits.edge_s,
            margin=limits.margin,
            key=key,
        )

    return QuotaBook(make, default, overrides, prefix=prefix)


def parse_overrides(text: str, default: QuotaLimits, known: tuple[str, ...]) -> dict[str, QuotaLimits]:
    """'daily_consumption=10/s;consumption_load_curve=2000/h,8/s' → limits per API (the rest from `default`).

    Raises RateLimitConfigError naming the part at fault (an unknown API, a malformed rate).
    """
    out: dict[str, QuotaLimits] = {}
    for part in (p.strip() for p in text.replace("\n", ";").split(";")):
        if not part:
            continue
        api, sep, rates = (x.strip() for x in part.partition("="))
        if not sep or api not in known:
            raise RateLimitConfigError(f"quota override {part!r}: expected <api>=<n>/s,<n>/h with api in {known}")
        limits = out.get(api, default)
        for rate in (r.strip() for r in rates.split(",")):
            number, _, unit = rate.partition("/")
            try:
                value = float(number)
            except ValueError:
                raise RateLimitConfigError(
                    f"quota override {part!r}: {rate!r} is not <number>/s or <number>/h"
                ) from None
            if unit == "s":
                limits = replace(limits, per_second=value)
            elif unit == "h" and value.is_integer():
                limits = replace(limits, per_hour=int(value))
            else:
                raise RateLimitConfigError(f"quota override {part!r}: {rate!r} is not <number>/s or <whole number>/h")
        out[api] = limits
    return out
