"""The Enedis Data Connect client as a resource: one client (token cache, quota) per run."""

from datetime import date

import dagster as dg
import psycopg
from pydantic import PrivateAttr

from linky_pipeline.lib.db import to_psycopg_url
from linky_pipeline.lib.enedis.client import EnedisClient
from linky_pipeline.lib.ratelimit import PostgresRateLimiter


class EnedisResource(dg.ConfigurableResource):
    """Enedis v5 / 2026 API (or the built-in sandbox) behind the quota shared by every process via PostgreSQL."""

    base_url: str
    client_id: str
    client_secret: str
    api_mode: str = "v5"
    calls_per_second: float = 5
    calls_per_hour: int = 10_000
    quota_database_url: str  # where the quota shared by every process lives (the warehouse)
    _client: EnedisClient | None = PrivateAttr(default=None)
    _limiter: PostgresRateLimiter | None = PrivateAttr(default=None)

    def client(self, reference: date) -> EnedisClient:
        """One client per run; its clock is the run's reference date so `end` never passes it."""
        if self._client is None:
            self._limiter = limiter = PostgresRateLimiter(
                to_psycopg_url(self.quota_database_url),
                "enedis",
                per_second=self.calls_per_second,
                per_hour=self.calls_per_hour,
                burst=1,
            )  # spacing, not bursts: Enedis counts a sliding second
            self._client = EnedisClient(
                base_url=self.base_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                api_mode=self.api_mode,
                limiter=limiter,
                today=lambda: reference,
            )
        return self._client

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002 - Dagster hook
        """Release the HTTP pool and the quota connection when the run ends."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._limiter is not None:
            self._limiter.close()
            self._limiter = None

    def handle_consent_lost(self, conn: psycopg.Connection, meter_pk: int, code: str, actor: str) -> None:
        """403 ADAM-DC-0008/0007: credentials deleted, meter marked, audited and notified (never retried)."""
        from linky_pipeline.lib.consent.revoke import mark_consent_lost
        from linky_pipeline.lib.notify.meter_events import enqueue_meter_event

        revoked = mark_consent_lost(conn, meter_pk, code, actor)
        if not revoked.already_revoked:
            enqueue_meter_event(conn, "consent_lost", meter_pk, revoked.dedupe_key, {"reason": code})
