"""The consent calls share the metering fetches' transport and quota: one HTTP stack, one limiter."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import psycopg

from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig, consent_client, probe_directions
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter
from linky_pipeline.sandbox.server import SandboxServer

PRM = "22516914714270"


def _counted(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT hour_count FROM api_rate_limits WHERE provider = 'enedis'").fetchone()
    return int(row[0]) if row else 0


def test_a_consent_probe_waits_for_the_quota_like_a_metering_call(
    db: psycopg.Connection, pg_url: str, sandbox: SandboxServer, config: EnedisConsentConfig
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    limiter = PostgresRateLimiter(pg_url, "enedis", per_second=2, per_hour=1000, burst=1, sleep=sleep)
    today = today_in(PARIS)
    with EnedisClient(sandbox.url, "sandbox-client", "sandbox-secret", limiter=limiter) as metering:
        metering.fetch(PRM, "daily_consumption", today - timedelta(days=3), today - timedelta(days=1))
    waits.clear()
    before_calls = httpx.get(f"{sandbox.url}/sandbox/stats").json()["total"]
    before_counted = _counted(pg_url)

    with consent_client(config, limiter) as client:
        directions = probe_directions(client, PRM, today)

    assert directions == ("consumption",)
    assert waits and all(0 < w <= 0.5 for w in waits)  # each call waited for its slot (2 calls/s)
    made = httpx.get(f"{sandbox.url}/sandbox/stats").json()["total"] - before_calls
    assert made >= 3  # token + both direction probes
    assert _counted(pg_url) - before_counted == made  # every consent HTTP call was counted by the shared limiter
    limiter.close()
