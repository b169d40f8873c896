"""The API half of the fault matrix: each fault of matrix.API_FAULTS injected by the proxy into a real pipeline run,
which must end in the designed state; faults that leave data missing are followed by a clean run that must converge
to the uninterrupted reference (table checksums). Throughout: api_calls counts every HTTP call the proxy saw, no
untyped error, no implausible row, no token or client secret in the run's events or logs.

A run fails only with the sync's verdicts (issue 17 §3): alpha has one meter, so a meter error on alpha is a building
that lost every meter (the run fails after the other tables are built, naming it); a fleet error is a run that
fetched nothing (the landing step fails at once, its failure metadata carrying the calls and each meter's error).
The meter's other endpoints, and its windows answered before the fault, land (each window lands on its own)."""

from __future__ import annotations

import logging

import dagster as dg
import psycopg
import pytest

from linky_pipeline.local.stack import SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH, SCENARIO
from linky_pipeline_tests.faults.matrix import (
    ALPHA_PRM,
    API_FAULTS,
    CURVE,
    FLEET_ERROR,
    METER_ERROR,
    QUARANTINED,
    RETRIED,
    ApiFault,
)
from linky_pipeline_tests.support.fault_proxy import FaultProxy
from linky_pipeline_tests.support.fault_runs import (
    FaultRig,
    check_verdict,
    failed_checks,
    implausible_readings,
    landing_total,
    step_failures,
    table_checksums,
)

pytestmark = pytest.mark.faults
MONTH_READINGS = 31 * 48 + 2
METERS = [f"{b}/{prm}" for b in BUILDINGS for prm, _ in SCENARIO[b]]


def _readings_by_meter(db: psycopg.Connection) -> dict[str, int]:
    db.rollback()
    rows = db.execute("SELECT m.meter_id, count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk GROUP BY 1")
    return dict(rows.fetchall())


@pytest.mark.parametrize("case", API_FAULTS, ids=[c.name for c in API_FAULTS])
def test_api_fault_ends_in_its_designed_state(
    case: ApiFault,
    rig: FaultRig,
    proxy: FaultProxy,
    sandbox: SandboxServer,
    db: psycopg.Connection,
    reference_tables: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rules = [proxy.add(rule) for rule in case.rules()]
    caplog.set_level(logging.DEBUG)

    result = rig.run(BUILDINGS, MONTH, MONTH)

    assert sum(r.hits for r in rules) > 0, "the fault was never injected"
    failed = step_failures(result)
    if case.expected == FLEET_ERROR:  # nothing fetched: the landing fails at once (the ops webhook fires)
        assert list(failed) == ["raw_load_curves"], failed
        assert failed["raw_load_curves"].message.startswith("no meter could be fetched: 0 of ")
        api_calls, errors = (
            failed["raw_load_curves"].metadata["api_calls"],
            failed["raw_load_curves"].metadata["meter_errors"],
        )
    else:
        if case.expected == METER_ERROR:  # alpha lost its only meter: the verdict fails the run, the rest is built
            assert list(failed) == ["raw_load_curves_every_building_fetched"], failed
            assert (
                "1 building(s) lost every meter this run (alpha: "
                in failed["raw_load_curves_every_building_fetched"].message
            )
        else:
            assert result.success, "an API fault must never fail the run with an untyped error"
        api_calls = landing_total(result, "api_calls")
        _, errors = check_verdict(result, "every_meter_synced", "meter_errors")
    assert api_calls == len(proxy.requests), "every HTTP call counts, failed meters' too"
    assert implausible_readings(rig.pg_url) == 0
    leaked = [s for s in (*sandbox.app.tokens.issued(), SANDBOX_CLIENT_SECRET) if s in _text(result, caplog)]
    assert leaked == []

    if case.expected == RETRIED:
        assert errors == {}
        assert failed_checks(result) == set()
        assert table_checksums(rig.pg_url) == reference_tables
        return
    if case.expected == QUARANTINED:
        assert errors == {}
        _, reported = check_verdict(result, "no_implausible_value", "implausible_values")
        assert list(reported) == [f"alpha/{ALPHA_PRM}"] and len(reported[f"alpha/{ALPHA_PRM}"]) == 1
        lost = 1 if any(r.path == CURVE for r in rules) else 0
        assert _readings_by_meter(db) == {
            m.split("/")[1]: MONTH_READINGS - (lost if ALPHA_PRM in m else 0) for m in METERS
        }
        return
    failing = [f"alpha/{ALPHA_PRM}"] if case.expected == METER_ERROR else METERS
    assert case.error is not None and sorted(errors) == sorted(failing)
    # the meter that met the fault names its typed error; meters a circuit breaker kept from asking name it as cause
    assert all(e.startswith(f"{case.error}: ") or f"({case.error}: " in e for e in errors.values()), errors
    db.rollback()
    landed = db.execute(
        "SELECT DISTINCT m.meter_id, f.endpoint FROM fetch_state f JOIN meters m ON m.id = f.meter_pk"
    ).fetchall()
    faulty = {(ALPHA_PRM, "consumption_load_curve")} if case.expected == METER_ERROR else set()
    assert not set(landed) & faulty, "no day of the failing calls is recorded as answered"
    if case.expected == FLEET_ERROR:
        assert landed == [] and _readings_by_meter(db) == {}
    proxy.clear()
    again = rig.run(BUILDINGS, MONTH, MONTH)
    assert again.success and check_verdict(again, "every_meter_synced", "meter_errors") == (True, {})
    assert table_checksums(rig.pg_url) == reference_tables


def _text(result: dg.ExecuteInProcessResult, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([*(str(e) for e in result.all_events), caplog.text])
