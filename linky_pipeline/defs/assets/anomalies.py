"""consumption_anomalies: the seed's 7-day moving-average rule, per day and per interval."""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.work import Materialized, rebuild_each, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables.anomalies import count_by_severity, rebuild_anomalies


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_consumption", "readings"],
    group_name=names.ANOMALIES,
    kinds={"postgres", "pandas"},
)
def consumption_anomalies(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Materialized:
    """Days and intervals of consumption above 120 % of their 7-day moving average (Minor < 150 % ≤ Major ≤ 200 %
    < Critical), with stable ids so re-runs never duplicate a row or a notification."""
    partitions = run_partitions(context, warehouse)
    metadata = rebuild_each(partitions, warehouse, rebuild_anomalies)
    with warehouse.connect() as conn:
        by_severity = count_by_severity(conn, partitions)
    return dg.MaterializeResult(metadata={**metadata, "by_severity": dg.MetadataValue.json(by_severity)})
