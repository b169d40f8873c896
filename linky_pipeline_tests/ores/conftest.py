"""ORES fixtures: the sandbox (Enedis + ORES on one real HTTP server) with a fixed Brussels date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from linky_pipeline.lib.consent.store import ConnectedMeter
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.sandbox.ores import DEMO_EAN, OresSandboxSettings
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.ores import connect_ores
from linky_pipeline_tests.support.pipeline import VAULT_KEY

TODAY = date(2026, 11, 23)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A private server per test (faults, revocations and clocks are per server)."""
    with SandboxServer(ores_settings=OresSandboxSettings(today=TODAY)) as srv:
        yield srv


@pytest.fixture
def vault() -> Vault:
    return Vault.from_env({"LINKY_ENCRYPTION_KEYS": VAULT_KEY})


@pytest.fixture
def liege(db: psycopg.Connection, server: SandboxServer, vault: Vault) -> list[ConnectedMeter]:
    """Building 'liege' (Europe/Brussels) whose customer connected the demo EAN: consumption + production."""
    add_building(db, "liege", "Maison Liège", "Europe/Brussels")
    return connect_ores(db, server, "liege", DEMO_EAN, 0, vault)
