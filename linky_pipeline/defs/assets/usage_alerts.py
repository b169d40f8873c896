"""usage_alerts: max power above the subscribed kVA, standby rises and week-over-week increases."""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.work import rebuild_each, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables import usage_alerts as alerts
from linky_pipeline.lib.tables.usage_alerts import count_by_rule, rebuild_usage_alerts


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_max_power", "readings", "daily_consumption", "daily_cost"],
    group_name=names.ANOMALIES,
    kinds={"postgres", "pandas"},
    freshness_policy=NIGHTLY_FRESHNESS,
    **table_asset("usage_alerts", "warehouse", alerts),
)
def usage_alerts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    """Days above the subscribed power, first nights of a standby rise over its 28-night median, weeks above the
    previous week in kWh or €; thresholds from the building's alert rules; stable ids, so each is notified once."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, rebuild_usage_alerts, "usage_alerts")
    with warehouse.connect() as conn:
        for bm in partitions:
            by_rule = count_by_rule(conn, [bm])
            record(context, bm, {**written[bm], "by_rule": dg.MetadataValue.json(by_rule)})
    return dg.MaterializeResult()
