"""The Enedis quotas every process shares (through PostgreSQL): 5 calls/s and 1 000 calls/h per API.

Keys are "enedis:<api>": the five metering APIs by endpoint name (whatever generation serves them: an `auto`
fallback from v2 to v5 counts on the same key, which can only over-count), "subscribed_services" and
"synth_contrat_auto" for the consent and contract calls, "token" for the OAuth token endpoint. A consent call
counts on the API it hits: the v5 direction probes are daily_consumption / daily_production calls.
"""

from __future__ import annotations

from typing import Final

from linky_pipeline.lib.sources.enedis.endpoints import ENDPOINTS
from linky_pipeline.lib.sources.quotas import QuotaBook, memory_quotas, parse_overrides, postgres_quotas
from linky_pipeline.lib.sources.ratelimit import QuotaLimits, YieldTo

PREFIX: Final = "enedis:"
CALLS_PER_SECOND: Final = 5.0
CALLS_PER_HOUR: Final = 1000
METERING_APIS: Final = tuple(ENDPOINTS)
SUBSCRIBED_SERVICES: Final = "subscribed_services"
CONTRACT: Final = "synth_contrat_auto"
TOKEN: Final = "token"  # noqa: S105 - the name of the token API, not a secret
APIS: Final = (*METERING_APIS, SUBSCRIBED_SERVICES, CONTRACT, TOKEN)
# Grants 2 % wider apart than 5/s: the gateway counts a sliding second on arrival, and a call that reaches it more
# than the slack earlier (relative to the call five before) than its grant promised is refused (429, a 1 s wait
# and a grant spent). Measured (benchmarks/quota_spacing.py, RESULTS "P2, final"): 0 % lost ~2 % of the calls to
# 429s and answered 0.93-0.95 × the quota; 2 % answered 0.97-0.98 × with 0-1 refusals; 5 % was slower again.
SPACING_MARGIN: Final = 0.02


def enedis_limits(
    per_second: float = CALLS_PER_SECOND,
    per_hour: int = CALLS_PER_HOUR,
    *,
    time_scale: float = 1.0,
    reserve: int = 0,
    overrides: str = "",
    margin: float = SPACING_MARGIN,
) -> tuple[QuotaLimits, dict[str, QuotaLimits]]:
    """Default limits and per-API overrides (text as in LINKY_ENEDIS_QUOTA_OVERRIDES; "*=" sets every API's
    default first). Spacing, not bursts (burst=1): Enedis counts a sliding second."""
    default = QuotaLimits(per_second, per_hour, burst=1, time_scale=time_scale, reserve=reserve, margin=margin)
    parts = [p for p in overrides.replace("\n", ";").split(";") if p.strip()]
    everywhere = [p for p in parts if p.strip().startswith("*")]
    default = parse_overrides(";".join(everywhere), default, ("*",)).get("*", default)
    return default, parse_overrides(";".join(p for p in parts if p not in everywhere), default, APIS)


def shared_quotas(
    conninfo: str,
    per_second: float = CALLS_PER_SECOND,
    per_hour: int = CALLS_PER_HOUR,
    *,
    time_scale: float = 1.0,
    reserve: int = 0,
    overrides: str = "",
    yield_to: YieldTo | None = None,
    margin: float = SPACING_MARGIN,
) -> QuotaBook:
    """The limiters every Enedis client of this installation shares, one per API (`yield_to`: see
    PostgresRateLimiter; backfill runs leave the nightly's claimed calls)."""
    default, by_api = enedis_limits(
        per_second, per_hour, time_scale=time_scale, reserve=reserve, overrides=overrides, margin=margin
    )
    return postgres_quotas(conninfo, default, by_api, prefix=PREFIX, yield_to=yield_to)


def local_quotas(per_second: float = CALLS_PER_SECOND, per_hour: int = CALLS_PER_HOUR) -> QuotaBook:
    """Process-local per-API limiters (a CLI command without the shared database, tests)."""
    default, _ = enedis_limits(per_second, per_hour)
    return memory_quotas(default, prefix=PREFIX)
