"""Freshness: the nightly service level, checked two ways.

- A FreshnessPolicy on every nightly asset (the UI's asset health): each must have been materialized between
  06:00 yesterday and 06:00 today, Brussels time; the nightly run starts at 02:00, so a failed or missing nightly
  run turns them stale in the morning.
- The `readings_up_to_date` check, run by its own schedule at 09:00 (after Enedis publishes D-1 at 08:00), fails
  when any active meter's readings are more than MAX_LAG_HOURS behind what the provider has published, naming
  the meters: one day behind is the design (the 02:00 run cannot load D-1), two days means a night was missed.
"""

from datetime import UTC, datetime, timedelta
from typing import Final

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.sources.catalog import FETCHED_PROVIDERS
from linky_pipeline.lib.tables.freshness import meter_lags

MAX_LAG_HOURS: Final = 30
NIGHTLY_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=24), timezone="Europe/Brussels"
)


@dg.asset_check(
    asset="readings",
    name=names.READINGS_UP_TO_DATE,
    description=f"Every active meter's readings are at most {MAX_LAG_HOURS} h behind the latest day its provider "
    "has published (day D-1 from 08:00). Fails when the nightly run, or one meter, fell behind; the late "
    "meters are listed.",
    blocking=False,
)
def readings_up_to_date(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        lags = meter_lags(conn, FETCHED_PROVIDERS, datetime.now(UTC))
    late = [lag for lag in lags if lag.lag_hours is None or lag.lag_hours > MAX_LAG_HOURS]
    return dg.AssetCheckResult(
        passed=not late,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(lags)} active meter(s) within {MAX_LAG_HOURS} h of the published data"
            if not late
            else f"{len(late)} of {len(lags)} active meter(s) more than {MAX_LAG_HOURS} h behind"
        ),
        metadata={
            "active_meters": len(lags),
            "late_meters": len(late),
            "max_lag_hours": max((lag.lag_hours or 0.0 for lag in lags), default=0.0),
            "late": dg.MetadataValue.json(
                [
                    {
                        "building": lag.building,
                        "meter": lag.meter_id,
                        "direction": lag.direction,
                        "latest_reading_end": lag.latest_end.isoformat() if lag.latest_end else None,
                        "published_until": lag.published_end.isoformat(),
                        "lag_hours": None if lag.lag_hours is None else round(lag.lag_hours, 1),
                    }
                    for lag in late[:50]
                ]
            ),
        },
    )


freshness_job = dg.define_asset_job(
    names.FRESHNESS_JOB,
    selection=dg.AssetSelection.checks(readings_up_to_date),
    description="Checks that every active meter's readings keep up with what the provider has published.",
)


@dg.schedule(
    cron_schedule="0 9 * * *",
    execution_timezone="Europe/Brussels",
    job=freshness_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def readings_freshness(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:  # noqa: ARG001 - Dagster API
    """09:00 Brussels, after Enedis publishes D-1 (08:00): is every active meter up to date?"""
    return dg.RunRequest()


@dg.definitions
def freshness() -> dg.Definitions:
    return dg.Definitions(asset_checks=[readings_up_to_date], jobs=[freshness_job], schedules=[readings_freshness])
