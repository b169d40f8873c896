"""daily_cost → monthly_cost: interval energy priced with each building's tariffs, per building-month."""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.work import rebuild_each, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables import cost
from linky_pipeline.lib.tables.cost import cost_summary, rebuild_daily_cost, rebuild_monthly_cost


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["readings", "daily_consumption"],
    group_name=names.COSTS,
    kinds={"postgres", "pandas"},
    freshness_policy=NIGHTLY_FRESHNESS,
    **table_asset("daily_cost", "warehouse", cost),
)
def daily_cost(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    """kWh and € per tariff period, subscription share, total, completeness and `partial` per consumption meter and
    local day (detail per period in daily_cost_periods). Intervals straddling a period boundary are split pro rata;
    an unknown Tempo colour leaves that energy unpriced and the day partial."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, rebuild_daily_cost, "daily_cost")
    with warehouse.connect() as conn:
        for bm in partitions:
            record(context, bm, {**written[bm], **cost_summary(conn, [bm], "daily_cost")})
    return dg.MaterializeResult()


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_cost"],
    group_name=names.COSTS,
    kinds={"postgres"},
    freshness_policy=NIGHTLY_FRESHNESS,
    **table_asset("monthly_cost", "warehouse", cost),
)
def monthly_cost(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    """The local month per priced meter (sum of its days, exact decimals), with the days priced and partial."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, rebuild_monthly_cost, "monthly_cost")
    with warehouse.connect() as conn:
        for bm in partitions:
            record(context, bm, {**written[bm], **cost_summary(conn, [bm], "monthly_cost")})
    return dg.MaterializeResult()
