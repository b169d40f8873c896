"""A run whose worker died is failed by the local instance's run monitoring instead of staying STARTED."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import dagster as dg
import psutil
import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config
from dagster._core.launcher.base import WorkerStatus
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from linky_pipeline.local.run_launcher import LocalRunLauncher, worker_status
from linky_pipeline.local.stack import write_dagster_home

SLOW_RUN = """
import time
import dagster as dg

@dg.asset
def slow_table() -> None:
    time.sleep(300)

dg.materialize([slow_table], instance=dg.DagsterInstance.get())
"""


def test_a_live_worker_is_running_and_a_recycled_pid_is_not() -> None:
    me = psutil.Process()
    assert worker_status(me.pid, started_at=time.time()).status == WorkerStatus.RUNNING
    # The pid exists but its process was created after the run started: another process got the pid back.
    recycled = worker_status(me.pid, started_at=me.create_time() - 60)
    assert recycled.status == WorkerStatus.FAILED and str(me.pid) in (recycled.msg or "")


def test_the_local_instance_uses_the_checked_launcher(tmp_path: Path) -> None:
    home = write_dagster_home(tmp_path, "postgresql://linky@127.0.0.1:5432/linky")
    config, _ = dagster_instance_config(str(home))
    assert config["run_launcher"]["class"] == "LocalRunLauncher"
    assert config["run_monitoring"]["enabled"] is True
    # The production storage class and pool settings, on the local server's `dagster` database.
    storage = config["storage"]["custom"]
    assert storage["class"] == "PooledPostgresStorage" and storage["config"]["max_overflow"] == 10
    assert storage["config"]["postgres_url"] == "postgresql+psycopg2://linky@127.0.0.1:5432/dagster"
    assert "postgres_db" not in storage["config"]


@pytest.fixture
def sqlite_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    config = {
        "run_launcher": {"module": "linky_pipeline.local.run_launcher", "class": "LocalRunLauncher"},
        "run_monitoring": {"enabled": True, "max_resume_run_attempts": 0},
        "telemetry": {"enabled": False},
    }
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return home


def _started_run(instance: dg.DagsterInstance, worker: subprocess.Popen[bytes]) -> dg.DagsterRun:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the run worker exited before its run started"
        runs = instance.get_runs()
        if runs and runs[0].status == dg.DagsterRunStatus.STARTED:
            return runs[0]
        time.sleep(0.5)
    raise AssertionError("the run never reached STARTED")


def test_a_killed_worker_fails_its_run_at_the_next_monitoring_pass(sqlite_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN, encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(sqlite_home)}
    worker = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True)
    try:
        with dg.DagsterInstance.from_config(str(sqlite_home)) as instance:
            launcher = instance.run_launcher
            assert isinstance(launcher, LocalRunLauncher) and launcher.supports_check_run_worker_health
            run = _started_run(instance, worker)
            assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
            record = instance.get_run_record_by_id(run.run_id)
            assert record is not None
            monitor_started_run(instance, cast(Any, None), record, logging.getLogger("test"))
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]

            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            health = launcher.check_run_worker_health(run)
            assert health.status == WorkerStatus.FAILED and str(worker.pid) in (health.msg or "")
            monitor_started_run(instance, cast(Any, None), record, logging.getLogger("test"))
            failed = instance.get_run_by_id(run.run_id)
            assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE
            messages = [e.message for e in instance.all_logs(run.run_id) if e.message]
            assert any("is gone" in m for m in messages), messages[-5:]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
