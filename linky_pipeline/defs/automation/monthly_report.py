"""The monthly report: rendered on the 8th for the month before (its last days have settled), then e-mailed once."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from linky_pipeline.defs.automation.notifications import deliver_notifications
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.partitions import building_partitions, parse_partition_key
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import BRUSSELS, month_start, next_month, today_in
from linky_pipeline.lib.domain.registry import active_building_codes
from linky_pipeline.lib.notify.outbox import pending_count
from linky_pipeline.lib.report.mail import enqueue_monthly_report_email

MONTHLY_REPORT = dg.AssetKey("monthly_report")
monthly_report_job = dg.define_asset_job(
    "linky_monthly_report",
    selection=dg.AssetSelection.assets(MONTHLY_REPORT),
    description="HTML + PDF energy report of a building × month rectangle.",
)


def previous_month(reference: date) -> date:
    return month_start(month_start(reference) - timedelta(days=1))


@dg.schedule(
    cron_schedule="0 6 8 * *",
    execution_timezone="Europe/Brussels",
    job=monthly_report_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def monthly_report_schedule(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
) -> dg.RunRequest | dg.SkipReason:
    """Every building with an active meter, the month before the scheduled date."""
    reference = context.scheduled_execution_time.astimezone(BRUSSELS).date()
    with warehouse.connect() as conn:
        active = set(active_building_codes(conn))
    ordered = [b for b in context.instance.get_dynamic_partitions(building_partitions.name or "") if b in active]
    if not ordered:
        return dg.SkipReason("no building with an active meter is registered as a partition yet")
    month = previous_month(reference)
    return dg.RunRequest(
        run_key=f"monthly_report:{month:%Y-%m}", tags=rectangle_tags(ordered[0], ordered[-1], month, month)
    )


@dg.sensor(job=deliver_notifications, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
def monthly_report_email_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    """Reports of finished months → one e-mail per recipient with the PDF attached (a re-render sends nothing)."""
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=MONTHLY_REPORT, after_storage_id=after), limit=1000, ascending=True
    )
    if not result.records:
        return dg.SkipReason("no new monthly_report materialization")
    today = today_in(BRUSSELS, datetime.now(UTC))
    created = 0
    with warehouse.connect() as conn, conn.transaction():
        for building, month in sorted(
            {parse_partition_key(r.partition_key) for r in result.records if r.partition_key}
        ):
            if next_month(month) <= today:  # the current month's report is a draft: never mailed
                created += enqueue_monthly_report_email(conn, building, month)
    last = max(r.storage_id for r in result.records)
    with warehouse.connect() as conn:
        pending = pending_count(conn)
    context.log.info(f"{created} monthly report e-mail(s) queued")
    requests = [dg.RunRequest(run_key=f"deliver:monthly_report:{last}")] if pending else []
    return dg.SensorResult(run_requests=requests, cursor=str(last))
