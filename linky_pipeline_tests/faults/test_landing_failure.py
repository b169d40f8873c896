"""One building's landing transaction fails in the database (a test-only trigger refuses its rows): that building
lands nothing, the others are committed, the run fails saying how many buildings failed, and the next run
converges to the reference."""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from linky_pipeline_tests.faults.conftest import BUILDINGS, MONTH
from linky_pipeline_tests.support.fault_runs import FaultRig, table_checksums

pytestmark = pytest.mark.faults
_REFUSE = """
CREATE OR REPLACE FUNCTION faults_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'injected failure for meter %', NEW.meter_pk;
END $$
"""


def test_a_building_whose_landing_fails_is_counted_as_a_building_and_the_next_run_converges(
    rig: FaultRig, reference_tables: dict[str, str]
) -> None:
    with psycopg.connect(rig.pg_url, autocommit=True) as conn:
        beta = [r[0] for r in conn.execute("SELECT id FROM meters WHERE building_code = 'beta' ORDER BY id")]
        conn.execute(_REFUSE)
        conn.execute(
            "CREATE TRIGGER faults_refuse BEFORE INSERT ON raw_load_curves FOR EACH ROW "
            f"WHEN (NEW.meter_pk IN ({', '.join(str(pk) for pk in beta)})) EXECUTE FUNCTION faults_refuse()"
        )
    try:
        result = rig.run(BUILDINGS, MONTH, MONTH)
    finally:
        with psycopg.connect(rig.pg_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER faults_refuse ON raw_load_curves")

    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_key == "raw_load_curves"
    message = failure.step_failure_data.error.message if failure.step_failure_data.error else ""
    assert "1 building(s) failed; the others were committed" in message  # it said "building-month(s)" before
    with psycopg.connect(rig.pg_url) as conn:
        landed = dict(
            conn.execute(
                "SELECT m.building_code, count(*) FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk GROUP BY 1"
            ).fetchall()
        )
    assert set(landed) == {"alpha"}

    again = rig.run(BUILDINGS, MONTH, MONTH)
    assert again.success
    assert table_checksums(rig.pg_url) == reference_tables
