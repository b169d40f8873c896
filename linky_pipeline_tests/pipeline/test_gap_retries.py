"""Transient gaps are fetched again (issue 17 §2): a day answered 404 no_data_found, answered 200 without points,
answered with half its intervals, or withheld by the API and released later is filled by a later run after it left
the trailing window; the retries are counted, and a gap is given up only with a reason a user can read."""

from datetime import date, timedelta

import httpx
import psycopg
import pytest

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.domain.registry import list_meters
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sync.run import sync_partitions
from linky_pipeline.lib.tables.readings import rebuild_readings
from linky_pipeline_tests.support.enedis_fake import CLIENT_ID, CLIENT_SECRET, FakeEnedis, Server, reply
from linky_pipeline_tests.support.enedis_payloads import curve_points, to_v2_points, v2_body

PRM = "22516914714270"
SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 1))
FIRST, LATER = date(2026, 10, 20), date(2026, 10, 28)  # September is outside both runs' trailing windows
ENDPOINTS = ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power")


def _days(first: str, n: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


def _metadata(result, key: str) -> object:
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.to_user_string() == "raw_load_curves" and key in mat.metadata:
            return mat.metadata[key].value
    raise AssertionError(f"no raw_load_curves metadata {key!r}")


def _calls(sandbox) -> int:
    return sum(httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls_by_prm"].values())


@pytest.mark.parametrize(
    ("fault", "days"),
    [
        ("withheld_days", _days("2026-09-08", 7)),  # a whole 7-day curve window: 404 no_data_found
        ("empty_days", _days("2026-09-08", 7)),  # HTTP 200 without a single point
        ("withheld_days", ["2026-09-10"]),  # one day withheld inside an answered window, released later
    ],
    ids=["404-no-data", "empty-200", "withheld-day"],
)
def test_a_gap_is_filled_by_a_later_run_after_it_left_the_trailing_window(
    db, building, run_pipeline, sandbox, fault, days
) -> None:
    building("normal", (PRM, "consumption"))
    sandbox.settings.update({"today": FIRST.isoformat(), fault: [{"usage_point_id": PRM, "day": d} for d in days]})
    first = run_pipeline(["normal"], *SEPTEMBER, reference=FIRST)
    assert first.success
    assert db.execute("SELECT count(*) FROM readings").fetchone() == ((30 - len(days)) * 48,)
    gaps = db.execute(
        "SELECT DISTINCT status, is_final, attempts, next_attempt FROM fetch_state WHERE day = ANY(%s::date[])",
        (days,),
    ).fetchall()
    assert gaps == [("no_data", False, 1, FIRST + timedelta(days=1))]  # asked again from the next night on

    sandbox.settings.update({"today": LATER.isoformat(), fault: []})  # the API releases the days
    httpx.post(f"{sandbox.url}/sandbox/stats/reset").raise_for_status()
    later = run_pipeline(["normal"], *SEPTEMBER, reference=LATER)
    assert later.success
    db.rollback()
    assert db.execute("SELECT count(*) FROM readings").fetchone() == (30 * 48,)
    assert db.execute(
        "SELECT count(*) FROM daily_consumption WHERE day = ANY(%s::date[]) AND completeness = 1.0 "
        "AND source_used = 'official'",
        (days,),
    ).fetchone() == (len(days),)
    assert db.execute(
        "SELECT DISTINCT status, is_final, attempts FROM fetch_state WHERE day = ANY(%s::date[])", (days,)
    ).fetchall() == [("complete", True, 2)]
    asked = len(days) * len(ENDPOINTS)
    assert _metadata(later, "gaps_retried") == asked and _metadata(later, "gaps_filled") == asked
    assert _calls(sandbox) == 3  # the gap's windows only: one per endpoint, nothing already landed
    if fault == "empty_days":
        assert db.execute("SELECT count(*) FROM empty_answers WHERE resolved_at IS NULL").fetchone() == (0,)


def test_a_partial_day_is_asked_again_and_completed(db, building, pg_url) -> None:
    """A curve answer with only half of a day's intervals: partial, asked again, completed later (lib level:
    the fake server answers the first call with the day's first 24 half-hours)."""
    building("normal", (PRM, "consumption"))
    fake = FakeEnedis(today=FIRST)
    start, end = date(2026, 9, 1), date(2026, 9, 8)  # the first curve window (one worker per API: in order)
    points, expected = curve_points(start, end, interval_s=1800)
    local = [s.astimezone(PARIS) for s, _, _ in expected]
    half = [p for p, t in zip(points, local, strict=True) if not (t.date() == date(2026, 9, 3) and t.hour >= 12)]
    body = v2_body(PRM, start, end, "CONS", "PA", "W", to_v2_points(half), daily=False)
    fake.script("courbe_de_charge_consommation", reply(200, body))
    month = [BuildingMonth("normal", date(2026, 9, 1), "Europe/Paris")]
    with Server(fake) as server:
        for reference in (FIRST, LATER):
            fake.today = reference
            api = EnedisClient(server.url, CLIENT_ID, CLIENT_SECRET, today=lambda r=reference: r)
            policy = SyncPolicy(reference, mode="backfill", max_concurrency=1)
            summary = sync_partitions(lambda: psycopg.connect(pg_url), {"enedis": api}, month, policy, actor="test")
            assert not summary.failure
            if reference == FIRST:
                state = db.execute(
                    "SELECT status, points, is_final FROM fetch_state "
                    "WHERE day = '2026-09-03' AND endpoint = 'consumption_load_curve'"
                ).fetchone()
                assert state == ("partial", 24, False)
                db.rollback()
            api.close()
    curve_calls = [r for r in fake.data_requests() if "courbe" in r.path]
    last = curve_calls[-1].params
    assert (last["dateDebut"], last["dateFin"]) == ("2026-09-03", "2026-09-04")  # asked again: that day only
    assert db.execute(
        "SELECT status, points, is_final, attempts FROM fetch_state "
        "WHERE day = '2026-09-03' AND endpoint = 'consumption_load_curve'"
    ).fetchone() == ("complete", 48, True, 2)
    assert rebuild_readings(db, month[0], list_meters(db, "normal")) == 30 * 48


def test_a_gap_that_never_comes_is_given_up_with_a_reason(db, building, run_pipeline, sandbox) -> None:
    building("normal", (PRM, "consumption"))
    withheld = [{"usage_point_id": PRM, "day": "2026-09-10"}]
    reference = FIRST
    for attempt in range(1, 4):
        sandbox.settings.update({"today": reference.isoformat(), "withheld_days": withheld})
        assert run_pipeline(["normal"], *SEPTEMBER, reference=reference, policy={"gap_give_up_after": 3}).success
        db.rollback()
        row = db.execute(
            "SELECT attempts, is_final, next_attempt, gave_up FROM fetch_state "
            "WHERE day = '2026-09-10' AND endpoint = 'consumption_load_curve'"
        ).fetchone()
        assert row[0] == attempt
        reference = row[2] or reference
    _, final, next_attempt, reason = row
    assert final and next_attempt is None
    assert reason.startswith("gave up on 2026-10-24: no data in each of 3 answers since ")
    assert "retry-gaps" in reason
    sandbox.settings.update({"today": "2026-12-01"})
    httpx.post(f"{sandbox.url}/sandbox/stats/reset").raise_for_status()
    assert run_pipeline(["normal"], *SEPTEMBER, reference=date(2026, 12, 1)).success
    assert _calls(sandbox) == 0  # given up: not asked again (until `backfill retry-gaps` re-opens it)
