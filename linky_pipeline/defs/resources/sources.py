"""The meter API clients as resources: one client (token cache, quota) per provider and run.

The resources that configure each provider's credentials name their provider (as the catalog does); the assets
only ask `meter_clients` for the clients of every provider.
"""

from collections.abc import Mapping
from datetime import date

import dagster as dg
import psycopg
from pydantic import PrivateAttr

from linky_pipeline.lib.consent.tokens import VaultTokenStore
from linky_pipeline.lib.consent.vault import Vault, VaultError, parse_keys
from linky_pipeline.lib.domain.policy import SyncMode, SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.endpoints import DEFAULT_API_MODE, api_mode_of
from linky_pipeline.lib.sources.enedis.quota import APIS, CALLS_PER_HOUR, CALLS_PER_SECOND, shared_quotas
from linky_pipeline.lib.sources.errors import SourceConfigError
from linky_pipeline.lib.sources.ores import contract as ores_contract
from linky_pipeline.lib.sources.ores.client import OresClient
from linky_pipeline.lib.sources.ores.provider import ORES
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.provider import MeterClient, UnavailableClient
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter, QuotaLimits, QuotaStatus
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline.lib.store.db import to_psycopg_url
from linky_pipeline.lib.sync.eta import QuotaOf
from linky_pipeline.lib.sync.priority import claimed_calls


class EnedisResource(dg.ConfigurableResource["EnedisResource"]):
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
    quota_reserve: int = 0  # calls of each API's hour backfill runs always leave to others (besides nightly claims)
    quota_max_wait_s: float = -1.0  # how long a call may wait for its API's quota; < 0: until the window reopens
    quota_database_url: str  # where the quota shared by every process lives (the warehouse)
    _clients: dict[tuple[date, str], EnedisClient] = PrivateAttr(default_factory=dict)
    _quotas: dict[str, QuotaBook] = PrivateAttr(default_factory=dict)

    def quotas(self, mode: SyncMode = "nightly") -> QuotaBook:
        """The per-API limiters of this resource (created on first use). A backfill's limiters also leave every
        API the calls a running nightly sync claimed (lib/sync/priority.py): the nightly keeps priority."""
        if mode not in self._quotas:
            self._quotas[mode] = shared_quotas(
                to_psycopg_url(self.quota_database_url),
                self.calls_per_second,
                self.calls_per_hour,
                time_scale=float(self.quota_time_scale),
                reserve=self.quota_reserve if mode == "backfill" else 0,
                overrides=self.quota_overrides,
                yield_to=claimed_calls if mode == "backfill" else None,
            )
        return self._quotas[mode]

    def client(self, policy: SyncPolicy) -> EnedisClient:
        """One client per reference date and mode (one per run): its clock is the run's, so `end` never passes
        it."""
        key = (policy.reference, policy.mode)
        if key not in self._clients:
            reference = policy.reference
            max_wait = self.quota_max_wait_s if self.quota_max_wait_s >= 0 else None
            self._clients[key] = EnedisClient(
                base_url=self.base_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                api_mode=api_mode_of(self.api_mode),
                limiter=self.quotas(policy.mode),
                retry=RetryPolicy(max_limiter_wait_s=max_wait),
                today=lambda: reference,
            )
        return self._clients[key]

    def quota_of(self, mode: SyncMode) -> QuotaOf:
        """An API's limits and current window by sync lane (`enedis:<api>`), for progress ETAs."""
        book = self.quotas(mode)

        def lookup(lane: str) -> tuple[QuotaLimits, QuotaStatus] | None:
            provider, _, api = lane.partition(":")
            if provider != "enedis" or api not in APIS:
                return None
            return book.limits(api), book.status(api)

        return lookup

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002 - Dagster hook
        """Release the HTTP pools and the quota connections when the run ends."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        for book in self._quotas.values():
            book.close()
        self._quotas.clear()


class OresResource(dg.ConfigurableResource["OresResource"]):
    """ORES per the seed's contract (or the built-in sandbox): each meter's own OAuth2 tokens, sealed in the
    warehouse by the vault, and one call budget per building shared by every process via PostgreSQL. Every field
    is optional: without the ORES settings, ORES meters fail with a message naming what is missing."""

    base_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    encryption_keys: str = ""  # LINKY_ENCRYPTION_KEYS: opens the tokens
    database_url: str = ""  # where the tokens and the quotas live (the warehouse)
    window_days: int = ores_contract.WINDOW_DAYS
    calls_per_minute: int = round(ores_contract.CALLS_PER_SECOND * 60)  # per building
    calls_per_hour: int = ores_contract.CALLS_PER_HOUR  # per building
    backoff_base_s: float = ores_contract.BACKOFF_BASE_S
    timeout_s: float = 30.0
    _clients: dict[date, MeterClient] = PrivateAttr(default_factory=dict)
    _limiters: dict[str, PostgresRateLimiter] = PrivateAttr(default_factory=dict)

    def settings(self) -> OresSettings:
        missing = [
            name
            for name, value in (
                (ores_contract.ENV_BASE_URL, self.base_url),
                (ores_contract.ENV_CLIENT_ID, self.client_id),
                (ores_contract.ENV_CLIENT_SECRET, self.client_secret),
                ("LINKY_DATABASE_URL", self.database_url),
            )
            if not value.strip()
        ]
        if missing:
            raise SourceConfigError(f"ORES is not configured: set {', '.join(missing)}")
        return OresSettings(
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=self.redirect_uri or None,
            window_days=self.window_days,
            calls_per_second=self.calls_per_minute / 60,
            calls_per_hour=self.calls_per_hour,
            backoff_base_s=self.backoff_base_s,
            timeout_s=self.timeout_s,
        )

    def _limiter(self, building: str) -> PostgresRateLimiter:
        if building not in self._limiters:
            self._limiters[building] = PostgresRateLimiter(
                to_psycopg_url(self.database_url),
                ORES.quota.key(ORES.name, building),
                per_second=self.calls_per_minute / 60,
                per_hour=self.calls_per_hour,
            )
        return self._limiters[building]

    def client(self, policy: SyncPolicy) -> MeterClient:
        """One client per reference date (one per run); an unconfigured ORES fails its meters, not the run."""
        reference = policy.reference
        if reference not in self._clients:
            try:
                settings = self.settings()
                vault = Vault(parse_keys(self.encryption_keys or None))
            except (SourceConfigError, VaultError) as exc:
                self._clients[reference] = UnavailableClient(str(exc))
                return self._clients[reference]
            conninfo = to_psycopg_url(self.database_url)
            self._clients[reference] = OresClient(
                settings,
                VaultTokenStore(lambda: psycopg.connect(conninfo), vault),
                self._limiter,  # called from the sync's threads: the client serialises limiter creation
                today=lambda: reference,
            )
        return self._clients[policy.reference]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002 - Dagster hook
        """Release the HTTP pools and the quota connections when the run ends."""
        for client in self._clients.values():
            if isinstance(client, OresClient):
                client.close()
        self._clients.clear()
        for limiter in self._limiters.values():
            limiter.close()
        self._limiters.clear()


def meter_clients(policy: SyncPolicy, enedis: EnedisResource, ores: OresResource) -> Mapping[str, MeterClient]:
    """Provider code → the client that fetches its meters, for this run."""
    return {"enedis": enedis.client(policy), "ores": ores.client(policy)}
