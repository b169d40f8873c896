"""Faults whose designed state is the sync's (issue 17 §2 and §3): a fleet-wide fetch failure fails the run; a
consent revoked mid-run keeps the answers received before it; a withheld day and a quarantined point are asked again
by the next run and the tables converge to the uninterrupted reference.

Converging means the tables built from the data (readings and everything after them) equal the reference. The
landing tables do not, by design: a gap is asked again with a window of its own days, so raw_load_curves keeps that
answer beside the first one (answers are kept as received), and fetch_state counts the day's second attempt."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH
from linky_pipeline_tests.faults.matrix import ALPHA_PRM, API_FAULTS, CURVE, DAILY
from linky_pipeline_tests.support.fault_proxy import FaultProxy, Rule, set_point_value
from linky_pipeline_tests.support.fault_runs import TABLES, FaultRig, step_failures, table_checksums

pytestmark = pytest.mark.faults
BUILT = TABLES[2:]  # what the data builds: readings, daily, monthly, max power, anomalies
NEXT_DAY = date(2026, 11, 24)  # the reference is 2026-11-23: a gap answered then is due again the next night


def _day_states(db: psycopg.Connection, day: str) -> dict[str, tuple[str, bool, int]]:
    db.rollback()
    rows = db.execute(
        "SELECT f.endpoint, f.status, f.is_final, f.attempts FROM fetch_state f JOIN meters m ON m.id = f.meter_pk "
        "WHERE m.meter_id = %s AND f.day = %s",
        (ALPHA_PRM, day),
    ).fetchall()
    return {endpoint: (status, final, attempts) for endpoint, status, final, attempts in rows}


def _raw_answers(db: psycopg.Connection) -> int:
    db.rollback()
    row = db.execute("SELECT count(*) FROM raw_load_curves").fetchone()
    assert row is not None
    return int(row[0])


def test_a_fleet_wide_fetch_failure_fails_the_run(rig: FaultRig, proxy: FaultProxy) -> None:
    [case] = [c for c in API_FAULTS if c.name == "client credentials refused"]
    for rule in case.rules():
        proxy.add(rule)
    result = rig.run(BUILDINGS, MONTH, MONTH)
    assert result.success is False
    failed = step_failures(result)
    assert list(failed) == ["raw_load_curves"]  # at once: nothing new to build from
    assert failed["raw_load_curves"].message.startswith("no meter could be fetched: 0 of ")
    assert "CredentialsRefusedError" in failed["raw_load_curves"].message  # the token endpoint refused them


def test_a_consent_revoked_mid_run_keeps_the_answers_received_before_it(
    rig: FaultRig, proxy: FaultProxy, db: psycopg.Connection
) -> None:
    proxy.add(
        Rule("respond", path=DAILY, query=ALPHA_PRM, status=403, body=b'{"error":"ADAM-DC-0008"}')
    )  # the daily call comes after part of the curve was answered
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    db.rollback()
    row = db.execute(
        "SELECT count(*) FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk WHERE m.meter_id = %s",
        (ALPHA_PRM,),
    ).fetchone()
    assert row is not None and row[0] > 0


def test_a_day_withheld_then_released_is_fetched_again_after_the_trailing_window(
    rig: FaultRig, sandbox: SandboxServer, db: psycopg.Connection, reference_tables: dict[str, str]
) -> None:
    withheld = [{"usage_point_id": ALPHA_PRM, "day": "2026-10-05"}]
    sandbox.settings.update({"withheld_days": withheld})  # answered 404 no_data_found, long before the reference
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    first = _day_states(db, "2026-10-05")
    assert first and all(not final and attempts == 1 for _, final, attempts in first.values()), first
    answers = _raw_answers(db)

    sandbox.settings.update({"withheld_days": []})  # released
    assert rig.run(BUILDINGS, MONTH, MONTH, reference=NEXT_DAY).success

    assert table_checksums(rig.pg_url, BUILT) == {t: reference_tables[t] for t in BUILT}
    again = _day_states(db, "2026-10-05")
    assert again == dict.fromkeys(first, ("complete", True, 2))
    assert _raw_answers(db) == answers + len(first)  # one answer per endpoint for the day asked again


def test_a_quarantined_point_is_fetched_again_and_the_corrected_value_converges(
    rig: FaultRig, proxy: FaultProxy, db: psycopg.Connection, reference_tables: dict[str, str]
) -> None:
    proxy.add(Rule("mutate", path=CURVE, query=ALPHA_PRM, times=1, mutate=set_point_value("9e12", 7)))
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    db.rollback()
    [(day,)] = db.execute("SELECT DISTINCT local_day FROM implausible_values WHERE resolved_at IS NULL").fetchall()
    assert _day_states(db, day.isoformat())["consumption_load_curve"] == ("partial", False, 1)

    assert rig.run(BUILDINGS, MONTH, MONTH, reference=NEXT_DAY).success  # the API answers right now

    assert table_checksums(rig.pg_url, BUILT) == {t: reference_tables[t] for t in BUILT}
    assert _day_states(db, day.isoformat())["consumption_load_curve"] == ("complete", True, 2)
    row = db.execute("SELECT count(*) FROM implausible_values WHERE resolved_at IS NULL").fetchone()
    assert row == (0,)  # the plausible value that came with the second answer resolved the quarantine
