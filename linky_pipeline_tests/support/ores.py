"""ORES test helpers: settings for the sandbox's ORES emulator, a browser that follows redirects, a consent run
through the real flow (real HTTP, real PostgreSQL, tokens sealed by the vault), and the sandbox's ground truth."""

from __future__ import annotations

from datetime import date

import httpx
import psycopg

from linky_pipeline.lib.consent.flow import connect_meters
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.store import ConnectedMeter
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.sources.ores.consent import OresConsent
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.sandbox.ores import series
from linky_pipeline.sandbox.ores.settings import CLIENT_ID, CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.registry_rows import STATE_SECRET


class Browser:
    """Opens a URL and follows every redirect, as the customer's browser would."""

    def __init__(self) -> None:
        self.pages: list[httpx.Response] = []

    def __call__(self, url: str) -> None:
        self.pages.append(httpx.get(url, follow_redirects=True, timeout=10))

    @property
    def landed(self) -> httpx.Response:
        return self.pages[-1]


def ores_settings(sandbox: SandboxServer, **overrides: object) -> OresSettings:
    values: dict[str, object] = {
        "base_url": sandbox.ores_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "backoff_base_s": 0.01,
        "timeout_s": 5.0,
        **overrides,
    }
    return OresSettings(**values)  # type: ignore[arg-type]


def connect_ores(
    conn: psycopg.Connection, sandbox: SandboxServer, building: str, meter_id: str, customer: int, vault: Vault
) -> list[ConnectedMeter]:
    """`meters connect --provider ores` done in-process: the sandbox's customer `customer` consents."""
    browser = Browser()
    sandbox_today = sandbox.ores.settings.effective_today
    with OresConsent(ores_settings(sandbox), today=lambda _now: sandbox_today()) as consent:
        meters = connect_meters(
            conn,
            consent,
            StateSigner(STATE_SECRET),
            building_code=building,
            actor="test:ores",
            vault=vault,
            meter_id=meter_id,
            sandbox_customer=customer,
            announce=lambda _url: None,
            open_browser=browser,
            timeout_s=10,
        )
    assert browser.landed.status_code == 200, browser.landed.text
    return meters


def day_wh(meter_id: str, direction: str, day: date) -> list[int]:
    """The Wh values the sandbox publishes for one Brussels day."""
    return [wh for _, wh in series.day_values(meter_id, direction, day)]
