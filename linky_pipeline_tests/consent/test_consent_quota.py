"""The consent calls share the metering fetches' transport and quotas: each call counts on the API it hits."""

from __future__ import annotations

from datetime import timedelta

import httpx
import psycopg

from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig, consent_client, probe_directions
from linky_pipeline.lib.sources.enedis.quota import shared_quotas
from linky_pipeline.sandbox.server import SandboxServer

PRM = "22516914714270"


def _counted(pg_url: str) -> dict[str, int]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT provider, hour_count FROM api_rate_limits WHERE provider LIKE 'enedis:%'")
        return {key: int(count) for key, count in rows}


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def test_consent_probes_count_on_the_metering_apis_they_hit(
    db: psycopg.Connection, pg_url: str, sandbox: SandboxServer, config: EnedisConsentConfig
) -> None:
    quotas = shared_quotas(pg_url, per_second=50)
    today = today_in(PARIS)
    start = _counted(pg_url)
    with EnedisClient(sandbox.url, "sandbox-client", "sandbox-secret", limiter=quotas, api_mode="v5") as metering:
        metering.fetch(PRM, "daily_consumption", today - timedelta(days=3), today - timedelta(days=1))
    assert _delta(start, _counted(pg_url)) == {"enedis:token": 1, "enedis:daily_consumption": 1}
    before_calls = httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls"]

    with consent_client(config, quotas) as client:
        directions = probe_directions(client, PRM, today)

    assert directions == ("consumption",)
    made = httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls"]
    assert made["/metering_data_dc/v5/daily_consumption"] - before_calls["/metering_data_dc/v5/daily_consumption"] == 1
    assert (
        made["/metering_data_dp/v5/daily_production"] - before_calls.get("/metering_data_dp/v5/daily_production", 0)
        == 1
    )
    assert _delta(start, _counted(pg_url)) == {
        "enedis:token": 2,  # the consent client has its own token cache
        "enedis:daily_consumption": 2,
        "enedis:daily_production": 1,
    }
    quotas.close()
