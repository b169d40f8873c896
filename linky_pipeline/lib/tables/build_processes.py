"""The sync's month chain in worker processes (issue 16): the table builders are Python CPU (pandas frames, checks),
and in the run's process they shared one GIL with the fetch workers and Dagster, so they could not use a second
core. Here each building-month is built by a `MonthChain` of one of a few spawned processes, with the same
transactions, locks, gates and `run_builds` records as in-process.

- Spawned, never forked: the run's process has threads (fetch workers, Dagster's) whose locks a fork would copy.
- Started with the chain, so the children's imports (pandas: ~3 s of CPU each) overlap the run's planning.
- A child knows only a picklable `ChainSpec`; it opens its own connection, named `APPLICATION_NAME` and its pid in
  `pg_stat_activity`. The connection string goes to the child through the spawn pipe, nowhere else.
- The caller's builder thread waits for its building-month: a building's months stay in ascending order (its
  thread hands the next one only after this one), several buildings build at once in different processes, and a
  child's exception is raised again in the builder thread (the run's own table steps then build that building).
- Children ignore SIGINT (a cancel is the run's: it closes the chain) and exit when the run's process dies.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.store.db import to_psycopg_url
from linky_pipeline.lib.tables.pipelined import MonthChain, Step, purge_old_run_builds, sync_steps

APPLICATION_NAME = "linky month builder"  # + the child's pid: who builds is visible in pg_stat_activity


@dataclass(frozen=True)
class ChainSpec:
    """What a worker process needs to build its own chain: no connection, no function, only names and values."""

    database_url: str = field(repr=False)  # a secret: handed to psycopg only, never in a repr, log or exception
    run_id: str
    reference: date
    tables: tuple[str, ...]  # the sync steps the run materializes

    def steps(self) -> list[Step]:
        return [s for s in sync_steps(self.reference) if s.table in self.tables]

    def connect(self, application_name: str = "linky_pipeline") -> psycopg.Connection:
        return psycopg.connect(to_psycopg_url(self.database_url), application_name=application_name)


class ProcessMonthChain:
    """`MonthChain`'s interface (call it with a building-month from several threads, `built`, `close`), each
    building-month built in one of `processes` spawned worker processes."""

    def __init__(self, spec: ChainSpec, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.run_id = spec.run_id
        self.built: dict[str, int] = {}  # table → building-months built
        self.pids: set[int] = set()  # the worker processes that built at least one building-month
        self._lock = threading.Lock()
        self._pool = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(spec,)
        )
        try:
            for _ in range(processes):  # a pool spawns on demand: one task each starts them all now
                self._pool.submit(os.getpid)
            with spec.connect() as conn:  # once per run, here: not once per child
                purge_old_run_builds(conn)
        except BaseException:
            self.close()
            raise

    def __call__(self, bm: BuildingMonth) -> None:
        pid, built = self._pool.submit(_build, bm).result()
        with self._lock:
            self.pids.add(pid)
            for table, count in built.items():
                self.built[table] = self.built.get(table, 0) + count

    def close(self) -> None:
        """Waits for the building-months being built (each one transaction), drops those not started, and joins
        every worker process."""
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- in the worker processes ---------------------------------------------------------------------------------

_chain: MonthChain | None = None  # this worker process's own chain (one connection: a child builds one at a time)


def _start(spec: ChainSpec) -> None:
    global _chain
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    name = f"{APPLICATION_NAME} {os.getpid()}"
    _chain = MonthChain(lambda: spec.connect(name), spec.run_id, spec.steps(), purge_old=False)


def _exit_with_parent() -> None:
    """A run's process killed outright (SIGKILL, OOM) leaves no builder behind: its transaction rolls back."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="linky-build-parent-watch", daemon=True).start()


def _build(bm: BuildingMonth) -> tuple[int, dict[str, int]]:
    """This process's pid and the tables it built for `bm`."""
    if _chain is None:
        raise RuntimeError("the worker process was not started by ProcessMonthChain")
    before = dict(_chain.built)
    _chain(bm)
    return os.getpid(), {t: n - before.get(t, 0) for t, n in _chain.built.items() if n > before.get(t, 0)}


def run_chain(
    database_url: str, run_id: str, reference: date, selected: set[str], processes: int
) -> MonthChain | ProcessMonthChain | None:
    """The chain of the run's selected sync tables: in `processes` worker processes, or in the caller's threads
    with 0; None when the run materializes none of them."""
    spec = ChainSpec(
        database_url, run_id, reference, tuple(s.table for s in sync_steps(reference) if s.table in selected)
    )
    if not spec.tables:
        return None
    if processes > 0:
        return ProcessMonthChain(spec, processes)
    return MonthChain(spec.connect, run_id, spec.steps())
