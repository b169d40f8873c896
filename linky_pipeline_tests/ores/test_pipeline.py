"""A Belgian building on ORES through the same assets as the French ones (real HTTP, real PostgreSQL, Dagster):
exact kWh on Brussels DST days, aggregates and anomalies, token refresh during a backfill, and a refresh token
revoked mid-run (consent lost, notified once, nothing lost for the other meters)."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import psycopg
import pytest

from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.sandbox.ores import DEMO_EAN
from linky_pipeline.sandbox.ores.series import injected_anomalies
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.ores import connect_ores, day_wh
from linky_pipeline_tests.support.pipeline import VAULT_KEY, checksums

PARIS_PRM = "22516914714270"


@pytest.fixture
def belgian(db: psycopg.Connection, sandbox: SandboxServer, building) -> str:
    """'liege' (Europe/Brussels, ORES: consumption + solar production) beside 'paris' (Enedis)."""
    building("paris", (PARIS_PRM, "consumption"))
    add_building(db, "liege", "Maison Liège", "Europe/Brussels")
    connect_ores(db, sandbox, "liege", DEMO_EAN, 0, Vault.from_env({"LINKY_ENCRYPTION_KEYS": VAULT_KEY}))
    return "liege"


def _pk(db: psycopg.Connection, direction: str) -> int:
    return db.execute(
        "SELECT id FROM meters WHERE provider = 'ores' AND meter_id = %s AND direction = %s", (DEMO_EAN, direction)
    ).fetchone()[0]


def _metadata(result, asset: str, key: str, building: str = "liege") -> object:
    """`key` in the metadata of one of `building`'s partitions (metadata is per building-month)."""
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.to_user_string() == asset and key in mat.metadata and event.partition.startswith(building):
            return mat.metadata[key].value
    raise AssertionError(f"{asset} has no metadata {key!r} for {building}")


def test_ores_lands_exact_kwh_with_46_and_50_half_hours_and_builds_aggregates_and_anomalies(
    db: psycopg.Connection, belgian: str, run_pipeline
) -> None:
    result = run_pipeline(["liege", "paris"], date(2026, 3, 1), date(2026, 10, 1))
    assert result.success
    db.rollback()
    for direction in ("consumption", "production"):
        pk = _pk(db, direction)
        days = db.execute(
            "SELECT day, curve_kwh, total_kwh, source_used, interval_count, expected_count, completeness "
            "FROM daily_consumption WHERE meter_pk = %s ORDER BY day",
            (pk,),
        ).fetchall()
        assert [d[0] for d in days] == [date(2026, 3, 1) + timedelta(days=i) for i in range(245)]
        for day, curve, total, used, count, expected, completeness in days:
            wh = day_wh(DEMO_EAN, direction, day)
            assert curve == total == round(sum(wh) / 1000, 6), day
            assert (used, count, expected, completeness) == ("curve", len(wh), len(wh), 1.0), day
        counts = {d[0]: d[4] for d in days}
        assert (counts[date(2026, 3, 29)], counts[date(2026, 10, 25)], counts[date(2026, 6, 1)]) == (46, 50, 48)
        months = db.execute(
            "SELECT month, total_kwh FROM monthly_consumption WHERE meter_pk = %s ORDER BY month", (pk,)
        ).fetchall()
        assert len(months) == 8
        march = sum(d[2] for d in days if d[0].month == 3)
        assert months[0][1] == pytest.approx(march, abs=1e-6)
    raw = db.execute(
        "SELECT DISTINCT api_version, http_status FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk "
        "WHERE m.provider = 'ores'"
    ).fetchall()
    assert raw == [("ores-v1", 200)]
    # every injected consumption anomaly of April-October is found (the day rule, against the 7-day average)
    found = {
        r[0]
        for r in db.execute(
            "SELECT local_day FROM consumption_anomalies WHERE meter_pk = %s AND granularity = 'day'",
            (_pk(db, "consumption"),),
        )
    }
    injected = {a.day for a in injected_anomalies(DEMO_EAN, date(2026, 4, 1), date(2026, 11, 1))}
    assert injected and injected <= found
    # the French building went through the same run, untouched by the Belgian one
    assert (
        db.execute(
            "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk WHERE m.meter_id = %s", (PARIS_PRM,)
        ).fetchone()[0]
        == 245 * 48  # 46 + 50 half-hours on the two DST days
    )
    before = checksums(db)
    assert run_pipeline(["liege", "paris"], date(2026, 3, 1), date(2026, 10, 1)).success
    assert checksums(db) == before  # a re-run changes nothing


def test_tokens_refreshed_during_a_backfill_never_reach_the_tables(
    db: psycopg.Connection, sandbox: SandboxServer, run_pipeline
) -> None:
    httpx.post(f"{sandbox.ores_url}/sandbox/control", json={"access_ttl_s": 2})
    add_building(db, "liege", "Maison Liège", "Europe/Brussels")
    connect_ores(db, sandbox, "liege", DEMO_EAN, 0, Vault.from_env({"LINKY_ENCRYPTION_KEYS": VAULT_KEY}))
    httpx.post(f"{sandbox.ores_url}/sandbox/faults", json={"fault": "401", "meter_id": DEMO_EAN, "after": 10})
    # 12 months, 7-day windows, both directions: 106 calls at 20 per second outlast several 2-second tokens
    result = run_pipeline(["liege"], date(2025, 11, 1), date(2026, 10, 1), ores={"calls_per_minute": 1200})
    assert result.success
    stats = httpx.get(f"{sandbox.ores_url}/sandbox/stats").json()
    assert stats["calls"]["token:refresh_token"] >= 3 and stats["statuses"]["401"] == 1  # the injected one only
    db.rollback()
    statuses = db.execute(
        "SELECT DISTINCT http_status FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk "
        "WHERE m.provider = 'ores'"
    ).fetchall()
    assert statuses == [(200,)]
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == sum(
        len(day_wh(DEMO_EAN, d, date(2025, 11, 1) + timedelta(days=i)))
        for d in ("consumption", "production")
        for i in range(365)
    )
    assert _metadata(result, "raw_load_curves", "consent_lost") == []


def test_a_refresh_token_revoked_mid_run_loses_the_consent_once_and_nothing_else(
    db: psycopg.Connection, sandbox: SandboxServer, belgian: str, run_pipeline
) -> None:
    add_rule(
        db,
        AlertRuleSpec(
            building_code=None,
            metric="consumption",
            threshold_percent=120,
            severity="Minor",
            channels=("email",),
            recipients=("syndic@example.org",),
        ),
    )
    db.commit()
    assert run_pipeline(["liege", "paris"], date(2026, 8, 1), date(2026, 8, 1)).success
    db.rollback()
    ores_readings = (
        "SELECT count(*), sum(kwh) FROM readings r JOIN meters m ON m.id = r.meter_pk WHERE m.provider = 'ores'"
    )
    august = db.execute(ores_readings).fetchone()
    assert august[0] == 31 * 48 * 2
    # the customer withdraws consent after a few calls of the next run: the access token dies, refresh fails
    httpx.post(f"{sandbox.ores_url}/sandbox/faults", json={"fault": "revoke", "meter_id": DEMO_EAN, "after": 3})
    result = run_pipeline(["liege", "paris"], date(2026, 9, 1), date(2026, 10, 1))
    assert result.success
    assert _metadata(result, "raw_load_curves", "consent_lost") == [DEMO_EAN]
    db.rollback()
    rows = db.execute("SELECT direction, status FROM meters WHERE provider = 'ores' ORDER BY direction").fetchall()
    assert rows == [("consumption", "consent_revoked"), ("production", "consent_revoked")]
    assert db.execute("SELECT count(*) FROM meter_credentials").fetchone() == (0,)
    audit = db.execute("SELECT details->>'error_code' FROM audit_log WHERE action = 'consent_lost'").fetchall()
    assert audit == [("invalid_grant",), ("invalid_grant",)]
    lost = db.execute("SELECT building_code, recipient FROM notifications WHERE kind = 'consent_lost'").fetchall()
    assert lost == [("liege", "syndic@example.org")]
    # the ORES answers received before the revocation landed (issue 17 §3), what it had stays, the French meter got
    # everything
    after = db.execute(ores_readings).fetchone()
    assert after[0] > august[0] and after[0] % 48 == 0  # whole days only
    assert (
        db.execute(
            "SELECT count(*) FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk "
            "WHERE m.provider = 'ores' AND r.window_start >= '2026-09-01' AND r.http_status = 200"
        ).fetchone()[0]
        >= 1
    )
    paris = db.execute(
        "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk "
        "WHERE m.meter_id = %s AND r.ts >= '2026-08-31 22:00+00'",
        (PARIS_PRM,),
    ).fetchone()[0]
    assert paris == 61 * 48 + 2
    # the next run neither fetches the revoked meter nor notifies again
    again = run_pipeline(["liege", "paris"], date(2026, 9, 1), date(2026, 10, 1))
    assert again.success and _metadata(again, "raw_load_curves", "consent_lost") == []
    db.rollback()
    assert db.execute("SELECT count(*) FROM notifications WHERE kind = 'consent_lost'").fetchone() == (1,)


def test_an_unconfigured_ores_fails_its_meters_only(db: psycopg.Connection, belgian: str, run_pipeline) -> None:
    result = run_pipeline(["liege", "paris"], date(2026, 10, 1), date(2026, 10, 1), ores={"base_url": ""})
    # Liège lost every meter: the run fails at its end (issue 17 §3), after Paris's tables were built
    assert not result.success
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failed] == ["raw_load_curves_every_building_fetched"]
    assert "ORES is not configured" in str(failed[0].event_specific_data.error)
    errors = _metadata(result, "raw_load_curves", "gaps")
    assert errors == 0
    synced_by_building = {
        (c.partition or "").split("|")[0]: c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "every_meter_synced"
    }  # one evaluation per building-month: only Liège's fails
    assert synced_by_building["paris"].passed
    synced = synced_by_building["liege"]
    assert not synced.passed
    assert synced.metadata["meter_errors"].value == {
        f"liege/{DEMO_EAN}": f"SourceConfigError: ORES is not configured: set LINKY_ORES_BASE_URL (meter {DEMO_EAN})"
    }
    db.rollback()
    paris = db.execute(
        "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk WHERE m.meter_id = %s", (PARIS_PRM,)
    ).fetchone()[0]
    assert paris == 31 * 48 + 2
    assert db.execute("SELECT DISTINCT status FROM meters WHERE provider = 'ores'").fetchall() == [("active",)]
