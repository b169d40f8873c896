"""The meter API clients as resources: one client (token cache, per-API quotas) per provider and run."""

from collections.abc import Mapping
from datetime import date

import dagster as dg
from pydantic import PrivateAttr

from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.endpoints import DEFAULT_API_MODE, api_mode_of
from linky_pipeline.lib.sources.enedis.quota import CALLS_PER_HOUR, CALLS_PER_SECOND, shared_quotas
from linky_pipeline.lib.sources.provider import MeterClient
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline.lib.store.db import to_psycopg_url


class EnedisResource(dg.ConfigurableResource):
    """Enedis 2026 API (v5 legacy, or the built-in sandbox) behind per-API quotas shared by every process via
    PostgreSQL: each metering API gets `calls_per_second` and `calls_per_hour` unless `quota_overrides` says
    otherwise ("daily_consumption=2000/h;consumption_load_curve=8/s"; "*=2/s" changes every API)."""

    base_url: str
    client_id: str
    client_secret: str
    api_mode: str = DEFAULT_API_MODE
    calls_per_second: float = CALLS_PER_SECOND
    calls_per_hour: int = CALLS_PER_HOUR
    quota_overrides: str = ""
    quota_time_scale: int = 1  # benchmarks against a scaled sandbox: one quota hour lasts 3600/scale s
    quota_reserve: int = 0  # calls of each API's hour these runs leave to others (e.g. a backfill to the nightly)
    quota_max_wait_s: float = -1.0  # how long a call may wait for its API's quota; < 0: until the window reopens
    quota_database_url: str  # where the quota shared by every process lives (the warehouse)
    _clients: dict[date, EnedisClient] = PrivateAttr(default_factory=dict)
    _quotas: QuotaBook | None = PrivateAttr(default=None)

    def quotas(self) -> QuotaBook:
        """The per-API limiters of this resource (created on first use)."""
        if self._quotas is None:
            self._quotas = shared_quotas(
                to_psycopg_url(self.quota_database_url),
                self.calls_per_second,
                self.calls_per_hour,
                time_scale=float(self.quota_time_scale),
                reserve=self.quota_reserve,
                overrides=self.quota_overrides,
            )
        return self._quotas

    def client(self, policy: SyncPolicy) -> EnedisClient:
        """One client per reference date (one per run): its clock is the run's, so `end` never passes it."""
        if policy.reference not in self._clients:
            max_wait = self.quota_max_wait_s if self.quota_max_wait_s >= 0 else None
            self._clients[policy.reference] = EnedisClient(
                base_url=self.base_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                api_mode=api_mode_of(self.api_mode),
                limiter=self.quotas(),
                retry=RetryPolicy(max_limiter_wait_s=max_wait),
                today=lambda reference=policy.reference: reference,
            )
        return self._clients[policy.reference]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002 - Dagster hook
        """Release the HTTP pools and the quota connections when the run ends."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._quotas is not None:
            self._quotas.close()
            self._quotas = None


def meter_clients(policy: SyncPolicy, enedis: EnedisResource) -> Mapping[str, MeterClient]:
    """Provider code → the client that fetches its meters, for this run."""
    return {"enedis": enedis.client(policy)}
