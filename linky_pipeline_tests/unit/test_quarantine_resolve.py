"""A later plausible value resolves exactly the quarantined intervals it covers: the starts travel as one
timestamptz[] literal (quarantine.plausible_starts), on a DST day, for day-keyed frames and for other ts resolutions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import psycopg
import pytest

from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.sources.plausibility import Checked, ImplausiblePoint
from linky_pipeline.lib.sync.quarantine import LandedCheck, record_implausible
from linky_pipeline_tests.support.registry_rows import add_building, add_meter

PRM = "22516914714270"
CURVE, DAILY = "consumption_load_curve", "daily_consumption"
# the autumn change: 00:00-01:00 UTC are the two 02:xx Paris hours
STARTS = [datetime(2026, 10, 25, 0, 0, tzinfo=UTC) + timedelta(minutes=30 * k) for k in range(6)]
NOW = datetime(2026, 10, 26, 3, 0, tzinfo=UTC)


def curve_point(start: datetime) -> ImplausiblePoint:
    return ImplausiblePoint(PRM, "consumption", "curve", start, None, 1800, 9e12, "kWh", 125.0, "above_limit")


def day_point(day: date) -> ImplausiblePoint:
    return ImplausiblePoint(PRM, "consumption", "daily", None, day, None, -1.0, "kWh", 6250.0, "negative")


def unresolved(db: psycopg.Connection, endpoint: str) -> list[datetime]:
    rows = db.execute(
        "SELECT interval_start FROM implausible_values WHERE endpoint = %s AND resolved_at IS NULL ORDER BY 1",
        (endpoint,),
    ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("resolution", ["us", "ns"])
def test_plausible_values_resolve_exactly_their_intervals(db: psycopg.Connection, resolution: str) -> None:
    add_building(db, "b1")
    pk = add_meter(db, "b1", PRM)
    days = [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    quarantined = [
        LandedCheck(pk, PRM, CURVE, PARIS, Checked(pd.DataFrame(), [curve_point(s) for s in STARTS])),
        LandedCheck(pk, PRM, DAILY, PARIS, Checked(pd.DataFrame(), [day_point(d) for d in days])),
    ]
    record_implausible(db, quarantined, NOW)
    assert unresolved(db, CURVE) == STARTS

    fixed = [STARTS[1], STARTS[2], STARTS[5], STARTS[5] + timedelta(hours=5)]  # both 02:30, and one never flagged
    ts = pd.Series(fixed).astype(f"datetime64[{resolution}, UTC]")
    plausible = [
        LandedCheck(pk, PRM, CURVE, PARIS, Checked(pd.DataFrame({"ts": ts}), [])),
        LandedCheck(pk, PRM, DAILY, PARIS, Checked(pd.DataFrame({"day": [days[1]]}), [])),
    ]
    record_implausible(db, plausible, NOW + timedelta(days=1))

    assert unresolved(db, CURVE) == [STARTS[0], STARTS[3], STARTS[4]]
    assert unresolved(db, DAILY) == [local_midnight_utc(days[0], PARIS), local_midnight_utc(days[2], PARIS)]
    resolved_at = db.execute("SELECT DISTINCT resolved_at FROM implausible_values WHERE resolved_at IS NOT NULL")
    assert resolved_at.fetchall() == [(NOW + timedelta(days=1),)]
