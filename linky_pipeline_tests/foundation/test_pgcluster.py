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

from linky_pipeline.local.pgcluster import ClusterError, LocalCluster

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
