"""A run where no meter could be fetched, or a building lost every meter, fails, and the run-failure webhook fires
(issue 17 §3); a consent revoked mid-run keeps the answers received before it and logs a warning."""

from __future__ import annotations

import logging
import socket
from datetime import date

import dagster as dg
import psycopg
import pytest

from linky_pipeline.defs.automation.notifications import run_failure_to_ops_webhook
from linky_pipeline.defs.resources.definitions import WarehouseResource
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.transport import RetryPolicy
from linky_pipeline.lib.sync.run import sync_partitions
from linky_pipeline_tests.support.enedis_fake import CLIENT_ID, CLIENT_SECRET, FakeEnedis, Reply, Request, Server, err
from linky_pipeline_tests.support.webhooks import WEBHOOK_SECRET

PRM = "22516914714270"
OCTOBER = (date(2026, 10, 1), date(2026, 10, 1))


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _post_failure(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, pg_url: str, url: str) -> None:
    """What the daemon does with a failed run: the run-failure sensor."""
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    notifier = NotifierResource(webhook_secret=WEBHOOK_SECRET, ops_webhook_url=url)
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_to_ops_webhook",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": WarehouseResource(database_url=pg_url), "notifier": notifier},
    ).for_run_failure()
    run_failure_to_ops_webhook(context)


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


NOTHING = ("raw_load_curves", "no meter could be fetched: 0 of")  # fails at once: nothing new to build
LOST = ("raw_load_curves_every_building_fetched", "2 building(s) lost every meter")  # fails after the tables


@pytest.mark.parametrize(
    ("why", "enedis", "sandbox_settings", "expected"),
    [
        ("wrong client secret", {"client_secret": "not-the-secret"}, {}, NOTHING),
        # one call per API gets through, then the gateway's 429 says "next hour": every meter lost its API
        ("hourly quota exhausted", {}, {"quota_per_hour": 1}, LOST),
        ("tokens refused", {}, {"token_ttl_s": 0}, NOTHING),
    ],
)
def test_a_fleet_wide_fetch_failure_fails_the_run_and_posts_the_webhook(
    db, building, run_pipeline, sandbox, pg_url, webhook_receiver, instance, why, enedis, sandbox_settings, expected
) -> None:
    building("alpha", (PRM, "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    sandbox.settings.update({"today": "2026-10-20", **sandbox_settings})
    result = run_pipeline(["alpha", "bravo"], *OCTOBER, reference=date(2026, 10, 20), enedis=enedis, instance=instance)
    assert not result.success, why
    step, message = expected
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failed] == [step]
    assert message in str(failed[0].event_specific_data.error)
    db.rollback()
    if expected == NOTHING:
        assert db.execute("SELECT count(*) FROM raw_load_curves").fetchone() == (0,)
    assert db.execute("SELECT outcome FROM sync_runs").fetchone() == ("failed",)
    _post_failure(result, instance, pg_url, webhook_receiver.url)
    [posted] = webhook_receiver.received
    body = posted.json()
    assert body["data"]["run_id"] == result.run_id and message in body["data"]["error"]
    assert "not-the-secret" not in posted.body.decode()


def test_a_building_that_lost_every_meter_fails_the_run_after_the_others_are_built(
    db, building, run_pipeline, sandbox, pg_url, webhook_receiver, instance
) -> None:
    building("alpha", (PRM, "consumption"))
    building("bravo", ("24880057139941", "consumption"))  # production-only point registered as consumption
    sandbox.settings.update({"today": "2026-10-20"})
    result = run_pipeline(["alpha", "bravo"], *OCTOBER, reference=date(2026, 10, 20), instance=instance)
    assert not result.success
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failed] == ["raw_load_curves_every_building_fetched"]
    db.rollback()
    assert db.execute("SELECT count(*) FROM monthly_consumption WHERE building_code = 'alpha'").fetchone() == (1,)
    [(lost, reason)] = db.execute("SELECT building_code, reason FROM sync_lost_buildings").fetchall()
    assert lost == "bravo" and reason.startswith("meter 24880057139941 (consumption): WrongDirectionError")
    _post_failure(result, instance, pg_url, webhook_receiver.url)
    [posted] = webhook_receiver.received
    assert "bravo" in posted.json()["data"]["error"] and "lost every meter" in posted.json()["data"]["error"]


def test_an_api_that_is_down_is_probed_three_times_then_the_run_has_nothing(db, building, pg_url) -> None:
    """Lib level with fast retries (the pipeline cases above share the failure path): until a provider answers
    once, one call at a time goes to it; three windows failing as unavailable stop it for the run."""
    building("alpha", (PRM, "consumption"))
    building("bravo", ("12345678901234", "consumption"))
    building("charlie", ("99999999999991", "consumption"))
    building("delta", ("42900589957123", "consumption"))
    months = [BuildingMonth(b, date(2026, 9, 1), "Europe/Paris") for b in ("alpha", "bravo", "charlie", "delta")]
    policy = SyncPolicy(date(2026, 10, 20), mode="backfill")
    fast = RetryPolicy(max_attempts=2, backoff_base_s=0.001)
    with EnedisClient(_closed_port(), CLIENT_ID, CLIENT_SECRET, retry=fast, today=lambda: policy.reference) as api:
        summary = sync_partitions(lambda: psycopg.connect(pg_url), {"enedis": api}, months, policy, actor="test")
    assert summary.nothing_fetched is not None
    assert "enedis unavailable: 3 windows failed in a row (ApiUnavailableError" in summary.nothing_fetched
    tried = [e for e in summary.meter_errors.values() if e.startswith("ApiUnavailableError")]
    assert len(tried) == 3  # three probes, one at a time (a failed meter is not asked again); the rest skipped
    skipped = [e for e in summary.meter_errors.values() if e.startswith("enedis unavailable")]
    assert len(skipped) == 1  # the fourth meter was never asked
    assert summary.windows_failed == summary.windows_planned == 4 * 7


class RevokedAfter(FakeEnedis):
    """Answers the first `keep` curve windows, then the customer withdraws consent (403 ADAM-DC-0008)."""

    keep: int = 2

    def _data(self, req: Request) -> Reply:
        if "courbe_de_charge" in req.path:
            with self.lock:
                served = sum(1 for r in self.requests if "courbe_de_charge" in r.path)
            if served > self.keep:
                return err(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.")
        return super()._data(req)


def test_a_consent_revoked_mid_run_keeps_what_was_received_and_warns(db, building, pg_url, caplog) -> None:
    building("alpha", (PRM, "consumption"))
    fake = RevokedAfter(today=date(2026, 10, 20))
    months = [BuildingMonth("alpha", date(2026, 9, 1), "Europe/Paris")]
    policy = SyncPolicy(date(2026, 10, 20), mode="backfill", max_concurrency=1)
    caplog.set_level(logging.WARNING, logger="linky_pipeline.lib.sync.run")
    with (
        Server(fake) as server,
        EnedisClient(server.url, CLIENT_ID, CLIENT_SECRET, today=lambda: policy.reference) as api,
    ):
        summary = sync_partitions(lambda: psycopg.connect(pg_url), {"enedis": api}, months, policy, actor="test")
    assert summary.consent_lost == [PRM]
    assert not summary.failure  # a withdrawn consent is notified on its own, it is not an outage
    db.rollback()
    curve = db.execute(
        "SELECT window_start, http_status FROM raw_load_curves WHERE endpoint = 'consumption_load_curve' "
        "ORDER BY window_start"
    ).fetchall()
    assert curve == [(date(2026, 9, 1), 200), (date(2026, 9, 8), 200)]  # received before the refusal: landed
    assert db.execute(
        "SELECT count(*) FROM fetch_state WHERE endpoint = 'consumption_load_curve' AND status = 'complete'"
    ).fetchone() == (14,)
    assert db.execute("SELECT status FROM meters").fetchone() == ("consent_revoked",)
    assert db.execute("SELECT count(*) FROM notifications WHERE kind = 'consent_lost'").fetchone()[0] <= 1
    warnings = [r.getMessage() for r in caplog.records if "consent revoked mid-run" in r.getMessage()]
    assert (
        len(warnings) == 1 and f"meter {PRM} of alpha" in warnings[0] and "window(s) received before it" in warnings[0]
    )
