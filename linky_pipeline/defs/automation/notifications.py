"""Sensors that turn anomalies, expiring consents and failed runs into outbox rows, and the delivery job.

Exactly once: outbox rows are keyed by the event (anomaly × channel × recipient, meter × consent end, run id), so
a sensor tick or a run that repeats adds nothing; the deliverer locks each row while sending it.
"""

from datetime import UTC, datetime

import dagster as dg
from dagster._core.execution.plan.objects import StepFailureData

from linky_pipeline.defs.partitions import parse_partition_key
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import next_month
from linky_pipeline.lib.notify.meter_events import enqueue_consent_expiries
from linky_pipeline.lib.notify.outbox import deliver_due, enqueue, pending_count
from linky_pipeline.lib.notify.rules import enqueue_anomaly_notifications

ANOMALIES = dg.AssetKey("consumption_anomalies")


@dg.op
def deliver_outbox(context: dg.OpExecutionContext, warehouse: WarehouseResource, notifier: NotifierResource) -> None:
    """Send every due notification; failures are retried later with backoff, never dropped."""
    report = deliver_due(warehouse.database_url, notifier.senders(), datetime.now(UTC))
    context.log.info(f"notifications: sent {report.sent}, retried {report.retried}, dead {report.dead}")


@dg.job(
    executor_def=dg.in_process_executor,
    description="Sends every due notification of the outbox (anomaly e-mails and webhooks, consent expiry notices, "
    "run failures) through the configured channels; launched by the sensors. A failed delivery is retried with "
    "backoff, never dropped; each notification is sent once.",
    tags={"domain": "notifications"},
)
def deliver_notifications() -> None:
    deliver_outbox()


@dg.sensor(job=deliver_notifications, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def anomaly_notification_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    """New consumption_anomalies materializations → outbox rows for matching rules → one delivery run."""
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=ANOMALIES, after_storage_id=after), limit=1000, ascending=True
    )
    if not result.records:
        return dg.SkipReason("no new anomaly materialization")
    created = 0
    with warehouse.connect() as conn, conn.transaction():
        for building, month in sorted(
            {parse_partition_key(r.partition_key) for r in result.records if r.partition_key}
        ):
            created += enqueue_anomaly_notifications(conn, building, month, next_month(month))
    last = max(r.storage_id for r in result.records)
    context.log.info(f"{created} notification(s) queued from {len(result.records)} materialization(s)")
    with warehouse.connect() as conn:
        pending = pending_count(conn)
    requests = [dg.RunRequest(run_key=f"deliver:anomalies:{last}")] if pending else []
    return dg.SensorResult(run_requests=requests, cursor=str(last))


@dg.sensor(job=deliver_notifications, minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING)
def consent_expiry_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.RunRequest | dg.SkipReason:
    """Consents ending within 30 days → one notice per meter and end date (renewing moves the date)."""
    now = datetime.now(UTC)
    with warehouse.connect() as conn, conn.transaction():
        created = enqueue_consent_expiries(conn, now)
    if not created:
        return dg.SkipReason("no consent expiring in the next 30 days without a notice")
    context.log.info(f"{created} consent expiry notice(s) queued")
    return dg.RunRequest(run_key=f"deliver:consent:{now:%Y-%m-%dT%H}")


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING, monitor_all_code_locations=False)
def run_failure_to_ops_webhook(
    context: dg.RunFailureSensorContext, warehouse: WarehouseResource, notifier: NotifierResource
) -> None:
    """A failed run posts to the ops webhook (signed, retried through the outbox)."""
    if not notifier.ops_webhook_url:
        return
    run = context.dagster_run
    why = [  # which step failed and why (the errors are scrubbed where they are raised)
        f"{e.step_key}: {data.error.message.strip()}"
        for e in context.get_step_failure_events()
        if isinstance(data := e.event_specific_data, StepFailureData) and data.error is not None
    ]
    payload = {
        "job_name": run.job_name,
        "run_id": run.run_id,
        "error": "\n".join([context.failure_event.message or "", *why]).strip(),
        "building_code": None,
    }
    with warehouse.connect() as conn, conn.transaction():
        enqueue(conn, "run_failure", f"run_failure:{run.run_id}", None, "webhook", notifier.ops_webhook_url, payload)
    senders = {k: v for k, v in notifier.senders().items() if k == "webhook"}
    deliver_due(warehouse.database_url, senders, datetime.now(UTC))
