"""When queued API calls will have been made, from each API's quota: the current window's calls left, then whole
hours at the hourly quota, each call spaced by the per-second rate (scaled time included)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from linky_pipeline.lib.sources.catalog import provider
from linky_pipeline.lib.sources.errors import WindowError
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter, QuotaLimits, QuotaStatus

# An API's limits and where its current window stands (None: no quota known, e.g. an imported provider).
QuotaOf = Callable[[str], tuple[QuotaLimits, QuotaStatus] | None]


def drain_at(now: datetime, calls: int, limits: QuotaLimits, status: QuotaStatus) -> datetime:
    """When `calls` more calls on one API will have been granted (the caller's share of each hour)."""
    if calls <= 0:
        return now
    spacing = timedelta(seconds=(1 + limits.margin) / (limits.per_second * limits.time_scale))
    left = status.remaining if status.window_end > now else limits.usable_per_hour
    if calls <= left:
        return now + spacing * calls
    beyond = calls - left
    full_hours, last = divmod(beyond - 1, limits.usable_per_hour)
    window_end = status.window_end if status.window_end > now else now
    return window_end + limits.hour * full_hours + spacing * (last + 1)


@dataclass(frozen=True)
class BuildingEta:
    building: str
    remaining: int  # windows still to fetch (all APIs)
    done: int
    planned: int
    eta: datetime | None  # None: nothing left, or no quota to estimate from


def building_etas(now: datetime, queue: list[tuple[str, str, int, int, int]], quota_of: QuotaOf) -> list[BuildingEta]:
    """`queue`: (building, api, remaining, done, planned) in the order the calls are made (oldest run first, then
    building order, per API). A building's ETA is when its last API is done: every call queued before it on an
    API is made first."""
    ahead: dict[str, int] = {}
    by_building: dict[str, list[datetime]] = {}
    totals: dict[str, list[int]] = {}
    cache: dict[str, tuple[QuotaLimits, QuotaStatus] | None] = {}
    for building, api, remaining, done, planned in queue:
        total = totals.setdefault(building, [0, 0, 0])
        total[0] += remaining
        total[1] += done
        total[2] += planned
        if remaining <= 0:
            continue
        ahead[api] = ahead.get(api, 0) + remaining
        if api not in cache:
            cache[api] = quota_of(api)
        quota = cache[api]
        if quota is not None:
            by_building.setdefault(building, []).append(drain_at(now, ahead[api], *quota))
    return [
        BuildingEta(b, t[0], t[1], t[2], max(by_building[b]) if b in by_building else None) for b, t in totals.items()
    ]


class ProviderQuotas:
    """A `QuotaOf` from each provider's default quota (a lane is `<provider>:<api>` or `<provider>:<building>`, the
    shared limiter's key) and the window's use from api_rate_limits: what `backfill status` estimates with.
    Deployment overrides of the quotas are not read here (they live in the code location's resources)."""

    def __init__(self, conninfo: str, time_scale: float = 1.0) -> None:
        self.conninfo, self.time_scale = conninfo, time_scale
        self._limiters: dict[str, PostgresRateLimiter | None] = {}

    def __call__(self, lane: str) -> tuple[QuotaLimits, QuotaStatus] | None:
        if lane not in self._limiters:
            try:
                quota = provider(lane.partition(":")[0]).quota
            except WindowError:
                quota = None
            self._limiters[lane] = (
                None
                if quota is None
                else PostgresRateLimiter(
                    self.conninfo, lane, quota.per_second, quota.per_hour, time_scale=self.time_scale
                )
            )
        limiter = self._limiters[lane]
        return None if limiter is None else (limiter.limits, limiter.status())

    def close(self) -> None:
        for limiter in self._limiters.values():
            if limiter is not None:
                limiter.close()
