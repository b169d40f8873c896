"""The Enedis call quota every process shares (through PostgreSQL): metering fetches and consent calls alike."""

from __future__ import annotations

from typing import Final

from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter

QUOTA_KEY: Final = "enedis"
CALLS_PER_SECOND: Final = 5.0
CALLS_PER_HOUR: Final = 10_000


def shared_limiter(
    conninfo: str, per_second: float = CALLS_PER_SECOND, per_hour: int = CALLS_PER_HOUR
) -> PostgresRateLimiter:
    """Spacing, not bursts (burst=1): Enedis counts a sliding second."""
    return PostgresRateLimiter(conninfo, QUOTA_KEY, per_second=per_second, per_hour=per_hour, burst=1)
