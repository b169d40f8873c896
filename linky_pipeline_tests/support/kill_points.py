"""Kill points without a line of product code: a PostgreSQL-side trick.

A test-only row trigger on the table a transaction writes makes that transaction wait, after its N-th row, on an
advisory lock the test holds. The run is then provably inside its open transaction, with N rows written and not
committed; the test SIGKILLs the run process (forked, so no interpreter start-up) or stops PostgreSQL
(`pg_ctl stop -m immediate`), releases the lock, and removes the trigger. Nothing in lib/ knows about it, and the
point is named by what it interrupts (a table and a row count), not by a hook that could drift from the code.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from psycopg import sql

PAUSE_KEY = 17_017  # advisory lock the paused transaction waits on
_FUNCTION = """
CREATE OR REPLACE FUNCTION faults_pause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seen integer := coalesce(nullif(current_setting('faults.rows', true), ''), '0')::integer + 1;
BEGIN
    PERFORM set_config('faults.rows', seen::text, true);   -- rows of this transaction so far
    IF seen = TG_ARGV[0]::integer THEN
        PERFORM pg_advisory_xact_lock({key});
    END IF;
    RETURN NULL;
END $$
"""


class KillPointError(AssertionError):
    """The run never reached the kill point (or did something else than expected)."""


@dataclass(frozen=True)
class KillPoint:
    """Pause the transaction that writes its `after_rows`-th row into `table`."""

    table: str
    after_rows: int

    @property
    def name(self) -> str:
        return f"{self.table} after {self.after_rows} row(s)"


@contextlib.contextmanager
def paused_at(url: str, point: KillPoint) -> Iterator[psycopg.Connection]:
    """Install the trigger and hold the lock; yields the holder's connection. Always uninstalls."""
    holder = psycopg.connect(url, autocommit=True)
    holder.execute(sql.SQL(_FUNCTION.format(key=PAUSE_KEY)))
    holder.execute(
        sql.SQL(
            "CREATE TRIGGER faults_pause AFTER INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION faults_pause({})"
        ).format(sql.Identifier(point.table), sql.Literal(str(point.after_rows)))
    )
    holder.execute("SELECT pg_advisory_lock(%s)", (PAUSE_KEY,))
    try:
        yield holder
    finally:
        with contextlib.suppress(psycopg.Error):
            holder.close()
        with contextlib.suppress(psycopg.Error), psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP TRIGGER IF EXISTS faults_pause ON {}").format(sql.Identifier(point.table)))


def waiting_backend(url: str, timeout_s: float, alive: Callable[[], bool]) -> int:
    """PID of the backend waiting on the pause lock; fails if the run ends (or takes too long) first."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = %s",
                (PAUSE_KEY,),
            ).fetchone()
            if row is not None:
                return int(row[0])
            if not alive():
                raise KillPointError("the run ended without reaching the kill point")
            time.sleep(0.02)
    raise KillPointError(f"the kill point was not reached within {timeout_s} s")


def wait_backend_gone(url: str, pid: int, timeout_s: float = 30.0) -> None:
    """The killed run's backend has rolled back and exited."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() is None:
                return
            time.sleep(0.02)
    raise KillPointError(f"backend {pid} still there {timeout_s} s after its client was killed")


def start_child(target: Callable[[], bool]) -> multiprocessing.process.BaseProcess:
    """`target` in a forked process (the run process to kill): exit 0 when it returns True."""
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_exit_with, args=(target,), daemon=True)
    child.start()
    return child


def _exit_with(target: Callable[[], bool]) -> None:
    os._exit(0 if target() else 1)


def sigkill(child: multiprocessing.process.BaseProcess) -> None:
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    if child.exitcode != -signal.SIGKILL:
        raise KillPointError(f"the run process ended with {child.exitcode}, not by SIGKILL")
