"""The local instance's run launcher: Dagster's DefaultRunLauncher plus a run-worker health check, so the daemon's
run monitoring marks a run FAILED when its worker is gone instead of leaving it STARTED for `max_runtime`.

Why only locally: the DefaultRunLauncher has no health check, and the code server's own watch (it fails a run
whose worker process exits) dies with the code server. Ctrl-C on `make dev`, a killed terminal or a laptop
reboot kill both, and the next `make dev` used to show those runs as STARTED for 6 hours. On one machine the
daemon can see the run worker's process (its pid is on the run's RUN_START event), so it can tell. In production
the daemon and the code server are different containers; there the code server's watch and `max_runtime`
apply (docs/deploy.md).
"""

from __future__ import annotations

import psutil
from dagster import DagsterEventType, DagsterInstance, DagsterRun
from dagster._core.launcher import DefaultRunLauncher
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

# A process created after its run started is another process that got the same pid back.
PID_REUSE_SLACK_S = 1.0


def run_worker_pid(instance: DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the process that started the run, and when it did (the RUN_START event's pid and time)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    if not records:
        return None
    entry = records[0].event_log_entry
    if entry.dagster_event is None or entry.dagster_event.pid is None:
        return None
    return entry.dagster_event.pid, entry.timestamp


def worker_status(pid: int, started_at: float) -> CheckRunHealthResult:
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE
        created_at = process.create_time()
    except psutil.NoSuchProcess:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is gone")
    if not alive or created_at > started_at + PID_REUSE_SLACK_S:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker (pid {pid}) is gone")
    return CheckRunHealthResult(WorkerStatus.RUNNING)


class LocalRunLauncher(DefaultRunLauncher):
    """Runs launched on the code server, as in production; health checked through the worker's pid."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        started = run_worker_pid(self._instance, run.run_id)
        if started is None:  # not started by a worker we can see (e.g. executed in another process): say running
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no run worker pid recorded")
        return worker_status(*started)
