"""Kill -9 of the run process inside an open transaction (landing, each table rebuild, the shared quota) and at
timed moments: nothing of the interrupted transaction is visible, and the next run converges to the reference."""

from __future__ import annotations

import time

import psycopg
import pytest
from psycopg import sql

from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH, Reference
from linky_pipeline_tests.support.fault_runs import FaultRig, implausible_readings, table_checksums
from linky_pipeline_tests.support.kill_points import (
    PAUSE_KEY,
    KillPoint,
    paused_at,
    sigkill,
    start_child,
    wait_backend_gone,
    waiting_backend,
)

pytestmark = pytest.mark.faults
MONTH_READINGS = 31 * 48 + 2
KILL_POINTS = [
    KillPoint("api_rate_limits", 1),  # a quota row locked by the run (one row per limiter transaction)
    KillPoint("raw_load_curves", 1),  # landing (one transaction per window): its answer written, no day state yet
    KillPoint("fetch_state", 4),  # landing: a window's answer written, its day states half done
    KillPoint("reading_days", 20),  # mid-COPY of a building-month (packed days: ~30 rows per meter-month)
    KillPoint("daily_consumption", 10),
    KillPoint("daily_max_power", 10),
    KillPoint("monthly_consumption", 1),
    KillPoint("consumption_anomalies", 1),
]


def _run_in_child(rig: FaultRig):  # type: ignore[no-untyped-def]
    return start_child(lambda: rig.run(BUILDINGS, MONTH, MONTH).success)


def _assert_nothing_partial(url: str) -> None:
    """Committed building-months are whole: readings come in whole months per meter, fetch states with answers."""
    with psycopg.connect(url) as conn:
        per_meter = conn.execute("SELECT meter_pk, count(*) FROM readings GROUP BY 1").fetchall()
        assert all(n == MONTH_READINGS for _, n in per_meter), per_meter
        orphans = conn.execute(
            "SELECT count(*) FROM fetch_state f WHERE NOT EXISTS (SELECT 1 FROM raw_load_curves r "
            "WHERE r.meter_pk = f.meter_pk AND r.endpoint = f.endpoint AND f.day >= r.window_start "
            "AND f.day < r.window_end)"
        ).fetchone()
        assert orphans == (0,)


@pytest.mark.parametrize("point", KILL_POINTS, ids=[p.name for p in KILL_POINTS])
def test_sigkill_inside_a_transaction_then_the_next_run_converges(
    point: KillPoint, rig: FaultRig, reference_tables: dict[str, str]
) -> None:
    with paused_at(rig.pg_url, point) as holder:
        child = _run_in_child(rig)
        backend = waiting_backend(rig.pg_url, 60, child.is_alive)
        sigkill(child)
        holder.execute("SELECT pg_advisory_unlock(%s)", (PAUSE_KEY,))
        wait_backend_gone(rig.pg_url, backend)
    _assert_nothing_partial(rig.pg_url)

    result = rig.run(BUILDINGS, MONTH, MONTH)

    assert result.success
    assert table_checksums(rig.pg_url) == reference_tables
    assert implausible_readings(rig.pg_url) == 0


def _committed(url: str, table: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))).fetchone()
    return bool(row and row[0])


# Kills between transactions, at moments the run reaches on its own: a fixed delay into the run, right after the
# landing committed, right after the first building-month of readings committed.
MOMENTS = {
    "0.5 s into the run": lambda _url: True,
    "right after the landing commit": lambda url: _committed(url, "raw_load_curves"),
    "right after the first readings commit": lambda url: _committed(url, "readings"),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_sigkill_at_a_moment_of_the_run_then_the_next_run_converges(
    moment: str, rig: FaultRig, reference: Reference
) -> None:
    child = _run_in_child(rig)
    time.sleep(0.5)
    deadline = time.monotonic() + 60
    while not MOMENTS[moment](rig.pg_url) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.is_alive(), "the run ended before its kill"
    sigkill(child)
    _assert_nothing_partial(rig.pg_url)

    result = rig.run(BUILDINGS, MONTH, MONTH)

    assert result.success
    assert table_checksums(rig.pg_url) == reference.tables
