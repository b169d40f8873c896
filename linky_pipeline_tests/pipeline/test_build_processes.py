"""The sync's table builders in worker processes (issue 16): every building-month is built by another process (seen
from the database: its connection's application_name names that process), a child's failure is the caller's and
leaves that building to the run's own table steps with the same final tables, and no worker outlives the chain,
whether the run ends, is cancelled, or its process is killed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.tables.build_processes import APPLICATION_NAME, ChainSpec, ProcessMonthChain
from linky_pipeline.lib.tables.pipelined import sync_steps
from linky_pipeline_tests.pipeline.test_backfill_resume import CancelAfter
from linky_pipeline_tests.pipeline.test_backfill_resume import _sync as sync_backfill
from linky_pipeline_tests.pipeline.test_pipelined_builds import LANDING, STORED, TABLES, builders
from linky_pipeline_tests.support.pipeline import REFERENCE, checksums

SEPTEMBER = date(2026, 9, 1)
ALL_TABLES = tuple(s.table for s in sync_steps(REFERENCE))
BUILDER_BACKENDS = (
    "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE %s"
)


def month(code: str, first: date = SEPTEMBER) -> BuildingMonth:
    return BuildingMonth(code, first, "Europe/Paris")


def builder_backends(url: str) -> set[int]:
    """The pids named by the builder connections open on the database now."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(BUILDER_BACKENDS, (f"{APPLICATION_NAME} %",)).fetchall()
    return {int(name.rsplit(" ", 1)[1]) for (name,) in rows}


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a reaper counts: it runs nothing and holds no connection)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def fails_for_bravo(db):
    """A real database failure inside a child: recording a build of building bravo raises (the transaction that
    built its table rolls back). Dropped afterwards: the test database lives for the session."""
    db.execute(
        "CREATE FUNCTION refuse_bravo() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.building_code = 'bravo' THEN RAISE EXCEPTION 'bravo refused by the test'; END IF; RETURN NEW; END $$"
    )
    db.execute("CREATE TRIGGER refuse_bravo BEFORE INSERT ON run_builds FOR EACH ROW EXECUTE FUNCTION refuse_bravo()")
    db.commit()
    yield
    db.rollback()
    db.execute("DROP TRIGGER refuse_bravo ON run_builds")
    db.execute("DROP FUNCTION refuse_bravo()")
    db.commit()


def test_building_months_are_built_in_worker_processes_that_end_with_the_chain(db, building, pg_url) -> None:
    for code, prm in (("alpha", "22516914714270"), ("bravo", "12345678901234"), ("charlie", "42900589957123")):
        building(code, (prm, "consumption"))
    before = {p.pid for p in multiprocessing.active_children()}
    chain = ProcessMonthChain(ChainSpec(pg_url, "run-p", REFERENCE, ALL_TABLES), processes=2)
    try:
        threads = [threading.Thread(target=chain, args=(month(code),)) for code in ("alpha", "bravo", "charlie")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        chain(month("alpha", date(2026, 10, 1)))
        children = {p.pid for p in multiprocessing.active_children()} - before
        backends = builder_backends(pg_url)  # each child keeps its connection for the run
    finally:
        chain.close()
    assert chain.pids and os.getpid() not in chain.pids
    assert chain.pids <= children and len(children) == 2
    assert chain.pids <= backends <= children  # the database saw the builds come from the children
    assert chain.built == dict.fromkeys(ALL_TABLES, 4)
    db.rollback()
    rows = db.execute("SELECT building_code, month, count(*) FROM run_builds WHERE run_id = 'run-p' GROUP BY 1, 2")
    assert sorted(rows.fetchall()) == [
        ("alpha", SEPTEMBER, len(ALL_TABLES)),
        ("alpha", date(2026, 10, 1), len(ALL_TABLES)),
        ("bravo", SEPTEMBER, len(ALL_TABLES)),
        ("charlie", SEPTEMBER, len(ALL_TABLES)),
    ]
    # close() joined every worker: none left, and their connections are gone with them
    assert not ({p.pid for p in multiprocessing.active_children()} & children)
    assert all(gone(pid) for pid in children)
    assert wait_until(lambda: not builder_backends(pg_url))


def test_a_failure_in_a_child_is_raised_in_the_caller_and_the_others_go_on(
    db, building, pg_url, fails_for_bravo
) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    chain = ProcessMonthChain(ChainSpec(pg_url, "run-f", REFERENCE, ("readings", "daily_consumption")), processes=1)
    try:
        with pytest.raises(psycopg.errors.RaiseException, match="bravo refused by the test"):
            chain(month("bravo"))
        chain(month("alpha"))  # the same worker process builds on
    finally:
        chain.close()
    assert chain.built == {"readings": 1, "daily_consumption": 1}
    db.rollback()
    assert db.execute("SELECT DISTINCT building_code FROM run_builds WHERE run_id = 'run-f'").fetchall() == [("alpha",)]


def test_a_building_that_failed_in_a_child_is_built_by_the_run_steps_to_the_same_tables(
    db, building, run_pipeline, fails_for_bravo
) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    months = (date(2026, 7, 1), date(2026, 9, 1))
    after = run_pipeline(["alpha", "bravo"], *months, policy={"build_while_fetching": 0})
    assert after.success
    expected = checksums(db, TABLES)
    db.execute(f"TRUNCATE {', '.join(STORED)}, {LANDING} CASCADE")
    db.commit()

    during = run_pipeline(["alpha", "bravo"], *months, policy=builders(2))
    assert during.success
    assert checksums(db, TABLES) == expected
    built = db.execute(
        "SELECT building_code, count(*) FROM run_builds WHERE run_id = %s GROUP BY 1", (during.run_id,)
    ).fetchall()
    assert built == [("alpha", 3 * len(TABLES))]  # bravo's months were left to the table steps


def test_a_cancelled_run_leaves_no_worker_process(registered, db, pg_url, sandbox) -> None:
    """The asset's order: the sync is interrupted (Dagster cancels the step), the chain is closed in `finally`."""
    from linky_pipeline.lib.sources.enedis.client import EnedisClient
    from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

    sandbox.settings.update({"today": REFERENCE.isoformat()})
    before = {p.pid for p in multiprocessing.active_children()}
    with EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: REFERENCE) as api:
        chain = ProcessMonthChain(ChainSpec(pg_url, "run-c", REFERENCE, ALL_TABLES), processes=2)
        children = {p.pid for p in multiprocessing.active_children()} - before
        try:
            with pytest.raises(KeyboardInterrupt):
                sync_backfill(pg_url, CancelAfter(api, 20), run_id="run-c", on_month_landed=chain)
        finally:
            chain.close()
    assert len(children) == 2
    assert all(gone(pid) for pid in children)
    assert wait_until(lambda: not builder_backends(pg_url))
    db.rollback()
    count = db.execute("SELECT count(*) FROM run_builds WHERE run_id = 'run-c'").fetchone()
    assert count is not None and count[0] % len(ALL_TABLES) == 0  # whole building-months only


KILLED_PARENT = """
import multiprocessing, sys, time
from datetime import date
from linky_pipeline.lib.tables.build_processes import ChainSpec, ProcessMonthChain
chain = ProcessMonthChain(ChainSpec(sys.argv[1], "run-k", date(2026, 11, 23), ("readings",)), processes=2)
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


def test_worker_processes_exit_when_the_run_process_is_killed(pg_url) -> None:
    """A run worker killed outright (SIGKILL: no `finally`, no close) leaves no builder behind."""
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, pg_url], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        children = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(children) == 2 and not any(gone(pid) for pid in children)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
    assert wait_until(lambda: all(gone(pid) for pid in children))


@pytest.fixture
def registered(db, building) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("12345678901234", "consumption"))
