"""An ORES meter's 24-month history (consumption + solar production) through the real client, against the sandbox.

Usage: .venv/bin/python benchmarks/ores_backfill.py
Starts a throwaway PostgreSQL and the sandbox, connects the sandbox's demo EAN through the consent flow (tokens
sealed by the vault), then fetches its whole history twice with the quota lifted: 7-day windows (the default, the
baseline) and 31-day windows (LINKY_ORES_WINDOW_DAYS=31, what make demo uses). Prints calls, seconds, the ratio,
and what the calls cost at the seed's 1 request / 2 s per building. Also times the Wh parser on a 31-day answer.
"""

from __future__ import annotations

import secrets
import time
from datetime import date, timedelta

import httpx
import psycopg

from linky_pipeline.lib.consent.flow import connect_meters
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.tokens import VaultTokenStore
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.lib.sources.ores.client import OresClient
from linky_pipeline.lib.sources.ores.consent import OresConsent
from linky_pipeline.lib.sources.ores.parsing import parse_curve
from linky_pipeline.lib.sources.ores.provider import ORES
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.store import migrations
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.sandbox.ores import DEMO_EAN, OresSandboxSettings
from linky_pipeline.sandbox.ores.settings import CLIENT_ID, CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer

TODAY = date(2026, 11, 23)


def history(client: OresClient) -> tuple[int, int, float]:
    """(calls, readings, seconds) for both directions over the provider's whole horizon."""
    began = time.perf_counter()
    calls = readings = 0
    for endpoint in ("consumption_load_curve", "production_load_curve"):
        result = client.fetch(DEMO_EAN, endpoint, ORES.horizon_start(endpoint, TODAY), TODAY)
        calls, readings = calls + result.calls, readings + len(result.frame)
    return calls, readings, time.perf_counter() - began


def main() -> None:
    vault = Vault([secrets.token_bytes(32)])
    with throwaway_cluster() as cluster, SandboxServer(ores_settings=OresSandboxSettings(today=TODAY)) as sandbox:
        url = cluster.url()
        with psycopg.connect(url) as conn:
            migrations.upgrade(conn)
            add_building(conn, "bench", "Bench", "Europe/Brussels")
            settings = OresSettings(base_url=sandbox.ores_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
            with OresConsent(settings, today=lambda _now: TODAY) as consent:
                connect_meters(
                    conn,
                    consent,
                    StateSigner(secrets.token_hex(32)),
                    building_code="bench",
                    actor="benchmark",
                    vault=vault,
                    meter_id=DEMO_EAN,
                    sandbox_customer=0,
                    announce=lambda _url: None,
                    open_browser=lambda link: httpx.get(link, follow_redirects=True),
                )
        tokens = VaultTokenStore(lambda: psycopg.connect(url), vault)
        runs = {}
        for days in (7, 31):
            window = OresSettings(**{**settings.__dict__, "window_days": days})
            with OresClient(window, tokens, today=lambda: TODAY) as client:
                runs[days] = history(client)
        body = httpx.get(
            f"{sandbox.ores_url}/v1/consumption_load_curve",
            params={"prm": DEMO_EAN, "start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
            headers={"Authorization": f"Bearer {tokens.load('ores', DEMO_EAN, 'consumption').tokens.access_token}"},  # type: ignore[union-attr]
        ).json()
    began = time.perf_counter()
    for _ in range(20):
        parse_curve(body, endpoint="consumption_load_curve", meter_id=DEMO_EAN)
    parse_s = (time.perf_counter() - began) / 20
    start = ORES.horizon_start("consumption_load_curve", TODAY)
    print(f"history: {start}..{TODAY - timedelta(days=1)} ({(TODAY - start).days} days), both directions")
    for days, (calls, readings, seconds) in runs.items():
        print(
            f"  {days:>2}-day windows: {calls:>4} calls, {readings:,} readings, {seconds:5.1f} s with the quota "
            f"lifted; {calls * 2 / 60:5.1f} min at 1 request / 2 s"
        )
    print(
        f"  31-day vs 7-day windows: {runs[7][0] / runs[31][0]:.1f}x fewer calls, "
        f"{runs[7][2] / runs[31][2]:.1f}x faster"
    )
    readings = len(body["interval_readings"])
    print(
        f"parser: a 31-day answer ({readings} readings) in {parse_s * 1000:.1f} ms "
        f"({readings / parse_s:,.0f} readings/s)"
    )


if __name__ == "__main__":
    main()
