"""A BEST answer replacing BRUT values (issue 11 §4): the next night's re-fetch of the trailing days brings Enedis's
corrected values; the changed intervals are replaced, each revision is recorded (old and new value and quality, the
answer that brought it), and the days and the month built on them are rebuilt."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.faults.conftest import BUILDINGS
from linky_pipeline_tests.faults.matrix import ALPHA_PRM, CURVE
from linky_pipeline_tests.support.fault_proxy import FaultProxy, Rule
from linky_pipeline_tests.support.fault_runs import FaultRig

pytestmark = pytest.mark.faults
MONTH = date(2026, 11, 1)  # the reference month: its last days are in the nightly's trailing window
NEXT_DAY = date(2026, 11, 24)
RAISED_W = 1000  # what the raw (BRUT) answer overstated on one point per window


def _overstate_one_point(body: Any) -> Any:
    point = body["grandeur"][0]["points"][10]
    point["v"] = str(int(point["v"]) + RAISED_W)
    return body


def _corrected(body: Any) -> Any:
    body["etapeMetier"] = "BEST"
    return body


def _curve_by_day(db: psycopg.Connection) -> dict[date, Decimal]:
    db.rollback()
    rows = db.execute(
        "SELECT d.day, d.curve_kwh FROM daily_consumption d JOIN meters m ON m.id = d.meter_pk WHERE m.meter_id = %s",
        (ALPHA_PRM,),
    ).fetchall()
    return {day: Decimal(str(kwh)) for day, kwh in rows}


def _month_curve(db: psycopg.Connection) -> Decimal:
    row = db.execute(
        "SELECT c.curve_kwh FROM monthly_consumption c JOIN meters m ON m.id = c.meter_pk "
        "WHERE m.meter_id = %s AND c.month = %s",
        (ALPHA_PRM, MONTH),
    ).fetchone()
    assert row is not None
    return Decimal(str(row[0]))


def test_a_best_answer_replaces_brut_values_and_rebuilds_their_days_and_month(
    rig: FaultRig, proxy: FaultProxy, sandbox: SandboxServer, db: psycopg.Connection
) -> None:
    raw = Rule("mutate", path=CURVE, query=ALPHA_PRM, mutate=_overstate_one_point)
    proxy.add(raw)
    assert rig.run(BUILDINGS, MONTH, MONTH).success
    days_before = _curve_by_day(db)
    month_before = _month_curve(db)
    assert db.execute("SELECT count(*) FROM reading_revisions").fetchone() == (0,)

    proxy.clear()
    proxy.add(Rule("mutate", path=CURVE, query=ALPHA_PRM, mutate=_corrected))
    today = sandbox.settings.effective_today()
    sandbox.settings.update({"today": (today + timedelta(days=1)).isoformat()})  # the next night: one more day out
    try:
        assert rig.run(BUILDINGS, MONTH, MONTH, reference=NEXT_DAY).success
    finally:
        sandbox.settings.update({"today": today.isoformat()})

    db.rollback()
    revisions = db.execute(
        "SELECT r.ts, r.old_interval_s, r.old_kwh, r.old_quality, r.new_kwh, r.new_quality, r.raw_endpoint, "
        "(r.ts AT TIME ZONE 'Europe/Paris')::date FROM reading_revisions r JOIN meters m ON m.id = r.meter_pk "
        "WHERE m.meter_id = %s ORDER BY r.ts",
        (ALPHA_PRM,),
    ).fetchall()
    assert revisions, "the corrected intervals left no revision"
    for ts, interval_s, old_kwh, old_quality, new_kwh, new_quality, endpoint, _ in revisions:
        assert (old_quality, new_quality, endpoint) == ("BRUT", "BEST", "consumption_load_curve"), ts
        assert old_kwh - new_kwh == pytest.approx(RAISED_W * interval_s / 3.6e6), ts
        stored = db.execute(
            "SELECT r.kwh, r.quality FROM readings r JOIN meters m ON m.id = r.meter_pk "
            "WHERE m.meter_id = %s AND r.ts = %s",
            (ALPHA_PRM, ts),
        ).fetchone()
        assert stored is not None and stored[0] == pytest.approx(new_kwh) and stored[1] == "BEST", ts
    # only values that changed are revisions: the re-fetched points that were right were not revised
    assert len(revisions) == len({r[0] for r in revisions}) < 20

    days_after = _curve_by_day(db)
    lowered: dict[date, Decimal] = {}
    for _, _, old_kwh, _, new_kwh, _, _, day in revisions:
        lowered[day] = lowered.get(day, Decimal(0)) + Decimal(str(old_kwh)) - Decimal(str(new_kwh))
    for day, delta in lowered.items():
        assert days_before[day] - days_after[day] == pytest.approx(delta), day
    # the month is rebuilt from its corrected days (the nightly also added the newly published day)
    assert month_before == pytest.approx(sum(days_before.values()))
    assert _month_curve(db) == pytest.approx(sum(days_after.values()))
    assert set(days_after) - set(days_before) == {NEXT_DAY - timedelta(days=1)}
