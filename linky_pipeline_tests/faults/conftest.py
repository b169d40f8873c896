"""The fault matrix's shared pieces: one scenario (two buildings, three Enedis meters, October 2026 seen from
2026-11-23), its uninterrupted reference run (once per session), and the proxy every faulty run goes through."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest

from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.sandbox.ores import OresSandboxSettings
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings
from linky_pipeline_tests.conftest import truncate_all
from linky_pipeline_tests.support.fault_proxy import FaultProxy
from linky_pipeline_tests.support.fault_runs import FaultRig, table_checksums
from linky_pipeline_tests.support.pipeline import REFERENCE

MONTH = date(2026, 10, 1)
ALPHA_PRM = "22516914714270"  # the meter most faults aim at (curve, daily, max power)
SCENARIO = {
    "alpha": ((ALPHA_PRM, "consumption"),),
    "beta": (("12345678901234", "consumption"), ("10284856584123", "production")),
}
BUILDINGS = sorted(SCENARIO)


def register_scenario(url: str) -> None:
    """The scenario's registry, always in the same order (identity columns restart at 1 after a truncate)."""
    with psycopg.connect(url) as conn:
        for code in BUILDINGS:
            add_building(conn, code, code.title())
            for prm, direction in SCENARIO[code]:
                add_meter(conn, code, "enedis", prm, direction)
        conn.commit()


def new_sandbox() -> SandboxServer:
    server = SandboxServer(
        settings=SandboxSettings(today=REFERENCE, quota_per_second=1000, quota_per_hour=100_000),
        ores_settings=OresSandboxSettings(today=REFERENCE),
    )
    server.start()
    return server


@dataclass(frozen=True)
class Reference:
    tables: dict[str, str]  # checksums after one uninterrupted run: what every fault must converge to
    seconds: float  # how long that run took (timed kills aim inside it)


@pytest.fixture(scope="session")
def reference(pg_url: str) -> Reference:
    truncate_all(pg_url)
    register_scenario(pg_url)
    sandbox = new_sandbox()
    try:
        with FaultProxy(sandbox.url) as proxy:
            started = time.monotonic()
            result = FaultRig(pg_url, proxy.url, sandbox).run(BUILDINGS, MONTH, MONTH)
            seconds = time.monotonic() - started
            assert result.success
        sums = table_checksums(pg_url)
    finally:
        sandbox.stop()
        truncate_all(pg_url)
    assert all(not s.endswith(":0") for s in sums.values()), sums
    return Reference(sums, seconds)


@pytest.fixture
def reference_tables(reference: Reference) -> dict[str, str]:
    return reference.tables


@pytest.fixture
def scenario(pg_url: str, reference_tables: dict[str, str]) -> Iterator[str]:
    """The registry of the scenario on an empty warehouse; emptied again afterwards."""
    truncate_all(pg_url)
    register_scenario(pg_url)
    yield pg_url
    truncate_all(pg_url)


@pytest.fixture
def proxy(sandbox: SandboxServer) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.url) as running:
        yield running


@pytest.fixture
def rig(scenario: str, proxy: FaultProxy, sandbox: SandboxServer) -> FaultRig:
    return FaultRig(scenario, proxy.url, sandbox)
