"""Faults of the matrix whose designed state other engineers are building (issue 17 §2 and §3, lib/sync): written
now, strict xfails until their branches are merged, when they turn into failures and this file loses its marks."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH
from linky_pipeline_tests.faults.matrix import ALPHA_PRM, API_FAULTS, CURVE, DAILY
from linky_pipeline_tests.support.fault_proxy import FaultProxy, Rule, set_point_value
from linky_pipeline_tests.support.fault_runs import FaultRig, table_checksums

pytestmark = pytest.mark.faults
SECTION_2 = "issue 17 §2 (sync engineer, not merged yet): transient gaps are fetched again"
SECTION_3 = "issue 17 §3 (sync engineer, not merged yet)"


@pytest.mark.xfail(strict=True, reason=f"{SECTION_3}: a fleet-wide fetch failure fails the run")
def test_a_fleet_wide_fetch_failure_fails_the_run(rig: FaultRig, proxy: FaultProxy) -> None:
    [case] = [c for c in API_FAULTS if c.name == "client credentials refused"]
    for rule in case.rules():
        proxy.add(rule)
    assert rig.run(BUILDINGS, MONTH, MONTH).success is False


@pytest.mark.xfail(strict=True, reason=f"{SECTION_3}: a consent revoked mid-run keeps the answers received")
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


@pytest.mark.xfail(strict=True, reason=SECTION_2)
def test_a_day_withheld_then_released_is_fetched_again_after_the_trailing_window(
    rig: FaultRig, sandbox: SandboxServer, reference_tables: dict[str, str]
) -> None:
    withheld = [{"usage_point_id": ALPHA_PRM, "day": "2026-10-05"}]
    sandbox.settings.update({"withheld_days": withheld})  # answered 404 no_data_found: long final (reference 11-23)
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    sandbox.settings.update({"withheld_days": []})  # released
    assert rig.run(BUILDINGS, MONTH, MONTH, reference=date(2026, 11, 24)).success
    assert table_checksums(rig.pg_url) == reference_tables


@pytest.mark.xfail(strict=True, reason=SECTION_2)
def test_a_quarantined_point_is_fetched_again_and_the_corrected_value_converges(
    rig: FaultRig, proxy: FaultProxy, reference_tables: dict[str, str]
) -> None:
    proxy.add(Rule("mutate", path=CURVE, query=ALPHA_PRM, times=1, mutate=set_point_value("9e12", 7)))
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    assert rig.run(BUILDINGS, MONTH, MONTH, reference=date(2026, 11, 24)).success  # the API answers right now
    assert table_checksums(rig.pg_url) == reference_tables
