"""consumption_anomalies: the seed's 7-day moving-average rule, per day and per interval."""

import dagster as dg

from linky_pipeline.defs.context import run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources import WarehouseResource
from linky_pipeline.defs.warehouse_tables import rebuild_each
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.lib.warehouse.anomalies import rebuild_anomalies


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_consumption", "readings"],
    group_name="anomalies",
    kinds={"postgres", "pandas"},
)
def consumption_anomalies(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Days and intervals of consumption above 120 % of their 7-day moving average (Minor < 150 % ≤ Major ≤ 200 %
    < Critical), with stable ids so re-runs never duplicate a row or a notification."""
    metadata = rebuild_each(context, warehouse, rebuild_anomalies)
    work = run_partitions(context)
    with warehouse.connect() as conn:
        by_severity = dict(
            conn.execute(
                load_sql("count_anomalies_by_severity"),
                {
                    "buildings": sorted({b for b, _ in work}),
                    "start": min(m for _, m in work),
                    "end": max(m for _, m in work),
                },
            ).fetchall()
        )
    return dg.MaterializeResult(metadata={**metadata, "by_severity": dg.MetadataValue.json(by_severity)})
