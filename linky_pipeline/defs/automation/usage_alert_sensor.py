"""New usage_alerts materializations → outbox rows for the rules of their type → one delivery run."""

import dagster as dg

from linky_pipeline.defs.automation.notifications import deliver_notifications
from linky_pipeline.defs.partitions import parse_partition_key
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import next_month
from linky_pipeline.lib.notify.outbox import pending_count
from linky_pipeline.lib.notify.rules import enqueue_usage_alert_notifications

USAGE_ALERTS = dg.AssetKey("usage_alerts")


@dg.sensor(job=deliver_notifications, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def usage_alert_notification_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    """Exactly once: rows are keyed by alert × channel × recipient, so a repeated tick adds nothing."""
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=USAGE_ALERTS, after_storage_id=after), limit=1000, ascending=True
    )
    if not result.records:
        return dg.SkipReason("no new usage_alerts materialization")
    created = 0
    with warehouse.connect() as conn, conn.transaction():
        for building, month in sorted(
            {parse_partition_key(r.partition_key) for r in result.records if r.partition_key}
        ):
            created += enqueue_usage_alert_notifications(conn, building, month, next_month(month))
    last = max(r.storage_id for r in result.records)
    context.log.info(f"{created} usage alert notification(s) queued from {len(result.records)} materialization(s)")
    with warehouse.connect() as conn:
        pending = pending_count(conn)
    requests = [dg.RunRequest(run_key=f"deliver:usage_alerts:{last}")] if pending else []
    return dg.SensorResult(run_requests=requests, cursor=str(last))
