"""The meter API clients as resources: one client (token cache, quota) per provider and run."""

from collections.abc import Mapping
from datetime import date

import dagster as dg
from pydantic import PrivateAttr

from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.endpoints import ApiMode
from linky_pipeline.lib.sources.enedis.quota import CALLS_PER_HOUR, CALLS_PER_SECOND, shared_limiter
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter
from linky_pipeline.lib.store.db import to_psycopg_url


class EnedisResource(dg.ConfigurableResource["EnedisResource"]):
    """Enedis v5 / 2026 API (or the built-in sandbox) behind the quota shared by every process via PostgreSQL."""

    base_url: str
    client_id: str
    client_secret: str
    api_mode: str = "v5"
    calls_per_second: float = CALLS_PER_SECOND
    calls_per_hour: int = CALLS_PER_HOUR
    quota_database_url: str  # where the quota shared by every process lives (the warehouse)
    _clients: dict[date, EnedisClient] = PrivateAttr(default_factory=dict)
    _limiter: PostgresRateLimiter | None = PrivateAttr(default=None)

    def client(self, policy: SyncPolicy) -> EnedisClient:
        """One client per reference date (one per run): its clock is the run's, so `end` never passes it."""
        reference = policy.reference
        if reference not in self._clients:
            if self._limiter is None:
                self._limiter = shared_limiter(
                    to_psycopg_url(self.quota_database_url), self.calls_per_second, self.calls_per_hour
                )
            mode: ApiMode = self.api_mode  # type: ignore[assignment]  # validated by the client
            self._clients[reference] = EnedisClient(
                base_url=self.base_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                api_mode=mode,
                limiter=self._limiter,
                today=lambda: reference,
            )
        return self._clients[reference]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002 - Dagster hook
        """Release the HTTP pools and the quota connection when the run ends."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._limiter is not None:
            self._limiter.close()
            self._limiter = None


def meter_clients(policy: SyncPolicy, enedis: EnedisResource) -> Mapping[str, MeterClient]:
    """Provider code → the client that fetches its meters, for this run."""
    return {"enedis": enedis.client(policy)}
