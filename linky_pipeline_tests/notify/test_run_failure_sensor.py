"""A failed run is posted once, signed, to the ops webhook."""

from __future__ import annotations

import dagster as dg

from linky_pipeline.defs.automation.notifications import run_failure_to_ops_webhook
from linky_pipeline.defs.resources.definitions import WarehouseResource
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.lib.notify.webhook import verify_signature
from linky_pipeline_tests.support.webhooks import WEBHOOK_SECRET


@dg.op
def explode() -> None:
    raise RuntimeError("meter API unreachable")


@dg.job
def doomed() -> None:
    explode()


def test_failed_run_posts_a_signed_webhook_once(db, pg_url, webhook_receiver) -> None:
    notifier = NotifierResource(webhook_secret=WEBHOOK_SECRET, ops_webhook_url=webhook_receiver.url)
    resources = {"warehouse": WarehouseResource(database_url=pg_url), "notifier": notifier}
    with dg.instance_for_test() as instance:
        result = doomed.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        for _ in range(2):  # a repeated tick must not post twice
            context = dg.build_run_status_sensor_context(
                sensor_name="run_failure_to_ops_webhook",
                dagster_event=failure,
                dagster_instance=instance,
                dagster_run=result.dagster_run,
                resources=resources,
            ).for_run_failure()
            run_failure_to_ops_webhook(context)
    assert len(webhook_receiver.received) == 1
    request = webhook_receiver.received[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(
        WEBHOOK_SECRET,
        int(headers["x-linky-timestamp"]),
        request.body,
        headers["x-linky-signature"],
        now=int(headers["x-linky-timestamp"]),
    )
    body = request.json()
    assert body["data"]["run_id"] == result.run_id and body["data"]["job_name"] == "doomed"
    assert "explode" in body["data"]["error"]  # the failed step, to start looking
