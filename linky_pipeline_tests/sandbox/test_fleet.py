"""A synthetic fleet (benchmarks of 1 000-10 000 meters): registered PRMs are served, each with its own data."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from linky_pipeline.sandbox import METERS, SandboxServer, SandboxSettings
from linky_pipeline.sandbox.fleet import FleetError, fleet_prm, register_fleet
from linky_pipeline_tests.support.sandbox_client import TODAY, new_token

pytestmark = pytest.mark.http

CURVE = "/mesure_synchrone_auto/v2/courbe_de_charge_consommation"
WEEK = {"dateDebut": "2026-11-02", "dateFin": "2026-11-09"}


@pytest.fixture
def restored_meters() -> Iterator[None]:
    """The fleet is added to the sandbox's one meter table: put it back as it was for the other tests."""
    saved = dict(METERS)
    yield
    METERS.clear()
    METERS.update(saved)


def watts(api: httpx.Client, prm: str) -> list[int]:
    response = api.get(CURVE, params={"pointId": prm, **WEEK})
    assert response.status_code == 200, response.text
    return [int(p["v"]) for p in response.json()["grandeur"][0]["points"]]


def test_fleet_prms_are_fourteen_digits_and_never_a_named_test_meter() -> None:
    prms = [fleet_prm(i) for i in (0, 1, 9_999, 10**11 - 1)]
    assert prms[:2] == ["77000000000000", "77000000000001"]
    assert all(len(p) == 14 and p.isdigit() for p in prms)
    assert not set(prms) & set(METERS)
    with pytest.raises(FleetError, match="-1"):
        fleet_prm(-1)
    with pytest.raises(FleetError, match="100000000000"):
        fleet_prm(10**11)


def test_registered_fleet_meters_are_served_with_distinct_deterministic_curves(restored_meters: None) -> None:
    with (
        SandboxServer(settings=SandboxSettings(today=TODAY, quota_per_second=100_000)) as server,
        httpx.Client(base_url=server.url, timeout=10) as api,
    ):
        api.headers["Authorization"] = f"Bearer {new_token(api)}"
        unknown = api.get(CURVE, params={"pointId": fleet_prm(2), **WEEK})
        assert unknown.status_code == 404
        assert "STM-ERR-0000019" in unknown.text

        assert register_fleet(3) == [fleet_prm(0), fleet_prm(1), fleet_prm(2)]
        assert register_fleet(3) == [fleet_prm(0), fleet_prm(1), fleet_prm(2)]  # idempotent
        first, again, other = watts(api, fleet_prm(2)), watts(api, fleet_prm(2)), watts(api, fleet_prm(1))
    assert len(first) == 48 * 7
    assert first == again
    assert first != other
    assert min(first) > 0


def test_module_registers_the_fleet_then_serves() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "linky_pipeline.sandbox.fleet", "--meters", "5", "--port", str(port)),
            *("--today", TODAY.isoformat(), "--quota-per-second", "1000"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        with httpx.Client(base_url=base, timeout=10) as api:
            api.headers["Authorization"] = f"Bearer {new_token(api)}"
            assert len(watts(api, fleet_prm(4))) == 48 * 7
            assert api.get(CURVE, params={"pointId": fleet_prm(5), **WEEK}).status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert b"fleet: 5 meters, 77000000000000..77000000000004" in out
