"""02:00 Europe/Brussels: one run for every active building, one per building with gaps due again in older months
(and a late-data catch-up, shipped stopped).

The run's reference date comes from the scheduled time, never from now(): on the spring-forward night Dagster
fires at 03:00 and on the fall-back night at the second 02:00, and both still mean "this local date".
"""

from datetime import date, timedelta

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.automation.jobs import sync_job
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.partitions import BUILDING_PARTITIONS, FIRST_MONTH
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import BRUSSELS, month_start
from linky_pipeline.lib.domain.registry import active_building_codes
from linky_pipeline.lib.sync.gaps import due_gap_months

PREVIOUS_MONTH_GRACE_DAYS = 7


def sync_months(reference: date) -> tuple[date, date]:
    """Current month, and the previous one during the first days of a month (its last days settle late)."""
    current = month_start(reference)
    if reference.day <= PREVIOUS_MONTH_GRACE_DAYS:
        return month_start(current - timedelta(days=1)), current
    return current, current


def sync_request(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource, label: str
) -> list[dg.RunRequest] | dg.SkipReason:
    """The nightly run over every active building, plus one run per building whose gaps in older months are due
    again (a gap is never final by age: lib/sync/gaps.py)."""
    reference = context.scheduled_execution_time.astimezone(BRUSSELS).date()
    first_month, last_month = sync_months(reference)
    with warehouse.connect() as conn:
        active = set(active_building_codes(conn))
        gaps = due_gap_months(conn, reference, before=first_month)
    ordered = [b for b in context.instance.get_dynamic_partitions(BUILDING_PARTITIONS) if b in active]
    if not ordered:
        return dg.SkipReason("no building with an active meter is registered as a partition yet")
    common = {names.MODE_TAG: "nightly", names.REFERENCE_DATE_TAG: reference.isoformat()}
    requests = [
        dg.RunRequest(
            run_key=f"{label}:{reference.isoformat()}",
            tags={
                **rectangle_tags(ordered[0], ordered[-1], first_month, last_month),
                **common,
                names.TRIGGER_TAG: label,
            },
        )
    ]
    oldest = date.fromisoformat(FIRST_MONTH)
    for building in (b for b in ordered if b in gaps):
        first, last = gaps[building]
        first = max(first, oldest)
        if first > last:
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"{label}-gaps:{building}:{reference.isoformat()}",
                tags={
                    **rectangle_tags(building, building, first, last),
                    **common,
                    names.TRIGGER_TAG: f"{label}-gaps",
                },
            )
        )
    return requests


@dg.schedule(
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Brussels",
    job=sync_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_sync(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Every active building, current month (+ previous month in its first 7 days), trailing window re-fetched;
    and, per building, the older months whose gaps are due again."""
    return sync_request(context, warehouse, "nightly")


@dg.schedule(
    cron_schedule="0 10 * * *",
    execution_timezone="Europe/Brussels",
    job=sync_job,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def late_data_catch_up(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Enedis publishes D-1 from 08:00 and some meters later: switch this on to pick up the same day's data."""
    return sync_request(context, warehouse, "catch-up")
