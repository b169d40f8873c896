"""PostgreSQL immediate stops (`pg_ctl stop -m immediate`: every backend killed, no checkpoint, crash recovery at the
restart) while a run is inside a transaction, and a run started while the server is down. The run fails; after the
restart the next run converges to the reference. A cluster of its own (the harness's code, not the shared
session cluster, which other tests' connections use; and it works when LINKY_DATABASE_URL points elsewhere)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from linky_pipeline.lib.store import migrations
from linky_pipeline.local.pgcluster import LocalCluster
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.conftest import truncate_all
from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH, register_scenario
from linky_pipeline_tests.support.fault_proxy import FaultProxy
from linky_pipeline_tests.support.fault_runs import FaultRig, table_checksums
from linky_pipeline_tests.support.kill_points import KillPoint, paused_at, start_child, waiting_backend

pytestmark = pytest.mark.faults
STOP_POINTS = [
    KillPoint("raw_load_curves", 1),  # a window's landing transaction (one per window)
    KillPoint("reading_days", 20),
    KillPoint("daily_consumption", 10),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    base = Path(tempfile.mkdtemp(prefix="linky-pg-stops-"))
    own = LocalCluster(datadir=base / "data")
    try:
        own.start(watch_pid=os.getpid())
        with psycopg.connect(own.create_database("linky")) as conn:
            migrations.upgrade(conn)
        yield own
    finally:
        own.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def stop_rig(
    cluster: LocalCluster, sandbox: SandboxServer, proxy: FaultProxy, reference_tables: dict[str, str]
) -> Iterator[FaultRig]:
    url = cluster.url("linky")
    truncate_all(url)
    register_scenario(url)
    with psycopg.connect(url, autocommit=True) as conn:
        # the harness runs with synchronous_commit=off (speed): a crash may lose the last ~200 ms of commits. The
        # registry must survive it like any older row; what the run commits may be lost and is fetched again.
        conn.execute("CHECKPOINT")
    yield FaultRig(url, proxy.url, sandbox)
    if not cluster.running():
        cluster.start()


def _converges(rig: FaultRig, reference_tables: dict[str, str]) -> None:
    result = rig.run(BUILDINGS, MONTH, MONTH)
    assert result.success
    assert table_checksums(rig.pg_url) == reference_tables


@pytest.mark.parametrize("point", STOP_POINTS, ids=[p.name for p in STOP_POINTS])
def test_an_immediate_stop_inside_a_transaction_then_the_next_run_converges(
    point: KillPoint, cluster: LocalCluster, stop_rig: FaultRig, reference_tables: dict[str, str]
) -> None:
    with paused_at(stop_rig.pg_url, point):
        child = start_child(lambda: stop_rig.run(BUILDINGS, MONTH, MONTH).success)
        waiting_backend(stop_rig.pg_url, 60, child.is_alive)
        cluster.crash()
        child.join(timeout=120)
        assert child.exitcode == 1, "the run fails (it is not left hanging, nor reported a success)"
        cluster.start()  # crash recovery
    _converges(stop_rig, reference_tables)


def test_a_run_started_while_the_server_is_down_fails_then_the_next_run_converges(
    cluster: LocalCluster, stop_rig: FaultRig, reference_tables: dict[str, str]
) -> None:
    cluster.crash()
    try:
        assert stop_rig.run(BUILDINGS, MONTH, MONTH).success is False
    finally:
        cluster.start()
    _converges(stop_rig, reference_tables)
